#!/usr/bin/env python3
"""Wheelfarm build worker: turns one sdist into wheels and a result.json.

The same script runs in the farm's GitHub workflow and in the orchestrator's local
builder, so it uses the standard library only and supports Python >= 3.9.

Sub-commands (see docs/worker-protocol.md for the full protocol):

  run       fetch + pure build + platform build, in one go (the local builder)
  pure      fetch + pure build; says whether a platform build is needed (workflow job 1)
  platform  fetch + cibuildwheel for one platform (one workflow matrix job)
  assemble  merge the partial results of the stages into the final result.json
  check     say (JSON on stdout) whether this machine's builds run cibuildwheel

Exit status: 0 = result.json written and the build succeeded; 1 = result.json written
and the build failed or had nothing to build; 2 = bad command line (no result.json).
The partial stages (pure, platform) exit 0 whenever they wrote a result: the verdict
is the final result's, so a workflow always reaches its assemble job.
"""

import argparse
import fnmatch
import base64
import hashlib
import http.server
import json
import os
import platform as host_platform
import re
import shlex
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

WORKER_VERSION = "1.0.0"
SCHEMA_VERSION = 1

FAILURE_CLASSES = (
    "compile-error",
    "missing-system-dependency",
    "missing-build-dependency",
    "unsupported-backend",
    "timeout",
    "network",
    "sdist-mismatch",
    "config-error",
    "sandbox-limit",
    "sandbox-denied",
    "unknown",
)

# The options contract (docs/worker-protocol.md): the keys a maintainer may set, their
# shapes, and how each reaches cibuildwheel. The orchestrator checks what it sends
# against the same file, which is shipped next to this script.
OPTIONS_SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "options.schema.json")


def _load_options_schema():
    try:
        with open(OPTIONS_SCHEMA_PATH, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


OPTIONS_SCHEMA = _load_options_schema()

# Platform id -> (cibuildwheel --platform, CIBW_ARCHS, GitHub-hosted runner label).
PLATFORMS = {
    platform_id: (entry["cibuildwheel-platform"], entry["archs"], entry["runner"])
    for platform_id, entry in ((OPTIONS_SCHEMA or {}).get("x-wheelfarm-platforms") or {}).items()
}

STRATEGIES = ("auto", "pure", "native")

# cibuildwheel build selectors: identifiers, globs, braces and spaces; nothing a shell
# would treat specially beyond globbing, and they never reach a shell from here.
SELECTOR_RE = re.compile(r"^[A-Za-z0-9_*?.,{}\[\]! -]{0,500}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
SDIST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.(tar\.gz|zip)$")
WHEEL_NAME_RE = re.compile(r"^[A-Za-z0-9_.]+-[A-Za-z0-9_.!+]+(-[0-9][A-Za-z0-9_.]*)?-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl$")

# Caps that keep a hostile or broken sdist from filling the disk.
MAX_MEMBERS = 100000
MAX_UNPACKED_BYTES = 4 * 1024 * 1024 * 1024
EXCERPT_BEFORE = 10
EXCERPT_AFTER = 30
EXCERPT_MAX_CHARS = 6000

# The first line that looks like an error anchors the log excerpt.
ERROR_LINE_RE = re.compile(
    r"(fatal error:|\berror:|\berror\[|^Traceback \(most recent call last\)|^ERROR\b|"
    r"\bError:|cannot find -l|was not found in the pkg-config)",
    re.IGNORECASE,
)

# Classification of a failed build's output, most specific first. A missing header also
# makes the compiler command fail, so the system-dependency patterns come before
# the compile-error ones; network trouble often surfaces as "no matching distribution",
# so it comes before the build-dependency ones.
CLASSIFIERS = (
    (
        "network",
        (
            r"Temporary failure in name resolution",
            r"Failed to establish a new connection",
            r"Name or service not known",
            r"Connection (refused|reset)",
            r"Read timed out",
            r"Max retries exceeded",
        ),
    ),
    (
        "missing-system-dependency",
        (
            r"fatal error: [^\n]*: No such file or directory",
            r"fatal error: '[^']+' file not found",
            r"Cannot open include file",
            r"cannot find -l\S+",
            r"Package \S+ was not found in the pkg-config search path",
            r"error: command '[^']+' failed: No such file or directory",
            r"Could NOT find \w+",
            r"Microsoft Visual C\+\+ [0-9.]+ or greater is required",
        ),
    ),
    (
        "unsupported-backend",
        (
            r"Backend '[^']*' is not available",
            r"BackendUnavailable",
            r"does not appear to be a Python project",
            r"neither 'setup.py' nor 'pyproject.toml' found",
            r"Backend [^\n]* is not a valid",
        ),
    ),
    (
        "missing-build-dependency",
        (
            r"Missing dependencies:",
            r"ModuleNotFoundError: No module named",
            r"ImportError: No module named",
            r"No matching distribution found for",
            r"Could not find a version that satisfies the requirement",
        ),
    ),
    (
        "compile-error",
        (
            r"\.(c|cc|cpp|cxx|h|hpp|pyx|pxd|f|f90|m|mm):\d+(:\d+)?: error:",
            r"error: command '[^']+' failed with exit (code|status) \d+",
            r"error\[E\d+\]",
            r"error: could not compile",
            r"Cython\.Compiler\.Errors",
            r"\berror C\d{4}:",
            r"error: linker `[^`]+` not found",
        ),
    ),
)

# Failure classes that say native code was being compiled: worth a platform build,
# whose environments (manylinux images, maintainer's cibuildwheel config) may succeed.
NATIVE_HINTS = ("compile-error", "missing-system-dependency")


class WorkerError(Exception):
    """A failure of the job with its class; the worker turns it into result.json."""

    def __init__(self, failure_class, message, log_excerpt=None):
        super().__init__(message)
        # A programming error, not the build's: say so loudly rather than write a
        # result.json the orchestrator would refuse.
        if failure_class not in FAILURE_CLASSES:
            raise ValueError("unknown failure class %r (one of %s)" % (failure_class, ", ".join(FAILURE_CLASSES)))
        self.failure_class = failure_class
        self.message = message
        self.log_excerpt = log_excerpt

    def failure(self):
        return Failure(self.failure_class, self.message, self.log_excerpt)


class Log:
    """The build log: everything the worker and its tools print, kept in one file."""

    def __init__(self, path, echo):
        self.path = path
        self.echo = echo
        self.handle = open(path, "a", encoding="utf-8", errors="replace")

    def write(self, text):
        self.handle.write(text)
        self.handle.flush()
        if self.echo:
            sys.stdout.write(text)
            sys.stdout.flush()

    def line(self, text):
        self.write("[wheelfarm] " + text + "\n")

    def close(self):
        self.handle.close()


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- inputs


def schema_errors(value, schema, root, path="options"):
    """The places where value breaks schema: the subset of JSON Schema 2020-12 that
    options.schema.json uses (type, enum, const, pattern, lengths, sizes, items,
    properties, additionalProperties, propertyNames, minimum/maximum, anyOf, $ref)."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, path)
    if "anyOf" in schema:
        if any(not schema_errors(value, option, root, path) for option in schema["anyOf"]):
            return []
        return ["%s: does not have any of the accepted shapes" % path]
    errors = []
    kind = schema.get("type")
    if kind is not None and not _has_type(value, kind):
        return ["%s: must be %s" % (path, kind)]
    if "enum" in schema and value not in schema["enum"]:
        return ["%s: must be one of %s" % (path, ", ".join(json.dumps(v) for v in schema["enum"]))]
    if "const" in schema and value != schema["const"]:
        return ["%s: must be %s" % (path, json.dumps(schema["const"]))]
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            errors.append("%s: has a length outside %s..%s" % (path, schema.get("minLength", 0), schema.get("maxLength", "")))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append("%s: %s does not match %s" % (path, json.dumps(value[:80]), schema["pattern"]))
    if isinstance(value, int) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            errors.append("%s: must be from %s to %s" % (path, schema.get("minimum"), schema.get("maximum")))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            errors.append("%s: has %d entries, outside %s..%s" % (path, len(value), schema.get("minItems", 0), schema.get("maxItems", "")))
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append("%s: has duplicate entries" % path)
        if "items" in schema:
            for index, item in enumerate(value):
                errors += schema_errors(item, schema["items"], root, "%s[%d]" % (path, index))
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0) or len(value) > schema.get("maxProperties", len(value)):
            errors.append("%s: has %d keys, outside %s..%s" % (path, len(value), schema.get("minProperties", 0), schema.get("maxProperties", "")))
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if "propertyNames" in schema:
                errors += schema_errors(key, schema["propertyNames"], root, "%s key %s" % (path, json.dumps(key[:80])))
            if key in properties:
                errors += schema_errors(item, properties[key], root, "%s.%s" % (path, key))
            elif extra is False:
                errors.append("%s: unknown key %s (allowed: %s)" % (path, json.dumps(key[:80]), ", ".join(sorted(properties))))
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, "%s.%s" % (path, key))
    return errors


def _has_type(value, kind):
    if isinstance(kind, list):
        return any(_has_type(value, k) for k in kind)
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    return checks[kind](value)


def parse_options(text):
    """The maintainer's options, checked against options.schema.json with defaults
    filled in; anything the schema does not allow is a config error, so a typo never
    silently changes a build."""
    if OPTIONS_SCHEMA is None:
        raise WorkerError("config-error", "options.schema.json is missing next to the worker (%s)" % OPTIONS_SCHEMA_PATH)
    try:
        options = json.loads(text or "{}")
    except ValueError as error:
        raise WorkerError("config-error", "options are not valid JSON: %s" % error)
    errors = schema_errors(options, OPTIONS_SCHEMA, OPTIONS_SCHEMA)
    if errors:
        raise WorkerError("config-error", "options do not follow options.schema.json: " + "; ".join(errors[:10]))
    return {
        "strategy": options.get("strategy", "auto"),
        "platforms": sorted(set(options.get("platforms", PLATFORMS))),
        "build": options.get("build"),
        "skip": options.get("skip", ""),
        "cibuildwheel": dict(options.get("cibuildwheel", {})),
    }


def cibuildwheel_variables(options):
    """The CIBW_* variables of the maintainer's cibuildwheel options, as the schema's
    x-wheelfarm-env and x-wheelfarm-join annotations say."""
    described = OPTIONS_SCHEMA["properties"]["cibuildwheel"]["properties"]
    env = {}
    for key, value in sorted(options["cibuildwheel"].items()):
        name = described[key]["x-wheelfarm-env"]
        if key == "environment":
            env[name] = environment_text(value)
        elif key == "config-settings":
            env[name] = value if isinstance(value, str) else " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(value.items()))
        elif isinstance(value, list):
            env[name] = described[key]["x-wheelfarm-join"].join(value)
        else:
            env[name] = str(value)
    return env


def environment_text(value):
    """cibuildwheel's CIBW_ENVIRONMENT syntax: NAME="value" pairs, as cibuildwheel
    itself writes a TOML table (a string is taken as written)."""
    if isinstance(value, str):
        return value
    return " ".join('%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"')) for k, v in sorted(value.items()))


def build_environment(options, log):
    """The maintainer's environment for python -m build. pip's own settings stay the
    farm's: PIP_* and UV_* would let a config choose where build dependencies come
    from, which is the operator's choice (the farm's index or cache)."""
    variables = {}
    for name, value in environment_variables(options).items():
        if name.upper().startswith(("PIP_", "UV_")):
            log.line("environment: %s is the farm's setting, not passed to python -m build" % name)
            continue
        variables[name] = value
    if variables:
        log.line("environment for python -m build: " + " ".join(sorted(variables)))
    return variables


def environment_variables(options):
    """The maintainer's environment as variables for a process this worker starts
    itself (python -m build): NAME=value pairs split as a POSIX shell would, without
    cibuildwheel's $VAR expansion."""
    value = options["cibuildwheel"].get("environment")
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    variables = {}
    try:
        words = shlex.split(value)
    except ValueError as error:
        raise WorkerError("config-error", "cibuildwheel.environment is not NAME=value pairs: %s" % error)
    for word in words:
        name, sep, text = word.partition("=")
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise WorkerError("config-error", "cibuildwheel.environment: %r is not NAME=value" % word[:80])
        variables[name] = text
    return variables


def validate_request(args):
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", args.request_id or ""):
        raise WorkerError("config-error", "request id must be 1-128 characters of [A-Za-z0-9._-]")
    if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$", args.project or ""):
        raise WorkerError("config-error", "project is not a valid distribution name")
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._!+-]{0,127}$", args.version or ""):
        raise WorkerError("config-error", "version contains unexpected characters")
    if not SHA256_RE.match(args.sdist_sha256 or ""):
        raise WorkerError("config-error", "sdist sha256 must be 64 lowercase hex digits")
    url = urllib.parse.urlsplit(args.sdist_url or "")
    if url.scheme not in ("https", "http") or not url.netloc:
        raise WorkerError("config-error", "sdist url must be an http(s) URL")
    name = urllib.parse.unquote(url.path.rsplit("/", 1)[-1])
    if not SDIST_NAME_RE.match(name):
        raise WorkerError("config-error", "sdist url must end in a .tar.gz or .zip file name")
    for selector in (args.build_selector, args.skip_selector):
        if not SELECTOR_RE.match(selector):
            raise WorkerError("config-error", "farm selectors must be cibuildwheel selector strings")
    return name


# ---------------------------------------------------------------- step 1: fetch


def fetch_sdist(args, filename, work, log):
    """Downloads the sdist and verifies its sha256 while streaming it to disk."""
    target = os.path.join(work, filename)
    attempts = args.fetch_retries + 1
    last_problem = None
    for attempt in range(1, attempts + 1):
        log.line("fetch %s (attempt %d of %d)" % (args.sdist_url, attempt, attempts))
        try:
            request = urllib.request.Request(args.sdist_url, headers={"User-Agent": "wheelfarm-worker/" + WORKER_VERSION})
            with urllib.request.urlopen(request, timeout=args.fetch_timeout) as response:
                digest = hashlib.sha256()
                size = 0
                with open(target, "wb") as out:
                    for block in iter(lambda: response.read(1024 * 1024), b""):
                        size += len(block)
                        if size > args.max_sdist_bytes:
                            raise WorkerError("sdist-mismatch", "sdist is larger than %d bytes" % args.max_sdist_bytes)
                        digest.update(block)
                        out.write(block)
        except urllib.error.HTTPError as error:
            # A 404 right after a release is usually the CDN catching up; 5xx and 429 are
            # the server's trouble. Anything else (403, 410...) will not get better.
            last_problem = "HTTP %d for %s" % (error.code, args.sdist_url)
            log.line(last_problem)
            if error.code != 404 and error.code != 429 and error.code < 500:
                raise WorkerError("network", last_problem)
        except (urllib.error.URLError, OSError) as error:
            last_problem = "cannot download %s: %s" % (args.sdist_url, error)
            log.line(last_problem)
        else:
            actual = digest.hexdigest()
            if actual != args.sdist_sha256:
                os.remove(target)
                raise WorkerError(
                    "sdist-mismatch",
                    "sha256 of the downloaded sdist is %s, expected %s" % (actual, args.sdist_sha256),
                )
            log.line("sdist %s: %d bytes, sha256 %s verified" % (filename, size, actual))
            return SdistFile(filename, actual, size), target
        if attempt < attempts:
            time.sleep(args.fetch_backoff * (2 ** (attempt - 1)))
    raise WorkerError("network", "%s (gave up after %d attempts)" % (last_problem, attempts))


def _safe_member_path(root, name):
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized):
        raise WorkerError("sdist-mismatch", "sdist member has an absolute path: %r" % name)
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise WorkerError("sdist-mismatch", "sdist member escapes the archive: %r" % name)
    if not parts:
        return None
    return os.path.join(root, *parts)


def _copy_capped(source, path, budget):
    written = 0
    with open(path, "wb") as out:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            written += len(block)
            if written > budget:
                raise WorkerError("sdist-mismatch", "sdist unpacks to more than %d bytes" % MAX_UNPACKED_BYTES)
            out.write(block)
    return written


def unpack_sdist(path, dest, log):
    """Unpacks member by member: no absolute or '..' paths, no links, bounded size.

    tarfile's extraction filters only exist in recent Pythons, so the checks are ours.
    """
    os.makedirs(dest)
    total = 0
    skipped_links = 0
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise WorkerError("sdist-mismatch", "sdist has more than %d members" % MAX_MEMBERS)
            for info in infos:
                target = _safe_member_path(dest, info.filename)
                if target is None:
                    continue
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(info) as source:
                    total += _copy_capped(source, target, MAX_UNPACKED_BYTES - total)
    else:
        try:
            archive = tarfile.open(path, "r:gz")
        except (tarfile.TarError, OSError) as error:
            raise WorkerError("sdist-mismatch", "sdist is not a gzip tar archive: %s" % error)
        with archive:
            count = 0
            for member in archive:
                count += 1
                if count > MAX_MEMBERS:
                    raise WorkerError("sdist-mismatch", "sdist has more than %d members" % MAX_MEMBERS)
                target = _safe_member_path(dest, member.name)
                if target is None:
                    continue
                if member.isdir():
                    os.makedirs(target, exist_ok=True)
                elif member.isfile():
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    source = archive.extractfile(member)
                    total += _copy_capped(source, target, MAX_UNPACKED_BYTES - total)
                    if member.mode & 0o111:
                        os.chmod(target, 0o755)
                elif member.issym() or member.islnk():
                    skipped_links += 1
                else:
                    raise WorkerError("sdist-mismatch", "sdist member is a device or fifo: %r" % member.name)
    if skipped_links:
        log.line("skipped %d link member(s) of the sdist" % skipped_links)
    entries = os.listdir(dest)
    if len(entries) != 1 or not os.path.isdir(os.path.join(dest, entries[0])):
        raise WorkerError("sdist-mismatch", "sdist does not hold exactly one top-level directory")
    project_dir = os.path.join(dest, entries[0])
    has_pyproject = os.path.isfile(os.path.join(project_dir, "pyproject.toml"))
    if not has_pyproject and not os.path.isfile(os.path.join(project_dir, "setup.py")):
        raise WorkerError("unsupported-backend", "sdist has neither pyproject.toml nor setup.py")
    log.line("unpacked %d bytes into %s" % (total, project_dir))
    return project_dir


# ---------------------------------------------------------------- running tools


def tool_env(args, extra=None):
    """A hermetic environment for the tools: pip sees only the configured index.

    Machine-wide pip settings (config files, PIP_FIND_LINKS) would otherwise decide what
    an isolated build installs, and inherited CIBW_* variables would override the
    farm's and the maintainer's cibuildwheel options.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "CIBW_", "WHEELFARM_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    if args.index_url:
        env["PIP_INDEX_URL"] = args.index_url
    if extra:
        env.update(extra)
    return env


def run_tool(command, env, log, timeout, cwd=None, pass_fds=(), user=None):
    """Runs a command (an argument list, never a shell string) and returns (exit, output).

    The tool runs in its own process group so that a timeout ends its children
    (compilers, pip, containers' clients) too.
    """
    log.line("$ " + " ".join(command))
    popen_args = {}
    if os.name == "posix":
        popen_args["start_new_session"] = True
        popen_args["pass_fds"] = tuple(pass_fds)
    if user is not None and user.switches_user():
        # The sandbox's own unprivileged user: it owns nothing of the farm's.
        popen_args.update(user=user.uid, group=user.gid, extra_groups=[])
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        **popen_args,
    )
    deadline = time.monotonic() + timeout
    output = []
    # The reading happens on this thread; a watchdog ends the group on the deadline.
    timed_out = threading.Event()

    def watchdog():
        while process.poll() is None:
            if time.monotonic() > deadline:
                timed_out.set()
                _kill_group(process)
                return
            time.sleep(0.2)

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    for raw in iter(process.stdout.readline, b""):
        text = raw.decode("utf-8", errors="replace")
        output.append(text)
        log.write(text)
    process.stdout.close()
    code = process.wait()
    guard.join(1)
    if timed_out.is_set():
        raise WorkerError("timeout", "%s exceeded %d seconds" % (command[0], timeout), excerpt("".join(output)))
    return code, "".join(output)


def _kill_group(process):
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        process.kill()


def classify_build(code, output, sandbox):
    """(failure class, message) of a failed python -m build. In the sandbox, a limit
    that stopped the build and anything the sandbox denied it come first; an index that
    answered 5xx through the relay is a network failure, tried again later."""
    if code == 0:
        return "unknown", "python -m build made no wheel"
    message = "python -m build --wheel exited %d" % code
    missing = re.search(r"No matching distribution found for ([^\s]+)", output)
    if sandbox is not None and sandbox.settings is not None:
        limit = sandbox_limit(output)
        if limit is not None:
            return "sandbox-limit", "%s: stopped by the sandbox's %s" % (message, limit)
    if sandbox is not None and sandbox.index_trouble():
        # The index could not answer (the cache's upstream is down and the file is not
        # cached): not the sdist's fault, so tried again later.
        return "network", "%s: the package index was unavailable (%s)" % (message, "; ".join(sandbox.index_trouble()[:5]))
    if re.search(r"too many 5\d\d error responses", output):
        return "network", "%s: the package index answered with a server error" % message
    if sandbox is not None and sandbox.settings is not None:
        sandbox.denied = sandbox_denials(output, sandbox.settings, sandbox.denied_requests())
        if sandbox.denied:
            return "sandbox-denied", "%s; the sandbox denied: %s" % (message, "; ".join(sandbox.denied))
    failure_class = classify(output)
    if failure_class == "missing-build-dependency" and missing:
        message = "%s: build requirement %s is not on the package index" % (message, missing.group(1))
    return failure_class, message


def classify(output):
    for failure_class, patterns in CLASSIFIERS:
        for pattern in patterns:
            if re.search(pattern, output, re.MULTILINE):
                return failure_class
    return "unknown"


def excerpt(output):
    """The lines around the first error, so the status page shows the cause, not the tail."""
    lines = output.splitlines()
    anchor = None
    for index, line in enumerate(lines):
        if ERROR_LINE_RE.search(line):
            anchor = index
            break
    if anchor is None:
        chosen = lines[-(EXCERPT_BEFORE + EXCERPT_AFTER):]
    else:
        chosen = lines[max(0, anchor - EXCERPT_BEFORE) : anchor + EXCERPT_AFTER]
    text = "\n".join(chosen)
    if len(text) > EXCERPT_MAX_CHARS:
        text = text[:EXCERPT_MAX_CHARS] + "\n[... cut ...]"
    return text


def collect_wheels(directory, platform_id, wheels_out):
    wheels = []
    if not os.path.isdir(directory):
        return wheels
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".whl"):
            continue
        if not WHEEL_NAME_RE.match(name):
            raise WorkerError("unknown", "tool produced a wheel with an unexpected name: %r" % name)
        os.makedirs(wheels_out, exist_ok=True)
        target = os.path.join(wheels_out, name)
        shutil.copyfile(os.path.join(directory, name), target)
        wheels.append(Wheel(name, sha256_file(target), os.path.getsize(target), platform_id))
    return wheels


def is_pure(filename):
    return filename.endswith("-none-any.whl")


# ---------------------------------------------------------------- sandbox and index relay
#
# The local builder runs the sdist's code (setup.py, build backends) in a bubblewrap
# sandbox: the system read-only, the work directory (as /tmp/build) and a size-capped /tmp
# writable, the farm's data directory, configuration and home directories hidden, no
# environment but what the build needs, a separate unprivileged user when the worker runs
# as root, limits on memory, processes and file size, and no network but the package
# index. The index is reached through two relays: this process (outside the sandbox)
# listens on a Unix socket bound into the sandbox and forwards only GET/HEAD requests under
# the index's path to the index; inside, `sandbox-exec` listens on 127.0.0.1 of the
# sandbox's own network namespace and pipes each connection to that socket.

SANDBOX_WORK = "/tmp/build"
SANDBOX_SOCKET = "/run/wheelfarm/index.sock"
SANDBOX_WORKER = "/run/wheelfarm/worker.py"
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
# Hidden whatever the farm's layout: where secrets and other users' files usually live.
ALWAYS_HIDDEN = ("/root", "/home", "/run", "/var/tmp", "/var/lib/postgresql", "/etc/wheelfarm")
DEPENDENCY_FILE_RE = re.compile(r"\.(whl|tar\.gz|zip|tar\.bz2)$")
# What a process stopped by one of the sandbox's limits says, most specific first.
LIMIT_PATTERNS = (
    (r"File too large|\[Errno 27\]|File size limit exceeded", "file size limit"),
    (r"No space left on device|\[Errno 28\]", "size limit of /tmp"),
    (r"BlockingIOError|Resource temporarily unavailable|\[Errno 11\]|fork: retry|Cannot fork", "process limit"),
    (r"MemoryError|Cannot allocate memory|\[Errno 12\]|std::bad_alloc|out of memory", "memory limit"),
)


@dataclass
class SandboxSettings:
    """How the local builder sandboxes a build (the worker's --sandbox* arguments)."""

    bwrap: str
    uid: int
    gid: int
    memory: int
    processes: int
    file_size: int
    tmp_size: int
    hidden: List[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args):
        if getattr(args, "sandbox", "none") != "bwrap":
            return None
        return cls(args.bwrap, args.sandbox_uid, args.sandbox_gid, args.limit_memory, args.limit_processes,
                   args.limit_file_size, args.limit_tmp_size, list(args.hide or []))

    def switches_user(self):
        # Only root can become another user; an unprivileged farm already is one.
        return os.name == "posix" and os.geteuid() == 0

    def describe(self, index_url, denied):
        index_url = redacted(index_url) if index_url else index_url
        return {
            "mode": "bubblewrap",
            "user": "%d:%d" % (self.uid, self.gid) if self.switches_user() else "the farm's user (not root)",
            "network": "the package index only" if index_url else "none",
            "index_url": index_url,
            "limits": {
                "memory_bytes": self.memory,
                "processes": self.processes,
                "file_size_bytes": self.file_size,
                "tmp_bytes": self.tmp_size,
            },
            "hidden": sorted(set(self.hidden) | set(ALWAYS_HIDDEN)),
            "denied": list(denied),
        }


def bwrap_command(settings, work, socket_path, worker, relay_port, python, env, inner):
    """The sandbox's command line: prlimit (limits) around bwrap around the inner relay
    around the tool. bwrap runs as the sandbox's user, so the paths it binds (the work
    directory, the relay's socket, the worker) lie outside the farm's private
    directories (the local builder puts the work directory under its own root)."""
    command = [
        shutil.which("prlimit") or "prlimit",
        "--as=%d" % settings.memory,
        "--nproc=%d" % settings.processes,
        "--fsize=%d" % settings.file_size,
        "--core=0",
        "--",
        settings.bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--size", str(settings.tmp_size), "--tmpfs", "/tmp",
    ]
    for path in sorted(set(settings.hidden) | set(ALWAYS_HIDDEN)):
        if os.path.isdir(path):
            command += ["--tmpfs", path]
        elif os.path.lexists(path):
            command += ["--ro-bind", "/dev/null", path]
    command += ["--bind", work, SANDBOX_WORK, "--ro-bind", worker, SANDBOX_WORKER]
    if socket_path is not None:
        command += ["--bind", socket_path, SANDBOX_SOCKET]
    command += ["--chdir", SANDBOX_WORK]
    for name, value in sorted(env.items()):
        command += ["--setenv", name, value]
    command += [python, SANDBOX_WORKER, "sandbox-exec"]
    if socket_path is not None:
        command += ["--relay-socket", SANDBOX_SOCKET, "--relay-port", str(relay_port)]
    return command + ["--"] + list(inner)


def redacted(url):
    """The URL without its user information (a credential)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def sandbox_env(index_url, extra):
    """Everything the sandboxed tools see: no variable of the farm, pip pointed at the
    index only (no config file of the machine, no find-links, no cache that outlives the
    build)."""
    env = {
        "PATH": SANDBOX_PATH,
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        # The farm's cache retries its upstream itself; pip retrying a 503 five times
        # only delays the (transient) failure.
        "PIP_RETRIES": "1",
        # The environment lives for one build: byte-compiling what it installs is wasted.
        "PIP_NO_COMPILE": "1",
    }
    if index_url:
        env["PIP_INDEX_URL"] = index_url
    for name, value in (extra or {}).items():
        if name not in env:
            env[name] = value
    return env


def _dependency(filename, sha256, size):
    """A downloaded build dependency, named and versioned from its filename."""
    name, version = filename, None
    if filename.endswith(".whl"):
        parts = filename[: -len(".whl")].split("-")
        if len(parts) >= 5:
            name, version = parts[0], parts[1]
    else:
        stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2)$", "", filename)
        if "-" in stem:
            name, version = stem.rsplit("-", 1)
    return {"name": re.sub(r"[-_.]+", "-", name).lower(), "version": version, "filename": filename, "sha256": sha256, "size": size}


class IndexRelay:
    """The farm side of the sandbox's only network path: an HTTP relay that forwards GET
    and HEAD requests under the index's path to the index and refuses everything else.
    Every file it passes is hashed: that is the build environment's record."""

    def __init__(self, index_url, log, socket_path=None):
        parts = urllib.parse.urlsplit(index_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WorkerError("config-error", "the index URL must be http(s): %s" % redacted(index_url))
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        host = "[%s]" % parts.hostname if ":" in parts.hostname else parts.hostname
        self.upstream = "%s://%s%s" % (parts.scheme, host, ":%d" % parts.port if parts.port else "")
        # The index's credential (the farm's cache grants each build one) stays out
        # here: the relay adds it to every request, the sandbox never sees it.
        self.authorization = None
        if parts.username is not None:
            pair = "%s:%s" % (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
            self.authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self.index_path = path
        # The index and its siblings: /cache/simple/ allows /cache/ (the cache's files).
        self.allowed = path.rstrip("/").rsplit("/", 1)[0] + "/"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.log = log
        self.downloads = []
        self.refused = []
        # Index answers that say the index, not the project, is in trouble (5xx, or no
        # answer): pip reports them as "no matching distribution", so they are kept here.
        self.unavailable = []
        self.lock = threading.Lock()
        # urllib must not use a proxy the farm's environment names: the index is the
        # operator's choice.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        handler = _relay_handler(self)
        if socket_path is not None:
            self.server = socketserver.ThreadingUnixStreamServer(socket_path, handler)
            os.chmod(socket_path, 0o666)
        else:
            self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # close() waits for the requests in flight, so that every file a build got is
        # recorded before the result is written.
        self.server.daemon_threads = False
        self.server.block_on_close = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def local_url(self, port):
        return "http://127.0.0.1:%d%s" % (port, self.index_path)

    def tcp_port(self):
        return self.server.server_address[1]

    def sandbox_port(self):
        # The same port as the index, so that absolute links to the index's host work;
        # ports below 1024 are not the sandbox's to bind.
        return self.port if self.port >= 1024 else 8080

    def allows(self, method, target):
        path = urllib.parse.urlsplit(target).path
        if method not in ("GET", "HEAD"):
            return False
        segments = path.split("/")
        return path.startswith(self.allowed) and ".." not in segments and not urllib.parse.urlsplit(target).netloc

    def refuse(self, what):
        with self.lock:
            if what not in self.refused:
                self.refused.append(what)
        self.log.line("index relay refused " + what)

    def trouble(self, what):
        with self.lock:
            if what not in self.unavailable:
                self.unavailable.append(what)

    def record(self, filename, digest, size):
        with self.lock:
            if not any(d["filename"] == filename for d in self.downloads):
                self.downloads.append(_dependency(filename, digest, size))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _relay_handler(relay):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self._relay(True)

        def do_HEAD(self):
            self._relay(False)

        def _refuse(self):
            relay.refuse("%s %s" % (self.command, self.path[:200]))
            self.send_error(403, "the sandbox may only read the package index")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = _refuse

        def _relay(self, with_body):
            if not relay.allows(self.command, self.path):
                self._refuse()
                return
            headers = {"User-Agent": "wheelfarm-worker/" + WORKER_VERSION}
            if relay.authorization:
                headers["Authorization"] = relay.authorization
            for name in ("Accept", "Accept-Encoding", "If-None-Match", "If-Modified-Since", "Range"):
                if self.headers.get(name):
                    headers[name] = self.headers[name]
            request = urllib.request.Request(relay.upstream + self.path, headers=headers, method=self.command)
            try:
                response = relay.opener.open(request, timeout=60)
            except urllib.error.HTTPError as error:
                response = error
            except (urllib.error.URLError, OSError) as error:
                relay.log.line("index relay: %s unreachable: %s" % (relay.upstream, error))
                relay.trouble("no answer for %s" % self.path[:200])
                self.send_error(502, "the package index is unreachable")
                return
            with response:
                status = response.status if hasattr(response, "status") else response.code
                if status >= 500 or status in (401, 403):
                    # 401/403: the build's grant is gone (an orchestrator restarted while
                    # the build ran); like a 5xx, the index's trouble, not the sdist's.
                    relay.trouble("HTTP %d for %s" % (status, self.path[:200]))
                self.send_response(status)
                for name in ("Content-Type", "Content-Length", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control", "Vary"):
                    if response.headers.get(name):
                        self.send_header(name, response.headers[name])
                self.end_headers()
                if not with_body:
                    return
                digest = hashlib.sha256()
                size = 0
                for block in iter(lambda: response.read(1024 * 1024), b""):
                    digest.update(block)
                    size += len(block)
                    self.wfile.write(block)
                filename = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1])
                if getattr(response, "status", None) == 200 and DEPENDENCY_FILE_RE.search(filename):
                    relay.record(filename, digest.hexdigest(), size)

        def log_message(self, format, *args):
            relay.log.line("index relay: " + (format % args))

    return Handler


class BuildSandbox:
    """One build's sandbox and index relay, for as long as the build's tools run."""

    def __init__(self, args, work, log):
        self.settings = SandboxSettings.from_args(args)
        self.index_url = None if args.no_isolation else args.index_url
        self.work = work
        self.log = log
        self.relay = None
        self.relay_dir = None
        # What the sandbox denied the build, as classify_build reads it from the output.
        self.denied = []

    def __enter__(self):
        socket_path = None
        if self.settings is not None:
            # The socket and the worker bwrap binds, where the sandbox's user reaches
            # them (a directory it may traverse but not list); socket paths are short.
            self.relay_dir = tempfile.mkdtemp(prefix="wheelfarm-relay-")
            os.chmod(self.relay_dir, 0o711)
            shutil.copyfile(os.path.abspath(__file__), os.path.join(self.relay_dir, "worker.py"))
            os.chmod(os.path.join(self.relay_dir, "worker.py"), 0o644)
            socket_path = os.path.join(self.relay_dir, "index.sock")
        if self.index_url:
            self.relay = IndexRelay(self.index_url, self.log, socket_path)
        return self

    def __exit__(self, *exc):
        if self.relay is not None:
            self.relay.close()
        if self.relay_dir is not None:
            shutil.rmtree(self.relay_dir, ignore_errors=True)
        return False

    def downloads(self):
        return list(self.relay.downloads) if self.relay is not None else []

    def denied_requests(self):
        return list(self.relay.refused) if self.relay is not None else []

    def index_trouble(self):
        return list(self.relay.unavailable) if self.relay is not None else []

    def wrap(self, command, host_env, maintainer_env):
        """(command, env, pass_fds, user) that run `command` inside the sandbox, or
        outside it (index through the local relay) when the farm runs unsandboxed. In
        the sandbox the tools get the maintainer's variables and nothing of host_env."""
        if self.settings is None:
            env = dict(host_env)
            if self.relay is not None:
                env["PIP_INDEX_URL"] = self.relay.local_url(self.relay.tcp_port())
            return command, env, (), None
        if self.settings.switches_user():
            _chown_tree(self.work, self.settings.uid, self.settings.gid)
        socket_path, index_url, port = None, None, None
        if self.relay is not None:
            socket_path = self.relay.server.server_address
            port = self.relay.sandbox_port()
            index_url = self.relay.local_url(port)
        inner = [_inside(part, self.work) for part in command]
        env = sandbox_env(index_url, maintainer_env)
        worker = os.path.join(self.relay_dir, "worker.py")
        wrapped = bwrap_command(self.settings, self.work, socket_path, worker, port, inner[0], env, inner)
        return wrapped, {"PATH": SANDBOX_PATH}, (), self.settings


def _inside(argument, work):
    """A host path under the work directory as the sandbox sees it (under /tmp/build)."""
    if argument == work or argument.startswith(work + os.sep):
        return SANDBOX_WORK + argument[len(work):]
    return argument


def _chown_tree(root, uid, gid):
    os.chown(root, uid, gid)
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            os.lchown(os.path.join(directory, name), uid, gid)


def sandbox_denials(output, settings, relay_refusals):
    """What the sandbox denied the build, read from its output: hidden files, writes
    outside /tmp, connections other than the index, variables of the farm."""
    denied = ["network: " + r for r in relay_refusals]
    for path in sorted(set(settings.hidden) | set(ALWAYS_HIDDEN)):
        if re.search(r"(No such file or directory|Permission denied|Read-only file system)[^\n]*'%s[/']" % re.escape(path), output):
            denied.append("file: %s is hidden from the build" % path)
    for match in re.finditer(r"Read-only file system: '([^']+)'", output):
        denied.append("file: %s is outside the build's writable directory (/tmp)" % match.group(1))
    for match in re.finditer(r"(?:Permission denied|No such file or directory): '(/[^']+)'", output):
        what = "file: %s is outside what the sandbox shows" % match.group(1)
        if not any(match.group(1).startswith(p) for p in settings.hidden) and what not in denied:
            denied.append(what)
    if re.search(r"Network is unreachable|Connection refused|Temporary failure in name resolution|Name or service not known", output):
        host = re.search(r"(?:connect(?:ion)? to|host=')\s*'?([A-Za-z0-9.:\[\]-]+)", output)
        denied.append("network: %s (the sandbox reaches the package index only)" % (host.group(1) if host else "a connection"))
    for match in re.finditer(r"KeyError: '([A-Z][A-Z0-9_]*)'", output):
        denied.append("environment: %s is not passed into the sandbox" % match.group(1))
    return list(dict.fromkeys(denied))


def sandbox_limit(output):
    """Which of the sandbox's limits stopped the build, or None."""
    for pattern, limit in LIMIT_PATTERNS:
        if re.search(pattern, output):
            return limit
    return None


def command_sandbox_exec(args):
    """Inside the sandbox: relay 127.0.0.1:PORT to the farm's socket, then run the tool
    and exit with its status."""
    if args.relay_socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", args.relay_port))
        listener.listen(64)
        threading.Thread(target=_accept_loop, args=(listener, args.relay_socket), daemon=True).start()
    command = args.tool[1:] if args.tool[:1] == ["--"] else args.tool
    if not command:
        sys.stderr.write("sandbox-exec: no command\n")
        return 2
    return subprocess.call(command)


def _accept_loop(listener, socket_path):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(socket_path)
        except OSError:
            client.close()
            upstream.close()
            continue
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, target), daemon=True).start()


def _pipe(source, target):
    try:
        for block in iter(lambda: source.recv(65536), b""):
            target.sendall(block)
    except OSError:
        pass
    finally:
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def command_check_sandbox(args):
    """Says (JSON on stdout) whether builds can run in the sandbox here: runs `true` in
    it exactly as a build's tools would run."""
    settings = SandboxSettings.from_args(args)
    reason = None
    with tempfile.TemporaryDirectory(prefix="wheelfarm-probe-") as work:
        # Traversable by the sandbox's user, as the local builder's work root is.
        os.chmod(work, 0o711)
        log = Log(os.path.join(work, "probe.log"), False)
        args.no_isolation = True
        try:
            with BuildSandbox(args, os.path.join(work, "w"), log) as sandbox:
                os.makedirs(sandbox.work)
                command, env, fds, user = sandbox.wrap([args.python, "-c", "pass"], {}, {})
                code, output = run_tool(command, env, log, 60, pass_fds=fds, user=user)
                if code != 0:
                    reason = "a probe in the sandbox (%s) failed with exit %d: %s" % (settings.bwrap, code, output.strip()[-500:])
        except (OSError, WorkerError) as error:
            reason = "the sandbox (%s) cannot run here: %s" % (settings.bwrap, error)
        finally:
            log.close()
    print(json.dumps({"sandbox_unavailable": reason}))
    return 0


# ---------------------------------------------------------------- step 2: pure build


def pure_build(args, project_dir, work, log, options, sandbox=None):
    """python -m build --wheel: in an isolated env from the index, or offline without one.

    Builds from the unpacked directory (what build 0.9 needs; newer build accepts it too),
    which is the same as building from the sdist. With a sandbox (the local builder), the
    build runs inside it and reaches the index through its relay.
    """
    outdir = os.path.join(work, "pure-dist")
    command = [args.python, "-m", "build", "--wheel", "--outdir", outdir]
    if args.no_isolation:
        # Offline: the interpreter's installed backends. The dependency check is skipped
        # because build 0.9 rejects hatchling's optional extras; a backend or requirement
        # that really is missing fails the build and is classified from its output.
        command += ["--no-isolation", "--skip-dependency-check"]
    command.append(project_dir)
    maintainer_env = build_environment(options, log)
    env, fds, user = tool_env(args, maintainer_env), (), None
    if sandbox is not None:
        command, env, fds, user = sandbox.wrap(command, env, maintainer_env)
    code, output = run_tool(command, env, log, args.step_timeout, pass_fds=fds, user=user)
    wheels = [name for name in sorted(os.listdir(outdir)) if name.endswith(".whl")] if os.path.isdir(outdir) else []
    return code, output, outdir, wheels


# ---------------------------------------------------------------- step 3: platform build


def native_platform_id():
    system = host_platform.system().lower()
    machine = host_platform.machine().lower()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}.get(machine, machine)
    if system == "linux":
        return "linux-" + arch
    if system == "darwin":
        return "macos-" + ("arm64" if arch == "aarch64" else arch)
    if system == "windows":
        return "windows-" + ("amd64" if arch == "x86_64" else "arm64")
    return system + "-" + arch


def cibuildwheel_plan(args, options, platform_id, sdist_path, outdir):
    """The exact command and CIBW_* environment cibuildwheel gets: farm selectors plus
    the maintainer's allow-listed options, passed as an argument list and variables."""
    cibw_platform, archs, runner = PLATFORMS[platform_id]
    skip = " ".join(s for s in (args.skip_selector.strip(), options["skip"]) if s)
    env = {
        "CIBW_BUILD": options["build"] or args.build_selector.strip(),
        "CIBW_ARCHS": archs,
        "CIBW_BUILD_VERBOSITY": "1",
    }
    if skip:
        env["CIBW_SKIP"] = skip
    env.update(cibuildwheel_variables(options))
    if args.index_url:
        env["CIBW_ENVIRONMENT_PASS_LINUX"] = "PIP_INDEX_URL"
    command = [args.python, "-m", "cibuildwheel", "--platform", cibw_platform, "--output-dir", outdir, sdist_path]
    return Plan(platform_id, runner, command, env)


def cibuildwheel_unavailable(args, platform_id):
    """Why cibuildwheel cannot run here, or None when it can."""
    if args.cibuildwheel == "never":
        return "cibuildwheel disabled (--cibuildwheel never)"
    if getattr(args, "sandbox", "none") == "bwrap":
        # cibuildwheel drives a container engine, a daemon outside any sandbox: running
        # it would give the sdist's code the engine's (root's) powers.
        return "cibuildwheel does not run in the local builder's sandbox (its container engine is outside it)"
    probe = subprocess.run(
        [args.python, "-c", "import cibuildwheel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    if probe.returncode != 0:
        return "cibuildwheel is not installed for %s" % args.python
    if platform_id.startswith("linux-") and not container_engine_available():
        return "no working container engine (docker or podman) for Linux builds"
    return None


def container_engine_available():
    for engine in ("docker", "podman"):
        path = shutil.which(engine)
        if not path:
            continue
        try:
            probe = subprocess.run(
                [path, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=30
            )
        except subprocess.TimeoutExpired:
            continue
        if probe.returncode == 0:
            return True
    return False


def platform_build(args, options, platform_id, sdist_path, work, wheels_out, log):
    """Runs cibuildwheel for one platform; returns a platform entry and its wheels."""
    outdir = os.path.join(work, "cibw-" + platform_id)
    plan = cibuildwheel_plan(args, options, platform_id, sdist_path, outdir)
    code, output = run_tool(plan.command, tool_env(args, plan.environment), log, args.step_timeout)
    # cibuildwheel's documented exit codes: 2 configuration error, 3 nothing to build
    # (the selectors match no Python the sdist supports), 5 the build made a pure wheel.
    outcomes = {0: "built", 3: "nothing-to-build", 5: "pure-wheel"}
    if code in outcomes:
        entry = PlatformEntry(platform_id, outcomes[code], runner=plan.runner, tool="cibuildwheel")
    else:
        entry = PlatformEntry(
            platform_id,
            "failed",
            runner=plan.runner,
            tool="cibuildwheel",
            failure_class="config-error" if code == 2 else classify(output),
            log_excerpt=excerpt(output),
            exit_code=code,
        )
    wheels = []
    if entry.outcome in ("built", "pure-wheel"):
        wheels = collect_wheels(outdir, "any" if entry.outcome == "pure-wheel" else platform_id, wheels_out)
    entry.wheels = [w.filename for w in wheels]
    return entry, wheels, plan


# ---------------------------------------------------------------- step 4: report
#
# result.json (result.schema.json) is built from the typed records below, never as one
# free-form dict: each record writes exactly the keys the schema allows, and what the
# worker only needs between its steps (the pure build's failure, kept while a platform
# build may still succeed) is returned from the step, not left in the result.


class _Absent:
    """An optional key that is left out of result.json (None is written as null)."""

    def __repr__(self):
        return "ABSENT"

    def __bool__(self):
        return False


ABSENT = _Absent()

STATUSES = ("success", "failure", "nothing-to-build", "needs-platform-build")
STRATEGIES = ("none", "pure", "native", "cibuildwheel")
STAGES = ("final", "pure", "platform")
OUTCOMES = ("built", "failed", "nothing-to-build", "pure-wheel", "skipped")
TOOLS = ("build", "cibuildwheel")


def _require(condition, message):
    if not condition:
        raise ValueError(message)


def _known_keys(data, allowed, what):
    unknown = sorted(set(data) - set(allowed))
    _require(not unknown, "%s has unknown keys: %s" % (what, ", ".join(unknown)))


@dataclass
class Failure:
    failure_class: str
    message: str
    log_excerpt: Optional[str] = None

    def __post_init__(self):
        _require(self.failure_class in FAILURE_CLASSES, "unknown failure class %r" % (self.failure_class,))

    def to_json(self):
        return {"class": self.failure_class, "message": self.message, "log_excerpt": self.log_excerpt}

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("class", "message", "log_excerpt"), "failure")
        return cls(data["class"], data["message"], data.get("log_excerpt"))


@dataclass
class SdistFile:
    filename: str
    sha256: str
    size: int

    def to_json(self):
        return {"filename": self.filename, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("filename", "sha256", "size"), "sdist")
        return cls(data["filename"], data["sha256"], data["size"])


@dataclass
class Wheel:
    filename: str
    sha256: str
    size: int
    platform: str

    def to_json(self):
        return {"filename": self.filename, "sha256": self.sha256, "size": self.size, "platform": self.platform}

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("filename", "sha256", "size", "platform"), "wheel")
        return cls(data["filename"], data["sha256"], data["size"], data["platform"])


@dataclass
class PlatformEntry:
    """One platform's outcome. The optional keys are ABSENT unless set; a failed
    outcome needs its failure class (the schema's if/then)."""

    platform: str
    outcome: str
    wheels: List[str] = field(default_factory=list)
    runner: Any = ABSENT
    tool: Any = ABSENT
    failure_class: Any = ABSENT
    exit_code: Any = ABSENT
    log_excerpt: Any = ABSENT
    note: Any = ABSENT

    OPTIONAL = ("runner", "tool", "failure_class", "exit_code", "log_excerpt", "note")

    def __post_init__(self):
        _require(self.outcome in OUTCOMES, "unknown platform outcome %r" % (self.outcome,))
        _require(self.tool is ABSENT or self.tool in TOOLS, "unknown tool %r" % (self.tool,))
        _require(
            self.failure_class is ABSENT or self.failure_class in FAILURE_CLASSES,
            "unknown failure class %r" % (self.failure_class,),
        )
        _require(
            self.outcome != "failed" or self.failure_class is not ABSENT,
            "a failed platform entry (%s) needs its failure class" % self.platform,
        )

    def to_json(self):
        data = {"platform": self.platform, "outcome": self.outcome, "wheels": list(self.wheels)}
        for key in self.OPTIONAL:
            value = getattr(self, key)
            if value is not ABSENT:
                data[key] = value
        return data

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("platform", "outcome", "wheels") + cls.OPTIONAL, "platform entry")
        optional = {key: data[key] for key in cls.OPTIONAL if key in data}
        return cls(data["platform"], data["outcome"], list(data.get("wheels", [])), **optional)


@dataclass
class Plan:
    """The exact cibuildwheel command and CIBW_* environment for one platform."""

    platform: str
    runner: str
    command: List[str]
    environment: Dict[str, str]

    def to_json(self):
        return {
            "platform": self.platform,
            "runner": self.runner,
            "command": list(self.command),
            "environment": dict(self.environment),
        }

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("platform", "runner", "command", "environment"), "cibuildwheel plan")
        return cls(data["platform"], data["runner"], list(data["command"]), dict(data["environment"]))


@dataclass
class Request:
    id: str
    project: str
    version: str
    sdist_url: str
    sdist_sha256: str

    def to_json(self):
        return {
            "id": self.id,
            "project": self.project,
            "version": self.version,
            "sdist_url": self.sdist_url,
            "sdist_sha256": self.sdist_sha256,
        }

    @classmethod
    def from_args(cls, args):
        return cls(args.request_id, args.project, args.version, args.sdist_url, args.sdist_sha256)

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("id", "project", "version", "sdist_url", "sdist_sha256"), "request")
        return cls(data["id"], data["project"], data["version"], data["sdist_url"], data["sdist_sha256"])


@dataclass
class Tools:
    python: str
    build: Optional[str]
    cibuildwheel: Optional[str]

    def to_json(self):
        return {"python": self.python, "build": self.build, "cibuildwheel": self.cibuildwheel}

    @classmethod
    def of_this_machine(cls):
        return cls(host_platform.python_version(), _installed_version("build"), _installed_version("cibuildwheel"))

    @classmethod
    def from_json(cls, data):
        _known_keys(data, ("python", "build", "cibuildwheel"), "tools")
        return cls(data["python"], data.get("build"), data.get("cibuildwheel"))


@dataclass
class Result:
    """What one stage of the worker reports: result.json, field for field."""

    stage: str
    request: Request
    tools: Tools
    started_at: str
    status: str = "failure"
    strategy: str = "none"
    sdist: Optional[SdistFile] = None
    platforms: List[PlatformEntry] = field(default_factory=list)
    wheels: List[Wheel] = field(default_factory=list)
    failure: Optional[Failure] = None
    notes: List[str] = field(default_factory=list)
    cibuildwheel_plan: List[Plan] = field(default_factory=list)
    planned_platforms: List[str] = field(default_factory=list)
    finished_at: Optional[str] = None
    sandbox: Optional[Dict[str, Any]] = None
    build_environment: List[Dict[str, Any]] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION
    worker_version: str = WORKER_VERSION

    def __post_init__(self):
        _require(self.stage in STAGES, "unknown stage %r" % (self.stage,))

    def decide(self, status, strategy):
        """Sets the verdict; a success or nothing-to-build clears an earlier failure."""
        _require(status in STATUSES, "unknown status %r" % (status,))
        _require(strategy in STRATEGIES, "unknown strategy %r" % (strategy,))
        self.status = status
        self.strategy = strategy
        if status in ("success", "nothing-to-build"):
            self.failure = None

    def fail(self, failure):
        self.status = "failure"
        self.failure = failure

    def add(self, entry, wheels=()):
        """A platform's outcome and the wheels it made."""
        self.platforms.append(entry)
        self.wheels.extend(wheels)

    def to_json(self):
        return {
            "schema_version": self.schema_version,
            "worker_version": self.worker_version,
            "stage": self.stage,
            "request": self.request.to_json(),
            "status": self.status,
            "strategy": self.strategy,
            "sdist": self.sdist.to_json() if self.sdist is not None else None,
            "platforms": [entry.to_json() for entry in self.platforms],
            "wheels": [wheel.to_json() for wheel in self.wheels],
            "failure": self.failure.to_json() if self.failure is not None else None,
            "notes": list(self.notes),
            "cibuildwheel_plan": [plan.to_json() for plan in self.cibuildwheel_plan],
            "planned_platforms": list(self.planned_platforms),
            "tools": self.tools.to_json(),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "sandbox": self.sandbox,
            "build_environment": list(self.build_environment),
        }

    @classmethod
    def from_json(cls, data):
        """A stage's result.json as written by to_json; anything else is refused."""
        _require(isinstance(data, dict), "result.json is not an object")
        _known_keys(data, cls.KEYS, "result.json")
        missing = sorted(set(cls.KEYS) - set(data))
        _require(not missing, "result.json lacks %s" % ", ".join(missing))
        _require(data["schema_version"] == SCHEMA_VERSION, "result.json has schema version %r" % (data["schema_version"],))
        result = cls(
            stage=data["stage"],
            request=Request.from_json(data["request"]),
            tools=Tools.from_json(data["tools"]),
            started_at=data["started_at"],
            sdist=SdistFile.from_json(data["sdist"]) if data["sdist"] is not None else None,
            platforms=[PlatformEntry.from_json(entry) for entry in data["platforms"]],
            wheels=[Wheel.from_json(wheel) for wheel in data["wheels"]],
            failure=Failure.from_json(data["failure"]) if data["failure"] is not None else None,
            notes=list(data["notes"]),
            cibuildwheel_plan=[Plan.from_json(plan) for plan in data["cibuildwheel_plan"]],
            planned_platforms=list(data["planned_platforms"]),
            finished_at=data["finished_at"],
            worker_version=data["worker_version"],
            sandbox=data["sandbox"],
            build_environment=list(data["build_environment"]),
        )
        _require(data["status"] in STATUSES, "unknown status %r" % (data["status"],))
        _require(data["strategy"] in STRATEGIES, "unknown strategy %r" % (data["strategy"],))
        result.status = data["status"]
        result.strategy = data["strategy"]
        return result


Result.KEYS = tuple(Result(stage="final", request=Request("", "", "", "", ""), tools=Tools("", None, None), started_at="").to_json())


@dataclass
class PendingPlatformBuild:
    """The pure step's hand-over when a platform build is needed: the sdist, where
    python -m build left its output (None when strategy native skipped it), the wheel
    names it made, and its failure when it failed in a way a platform build may fix."""

    sdist_path: str
    pure_dir: Optional[str]
    names: List[str]
    pure_failure: Optional[Failure] = None


def new_result(args, stage):
    return Result(stage=stage, request=Request.from_args(args), tools=Tools.of_this_machine(), started_at=now_iso())


def _installed_version(name):
    try:
        from importlib import metadata
    except ImportError:
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def finish(result, out):
    result.finished_at = now_iso()
    path = os.path.join(out, "result.json")
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result.to_json(), handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)
    return path


def prepare(args, stage):
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    work = os.path.abspath(args.work or os.path.join(out, "work"))
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    log = Log(os.path.join(out, "build.log"), args.echo)
    result = new_result(args, stage)
    log.line("wheelfarm worker %s, stage %s, request %s: %s %s" % (WORKER_VERSION, stage, args.request_id, args.project, args.version))
    return out, work, log, result


def fetch_and_unpack(args, work, log, result):
    filename = validate_request(args)
    sdist, sdist_path = fetch_sdist(args, filename, work, log)
    result.sdist = sdist
    project_dir = unpack_sdist(sdist_path, os.path.join(work, "src"), log)
    return sdist_path, project_dir


def do_pure(args, options, work, wheels_out, log, result, sandbox=None):
    """Steps 1-2. Returns a PendingPlatformBuild when a platform build is needed, None
    when the job is decided (pure success or a final failure). With strategy native the
    pure attempt is skipped (pure_dir None); with strategy pure whatever python -m build
    gives is final."""
    sdist_path, project_dir = fetch_and_unpack(args, work, log, result)
    if options["strategy"] == "native":
        log.line('strategy = "native": no pure attempt, straight to the platform build')
        result.notes.append('strategy = "native": python -m build\'s pure attempt was skipped')
        return PendingPlatformBuild(sdist_path, None, [])
    code, output, outdir, names = pure_build(args, project_dir, work, log, options, sandbox)
    if code == 0 and names and all(is_pure(n) for n in names):
        wheels = collect_wheels(outdir, "any", wheels_out)
        result.add(PlatformEntry("any", "built", [w.filename for w in wheels], tool="build"), wheels)
        result.decide("success", "pure")
        return None
    pure_only = options["strategy"] == "pure"
    if code == 0 and names:
        log.line("build made a platform wheel (%s): the project has native code" % ", ".join(names))
        if pure_only:
            result.add(PlatformEntry("any", "failed", tool="build", failure_class="config-error", note='strategy = "pure"'))
            raise WorkerError(
                "config-error",
                'python -m build made a platform wheel (%s) and strategy = "pure" turns the platform build off' % ", ".join(names),
            )
        result.notes.append("python -m build made a platform wheel; a platform build is needed")
        return PendingPlatformBuild(sdist_path, outdir, names)
    failure_class, message = classify_build(code, output, sandbox)
    result.add(PlatformEntry("any", "failed", tool="build", failure_class=failure_class, log_excerpt=excerpt(output)))
    if failure_class in NATIVE_HINTS and pure_only:
        log.line('the pure build failed with %s; strategy = "pure": no platform build' % failure_class)
        result.notes.append('strategy = "pure": no platform build after the pure build failed with %s' % failure_class)
    elif failure_class in NATIVE_HINTS:
        log.line("the pure build failed with %s: trying a platform build" % failure_class)
        result.notes.append("python -m build failed with %s; a platform build may still succeed" % failure_class)
        return PendingPlatformBuild(sdist_path, outdir, [], Failure(failure_class, message, excerpt(output)))
    raise WorkerError(failure_class, message, excerpt(output))


def command_run(args):
    """The local builder: all steps on this machine. Platforms other than this
    machine's are reported as skipped, with the reason."""
    options_text = args.options
    out, work, log, result = prepare(args, "final")
    wheels_out = os.path.join(out, "wheels")
    sandbox = BuildSandbox(args, work, log)
    try:
        options = parse_options(options_text)
        sandbox.__enter__()
        pending = do_pure(args, options, work, wheels_out, log, result, sandbox)
        if pending is not None:
            platform_id = native_platform_id()
            if platform_id not in PLATFORMS:
                raise WorkerError("config-error", "this machine (%s) is not a farm platform" % platform_id)
            for other in options["platforms"]:
                if other != platform_id:
                    result.add(PlatformEntry(other, "skipped", note="the local builder runs on %s only" % platform_id))
            if platform_id not in options["platforms"]:
                note = "the maintainer's platforms (%s) exclude this machine's %s" % (", ".join(options["platforms"]), platform_id)
                result.notes.append(note)
                result.add(PlatformEntry(platform_id, "skipped", note=note))
                result.decide("nothing-to-build", "cibuildwheel")
            else:
                local_platform(args, options, platform_id, pending, work, wheels_out, log, result, sandbox)
    except WorkerError as error:
        log.line("failure (%s): %s" % (error.failure_class, error.message))
        result.fail(error.failure())
    finally:
        sandbox.__exit__(None, None, None)
        result.build_environment = sandbox.downloads()
        if sandbox.settings is not None:
            result.sandbox = sandbox.settings.describe(sandbox.index_url, sandbox.denied)
        log.close()
    finish(result, out)
    return 0 if result.status == "success" else 1


def local_platform(args, options, platform_id, pending, work, wheels_out, log, result, sandbox=None):
    sdist_path, pure_dir, names = pending.sdist_path, pending.pure_dir, pending.names
    unavailable = cibuildwheel_unavailable(args, platform_id)
    plan = cibuildwheel_plan(args, options, platform_id, sdist_path, os.path.join(work, "cibw-" + platform_id))
    if unavailable is None and args.cibuildwheel == "auto":
        entry, wheels, plan = platform_build(args, options, platform_id, sdist_path, work, wheels_out, log)
        result.cibuildwheel_plan.append(plan)
        record_platform(result, entry, wheels)
        return
    result.cibuildwheel_plan.append(plan)
    reason = unavailable or "cibuildwheel planned only (--cibuildwheel plan)"
    log.line("not running cibuildwheel: " + reason)
    if pure_dir is None:
        # strategy native skipped the pure attempt; without cibuildwheel, python -m
        # build is this machine's platform build.
        unpacked = os.path.join(work, "src")
        project_dir = os.path.join(unpacked, os.listdir(unpacked)[0])
        code, output, pure_dir, names = pure_build(args, project_dir, work, log, options, sandbox)
        if code != 0 or not names:
            failure_class, _ = classify_build(code, output, sandbox)
            result.add(
                PlatformEntry(
                    platform_id, "failed", tool="build", failure_class=failure_class, log_excerpt=excerpt(output), note=reason
                )
            )
            raise WorkerError(failure_class, "python -m build --wheel exited %d" % code, excerpt(output))
    if names and all(is_pure(n) for n in names):
        # strategy native on a pure project: cibuildwheel would report a pure wheel
        # (its exit 5) and the worker keeps it; selectors do not apply to it.
        wheels = collect_wheels(pure_dir, "any", wheels_out)
        result.add(PlatformEntry(platform_id, "pure-wheel", [w.filename for w in wheels], tool="build", note=reason), wheels)
        result.decide("success", "pure")
        return
    if names:
        excluded = excluded_by_selectors(args, options, names)
        if excluded:
            result.add(PlatformEntry(platform_id, "skipped", tool="build", note=excluded))
            result.notes.append(excluded)
            result.decide("nothing-to-build", "native")
            return
        # Like OpenStack's wheel cache: a wheel for this machine's interpreter and libc,
        # not a portable manylinux wheel. The note says so; the index decides what to serve.
        wheels = collect_wheels(pure_dir, platform_id, wheels_out)
        result.add(PlatformEntry(platform_id, "built", [w.filename for w in wheels], tool="build", note=reason), wheels)
        result.decide("success", "native")
        result.notes.append("%s: kept the native platform wheel that python -m build produced" % reason)
        return
    if pending.pure_failure is None:
        raise WorkerError("unknown", "python -m build made no wheel and recorded no failure")
    result.notes.append("%s: the failure of python -m build stands" % reason)
    failure = pending.pure_failure
    raise WorkerError(failure.failure_class, failure.message, failure.log_excerpt)


def build_identifier(wheel_name):
    """The cibuildwheel build identifier a native wheel stands for: its Python tag and
    platform, with this machine's plain linux_<arch> read as the manylinux (glibc) or
    musllinux build it replaces, e.g. cp311-cp311-linux_x86_64 -> cp311-manylinux_x86_64."""
    python_tag, _abi, platform_tag = wheel_name[: -len(".whl")].split("-")[-3:]
    python_tag = python_tag.split(".")[0]
    platform_tag = platform_tag.split(".")[0]
    if platform_tag.startswith("linux_"):
        libc = "musllinux" if host_platform.libc_ver()[0] not in ("glibc", "") else "manylinux"
        platform_tag = libc + platform_tag[len("linux") :]
    return "%s-%s" % (python_tag, platform_tag)


def selector_matches(selector, identifier):
    return any(fnmatch.fnmatchcase(identifier, pattern) for pattern in selector.split())


def excluded_by_selectors(args, options, names):
    """Why the maintainer's (and the farm's) build/skip selectors exclude this
    machine's native wheel, as cibuildwheel would exclude its build; None when they
    do not."""
    build = options["build"] or args.build_selector.strip()
    skip = " ".join(s for s in (args.skip_selector.strip(), options["skip"]) if s)
    for name in names:
        identifier = build_identifier(name)
        if build and not selector_matches(build, identifier):
            return "this machine's build %s is not selected by build = %r" % (identifier, build)
        if skip and selector_matches(skip, identifier):
            return "this machine's build %s is excluded by skip = %r" % (identifier, skip)
    return None


def record_platform(result, entry, wheels):
    result.add(entry, wheels)
    result.strategy = "cibuildwheel"
    summarize(result)


def summarize(result):
    """The overall status from the per-platform outcomes: any wheel is a success (the
    failed platforms are listed); all nothing-to-build is its own status; else failure."""
    platform_entries = [p for p in result.platforms if p.tool == "cibuildwheel"]
    if result.wheels:
        result.decide("success", result.strategy)
        return
    if platform_entries and all(p.outcome in ("nothing-to-build", "skipped") for p in platform_entries):
        result.decide("nothing-to-build", result.strategy)
        return
    failed = [p for p in platform_entries if p.outcome == "failed"]
    if failed:
        first = failed[0]
        result.fail(
            Failure(
                first.failure_class,
                "cibuildwheel failed on %s" % ", ".join(p.platform for p in failed),
                first.log_excerpt if first.log_excerpt is not ABSENT else None,
            )
        )


def command_pure(args):
    """Workflow job 1: decides whether the platform matrix runs, and for which platforms."""
    out, work, log, result = prepare(args, "pure")
    matrix = []
    try:
        options = parse_options(args.options)
        pending = do_pure(args, options, work, os.path.join(out, "wheels"), log, result)
        if pending is not None:
            result.decide("needs-platform-build", "cibuildwheel")
            matrix = [{"platform": p, "runner": PLATFORMS[p][2]} for p in options["platforms"]]
            result.planned_platforms = list(options["platforms"])
    except WorkerError as error:
        log.line("failure (%s): %s" % (error.failure_class, error.message))
        result.fail(error.failure())
    finally:
        log.close()
    finish(result, out)
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as handle:
            handle.write("needs-platform-build=%s\n" % ("true" if matrix else "false"))
            handle.write("matrix=%s\n" % json.dumps({"include": matrix}, separators=(",", ":")))
    return 0


def command_platform(args):
    """One workflow matrix job: cibuildwheel for this runner's platform."""
    out, work, log, result = prepare(args, "platform")
    try:
        options = parse_options(args.options)
        if args.platform not in options["platforms"]:
            raise WorkerError("config-error", "platform %s is not among the requested platforms" % args.platform)
        sdist_path, _ = fetch_and_unpack(args, work, log, result)
        if args.cibuildwheel == "plan":
            plan = cibuildwheel_plan(args, options, args.platform, sdist_path, os.path.join(work, "cibw-" + args.platform))
            result.cibuildwheel_plan.append(plan)
            raise WorkerError("config-error", "cibuildwheel planned only (--cibuildwheel plan)")
        unavailable = cibuildwheel_unavailable(args, args.platform)
        if unavailable:
            raise WorkerError("config-error", unavailable)
        entry, wheels, plan = platform_build(args, options, args.platform, sdist_path, work, os.path.join(out, "wheels"), log)
        result.cibuildwheel_plan.append(plan)
        record_platform(result, entry, wheels)
    except WorkerError as error:
        log.line("failure (%s): %s" % (error.failure_class, error.message))
        result.fail(error.failure())
        result.add(PlatformEntry(args.platform, "failed", tool="cibuildwheel", failure_class=error.failure_class))
    finally:
        log.close()
    finish(result, out)
    return 0


def read_parts(parts_dir):
    """Every stage's result.json under parts_dir, with the directory it was found in."""
    parts = []
    for root, _dirs, files in os.walk(os.path.abspath(parts_dir)):
        if "result.json" in files:
            path = os.path.join(root, "result.json")
            with open(path, encoding="utf-8") as handle:
                try:
                    parts.append((root, Result.from_json(json.load(handle))))
                except (ValueError, KeyError, TypeError) as error:
                    raise ValueError("%s is not a worker result: %s" % (path, error)) from error
    return parts


def command_assemble(args):
    """Workflow's final job: one result.json from the stages' partial results.

    Wheels are re-hashed here rather than trusted from the partial results, and
    missing partial results (a matrix job that died) become failed platforms.
    """
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    try:
        parts = read_parts(args.parts)
    except ValueError as error:
        sys.stderr.write("%s\n" % error)
        return 2
    pure = [p for p in parts if p[1].stage == "pure"]
    if len(pure) != 1:
        sys.stderr.write("expected exactly one result.json of stage 'pure', found %d\n" % len(pure))
        return 2
    # Before the pure part's result becomes the final one: the logs are ordered by stage.
    join_logs(parts, out)
    pure_root, result = pure[0]
    result.stage = "final"
    result.wheels = []
    wheels_out = os.path.join(out, "wheels")
    if result.status == "success":
        result.wheels = collect_wheels(os.path.join(pure_root, "wheels"), "any", wheels_out)
    elif result.status == "needs-platform-build":
        by_platform = {}
        for root, part in parts:
            if part.stage == "platform":
                if not part.platforms:
                    sys.stderr.write("the platform result in %s names no platform\n" % root)
                    return 2
                by_platform[part.platforms[-1].platform] = (root, part)
        for platform_id in sorted(set(result.planned_platforms) | set(by_platform)):
            if platform_id not in by_platform:
                # The job died, was cancelled or never started: no wheels, class unknown.
                result.add(
                    PlatformEntry(
                        platform_id,
                        "failed",
                        tool="cibuildwheel",
                        failure_class="unknown",
                        note="no result from this platform's job",
                    )
                )
                continue
            root, part = by_platform[platform_id]
            entry = PlatformEntry.from_json(part.platforms[-1].to_json())
            if part.failure is not None and entry.outcome == "failed" and entry.log_excerpt is ABSENT:
                entry.log_excerpt = part.failure.log_excerpt
            wheels = []
            if entry.outcome in ("built", "pure-wheel"):
                wheels = collect_wheels(os.path.join(root, "wheels"), platform_id, wheels_out)
            entry.wheels = [w.filename for w in wheels]
            result.add(entry, wheels)
            result.cibuildwheel_plan += part.cibuildwheel_plan
        result.strategy = "cibuildwheel"
        result.status = "failure"
        summarize(result)
        if result.status == "failure" and result.failure is None:
            result.fail(Failure("unknown", "no platform job reported a result", None))
    finish(result, out)
    return 0 if result.status == "success" else 1


def join_logs(parts, out):
    """One build.log beside the final result.json: the farm stores it for the build's log
    page. Each stage's log under a heading naming its job, the pure stage first."""
    with open(os.path.join(out, "build.log"), "w", encoding="utf-8") as joined:
        for root, part in sorted(parts, key=lambda found: (found[1].stage != "pure", found[0])):
            path = os.path.join(root, "build.log")
            if not os.path.isfile(path):
                continue
            joined.write("== %s (%s stage) ==\n" % (os.path.basename(root), part.stage))
            with open(path, encoding="utf-8", errors="replace") as log:
                shutil.copyfileobj(log, joined)
            joined.write("\n")


# ---------------------------------------------------------------- command line


def command_check(args):
    """Says whether this machine's builds run cibuildwheel, without building anything:
    the local engine asks once, so that a build's plan can show which of the
    maintainer's cibuildwheel settings a local build does not apply."""
    platform_id = native_platform_id()
    if args.cibuildwheel == "plan":
        reason = "cibuildwheel planned only (--cibuildwheel plan)"
    else:
        reason = cibuildwheel_unavailable(args, platform_id)
    print(json.dumps({"platform": platform_id, "cibuildwheel_unavailable": reason}))
    return 0


def add_request_arguments(parser):
    parser.add_argument("--request-id", required=True, help="the farm's build request id")
    parser.add_argument("--project", required=True, help="the PyPI project name")
    parser.add_argument("--version", required=True, help="the release version")
    parser.add_argument("--sdist-url", required=True, help="http(s) URL of the sdist")
    parser.add_argument("--sdist-sha256", required=True, help="expected sha256 of the sdist (64 hex digits)")
    parser.add_argument("--options", default="{}", help="the maintainer's allow-listed options as a JSON object")
    parser.add_argument("--out", required=True, help="directory for result.json, build.log and wheels/")
    parser.add_argument("--work", help="scratch directory (default: OUT/work); emptied first")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs build and cibuildwheel")
    parser.add_argument(
        "--index-url",
        default=os.environ.get("WHEELFARM_INDEX_URL"),
        help="package index for isolated builds and cibuildwheel (default: $WHEELFARM_INDEX_URL, where a URL with a credential belongs)",
    )
    parser.add_argument("--no-isolation", action="store_true", help="offline: build with the interpreter's installed backends")
    parser.add_argument(
        "--cibuildwheel",
        choices=("auto", "never", "plan"),
        default="auto",
        help="auto: run it where it can run; never: keep build's native wheel; plan: record the plan only",
    )
    parser.add_argument("--build-selector", default="cp3*", help="the farm's CIBW_BUILD")
    parser.add_argument("--skip-selector", default="", help="the farm's CIBW_SKIP (the maintainer's skip is added)")
    parser.add_argument("--fetch-retries", type=int, default=4, help="extra download attempts after a 404/429/5xx")
    parser.add_argument("--fetch-backoff", type=float, default=15.0, help="seconds before the first retry (doubles)")
    parser.add_argument("--fetch-timeout", type=float, default=60.0, help="socket timeout of the download, seconds")
    parser.add_argument("--max-sdist-bytes", type=int, default=512 * 1024 * 1024)
    parser.add_argument("--step-timeout", type=int, default=3600, help="time limit of one tool run, seconds")
    parser.add_argument("--echo", action="store_true", help="also print the build log to stdout (workflow logs)")


def add_sandbox_arguments(parser):
    parser.add_argument("--sandbox", choices=("none", "bwrap"), default="none", help="bwrap: run the build tools in a bubblewrap sandbox")
    parser.add_argument("--bwrap", default="bwrap", help="the bubblewrap executable")
    parser.add_argument("--sandbox-uid", type=int, default=65534, help="user the sandbox runs as when the worker is root")
    parser.add_argument("--sandbox-gid", type=int, default=65534, help="group the sandbox runs as when the worker is root")
    parser.add_argument("--limit-memory", type=int, default=8 * 1024 ** 3, help="address space of the sandbox's processes, bytes")
    parser.add_argument("--limit-processes", type=int, default=512, help="processes of the sandbox's user")
    parser.add_argument("--limit-file-size", type=int, default=4 * 1024 ** 3, help="largest file the sandbox may write, bytes")
    parser.add_argument("--limit-tmp-size", type=int, default=2 * 1024 ** 3, help="size of the sandbox's /tmp, bytes")
    parser.add_argument("--hide", action="append", help="a path the sandbox hides (repeatable)")
# ---- PEP 740 attestations (the assemble job's signing step)

IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1"
PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"


def result_wheels(result_dir):
    """The wheels the final result.json lists, as (filename, sha256, path)."""
    with open(os.path.join(result_dir, "result.json"), encoding="utf-8") as handle:
        result = json.load(handle)
    wheels = []
    for wheel in result.get("wheels", []):
        name = wheel["filename"]
        if os.path.basename(name) != name or not name.endswith(".whl"):
            raise ValueError("result.json lists a wheel name that is not a plain file name: %r" % name)
        wheels.append((name, wheel["sha256"], os.path.join(result_dir, "wheels", name)))
    return wheels


def command_statements(args):
    """One in-toto v1 statement per wheel (PEP 740: exactly one subject, the file), for
    the signer to sign; written next to the wheel as <wheel>.statement.json."""
    for name, sha256, path in result_wheels(args.result):
        statement = {
            "_type": IN_TOTO_STATEMENT_V1,
            "subject": [{"name": name, "digest": {"sha256": sha256}}],
            "predicateType": PUBLISH_PREDICATE,
            "predicate": {},
        }
        with open(path + ".statement.json", "w", encoding="utf-8") as handle:
            json.dump(statement, handle, separators=(",", ":"))
        print(path + ".statement.json")
    return 0


def attestation_from_bundle(bundle):
    """A PEP 740 attestation object from a Sigstore bundle (v0.3) of a DSSE-signed
    statement, field for field as pypi-attestations' Attestation.from_bundle makes it."""
    material = bundle["verificationMaterial"]
    certificate = material.get("certificate", {}).get("rawBytes")
    if certificate is None:
        chain = material.get("x509CertificateChain", {}).get("certificates", [])
        certificate = chain[0]["rawBytes"] if chain else None
    envelope = bundle.get("dsseEnvelope")
    if certificate is None or envelope is None or len(envelope.get("signatures", [])) != 1:
        raise ValueError("the bundle has no signing certificate or no single-signature DSSE envelope")
    return {
        "version": 1,
        "verification_material": {"certificate": certificate, "transparency_entries": material["tlogEntries"]},
        "envelope": {"statement": envelope["payload"], "signature": envelope["signatures"][0]["sig"]},
    }


def command_pep740(args):
    """Turns each wheel's <wheel>.sigstore.json bundle into <wheel>.publish.attestation
    (the name pypi-attestations gives it) and removes the signing leftovers, so the
    result artifact carries the wheels and their attestations only."""
    for name, _sha256, path in result_wheels(args.result):
        with open(path + ".sigstore.json", encoding="utf-8") as handle:
            attestation = attestation_from_bundle(json.load(handle))
        with open(path + ".publish.attestation", "w", encoding="utf-8") as handle:
            json.dump(attestation, handle, separators=(",", ":"))
        for leftover in (path + ".sigstore.json", path + ".statement.json"):
            os.remove(leftover)
        print(name + ".publish.attestation")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="wheelfarm_worker.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker-version", action="version", version=WORKER_VERSION)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="all steps on this machine (local builder)")
    add_request_arguments(run)
    add_sandbox_arguments(run)
    pure = commands.add_parser("pure", help="fetch + pure build (workflow job 1)")
    add_request_arguments(pure)
    pure.add_argument("--github-output", help="file to append needs-platform-build= and matrix= to ($GITHUB_OUTPUT)")
    plat = commands.add_parser("platform", help="fetch + cibuildwheel for one platform (workflow matrix job)")
    add_request_arguments(plat)
    plat.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
    assemble = commands.add_parser("assemble", help="merge partial results into the final result.json")
    assemble.add_argument("--parts", required=True, help="directory holding the stages' result.json files and wheels")
    assemble.add_argument("--out", required=True)
    statements = commands.add_parser("statements", help="write each wheel's in-toto statement for signing")
    statements.add_argument("--result", required=True, help="the assembled result directory")
    pep740 = commands.add_parser("pep740", help="turn each wheel's Sigstore bundle into a PEP 740 attestation")
    pep740.add_argument("--result", required=True, help="the assembled result directory")
    check = commands.add_parser("check", help="say whether cibuildwheel runs on this machine (JSON on stdout)")
    check.add_argument("--python", default=sys.executable, help="interpreter that would run cibuildwheel")
    check.add_argument("--cibuildwheel", choices=("auto", "never", "plan"), default="auto")
    check.add_argument("--sandbox", choices=("none", "bwrap"), default="none", help="whether builds run in the sandbox")
    probe = commands.add_parser("check-sandbox", help="say whether builds can run in the sandbox here (JSON on stdout)")
    probe.add_argument("--python", default=sys.executable, help="interpreter the sandboxed tools run with")
    probe.add_argument("--index-url", help=argparse.SUPPRESS)
    add_sandbox_arguments(probe)
    inside = commands.add_parser("sandbox-exec", help="(inside the sandbox) relay the index, then run a command")
    inside.add_argument("--relay-socket", help="the farm's index socket, bound into the sandbox")
    inside.add_argument("--relay-port", type=int, default=8080, help="port of 127.0.0.1 the relay listens on")
    inside.add_argument("tool", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    handler = {
        "check-sandbox": command_check_sandbox,
        "sandbox-exec": command_sandbox_exec,
        "run": command_run,
        "pure": command_pure,
        "platform": command_platform,
        "assemble": command_assemble,
        "check": command_check,
        "statements": command_statements,
        "pep740": command_pep740,
    }
    return handler[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
