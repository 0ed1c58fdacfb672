"""The worker's result.json: built from typed records that write exactly what
result.schema.json allows, validated with errors rather than assert, and merged by
the assemble stage from the workflow jobs' partial results.

Run by dev.wheelfarm.dispatch.local.WorkerPythonTest (mvn verify), or directly:
  PYTHONPATH=worker-templates python3 -m unittest discover -s orchestrator/src/test/python
"""

import argparse
import hashlib
import json
import os
import re
import tempfile
import unittest

import wheelfarm_worker as worker

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(worker.__file__)), "result.schema.json")
with open(SCHEMA_PATH, encoding="utf-8") as _handle:
    SCHEMA = json.load(_handle)

SHA = "a" * 64
WHEEL = "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"


def schema_errors(value, schema=SCHEMA, path="$"):
    """The subset of JSON Schema result.schema.json uses, enough to hold the worker's
    output to the contract the orchestrator validates it with."""
    if "$ref" in schema:
        return schema_errors(value, SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]], path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(value, s, path)]
        return [] if len(matching) == 1 else ["%s matches %d of oneOf" % (path, len(matching))]
    if "anyOf" in schema:
        return [] if any(not schema_errors(value, s, path) for s in schema["anyOf"]) else ["%s matches no anyOf" % path]
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append("%s: %r is not %r" % (path, value, schema["const"]))
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r not in enum" % (path, value))
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        python_types = {"string": str, "integer": int, "object": dict, "array": list, "null": type(None)}
        if not any(isinstance(value, python_types[k]) and not (k == "integer" and isinstance(value, bool)) for k in kinds):
            return errors + ["%s: %r is not %s" % (path, value, kinds)]
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: missing %s" % (path, key))
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], path + "." + key)
            elif schema.get("additionalProperties") is False:
                errors.append("%s: unexpected key %s" % (path, key))
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += schema_errors(item, schema["additionalProperties"], path + "." + key)
        condition = schema.get("if")
        if condition is not None and not schema_errors(value, condition, path):
            errors += schema_errors(value, schema.get("then", {}), path)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(item, schema["items"], "%s[%d]" % (path, index))
    return errors


def request_args(**overrides):
    args = argparse.Namespace(
        request_id="wf-7-1", project="demo", version="1.0", sdist_url="http://127.0.0.1:1/demo-1.0.tar.gz", sdist_sha256=SHA
    )
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def finished(result):
    result.finished_at = worker.now_iso()
    return result.to_json()


class TheSchemaItself(unittest.TestCase):
    def test_the_validator_here_catches_what_the_contract_forbids(self):
        good = finished(worker.new_result(request_args(), "final"))
        self.assertEqual(schema_errors(good), [])
        for broken in (dict(good, pure_failure={}), dict(good, status="maybe"), {k: v for k, v in good.items() if k != "notes"}):
            self.assertNotEqual(schema_errors(broken), [], broken)


class ResultShape(unittest.TestCase):
    def test_a_new_result_is_a_failure_with_every_key_of_the_contract(self):
        data = finished(worker.new_result(request_args(), "pure"))
        self.assertEqual(schema_errors(data), [])
        self.assertEqual(set(data), set(SCHEMA["required"]))
        self.assertEqual((data["status"], data["strategy"], data["failure"]), ("failure", "none", None))
        self.assertEqual(data["request"]["id"], "wf-7-1")

    def test_every_record_writes_only_schema_keys(self):
        result = worker.new_result(request_args(), "final")
        result.sdist = worker.SdistFile("demo-1.0.tar.gz", SHA, 10)
        result.add(
            worker.PlatformEntry("linux-x86_64", "built", [WHEEL], runner="ubuntu-latest", tool="cibuildwheel"),
            [worker.Wheel(WHEEL, SHA, 123, "linux-x86_64")],
        )
        result.add(
            worker.PlatformEntry(
                "macos-arm64", "failed", tool="cibuildwheel", failure_class="compile-error", exit_code=1, log_excerpt="error: x", note="n"
            )
        )
        result.cibuildwheel_plan.append(worker.Plan("linux-x86_64", "ubuntu-latest", ["python", "-m"], {"CIBW_BUILD": "cp3*"}))
        result.planned_platforms = ["linux-x86_64", "macos-arm64"]
        result.notes.append("a note")
        result.decide("success", "cibuildwheel")
        self.assertEqual(schema_errors(finished(result)), [])

    def test_optional_platform_keys_are_left_out_unless_set_and_none_is_null(self):
        skipped = worker.PlatformEntry("macos-arm64", "skipped", note="elsewhere").to_json()
        self.assertEqual(skipped, {"platform": "macos-arm64", "outcome": "skipped", "wheels": [], "note": "elsewhere"})
        failed = worker.PlatformEntry("any", "failed", tool="build", failure_class="unknown", log_excerpt=None).to_json()
        self.assertIn("log_excerpt", failed)
        self.assertIsNone(failed["log_excerpt"])

    def test_the_failure_is_written_under_class(self):
        result = worker.new_result(request_args(), "final")
        result.fail(worker.WorkerError("network", "HTTP 503").failure())
        self.assertEqual(finished(result)["failure"], {"class": "network", "message": "HTTP 503", "log_excerpt": None})

    def test_success_clears_an_earlier_failure(self):
        result = worker.new_result(request_args(), "final")
        result.fail(worker.Failure("unknown", "x"))
        result.decide("success", "pure")
        self.assertIsNone(result.failure)


class ValidationRaisesErrors(unittest.TestCase):
    """Checks are errors, not asserts: they hold under python -O too."""

    def test_an_unknown_failure_class_is_refused_by_name(self):
        with self.assertRaisesRegex(ValueError, "unknown failure class 'segfault'"):
            worker.WorkerError("segfault", "x")
        with self.assertRaisesRegex(ValueError, "unknown failure class"):
            worker.Failure("segfault", "x")

    def test_a_failed_platform_needs_its_class_and_outcomes_are_the_schemas(self):
        with self.assertRaisesRegex(ValueError, "needs its failure class"):
            worker.PlatformEntry("linux-x86_64", "failed")
        with self.assertRaisesRegex(ValueError, "unknown platform outcome"):
            worker.PlatformEntry("linux-x86_64", "exploded")
        with self.assertRaisesRegex(ValueError, "unknown tool"):
            worker.PlatformEntry("linux-x86_64", "built", tool="make")

    def test_statuses_strategies_and_stages_are_the_schemas(self):
        result = worker.new_result(request_args(), "final")
        with self.assertRaisesRegex(ValueError, "unknown status"):
            result.decide("fine", "pure")
        with self.assertRaisesRegex(ValueError, "unknown strategy"):
            result.decide("success", "magic")
        with self.assertRaisesRegex(ValueError, "unknown stage"):
            worker.new_result(request_args(), "middle")

    def test_no_assert_statement_is_left_in_the_worker(self):
        with open(worker.__file__, encoding="utf-8") as handle:
            self.assertNotRegex(handle.read(), r"(?m)^\s*assert\b")


class ReadingPartialResults(unittest.TestCase):
    def test_a_result_reads_back_as_it_was_written(self):
        result = worker.new_result(request_args(), "platform")
        result.add(worker.PlatformEntry("linux-x86_64", "failed", tool="cibuildwheel", failure_class="timeout", exit_code=-9))
        result.fail(worker.Failure("timeout", "slow", "tail"))
        data = finished(result)
        self.assertEqual(worker.Result.from_json(json.loads(json.dumps(data))).to_json(), data)

    def test_a_key_outside_the_contract_is_refused_with_its_name(self):
        data = dict(finished(worker.new_result(request_args(), "pure")), pure_failure={"class": "unknown"})
        with self.assertRaisesRegex(ValueError, "unknown keys: pure_failure"):
            worker.Result.from_json(data)
        entry = {"platform": "any", "outcome": "built", "wheels": [], "colour": "red"}
        with self.assertRaisesRegex(ValueError, "platform entry has unknown keys: colour"):
            worker.PlatformEntry.from_json(entry)


class Summarize(unittest.TestCase):
    def result_with(self, *entries, wheels=()):
        result = worker.new_result(request_args(), "final")
        result.strategy = "cibuildwheel"
        for entry in entries:
            result.add(entry)
        result.wheels.extend(wheels)
        worker.summarize(result)
        return result

    def test_any_wheel_is_a_success_and_failed_platforms_stay_listed(self):
        result = self.result_with(
            worker.PlatformEntry("linux-x86_64", "built", [WHEEL], tool="cibuildwheel"),
            worker.PlatformEntry("macos-arm64", "failed", tool="cibuildwheel", failure_class="compile-error"),
            wheels=[worker.Wheel(WHEEL, SHA, 1, "linux-x86_64")],
        )
        self.assertEqual((result.status, result.failure), ("success", None))
        self.assertEqual([p.outcome for p in result.platforms], ["built", "failed"])

    def test_nothing_to_build_everywhere_is_its_own_status(self):
        result = self.result_with(
            worker.PlatformEntry("linux-x86_64", "nothing-to-build", tool="cibuildwheel"),
            worker.PlatformEntry("macos-arm64", "skipped", tool="cibuildwheel"),
        )
        self.assertEqual(result.status, "nothing-to-build")

    def test_failures_name_every_failed_platform_and_the_first_ones_class(self):
        result = self.result_with(
            worker.PlatformEntry("linux-x86_64", "failed", tool="cibuildwheel", failure_class="missing-system-dependency"),
            worker.PlatformEntry("macos-arm64", "failed", tool="cibuildwheel", failure_class="compile-error", log_excerpt="x"),
        )
        self.assertEqual(result.status, "failure")
        self.assertEqual(result.failure.failure_class, "missing-system-dependency")
        self.assertEqual(result.failure.message, "cibuildwheel failed on linux-x86_64, macos-arm64")
        self.assertIsNone(result.failure.log_excerpt)


class Assemble(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory()
        self.parts = os.path.join(self.temp.name, "parts")
        self.out = os.path.join(self.temp.name, "out")

    def tearDown(self):
        self.temp.cleanup()

    def write_part(self, name, result, wheel_bytes=None):
        directory = os.path.join(self.parts, name)
        os.makedirs(os.path.join(directory, "wheels"))
        if wheel_bytes is not None:
            with open(os.path.join(directory, "wheels", WHEEL), "wb") as handle:
                handle.write(wheel_bytes)
        with open(os.path.join(directory, "result.json"), "w", encoding="utf-8") as handle:
            json.dump(result if isinstance(result, dict) else finished(result), handle)

    def assemble(self):
        code = worker.main(["assemble", "--parts", self.parts, "--out", self.out])
        with open(os.path.join(self.out, "result.json"), encoding="utf-8") as handle:
            return code, json.load(handle)

    def pure_part(self):
        pure = worker.new_result(request_args(), "pure")
        pure.add(worker.PlatformEntry("any", "failed", tool="build", failure_class="compile-error", log_excerpt="gcc"))
        pure.decide("needs-platform-build", "cibuildwheel")
        pure.planned_platforms = ["linux-x86_64", "macos-arm64"]
        return pure

    def test_the_platform_jobs_are_merged_and_a_missing_one_is_a_failed_platform(self):
        self.write_part("pure", self.pure_part())
        linux = worker.new_result(request_args(), "platform")
        # The partial result's hash is not trusted: the wheel is hashed again here.
        linux.add(
            worker.PlatformEntry("linux-x86_64", "built", [WHEEL], runner="ubuntu-latest", tool="cibuildwheel"),
            [worker.Wheel(WHEEL, "0" * 64, 1, "linux-x86_64")],
        )
        linux.cibuildwheel_plan.append(worker.Plan("linux-x86_64", "ubuntu-latest", ["python", "-m"], {"CIBW_BUILD": "cp3*"}))
        linux.decide("success", "cibuildwheel")
        self.write_part("linux", linux, b"wheel bytes")

        code, data = self.assemble()

        self.assertEqual(schema_errors(data), [])
        self.assertEqual((code, data["stage"], data["status"], data["strategy"]), (0, "final", "success", "cibuildwheel"))
        self.assertEqual(data["wheels"], [{"filename": WHEEL, "sha256": hashlib.sha256(b"wheel bytes").hexdigest(), "size": 11, "platform": "linux-x86_64"}])
        by_platform = {p["platform"]: p for p in data["platforms"]}
        self.assertEqual(by_platform["macos-arm64"]["outcome"], "failed")
        self.assertEqual(by_platform["macos-arm64"]["failure_class"], "unknown")
        self.assertEqual(by_platform["macos-arm64"]["note"], "no result from this platform's job")
        self.assertEqual(by_platform["any"]["failure_class"], "compile-error")
        self.assertEqual(len(data["cibuildwheel_plan"]), 1)
        with open(os.path.join(self.out, "wheels", WHEEL), "rb") as handle:
            self.assertEqual(handle.read(), b"wheel bytes")

    def test_a_failed_platform_job_lends_its_log_excerpt_and_the_build_fails(self):
        self.write_part("pure", self.pure_part())
        for platform_id in ("linux-x86_64", "macos-arm64"):
            part = worker.new_result(request_args(), "platform")
            part.fail(worker.Failure("compile-error", "cibuildwheel failed", "error: " + platform_id))
            part.add(worker.PlatformEntry(platform_id, "failed", tool="cibuildwheel", failure_class="compile-error"))
            self.write_part(platform_id, part)

        code, data = self.assemble()

        self.assertEqual(schema_errors(data), [])
        self.assertEqual((code, data["status"]), (1, "failure"))
        self.assertEqual(data["failure"]["class"], "compile-error")
        self.assertEqual(data["failure"]["log_excerpt"], "error: linux-x86_64")
        self.assertEqual(data["failure"]["message"], "cibuildwheel failed on linux-x86_64, macos-arm64")

    def test_a_partial_result_outside_the_contract_stops_the_assembly(self):
        self.write_part("pure", dict(finished(self.pure_part()), pure_failure={"class": "unknown"}))
        self.assertEqual(worker.main(["assemble", "--parts", self.parts, "--out", self.out]), 2)
        self.assertFalse(os.path.exists(os.path.join(self.out, "result.json")))


if __name__ == "__main__":
    unittest.main()
