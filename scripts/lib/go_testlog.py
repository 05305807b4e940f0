"""Turns `go test -json` output into meson testlog lines (the go stage of scripts/test).

Usage: python3 go_testlog.py GO_TEST_JSON TESTLOG CI

Reads GO_TEST_JSON, the output of `go test -race -json ./...`, and appends to
TESTLOG one line per top-level test, example and fuzz target, and one per
package that failed without a test (a build failure), in meson's testlog
format: {"name": "go test -race: NAME", "result": "OK" | "FAIL" | "SKIP"}.
Subtests are left out. When CI is "true" a skipped test is written as FAIL:
in CI nothing may skip.

Prints "go test -race: N passed, N failed, N skipped". Exits 1, after the
last 80 lines of the tests' output, when anything failed or no result was
found; 0 otherwise. Only the standard library: runs with the system python3.
"""
import json
import sys

src, log, ci = sys.argv[1:4]
results, output = {}, []
with open(src) as events:
    for line in events:
        try:
            ev = json.loads(line)
        except ValueError:
            output.append(line)  # a build failure prints plain text
            continue
        test, action = ev.get("Test"), ev.get("Action")
        if action == "output":
            output.append(ev.get("Output", ""))
        if action not in ("pass", "fail", "skip"):
            continue
        if test is None:
            if action == "fail":
                results["package " + ev.get("Package", "?")] = "FAIL"
        elif "/" not in test:
            # in CI nothing may skip: a skipped test counts as failed
            results[test] = {"pass": "OK", "fail": "FAIL", "skip": "FAIL" if ci == "true" else "SKIP"}[action]
with open(log, "a") as out:
    for name, r in results.items():
        out.write(json.dumps({"name": "go test -race: " + name, "result": r}) + "\n")
n = {r: list(results.values()).count(r) for r in ("OK", "FAIL", "SKIP")}
print(f"go test -race: {n['OK']} passed, {n['FAIL']} failed, {n['SKIP']} skipped")
if n["FAIL"] or not results:
    sys.stdout.write("".join(output[-80:]))
    sys.exit(1)
