#!/usr/bin/env bash
# Benchmarks /simple/<project>/ of the orchestrator against nginx serving the static export
# of the same project, on this machine, in the same run (docs/benchmarks.md, "Index").
#
#   bench/index-benchmark.sh            # builds the jar first
#   SKIP_BUILD=1 ROUNDS=5 bench/index-benchmark.sh
#   JARS="before=/tmp/main.jar after=orchestrator/target/wheelfarm.jar" SKIP_BUILD=1 bench/index-benchmark.sh
#
# Every build in JARS (name=path pairs; default: this checkout's jar, named "app") runs at
# the same time on its own port and its own embedded PostgreSQL, seeded alike; nginx serves
# the static export of the first one. Each round measures, for every encoding and format,
# each build and nginx one after the other (the order turns every round), so that what else
# runs on the machine weighs on all of them alike; the summary gives medians over the rounds.
#
# Needs: JDK 17+, Maven, psql, nginx and wrk (Debian: apt-get install -y nginx wrk postgresql-client).
# Tunables: DURATION (default 10s), WARMUP (15s per build, encoding and format), ROUNDS (3), CONNECTIONS (50), THREADS (2), FILES (300),
# APP_PORT (18080; more builds take the next ports), NGINX_PORT (18090), EXPORT_INTERVAL (1m,
# the farm's default: an export every second would charge the farm for re-rendering pages
# while it is measured, which no farm does in production),
# ENCODINGS (default "gzip identity": gzip sends "Accept-Encoding: gzip, deflate" as pip and uv
# do, identity asks for uncompressed pages), FORMATS ("json html"). Not part of `mvn verify`:
# it takes minutes and measures the machine as much as the code.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-15s}" # per build, encoding and format: on a busy machine the JIT needs long
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
FILES="${FILES:-300}"
EXPORT_INTERVAL="${EXPORT_INTERVAL:-1m}"
APP_PORT="${APP_PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-18090}"
JARS="${JARS:-app=$ROOT/orchestrator/target/wheelfarm.jar}"
ENCODINGS="${ENCODINGS:-gzip identity}"
FORMATS="${FORMATS:-json html}"
PROJECT=benchpkg
PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
HTML_ACCEPT='text/html'
APP_ARGS="${APP_ARGS:-}" # extra orchestrator arguments, e.g. --server.jetty.threads.max=8
JAVA_OPTS="${JAVA_OPTS:-}" # extra JVM flags for the orchestrator

for tool in java psql nginx wrk curl; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

WORK="$(mktemp -d /tmp/wheelfarm-bench.XXXXXX)"
# nginx workers run as an unprivileged user: they must be able to reach the export.
chmod 755 "$WORK"
APP_PIDS=()
NGINX_PID=""
cleanup() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
	for pid in "${APP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${SKIP_BUILD:-}" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
fi

accept_of() { if [ "$1" = json ]; then echo "$PIP_ACCEPT"; else echo "$HTML_ACCEPT"; fi; }
encoding_of() { if [ "$1" = gzip ]; then echo "gzip, deflate"; else echo "identity"; fi; }

# start NAME JAR PORT: starts a build on its own embedded PostgreSQL and seeds it.
start() {
	local name="$1" jar="$2" port="$3" pid pg_port
	echo "== starting $name ($jar) on port $port (data in $WORK/$name/data)"
	mkdir -p "$WORK/$name"
	chmod 755 "$WORK/$name"
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM flags
	java $JAVA_OPTS -jar "$jar" --server.port="$port" \
		--wheelfarm.data-dir="$WORK/$name/data" --wheelfarm.dispatch.enabled=false \
		--wheelfarm.index.export-dir="$WORK/$name/export" --wheelfarm.index.export-interval="$EXPORT_INTERVAL" $APP_ARGS \
		>"$WORK/$name/app.log" 2>&1 &
	pid=$!
	APP_PIDS+=("$pid")
	# Up to 10 minutes: on a machine shared with other builds a start can take minutes.
	for _ in $(seq 1 600); do
		curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
		sleep 1
	done
	curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null || { cat "$WORK/$name/app.log"; exit 1; }
	# The embedded server's port is the 4th line of its postmaster.pid; its superuser's
	# password is in the data directory.
	pg_port="$(sed -n 4p "$WORK/$name/data/postgres/postmaster.pid")"
	echo "   seeding $PROJECT with $FILES PyPI files (embedded PostgreSQL on port $pg_port)"
	# Fixed upload times, so that every build renders the same bytes.
	PGPASSWORD="$(cat "$WORK/$name/data/postgres-password")" \
		psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v files="$FILES" <<'SQL'
INSERT INTO repository (url) VALUES ('https://git.example/benchpkg.git');
INSERT INTO project (name, display_name, repository_id, optin_state)
  SELECT 'benchpkg', 'BenchPkg', id, 'OPTED_IN' FROM repository;
-- Three files per release (an sdist and two platform wheels) until :files files exist.
INSERT INTO release (project_id, version, pep440, yanked, yanked_reason)
  SELECT p.id, '1.' || n, true, n % 17 = 0, CASE WHEN n % 17 = 0 THEN 'broken build' END
  FROM project p, generate_series(0, (:files - 1) / 3) AS n;
INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time, requires_python)
  SELECT r.id, f.filename, f.kind, 'https://files.pythonhosted.org/packages/ab/cd/' || f.filename,
         encode(sha256(convert_to(f.filename, 'UTF8')), 'hex'), 100000 + length(f.filename),
         timestamptz '2026-12-01 12:00:00.123456Z' - (r.id || ' days')::interval, '>=3.8'
  FROM release r
  CROSS JOIN LATERAL (VALUES
      ('benchpkg-' || r.version || '.tar.gz', 'sdist'),
      ('benchpkg-' || r.version || '-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'wheel'),
      ('benchpkg-' || r.version || '-cp311-cp311-win_amd64.whl', 'wheel')) AS f(filename, kind);
DELETE FROM pypi_file WHERE id IN (SELECT id FROM pypi_file ORDER BY id DESC OFFSET :files);
SQL
}

NAMES=()
declare -A PORT_OF PID_OF
i=0
for pair in $JARS; do
	name="${pair%%=*}"
	start "$name" "${pair#*=}" "$((APP_PORT + i))"
	NAMES+=("$name")
	PORT_OF[$name]="$((APP_PORT + i))"
	PID_OF[$name]="${APP_PIDS[-1]}"
	i=$((i + 1))
done
EXPORT="$WORK/${NAMES[0]}/export"

echo "== waiting for the static export (every $EXPORT_INTERVAL)"
for name in "${NAMES[@]}"; do
	for _ in $(seq 1 200); do
		[ -f "$WORK/$name/export/simple/$PROJECT/index.json" ] && break
		sleep 1
	done
done
sleep 2
COUNT="$(curl -fs -H "Accept: $PIP_ACCEPT" "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" | grep -o '"filename"' | wc -l)"
echo "   the page lists $COUNT files"

echo "== starting nginx on 127.0.0.1:$NGINX_PORT over the export of ${NAMES[0]}"
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
daemon off;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	sendfile on;
	tcp_nopush on;
	# Like the orchestrator (Jetty keeps a connection open until it idles), no request limit.
	keepalive_requests 1000000;
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	# The export's two representations, chosen by Accept as docs/index.md suggests.
	map \$http_accept \$simple_index {
		default index.html;
		"~application/vnd\\.pypi\\.simple\\.v1\\+json" index.json;
	}
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $EXPORT;
		location /simple/ {
			index \$simple_index;
			add_header Vary "Accept, Accept-Encoding";
			# The export writes a .gz twin of every page: serve it to clients that accept gzip.
			gzip_static on;
			types { application/vnd.pypi.simple.v1+json json; text/html html; }
		}
	}
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 1 20); do
	curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/simple/" && break
	sleep 0.5
done

echo "== checking that every server sends the same bytes"
for format in $FORMATS; do
	accept="$(accept_of "$format")"
	ngx="$WORK/nginx-$format"
	curl -fs -H "Accept: $accept" "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/" >"$ngx"
	cmp "$ngx" "$EXPORT/simple/$PROJECT/index.$format"
	curl -fs -H "Accept: $accept" -H "Accept-Encoding: gzip" "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/" >"$ngx.gz"
	for name in "${NAMES[@]}"; do
		port="${PORT_OF[$name]}"
		cmp "$ngx" <(curl -fs -H "Accept: $accept" "http://127.0.0.1:$port/simple/$PROJECT/")
		cmp "$ngx.gz" <(curl -fs -H "Accept: $accept" -H "Accept-Encoding: gzip" "http://127.0.0.1:$port/simple/$PROJECT/")
	done
done

# cpu_ticks PID...: user + system CPU ticks consumed so far by these processes.
cpu_ticks() {
	local total=0 pid
	for pid in "$@"; do
		total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
	done
	echo "$total"
}

# run LABEL URL ACCEPT ENCODING PID...: wrk against URL; prints LABEL, requests/s, p99 in ms
# and the server's CPU time per request in µs (the PIDs' CPU during the run / requests), a
# figure that depends far less than requests/s on what else the machine is doing.
run() {
	local label="$1" url="$2" accept="$3" encoding="$4"
	shift 4
	local before after out
	out="$WORK/wrk.txt"
	before="$(cpu_ticks "$@")"
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Accept: $accept" -H "Accept-Encoding: $encoding" "$url" >"$out"
	after="$(cpu_ticks "$@")"
	awk -v label="$label" -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" '
		/Requests\/sec/ { rps = $2 }
		/requests in/ { n = $1 }
		$1 == "99%" {
			p99 = $2
			if (p99 ~ /us$/) { p99 = p99 / 1000 } else if (p99 ~ /ms$/) { p99 = p99 + 0 } else if (p99 ~ /s$/) { p99 = p99 * 1000 }
		}
		END { printf "%s %.0f %.2f %.1f\n", label, rps, p99, t / hz * 1e6 / n }' "$out"
}

# nginx's master and its workers (the workers do the serving).
NGINX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"

echo "== warming up the JVMs"
for name in "${NAMES[@]}"; do
	for encoding in $ENCODINGS; do
		for format in $FORMATS; do
			wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "Accept: $(accept_of "$format")" -H "Accept-Encoding: $(encoding_of "$encoding")" \
				"http://127.0.0.1:${PORT_OF[$name]}/simple/$PROJECT/" >/dev/null
		done
	done
done

echo "== measuring: $ROUNDS rounds, $DURATION per case, $CONNECTIONS connections, $THREADS wrk threads"
echo "   (round encoding format server req/s p99-ms cpu-µs/req)"
SERVERS=("${NAMES[@]}" nginx)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
	# Rotate the order each round, so that no server always runs first or last.
	order=()
	for k in "${!SERVERS[@]}"; do
		order+=("${SERVERS[$(((k + round - 1) % ${#SERVERS[@]}))]}")
	done
	for encoding in $ENCODINGS; do
		for format in $FORMATS; do
			for server in "${order[@]}"; do
				if [ "$server" = nginx ]; then
					# shellcheck disable=SC2086 # a list of PIDs
					run "$round $encoding $format nginx" "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/" \
						"$(accept_of "$format")" "$(encoding_of "$encoding")" $NGINX_PIDS
				else
					run "$round $encoding $format $server" "http://127.0.0.1:${PORT_OF[$server]}/simple/$PROJECT/" \
						"$(accept_of "$format")" "$(encoding_of "$encoding")" "${PID_OF[$server]}"
				fi
			done
		done
	done
done | tee "$WORK/results.txt"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "Medians over $ROUNDS rounds; \"ratio\" is the median of each round's req/s over nginx's in the same round."
echo
echo "| encoding | format | server | req/s | p99 | CPU/req | ratio (req/s) | p99 / nginx's |"
echo "|---|---|---|---|---|---|---|---|"
for encoding in $ENCODINGS; do
	for format in $FORMATS; do
		for server in "${SERVERS[@]}"; do
			rows="$(awk -v e="$encoding" -v f="$format" -v s="$server" '$2 == e && $3 == f && $4 == s' "$WORK/results.txt")"
			rps="$(awk '{print $5}' <<<"$rows" | median)"
			p99="$(awk '{print $6}' <<<"$rows" | median)"
			cpu="$(awk '{print $7}' <<<"$rows" | median)"
			ratio="$(awk -v e="$encoding" -v f="$format" -v s="$server" '
				$2 == e && $3 == f && $4 == s { app[$1] = $5; p[$1] = $6 }
				$2 == e && $3 == f && $4 == "nginx" { ngx[$1] = $5; np[$1] = $6 }
				END { for (r in app) print app[r] / ngx[r] }' "$WORK/results.txt" | median)"
			p99ratio="$(awk -v e="$encoding" -v f="$format" -v s="$server" '
				$2 == e && $3 == f && $4 == s { p[$1] = $6 }
				$2 == e && $3 == f && $4 == "nginx" { np[$1] = $6 }
				END { for (r in p) print p[r] / np[r] }' "$WORK/results.txt" | median)"
			printf '| %s | %s | %s | %s | %.2f ms | %s µs | %.2f× | %.2f× |\n' "$encoding" "$format" "$server" "$rps" "$p99" "$cpu" "$ratio" "$p99ratio"
		done
	done
done
echo
echo "page size: json $(stat -c %s "$EXPORT/simple/$PROJECT/index.json") bytes ($(stat -c %s "$EXPORT/simple/$PROJECT/index.json.gz") gzip)," \
	"html $(stat -c %s "$EXPORT/simple/$PROJECT/index.html") bytes ($(stat -c %s "$EXPORT/simple/$PROJECT/index.html.gz") gzip);" \
	"$(nproc) cores; load average before measuring: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
