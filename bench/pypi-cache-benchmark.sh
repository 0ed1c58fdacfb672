#!/usr/bin/env bash
# Measures the PyPI cache (docs/benchmarks.md, "PyPI cache"): upstream requests and bytes
# for BUILDS isolated builds that each download their own build requirements from the PyPI
# stand-in, against the same builds through the farm's cache, in one run; then the latency
# of a cache hit against a direct fetch from the stand-in.
#
#   bench/pypi-cache-benchmark.sh
#   BUILDS=5 FETCHES=50 bench/pypi-cache-benchmark.sh
#
# Needs what the tests need (README): Debian's python3-build, python3-venv and the
# python3-setuptools-whl / python3-wheel-whl wheels the stand-in serves. Uses the local
# PostgreSQL when WHEELFARM_TEST_JDBC_URL is set, else an embedded one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
mvn -B -q -pl orchestrator -am test -Dtest=PypiCacheBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
	-Dbench.builds="${BUILDS:-20}" -Dbench.fetches="${FETCHES:-200}" -Dbench.parallel="${PARALLEL:-2}" \
	-Dsurefire.redirectTestOutputToFile=false 2>&1 | sed -n '/PYPI CACHE BENCHMARK/,/ratio of medians/p'
