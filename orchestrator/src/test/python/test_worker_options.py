"""The worker's handling of the maintainer's options (options.schema.json): what it
accepts, and how each key reaches cibuildwheel's command and CIBW_* environment, the
workflow matrix and the local builder's python -m build.

Run by dev.wheelfarm.dispatch.local.WorkerPythonTest (mvn verify), or directly:
  PYTHONPATH=worker-templates python3 -m unittest discover -s orchestrator/src/test/python
"""

import argparse
import json
import os
import tempfile
import unittest

import wheelfarm_worker as worker


def farm_args(**overrides):
    args = argparse.Namespace(
        python="/usr/bin/python3", build_selector="cp3*", skip_selector="*-win32", index_url=None
    )
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


class ParseOptions(unittest.TestCase):
    def test_defaults_are_every_platform_and_the_auto_strategy(self):
        options = worker.parse_options("{}")
        self.assertEqual(options["strategy"], "auto")
        self.assertEqual(options["platforms"], sorted(worker.PLATFORMS))
        self.assertEqual(len(options["platforms"]), 6)
        self.assertIsNone(options["build"])

    def test_unknown_keys_and_wrong_shapes_are_config_errors(self):
        cases = {
            '{"colour": "red"}': "unknown key",
            '{"strategy": "sometimes"}': "strategy",
            '{"platforms": ["linux"]}': "platforms[0]",
            '{"platforms": []}': "platforms",
            '{"skip": "pp* ; rm -rf /"}': "skip",
            '{"cibuildwheel": {"archs": "auto64"}}': 'unknown key "archs"',
            '{"cibuildwheel": {"output-dir": "/tmp"}}': "output-dir",
            '{"cibuildwheel": {"build-verbosity": 9}}': "build-verbosity",
            '{"cibuildwheel": {"environment": {"BAD NAME": "x"}}}': "environment",
            "[1]": "must be object",
            "{": "not valid JSON",
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                with self.assertRaises(worker.WorkerError) as raised:
                    worker.parse_options(text)
                self.assertEqual(raised.exception.failure_class, "config-error")
                self.assertIn(expected, raised.exception.message)

    def test_every_cibuildwheel_key_of_the_schema_is_mapped_to_a_cibw_variable(self):
        described = worker.OPTIONS_SCHEMA["properties"]["cibuildwheel"]["properties"]
        for key, schema in described.items():
            with self.subTest(key=key):
                self.assertTrue(schema["x-wheelfarm-env"].startswith("CIBW_"))
                self.assertEqual(schema["x-wheelfarm-env"], "CIBW_" + key.upper().replace("-", "_"))


class CibuildwheelPlan(unittest.TestCase):
    def plan(self, options_json, platform_id="linux-x86_64"):
        options = worker.parse_options(json.dumps(options_json))
        return worker.cibuildwheel_plan(farm_args(), options, platform_id, "/w/pkg-1.0.tar.gz", "/w/out")

    def test_the_farms_selectors_apply_when_the_maintainer_sets_none(self):
        plan = self.plan({})
        self.assertEqual(plan.environment["CIBW_BUILD"], "cp3*")
        self.assertEqual(plan.environment["CIBW_SKIP"], "*-win32")
        self.assertEqual(plan.environment["CIBW_ARCHS"], "x86_64")
        self.assertEqual(plan.runner, "ubuntu-latest")
        self.assertEqual(plan.command[3:5], ["--platform", "linux"])

    def test_build_replaces_and_skip_extends_the_farms_selectors(self):
        plan = self.plan({"build": "cp312-*", "skip": "pp* *-musllinux_*"}, "macos-arm64")
        self.assertEqual(plan.environment["CIBW_BUILD"], "cp312-*")
        self.assertEqual(plan.environment["CIBW_SKIP"], "*-win32 pp* *-musllinux_*")
        self.assertEqual(plan.environment["CIBW_ARCHS"], "arm64")
        self.assertEqual(plan.runner, "macos-latest")

    def test_cibuildwheel_options_become_their_variables(self):
        plan = self.plan(
            {
                "cibuildwheel": {
                    "before-all": ["yum install -y libffi-devel", "echo done"],
                    "environment": {"CFLAGS": "-O2 -g", "QUOTED": 'say "hi"'},
                    "test-requires": ["pytest", "numpy"],
                    "test-extras": ["test", "all"],
                    "test-command": "pytest {project}/tests",
                    "build-verbosity": 3,
                    "config-settings": {"setup-args": "-Dfoo=bar baz"},
                }
            }
        )
        env = plan.environment
        self.assertEqual(env["CIBW_BEFORE_ALL"], "yum install -y libffi-devel && echo done")
        self.assertEqual(env["CIBW_ENVIRONMENT"], 'CFLAGS="-O2 -g" QUOTED="say \\"hi\\""')
        self.assertEqual(env["CIBW_TEST_REQUIRES"], "pytest numpy")
        self.assertEqual(env["CIBW_TEST_EXTRAS"], "test,all")
        self.assertEqual(env["CIBW_TEST_COMMAND"], "pytest {project}/tests")
        self.assertEqual(env["CIBW_BUILD_VERBOSITY"], "3")
        self.assertEqual(env["CIBW_CONFIG_SETTINGS"], "setup-args='-Dfoo=bar baz'")
        self.assertNotIn("CIBW_ARCHS_LINUX", env)


class LocalBuilder(unittest.TestCase):
    def test_environment_reaches_python_m_build_but_pip_settings_stay_the_farms(self):
        options = worker.parse_options(
            json.dumps({"cibuildwheel": {"environment": 'CFLAGS="-O2 -DX=1" PIP_INDEX_URL=https://elsewhere.invalid/'}})
        )
        with tempfile.TemporaryDirectory() as directory:
            log = worker.Log(os.path.join(directory, "build.log"), False)
            try:
                variables = worker.build_environment(options, log)
            finally:
                log.close()
        self.assertEqual(variables, {"CFLAGS": "-O2 -DX=1"})

    def test_selectors_are_read_against_the_build_identifier_of_the_native_wheel(self):
        self.assertEqual(worker.build_identifier("pkg-1.0-cp311-cp311-linux_x86_64.whl"), "cp311-manylinux_x86_64")
        names = ["pkg-1.0-cp311-cp311-linux_x86_64.whl"]
        args = farm_args(skip_selector="")

        def excluded(options_json):
            return worker.excluded_by_selectors(args, worker.parse_options(json.dumps(options_json)), names)

        self.assertIsNone(excluded({}))
        self.assertIsNone(excluded({"build": "cp311-*", "skip": "pp*"}))
        self.assertIn("excluded by skip", excluded({"skip": "cp311-*"}))
        self.assertIn("excluded by skip", excluded({"skip": "*-manylinux*"}))
        self.assertIn("not selected by build", excluded({"build": "cp312-*"}))


if __name__ == "__main__":
    unittest.main()
