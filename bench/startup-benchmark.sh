#!/usr/bin/env bash
# Measures the README's run commands (docs/benchmarks.md, "Start-up"): how long each takes
# to answer /actuator/health = UP on a fresh data directory (initdb and every migration
# included) and on a restart, how much CPU the JVM used until then, and its resident memory
# (RSS) once it is idle. The commands are read from README.md and docs/operators.md, so what
# is measured is what is documented:
#   plain      the "Run it" command, `java -jar orchestrator/target/wheelfarm.jar`;
#   fast       docs/operators.md, "Start faster, with less memory": its last line is the run
#              command, the lines before it prepare it once per build (extract the jar,
#              write the class-data archive in a training run stopped once UP).
# With BASELINE_JAR set, that jar (e.g. main's build) is measured too, with main's command
# (`java -jar`), in the same rounds: the kinds of start alternate within each round, so a
# change in the machine's load hits every build alike. The plain command is then measured
# only with PLAIN=1 (it is the baseline's command on the new jar).
#
#   bench/startup-benchmark.sh                                   # builds the jar first
#   SKIP_BUILD=1 ROUNDS=5 BASELINE_JAR=/tmp/main.jar [PLAIN=1] bench/startup-benchmark.sh
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

# The README's commands. "Run it" has one `java -jar` line after the build; the fast block
# is the fenced block that follows the marker comment, one command per line.
plain_command="$(sed -n '/^## Run it/,/^## /p' "$ROOT/README.md" | grep -m1 -o 'java -jar [^ ]*')"
mapfile -t fast_lines < <(sed -n '/<!-- bench\/startup-benchmark.sh runs this block -->/,/^```$/p' "$ROOT/docs/operators.md" |
	sed '1,2d;$d' | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$')
[ -n "$plain_command" ] && [ "${#fast_lines[@]}" -ge 1 ] || { echo "README.md / docs/operators.md: run commands not found" >&2; exit 2; }

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
[ -n "$BASELINE_JAR" ] && layout "$WORK/baseline" "$BASELINE_JAR"
PLAIN="${PLAIN:-}"
[ -z "$BASELINE_JAR" ] && PLAIN=1

wait_up() {
	local log="$1"
	until curl -fs "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null | grep -q '"UP"'; do
		kill -0 "$APP_PID" 2>/dev/null || { tail -50 "$log"; exit 1; }
		sleep 0.05
	done
}

# Prepares the fast command once: every line but the last. A line that starts the farm
# (the training run) is stopped with SIGTERM once it is UP, as the README says to.
echo "== preparing: ${fast_lines[*]:0:${#fast_lines[@]}-1}"
for line in "${fast_lines[@]:0:${#fast_lines[@]}-1}"; do
	if [[ "$line" == *"-jar wheelfarm/"* ]]; then
		(cd "$WORK/new" && exec $line --server.port="$PORT") >"$WORK/prepare.log" 2>&1 &
		APP_PID=$!
		wait_up "$WORK/prepare.log"
		kill "$APP_PID"
		wait "$APP_PID" 2>/dev/null || true
		APP_PID=""
	else
		(cd "$WORK/new" && $line) >>"$WORK/prepare.log" 2>&1
	fi
done
fast_command="${fast_lines[${#fast_lines[@]}-1]}"

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

echo "== $ROUNDS rounds; plain: '$plain_command'; fast: '$fast_command'; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
	if [ -n "$BASELINE_JAR" ]; then
		start baseline-first "$WORK/baseline" "$plain_command" --wheelfarm.data-dir="$WORK/baseline-$round"
	fi
	if [ -n "$PLAIN" ]; then
		start plain-first "$WORK/new" "$plain_command" --wheelfarm.data-dir="$WORK/plain-$round"
	fi
	start fast-first "$WORK/new" "$fast_command" --wheelfarm.data-dir="$WORK/fast-$round"
	if [ -n "$BASELINE_JAR" ]; then
		start baseline-restart "$WORK/baseline" "$plain_command" --wheelfarm.data-dir="$WORK/baseline-$round"
	fi
	if [ -n "$PLAIN" ]; then
		start plain-restart "$WORK/new" "$plain_command" --wheelfarm.data-dir="$WORK/plain-$round"
	fi
	start fast-restart "$WORK/new" "$fast_command" --wheelfarm.data-dir="$WORK/fast-$round"
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
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
