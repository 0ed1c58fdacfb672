#!/usr/bin/env bash
# Measures the README's run commands (docs/benchmarks.md, "Start-up"): how long each takes
# to answer /actuator/health = UP on a fresh data directory (initdb and every migration
# included) and on a restart, how much CPU the JVM used until then, and its resident memory
# (RSS) once it is idle. The commands are read from README.md and docs/operators.md, so what
# is measured is what is documented:
#   plain      the "Run it" command, `java -jar orchestrator/target/wheelfarm.jar`;
#   fast, fast-jdk17, ...
#              docs/operators.md, "Start faster, with less memory": each fenced block after a
#              "<!-- bench/startup-benchmark.sh runs this block as KIND with JDK N -->"
#              comment. Its last line is the run command, the lines before it prepare it
#              once per build (extract the jar, write the cache or archive in a training
#              run stopped once UP). `java` in a block is the JDK named by JDK<N> (e.g.
#              JDK25=/usr/lib/jvm/temurin-25-jdk-amd64), else `java` on the PATH; a block
#              whose JDK is older than N is skipped. KINDS="fast" measures only those named.
# With BASELINE_JAR set, that jar (e.g. main's build) is measured too, in the same rounds,
# with main's command (`java -jar`) or, with BASELINE_KIND=fast-jdk17, with that block: the
# kinds of start alternate within each round, so a change in the machine's load hits every
# build alike. The plain command is then measured only with PLAIN=1.
#
#   bench/startup-benchmark.sh                                   # builds the jar first
#   SKIP_BUILD=1 ROUNDS=5 BASELINE_JAR=/tmp/main.jar [PLAIN=1] bench/startup-benchmark.sh
#   JDK25=/usr/lib/jvm/temurin-25-jdk-amd64 BASELINE_JAR=/tmp/main.jar BASELINE_KIND=fast-jdk17 KINDS=fast …
#   REFERENCE=1 bench/startup-benchmark.sh   # adds the plain jar on the machine's PostgreSQL
#
# Reported per kind: the median and spread of the wall-clock time from `java` to the first
# UP, of the JVM's CPU time (user + system, from /proc at UP), and of its RSS IDLE_SECONDS
# after UP (default 10; nothing calls it meanwhile). Needs: JDK 17+, Maven, curl, bc, and
# psql for REFERENCE. Not part of `mvn verify`.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
PORT="${PORT:-18095}"
IDLE_SECONDS="${IDLE_SECONDS:-10}"
JAR="${JAR:-$ROOT/orchestrator/target/wheelfarm.jar}"
BASELINE_JAR="${BASELINE_JAR:-}"
REFERENCE_PG="${REFERENCE_PG:-127.0.0.1:5432}"
PG_HOST="${REFERENCE_PG%:*}"
PG_PORT="${REFERENCE_PG#*:}"

for tool in java curl bc; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
if [ -z "${SKIP_BUILD:-}" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
fi

# The README's commands. "Run it" has one `java -jar` line after the build; each fast block
# is the fenced block that follows its marker comment, one command per line.
plain_command="$(sed -n '/^## Run it/,/^## /p' "$ROOT/README.md" | grep -m1 -o 'java -jar [^ ]*')"
MARKER='<!-- bench/startup-benchmark.sh runs this block as '
# block_lines KIND: the block's commands, comments and blank lines left out
block_lines() {
	awk -v marker="$MARKER$1 with JDK " 'index($0, marker) == 1 {on = 1; next} on && /^```/ {if (++fence == 2) exit; next} on && fence == 1' \
		"$ROOT/docs/operators.md" | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$'
}
# java_for N: the java named by JDK<N>, else the PATH's
java_for() {
	local home_var="JDK$1"
	if [ -n "${!home_var:-}" ]; then echo "${!home_var}/bin/java"; else echo java; fi
}
# feature_version JAVA: 17 for "17.0.15", 25 for "25.0.3"
feature_version() {
	"$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}'
}
declare -A block_jdk
while read -r kind jdk; do
	block_jdk[$kind]="$jdk"
done < <(grep -o "^$MARKER[a-z0-9-]* with JDK [0-9]*" "$ROOT/docs/operators.md" | sed "s|^$MARKER||; s| with JDK | |")
fast_kinds=()
for kind in "${!block_jdk[@]}"; do
	if [ -n "${KINDS:-}" ] && [[ " $KINDS " != *" $kind "* ]]; then
		continue
	fi
	java="$(java_for "${block_jdk[$kind]}")"
	if [ "$(feature_version "$java")" -lt "${block_jdk[$kind]}" ]; then
		echo "skipping $kind: needs JDK ${block_jdk[$kind]}, $java is $(feature_version "$java") (set JDK${block_jdk[$kind]})" >&2
		continue
	fi
	fast_kinds+=("$kind")
done
[ "${#fast_kinds[@]}" -eq 0 ] || mapfile -t fast_kinds < <(printf '%s\n' "${fast_kinds[@]}" | sort)
BASELINE_KIND="${BASELINE_KIND:-}"
[ -n "$plain_command" ] && [ "${#block_jdk[@]}" -ge 1 ] || { echo "README.md / docs/operators.md: run commands not found" >&2; exit 2; }
[ -z "$BASELINE_KIND" ] || [ -n "${block_jdk[$BASELINE_KIND]:-}" ] || { echo "BASELINE_KIND: no block $BASELINE_KIND" >&2; exit 2; }

WORK="$(mktemp -d /tmp/wheelfarm-startup.XXXXXX)"
APP_PID=""
cleanup() {
	if [ -n "$APP_PID" ]; then
		kill "$APP_PID" 2>/dev/null || true
		wait "$APP_PID" 2>/dev/null || true
	fi
	if [ -n "${REFERENCE:-}" ]; then
		for db in $(seq 1 "$ROUNDS"); do
			psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS wheelfarm_startup_$db" 2>/dev/null || true
		done
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
TICKS="$(getconf CLK_TCK)"
PAGE_KB="$(($(getconf PAGESIZE) / 1024))"

# Each build gets a directory laid out like a checkout, so the README's relative paths hold.
layout() {
	local dir="$1" jar="$2"
	mkdir -p "$dir/orchestrator/target"
	cp "$jar" "$dir/orchestrator/target/wheelfarm.jar"
}
layout "$WORK/new" "$JAR"
for kind in "${fast_kinds[@]}"; do
	layout "$WORK/new-$kind" "$JAR"
done
if [ -n "$BASELINE_JAR" ]; then
	layout "$WORK/baseline" "$BASELINE_JAR"
fi
PLAIN="${PLAIN:-}"
[ -z "$BASELINE_JAR" ] && PLAIN=1

wait_up() {
	local log="$1"
	until curl -fs "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null | grep -q '"UP"'; do
		kill -0 "$APP_PID" 2>/dev/null || { tail -50 "$log"; exit 1; }
		sleep 0.05
	done
}

# with_java JAVA LINE: the line with its leading `java` replaced by JAVA
with_java() {
	local line="$2"
	[[ "$line" == "java "* ]] && line="$1 ${line#java }"
	echo "$line"
}

# prepare KIND DIR: runs every line of the kind's block but the last, in DIR; a line that
# starts the farm (the training run) is stopped with SIGTERM once it is UP, as the
# operators' guide says to. Sets run_command to the block's last line.
declare -A run_command
prepare() {
	local kind="$1" dir="$2" java lines line
	java="$(java_for "${block_jdk[$kind]}")"
	mapfile -t lines < <(block_lines "$kind")
	echo "== preparing $kind in $dir with $java: ${lines[*]:0:${#lines[@]}-1}"
	for line in "${lines[@]:0:${#lines[@]}-1}"; do
		line="$(with_java "$java" "$line")"
		if [[ "$line" == *"-jar wheelfarm/"* ]]; then
			(cd "$dir" && exec $line --server.port="$PORT") >"$dir/prepare.log" 2>&1 &
			APP_PID=$!
			wait_up "$dir/prepare.log"
			kill "$APP_PID"
			wait "$APP_PID" 2>/dev/null || true
			APP_PID=""
		else
			(cd "$dir" && $line) >>"$dir/prepare.log" 2>&1
		fi
	done
	run_command[$dir]="$(with_java "$java" "${lines[${#lines[@]}-1]}")"
}
for kind in "${fast_kinds[@]}"; do
	prepare "$kind" "$WORK/new-$kind"
done
baseline_command="$plain_command"
if [ -n "$BASELINE_JAR" ] && [ -n "$BASELINE_KIND" ]; then
	prepare "$BASELINE_KIND" "$WORK/baseline"
	baseline_command="${run_command[$WORK/baseline]}"
fi

# start KIND DIR COMMAND ARGS...: runs the command in DIR, waits for UP, prints
# "KIND wall cpu rss_mb", stops it.
start() {
	local kind="$1" dir="$2" command="$3"
	shift 3
	local begin end ticks rss
	begin="$(date +%s.%N)"
	(cd "$dir" && exec $command --server.port="$PORT" "$@") >"$WORK/$kind.log" 2>&1 &
	APP_PID=$!
	wait_up "$WORK/$kind.log"
	end="$(date +%s.%N)"
	ticks="$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")"
	sleep "$IDLE_SECONDS"
	rss="$(awk -v kb="$PAGE_KB" '{print $2 * kb / 1024}' "/proc/$APP_PID/statm")"
	kill "$APP_PID"
	wait "$APP_PID" 2>/dev/null || true
	APP_PID=""
	echo "$kind $(echo "$end - $begin" | bc) $(echo "$ticks / $TICKS" | bc -l) $rss"
}

echo "== $ROUNDS rounds; plain: '$plain_command'; fast kinds: ${fast_kinds[*]}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in "${fast_kinds[@]}"; do
	echo "== $kind: '${run_command[$WORK/new-$kind]}'"
done
[ -n "$BASELINE_JAR" ] && echo "== baseline: '$baseline_command'"
for round in $(seq 1 "$ROUNDS"); do
	for start_kind in first restart; do
		if [ -n "$BASELINE_JAR" ]; then
			start "baseline${BASELINE_KIND:+-$BASELINE_KIND}-$start_kind" "$WORK/baseline" "$baseline_command" --wheelfarm.data-dir="$WORK/baseline-$round"
		fi
		if [ -n "$PLAIN" ]; then
			start "plain-$start_kind" "$WORK/new" "$plain_command" --wheelfarm.data-dir="$WORK/plain-$round"
		fi
		for kind in "${fast_kinds[@]}"; do
			start "$kind-$start_kind" "$WORK/new-$kind" "${run_command[$WORK/new-$kind]}" --wheelfarm.data-dir="$WORK/$kind-$round"
		done
	done
	if [ -n "${REFERENCE:-}" ]; then
		db="wheelfarm_startup_$round"
		psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $db"
		start reference "$WORK/new" "$plain_command" --wheelfarm.data-dir="$WORK/reference-$round" \
			--spring.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/$db" --spring.datasource.username=postgres
	fi
done | tee "$WORK/results.txt"

# stats KIND COLUMN: "median (min–max)" over the rounds
stats() {
	awk -v kind="$1" -v col="$2" '$1 == kind {print $col}' "$WORK/results.txt" | sort -n |
		awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f (%.2f–%.2f)", m, v[1], v[NR]}'
}
echo
echo "| start | wall to UP, s | JVM CPU to UP, s | idle RSS, MB |"
echo "|---|---|---|---|"
for kind in $(awk '{print $1}' "$WORK/results.txt" | awk '!seen[$0]++'); do
	echo "| $kind | $(stats "$kind" 2) | $(stats "$kind" 3) | $(stats "$kind" 4) |"
done
echo
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in "${fast_kinds[@]}" ${BASELINE_KIND:+"$BASELINE_KIND"}; do
	echo "$kind: $("$(java_for "${block_jdk[$kind]}")" -version 2>&1 | head -1)"
done
if [ -n "$PLAIN" ] || { [ -n "$BASELINE_JAR" ] && [ -z "$BASELINE_KIND" ]; }; then
	echo "plain command: $(java -version 2>&1 | head -1)"
fi
