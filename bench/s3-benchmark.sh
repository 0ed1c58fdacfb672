#!/usr/bin/env bash
# Measures the S3 blob store and the export to a bucket (docs/benchmarks.md, "Blob store and
# export to a bucket"), in one run: /files/ of the same wheel from a farm whose blobs are in a
# bucket (s3proxy, stream mode) against a farm whose blobs are on the local disk, with wrk;
# then the static export of PROJECTS projects to a bucket against the same to a directory.
#
#   bench/s3-benchmark.sh
#   PROJECTS=200 ROUNDS=1 DURATION=5s bench/s3-benchmark.sh
#
# Needs what the tests need (README; s3proxy is fetched by Maven) and wrk (Debian:
# apt-get install -y wrk). Uses the local PostgreSQL when WHEELFARM_TEST_JDBC_URL is set,
# else an embedded one. Tunables: WHEEL_KB (1024), CONNECTIONS (8), DURATION (10s),
# ROUNDS (3), PROJECTS (1000), FILES (3 wheels per project), FILE_KB (16).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
command -v wrk >/dev/null || { echo "missing: wrk" >&2; exit 2; }
mvn -B -q -pl orchestrator -am test -Dtest=S3Benchmark -Dsurefire.failIfNoSpecifiedTests=false \
	-Dbench.wheel-kb="${WHEEL_KB:-1024}" -Dbench.connections="${CONNECTIONS:-8}" \
	-Dbench.duration="${DURATION:-10s}" -Dbench.rounds="${ROUNDS:-3}" -Dbench.projects="${PROJECTS:-1000}" \
	-Dbench.files="${FILES:-3}" -Dbench.file-kb="${FILE_KB:-16}" \
	-Dsurefire.redirectTestOutputToFile=false 2>&1 | sed -n '/^S3 BENCHMARK/,/^END S3 BENCHMARK/p'
