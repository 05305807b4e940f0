"""Finding the library: LIBEDITION_LIBRARY, the bundled copy, clear ImportErrors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libedition as le

SRC = str(Path(le.__file__).resolve().parent.parent)


def import_with(library: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LIBEDITION_LIBRARY=library, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", "import libedition; print(libedition.library_path)"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_override_names_the_library_used() -> None:
    out = import_with(le.library_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == le.library_path


def test_missing_library_is_an_import_error_saying_what_to_do() -> None:
    out = import_with("/nonexistent/libedition.so.1")
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "/nonexistent/libedition.so.1" in out.stderr
    assert "LIBEDITION_LIBRARY" in out.stderr and "pip install" in out.stderr


def test_a_library_that_is_not_libedition_is_refused() -> None:
    libc = "libc.so.6"
    out = import_with(libc)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "is not libedition" in out.stderr


def test_installed_package_bundles_its_library_unless_overridden() -> None:
    bundled = Path(le.__file__).resolve().parent / "libedition.so.1"
    if os.environ.get("LIBEDITION_LIBRARY"):
        assert le.library_path == os.environ["LIBEDITION_LIBRARY"]
    else:
        assert bundled.exists() and le.library_path == str(bundled)
