"""Checks the Python binding's wheel built by the python stage of scripts/test.

Usage: python check_wheel.py WHEEL_DIR

Run with the Python the wheel was built for (the stage's venv): it looks in
WHEEL_DIR for exactly one libedition-*-cpXY-cpXY-linux_*.whl of that
interpreter and checks that it bundles libedition/libedition.so.1 and one
compiled libedition/_fast module. Prints one line naming the wheel and both
files and exits 0; an AssertionError (exit 1) names what is missing.
"""
import pathlib
import sys
import zipfile

tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
wheels = list(pathlib.Path(sys.argv[1]).glob(f"libedition-*-{tag}-{tag}-linux_*.whl"))
assert len(wheels) == 1, f"expected one {tag} platform wheel, found {wheels}"
names = zipfile.ZipFile(wheels[0]).namelist()
assert "libedition/libedition.so.1" in names, f"{wheels[0].name} does not bundle libedition.so.1"
fast = [n for n in names if n.startswith("libedition/_fast.") and n.endswith(".so")]
assert len(fast) == 1, f"{wheels[0].name} lacks the compiled libedition/_fast module"
print(f"{wheels[0].name}: bundles libedition/libedition.so.1 and {fast[0]}")
