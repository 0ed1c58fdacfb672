#!/usr/bin/env bash
# Measures how long the README's run command takes to answer /actuator/health = UP
# (docs/benchmarks.md, "Start-up"), against a reference measured in the same run: the same
# jar started against an already running PostgreSQL, i.e. without the embedded database.
#
#   bench/startup-benchmark.sh              # builds the jar first
#   SKIP_BUILD=1 ROUNDS=7 bench/startup-benchmark.sh
#   JAR=/tmp/other.jar SKIP_BUILD=1 bench/startup-benchmark.sh   # another build, same harness
#
# Each round runs, in this order: a first start (a fresh data directory: initdb and every
# migration), a restart (the same directory: the cluster and schema are reused), and the
# reference (a fresh database on REFERENCE_PG, default the machine's server on
# 127.0.0.1:5432 as environment.md describes). Reported: the median and the spread of the
# wall-clock time from `java` to the first UP, and of the JVM's CPU time (user + system, read
# from /proc when UP is seen), which depends much less on what else runs on the machine.
# Needs: JDK 17+, Maven, curl, psql, bc. Not part of `mvn verify`.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
PORT="${PORT:-18095}"
JAR="${JAR:-$ROOT/orchestrator/target/wheelfarm.jar}"
REFERENCE_PG="${REFERENCE_PG:-127.0.0.1:5432}"
PG_HOST="${REFERENCE_PG%:*}"
PG_PORT="${REFERENCE_PG#*:}"

for tool in java curl psql bc; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
if [ -z "${SKIP_BUILD:-}" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
fi

WORK="$(mktemp -d /tmp/wheelfarm-startup.XXXXXX)"
APP_PID=""
cleanup() {
	[ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
	for db in $(seq 1 "$ROUNDS"); do
		psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS wheelfarm_startup_$db" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
TICKS="$(getconf CLK_TCK)"

# start NAME ARGS...: starts the jar, waits for UP, prints "NAME wall cpu", stops it.
start() {
	local name="$1"
	shift
	local begin end ticks
	begin="$(date +%s.%N)"
	java -jar "$JAR" --server.port="$PORT" "$@" >"$WORK/$name.log" 2>&1 &
	APP_PID=$!
	until curl -fs "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null | grep -q '"UP"'; do
		kill -0 "$APP_PID" 2>/dev/null || { tail -50 "$WORK/$name.log"; exit 1; }
		sleep 0.05
	done
	end="$(date +%s.%N)"
	ticks="$(awk '{print $14 + $15}' "/proc/$APP_PID/stat")"
	kill "$APP_PID"
	wait "$APP_PID" 2>/dev/null || true
	APP_PID=""
	echo "$name $(echo "$end - $begin" | bc) $(echo "$ticks / $TICKS" | bc -l)"
}

echo "== $ROUNDS rounds of: first start, restart, reference ($JAR; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq 1 "$ROUNDS"); do
	data="$WORK/data-$round"
	db="wheelfarm_startup_$round"
	psql -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $db"
	start first --wheelfarm.data-dir="$data"
	start restart --wheelfarm.data-dir="$data"
	start reference --wheelfarm.data-dir="$WORK/reference-$round" \
		--spring.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/$db" --spring.datasource.username=postgres
done | tee "$WORK/results.txt"

# stats KIND COLUMN: "median (min–max)" over the rounds
stats() {
	awk -v kind="$1" -v col="$2" '$1 == kind {print $col}' "$WORK/results.txt" | sort -n |
		awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f s (%.2f–%.2f)", m, v[1], v[NR]}'
}
median() {
	awk -v kind="$1" -v col="$2" '$1 == kind {print $col}' "$WORK/results.txt" | sort -n |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
echo
echo "| start | wall to UP, median (min–max) | JVM CPU, median (min–max) | wall vs reference |"
echo "|---|---|---|---|"
ref="$(median reference 2)"
for kind in first restart reference; do
	echo "| $kind | $(stats "$kind" 2) | $(stats "$kind" 3) | $(awk -v a="$(median "$kind" 2)" -v r="$ref" 'BEGIN { printf "%.2f", a / r }')× |"
done
echo
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
