"""Prints the closing line of scripts/test: "scripts/test: N passed, N failed".

Usage: python3 summary.py [FAILED_STAGE...]

Reads every test log the stages leave in the tree, where present: the meson
testlogs build*/meson-logs/testlog.json (build, asan, tsan, coverage, fuzz),
the valgrind stage's build/meson-logs/valgrind*.json and the go stage's
build/meson-logs/go-testlog.json (one JSON object per line: OK and
EXPECTEDFAIL pass, SKIP is not counted, anything else fails), and the python
stage's JUnit XML build/python-binding*.xml, one per Python it ran the
binding's tests with (their skips fail when CI=true).

Names every test that failed, with the last lines of what it printed (so
that the end of a long CI log says which test failed and how), then
"failed stages: A, B" when stages are named, then the closing line, which
CI reads; the failed count is at least the number of failed stages, as
a stage can fail before any test runs. Exits 0 unless a log cannot be read;
scripts/test takes its own exit status from the stages. Only the standard
library: runs with the system python3.
"""
import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET

os.chdir(pathlib.Path(__file__).resolve().parents[2])  # the logs' paths are the tree's
passed = failed = 0
failures = []  # (name, what went wrong, the last lines it printed)
TAIL = 40
# meson names the valgrind log after --logbase, as valgrind.json or, in some
# versions, valgrind-valgrind.json: take whichever it wrote
logs = ["build/meson-logs/testlog.json", "build-asan/meson-logs/testlog.json",
        "build-tsan/meson-logs/testlog.json", "build-cov/meson-logs/testlog.json",
        "build-fuzz/meson-logs/testlog.json", "build/meson-logs/go-testlog.json"]
logs += sorted(str(p) for p in pathlib.Path("build/meson-logs").glob("valgrind*.json"))
for p in logs:
    p = pathlib.Path(p)
    if not p.exists():
        continue
    for line in p.read_text().splitlines():
        test = json.loads(line)
        r = test.get("result")
        if r in ("OK", "EXPECTEDFAIL", "SKIP"):
            passed += r != "SKIP"
        else:
            failed += 1
            took = f", {test['duration']:.1f} s" if "duration" in test else ""
            failures.append((f"{test.get('name')} ({p})", f"{r}{took}",
                             (test.get("stdout") or "").splitlines()[-TAIL:]))
# the Python binding's pytest runs, from their JUnit XML; in CI a skip is a failure
ci = os.environ.get("CI") == "true"
for junit in sorted(pathlib.Path("build").glob("python-binding*.xml")):
    root = ET.parse(junit).getroot()
    for suite in root.iter("testsuite"):
        n, f, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        passed += n - f - e - s
        failed += f + e + (s if ci else 0)
    for case in root.iter("testcase"):
        for kind in ("failure", "error") + (("skipped",) if ci else ()):
            bad = case.find(kind)
            if bad is not None:
                text = (bad.get("message") or "") + "\n" + (bad.text or "")
                failures.append((f"{case.get('classname')}.{case.get('name')} ({junit})", kind,
                                 text.strip().splitlines()[-TAIL:]))
for name, what, tail in failures:
    print(f"--- failed: {name}: {what}")
    for line in tail:
        print(f"    {line}")
stages = sys.argv[1:]
if stages:
    print("failed stages: " + ", ".join(stages))
# a stage can fail before any test runs (a build error): count it too
print(f"scripts/test: {passed} passed, {max(failed, len(stages))} failed")
