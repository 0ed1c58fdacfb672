"""The worker's sandbox pieces that need no bubblewrap: the index relay (a real HTTP
server behind it), the command line and environment of the sandbox, and how a sandboxed
build's output is read (limits, denials, a 503 from the index). The sandbox itself runs
for real in dev.wheelfarm.dispatch.local.SandboxedBuildTest.

Run by dev.wheelfarm.dispatch.local.WorkerPythonTest (mvn verify).
"""

import argparse
import base64
import hashlib
import http.server
import os
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

import wheelfarm_worker as worker

WHEEL = b"PK-not-really-a-wheel"


class _Index(http.server.BaseHTTPRequestHandler):
    authorizations = []

    def do_GET(self):
        _Index.authorizations.append(self.headers.get("Authorization"))
        body = {"/cache/simple/demo/": b'<a href="../../files/demo-1.0-py3-none-any.whl">demo</a>',
                "/cache/files/demo-1.0-py3-none-any.whl": WHEEL}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Log:
    def __init__(self):
        self.lines = []

    def line(self, text):
        self.lines.append(text)


def _settings(**overrides):
    values = dict(bwrap="/usr/bin/bwrap", uid=65534, gid=65534, memory=1 << 30, processes=64, file_size=1 << 20,
                  tmp_size=1 << 24, hidden=["/srv/farm-data"])
    values.update(overrides)
    return worker.SandboxSettings(**values)


class IndexRelayTest(unittest.TestCase):
    def setUp(self):
        self.index = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
        threading.Thread(target=self.index.serve_forever, daemon=True).start()
        self.log = _Log()
        url = "http://127.0.0.1:%d/cache/simple/" % self.index.server_address[1]
        self.relay = worker.IndexRelay(url, self.log)
        self.base = "http://127.0.0.1:%d" % self.relay.tcp_port()

    def tearDown(self):
        self.relay.close()
        self.index.shutdown()
        self.index.server_close()

    def fetch(self, path, method="GET"):
        request = urllib.request.Request(self.base + path, method=method, data=b"x" if method == "POST" else None)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""

    def test_index_pages_and_files_pass_and_each_file_is_recorded_with_its_hash(self):
        self.assertEqual(self.fetch("/cache/simple/demo/")[0], 200)
        self.assertEqual(self.fetch("/cache/files/demo-1.0-py3-none-any.whl"), (200, WHEEL))
        self.relay.close()
        self.assertEqual(self.relay.downloads, [{
            "name": "demo", "version": "1.0", "filename": "demo-1.0-py3-none-any.whl",
            "sha256": hashlib.sha256(WHEEL).hexdigest(), "size": len(WHEEL)}])

    def test_anything_but_reading_the_index_is_refused_and_recorded(self):
        self.assertEqual(self.fetch("/admin/")[0], 403)
        self.assertEqual(self.fetch("/cache/../admin/")[0], 403)
        self.assertEqual(self.fetch("/cache/simple/demo/", method="POST")[0], 403)
        self.assertEqual(self.relay.refused, ["GET /admin/", "GET /cache/../admin/", "POST /cache/simple/demo/"])
        self.assertEqual(self.relay.downloads, [])

    def test_the_index_credential_is_added_outside_and_never_shown(self):
        self.relay.close()
        url = "http://__token__:s3cret@127.0.0.1:%d/cache/simple/" % self.index.server_address[1]
        self.relay = worker.IndexRelay(url, self.log)
        self.base = "http://127.0.0.1:%d" % self.relay.tcp_port()
        _Index.authorizations.clear()
        self.assertEqual(self.fetch("/cache/simple/demo/")[0], 200)
        self.assertEqual(_Index.authorizations, ["Basic " + base64.b64encode(b"__token__:s3cret").decode()])
        self.assertEqual(worker.redacted(url), "http://127.0.0.1:%d/cache/simple/" % self.index.server_address[1])
        self.assertNotIn("s3cret", " ".join(self.log.lines))

    def test_an_index_that_is_down_is_a_502_and_recorded_as_trouble(self):
        self.index.shutdown()
        self.index.server_close()
        self.assertEqual(self.fetch("/cache/simple/demo/")[0], 502)
        self.assertEqual(self.relay.unavailable, ["no answer for /cache/simple/demo/"])


class SandboxCommandTest(unittest.TestCase):
    def test_the_tools_get_no_variable_of_the_farm_and_pip_sees_only_the_index(self):
        os.environ["WHEELFARM_SECRET_FOR_TEST"] = "s3cret"
        try:
            env = worker.sandbox_env("http://127.0.0.1:8080/cache/simple/", {"CFLAGS": "-O2", "PIP_INDEX_URL": "http://evil/"})
        finally:
            del os.environ["WHEELFARM_SECRET_FOR_TEST"]
        self.assertNotIn("WHEELFARM_SECRET_FOR_TEST", env)
        self.assertEqual(env["PIP_INDEX_URL"], "http://127.0.0.1:8080/cache/simple/")
        self.assertEqual(env["PIP_CONFIG_FILE"], os.devnull)
        self.assertEqual(env["CFLAGS"], "-O2")

    def test_limits_hidden_paths_and_a_cleared_environment_are_on_the_command_line(self):
        with tempfile.TemporaryDirectory() as hidden:
            command = worker.bwrap_command(_settings(hidden=[hidden]), "/w", "/r/index.sock", "/r/worker.py", 8080,
                                           "/usr/bin/python3", {"PATH": "/usr/bin"}, ["/usr/bin/python3", "-m", "build"])
        self.assertIn("--nproc=64", command)
        self.assertIn("--fsize=1048576", command)
        self.assertIn("--clearenv", command)
        self.assertIn("--unshare-all", command)
        self.assertEqual(command[command.index("--tmpfs", command.index(hidden) - 1) + 1], hidden)
        self.assertEqual(command[-9:], ["sandbox-exec", "--relay-socket", worker.SANDBOX_SOCKET, "--relay-port", "8080",
                                        "--", "/usr/bin/python3", "-m", "build"])


class SandboxedOutputTest(unittest.TestCase):
    def sandbox(self, refused=(), trouble=()):
        box = worker.BuildSandbox(argparse.Namespace(sandbox="bwrap", bwrap="bwrap", sandbox_uid=65534, sandbox_gid=65534,
                                                     limit_memory=1 << 30, limit_processes=64, limit_file_size=1 << 20,
                                                     limit_tmp_size=1 << 24, hide=["/srv/farm-data"], no_isolation=True,
                                                     index_url=None), "/w", _Log())
        box.denied_requests = lambda: list(refused)
        box.index_trouble = lambda: list(trouble)
        return box

    def test_a_limit_is_a_sandbox_limit(self):
        cases = {"BlockingIOError: [Errno 11] Resource temporarily unavailable": "process limit",
                 "OSError: [Errno 27] File too large": "file size limit",
                 "OSError: [Errno 28] No space left on device": "size limit of /tmp",
                 "MemoryError": "memory limit"}
        for output, limit in cases.items():
            with self.subTest(output=output):
                failure_class, message = worker.classify_build(1, output, self.sandbox())
                self.assertEqual(failure_class, "sandbox-limit")
                self.assertIn(limit, message)

    def test_what_the_sandbox_denied_is_named(self):
        output = "\n".join([
            "FileNotFoundError: [Errno 2] No such file or directory: '/srv/farm-data/secret.key'",
            "KeyError: 'GITHUB_APP_KEY'",
            "ConnectionRefusedError: [Errno 111] Connection refused",
            "OSError: [Errno 30] Read-only file system: '/usr/lib/evil'",
        ])
        box = self.sandbox(refused=["POST /upload"])
        failure_class, message = worker.classify_build(1, output, box)
        self.assertEqual(failure_class, "sandbox-denied")
        for expected in ("file: /srv/farm-data is hidden", "environment: GITHUB_APP_KEY", "network: POST /upload",
                         "network: a connection", "file: /usr/lib/evil"):
            self.assertIn(expected, message)
        self.assertEqual(len(box.denied), 5)

    def test_an_index_answering_503_is_a_network_failure_and_a_missing_requirement_is_named(self):
        # pip says "no matching distribution" when the index page answered 503: the
        # relay's record tells the two apart.
        failure_class, message = worker.classify_build(1, "ERROR: No matching distribution found for flaky",
                                                       self.sandbox(trouble=["HTTP 503 for /cache/simple/flaky/"]))
        self.assertEqual(failure_class, "network")
        self.assertIn("HTTP 503 for /cache/simple/flaky/", message)
        failure_class, message = worker.classify_build(1, "ERROR: No matching distribution found for nosuchbackend>=1", self.sandbox())
        self.assertEqual(failure_class, "missing-build-dependency")
        self.assertIn("nosuchbackend>=1", message)


if __name__ == "__main__":
    unittest.main()
