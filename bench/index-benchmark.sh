#!/usr/bin/env bash
# Benchmarks /simple/<project>/ of the orchestrator against nginx serving the static export
# of the same project, on this machine, in the same run (docs/benchmarks.md, "Index").
#
#   bench/index-benchmark.sh            # builds the jar first
#   SKIP_BUILD=1 bench/index-benchmark.sh
#
# Needs: JDK 17+, Maven, psql, nginx and wrk (Debian: apt-get install -y nginx wrk postgresql-client).
# Tunables: DURATION (default 20s), CONNECTIONS (50), THREADS (2), FILES (300),
# APP_PORT (18080), NGINX_PORT (18081), ENCODING (default "gzip, deflate", what pip and uv
# send; "identity" measures uncompressed pages). Not part of `mvn verify`: it takes minutes and
# measures the machine as much as the code.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
FILES="${FILES:-300}"
APP_PORT="${APP_PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-18081}"
PROJECT=benchpkg
PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
HTML_ACCEPT='text/html'
ENCODING="${ENCODING:-gzip, deflate}"
APP_ARGS="${APP_ARGS:-}" # extra orchestrator arguments, e.g. --server.jetty.threads.max=8
JAVA_OPTS="${JAVA_OPTS:-}" # extra JVM flags for the orchestrator

for tool in java psql nginx wrk curl; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

WORK="$(mktemp -d /tmp/wheelfarm-bench.XXXXXX)"
# nginx workers run as an unprivileged user: they must be able to reach the export.
chmod 755 "$WORK"
APP_PID=""
NGINX_PID=""
cleanup() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
	[ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${SKIP_BUILD:-}" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
fi

echo "== starting the orchestrator on the embedded PostgreSQL (data in $WORK/data)"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM flags
java $JAVA_OPTS -jar "$ROOT/orchestrator/target/wheelfarm.jar" --server.port="$APP_PORT" \
	--wheelfarm.data-dir="$WORK/data" --wheelfarm.dispatch.enabled=false \
	--wheelfarm.index.export-dir="$WORK/export" --wheelfarm.index.export-interval=1s $APP_ARGS \
	>"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 120); do
	curl -fs "http://127.0.0.1:$APP_PORT/actuator/health" >/dev/null 2>&1 && break
	sleep 1
done
curl -fs "http://127.0.0.1:$APP_PORT/actuator/health" >/dev/null || { cat "$WORK/app.log"; exit 1; }

# The embedded server's port is the 4th line of its postmaster.pid.
PG_PORT="$(sed -n 4p "$WORK/data/postgres/postmaster.pid")"
echo "== seeding $PROJECT with $FILES PyPI files (embedded PostgreSQL on port $PG_PORT)"
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -v files="$FILES" <<'SQL'
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
         now() - (r.id || ' days')::interval, '>=3.8'
  FROM release r
  CROSS JOIN LATERAL (VALUES
      ('benchpkg-' || r.version || '.tar.gz', 'sdist'),
      ('benchpkg-' || r.version || '-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'wheel'),
      ('benchpkg-' || r.version || '-cp311-cp311-win_amd64.whl', 'wheel')) AS f(filename, kind);
DELETE FROM pypi_file WHERE id IN (SELECT id FROM pypi_file ORDER BY id DESC OFFSET :files);
SQL

echo "== waiting for the static export"
for _ in $(seq 1 60); do
	[ -f "$WORK/export/simple/$PROJECT/index.json" ] && break
	sleep 1
done
sleep 2
COUNT="$(curl -fs -H "Accept: $PIP_ACCEPT" "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" | grep -o '"filename"' | wc -l)"
echo "   the page lists $COUNT files"
cmp <(curl -fs -H "Accept: $PIP_ACCEPT" "http://127.0.0.1:$APP_PORT/simple/$PROJECT/") "$WORK/export/simple/$PROJECT/index.json"

echo "== starting nginx on 127.0.0.1:$NGINX_PORT over the export"
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
		root $WORK/export;
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
cmp <(curl -fs -H "Accept: $PIP_ACCEPT" "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/") "$WORK/export/simple/$PROJECT/index.json"

# cpu_ticks PID...: user + system CPU ticks consumed so far by these processes.
cpu_ticks() {
	local total=0 pid
	for pid in "$@"; do
		total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
	done
	echo "$total"
}

# run NAME URL ACCEPT PID...: wrk against URL; prints requests/s, p99 and the server's CPU
# time per request (the PIDs' CPU during the run / requests), a figure that depends far
# less than requests/s on what else the machine is doing.
run() {
	local name="$1" url="$2" accept="$3"
	shift 3
	local before after rps p99 requests
	before="$(cpu_ticks "$@")"
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Accept: $accept" -H "Accept-Encoding: $ENCODING" "$url" >"$WORK/$name.txt"
	after="$(cpu_ticks "$@")"
	rps="$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")"
	p99="$(awk '$1 == "99%" {print $2}' "$WORK/$name.txt")"
	requests="$(awk '/requests in/ {print $1}' "$WORK/$name.txt")"
	echo "$name $rps $p99 $(awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
}

# nginx's master and its workers (the workers do the serving).
NGINX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"

echo "== warming up the JVM"
wrk -t"$THREADS" -c"$CONNECTIONS" -d15s -H "Accept: $PIP_ACCEPT" -H "Accept-Encoding: $ENCODING" "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -H "Accept: $HTML_ACCEPT" -H "Accept-Encoding: $ENCODING" "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" >/dev/null

echo "== measuring ($DURATION each, $CONNECTIONS connections, $THREADS wrk threads, Accept-Encoding: $ENCODING)"
{
	run app-json "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" "$PIP_ACCEPT" "$APP_PID"
	run nginx-json "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/" "$PIP_ACCEPT" $NGINX_PIDS
	run app-html "http://127.0.0.1:$APP_PORT/simple/$PROJECT/" "$HTML_ACCEPT" "$APP_PID"
	run nginx-html "http://127.0.0.1:$NGINX_PORT/simple/$PROJECT/" "$HTML_ACCEPT" $NGINX_PIDS
} | tee "$WORK/results.txt"

echo
echo "| format | orchestrator req/s | orchestrator p99 | orchestrator CPU/req | nginx req/s | nginx p99 | nginx CPU/req | ratio (req/s) |"
echo "|---|---|---|---|---|---|---|---|"
for format in json html; do
	read -r _ app_rps app_p99 app_cpu < <(grep "^app-$format " "$WORK/results.txt")
	read -r _ ngx_rps ngx_p99 ngx_cpu < <(grep "^nginx-$format " "$WORK/results.txt")
	ratio="$(awk -v a="$app_rps" -v n="$ngx_rps" 'BEGIN { printf "%.2f", a / n }')"
	echo "| $format | $app_rps | $app_p99 | $app_cpu µs | $ngx_rps | $ngx_p99 | $ngx_cpu µs | ${ratio}x |"
done
echo
echo "page size: json $(stat -c %s "$WORK/export/simple/$PROJECT/index.json") bytes, html $(stat -c %s "$WORK/export/simple/$PROJECT/index.html") bytes; $(nproc) cores"
