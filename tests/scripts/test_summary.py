"""scripts/lib/summary.py, the closing lines of scripts/test: the count CI
reads, and each failed test named with the end of what it printed, so that
the tail of a CI log says which test failed and why."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

SUMMARY = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "lib" / "summary.py"


def summarize(tree, *stages, ci=False):
    """Runs a copy of summary.py placed in tree, as scripts/test runs it."""
    lib = tree / "scripts" / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    shutil.copy(SUMMARY, lib / "summary.py")
    env = dict(os.environ)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    out = subprocess.run([sys.executable, str(lib / "summary.py"), *stages],
                         capture_output=True, text=True, env=env, check=True)
    return out.stdout.splitlines()


def meson_log(tree, name, *tests):
    log = tree / name / "meson-logs" / "testlog.json"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(json.dumps(t) + "\n" for t in tests))


def test_all_passed_prints_the_count_alone(tmp_path):
    meson_log(tmp_path, "build", {"name": "core", "result": "OK", "stdout": "fine"},
              {"name": "skipped", "result": "SKIP"})
    assert summarize(tmp_path) == ["scripts/test: 1 passed, 0 failed"]


def test_a_failed_meson_test_is_named_with_the_end_of_its_output(tmp_path):
    printed = "\n".join(f"line {i}" for i in range(100)) + "\nE   assert 7 == 8"
    meson_log(tmp_path, "build", {"name": "libedition:core / core", "result": "OK"},
              {"name": "libedition:fleet / fleet", "result": "FAIL", "duration": 536.04,
               "stdout": printed})
    lines = summarize(tmp_path, "build and test (-Werror)")
    assert lines[0] == ("--- failed: libedition:fleet / fleet "
                        "(build/meson-logs/testlog.json): FAIL, 536.0 s")
    assert lines[1:41] == ["    " + line for line in printed.splitlines()[-40:]]
    assert lines[-2:] == ["failed stages: build and test (-Werror)",
                          "scripts/test: 1 passed, 1 failed"]


def test_a_timeout_counts_as_a_failure(tmp_path):
    meson_log(tmp_path, "build-asan", {"name": "explore", "result": "TIMEOUT", "stdout": ""})
    lines = summarize(tmp_path)
    assert lines == ["--- failed: explore (build-asan/meson-logs/testlog.json): TIMEOUT",
                     "scripts/test: 0 passed, 1 failed"]


def junit(tree, name, body, tests, failures=0, skipped=0):
    (tree / "build").mkdir(exist_ok=True)
    (tree / "build" / name).write_text(
        f'<testsuites><testsuite tests="{tests}" failures="{failures}" errors="0" '
        f'skipped="{skipped}">{body}</testsuite></testsuites>')


def test_a_failed_pytest_case_is_named_with_its_message(tmp_path):
    junit(tmp_path, "python-binding-3.12.xml",
          '<testcase classname="tests.test_x" name="test_ok"/>'
          '<testcase classname="tests.test_x" name="test_bad">'
          '<failure message="assert 1 == 2">trace\nE   assert 1 == 2</failure></testcase>',
          tests=2, failures=1)
    lines = summarize(tmp_path)
    assert lines == ["--- failed: tests.test_x.test_bad (build/python-binding-3.12.xml): failure",
                     "    assert 1 == 2", "    trace", "    E   assert 1 == 2",
                     "scripts/test: 1 passed, 1 failed"]


def test_a_skip_fails_and_is_named_only_in_ci(tmp_path):
    junit(tmp_path, "python-binding-3.11.xml",
          '<testcase classname="t" name="test_needs_pg">'
          '<skipped message="no PostgreSQL"/></testcase>', tests=1, skipped=1)
    assert summarize(tmp_path) == ["scripts/test: 0 passed, 0 failed"]
    assert summarize(tmp_path, ci=True) == [
        "--- failed: t.test_needs_pg (build/python-binding-3.11.xml): skipped",
        "    no PostgreSQL", "scripts/test: 0 passed, 1 failed"]


def test_a_stage_that_failed_before_its_tests_counts(tmp_path):
    assert summarize(tmp_path, "lint") == ["failed stages: lint",
                                           "scripts/test: 0 passed, 1 failed"]
