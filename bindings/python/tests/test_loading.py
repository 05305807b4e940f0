"""Finding the library and the compiled module: LIBEDITION_LIBRARY, the bundled copy,
clear ImportErrors (a copy of the package built for another Python says so)."""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import libedition as le
from libedition import _native

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


def test_the_package_version_is_the_release_of_the_library_it_bundles() -> None:
    # pyproject.toml's version (the installed metadata) and __version__ are
    # written separately; both name the release of meson.build's project,
    # which the bundled libedition.so.1 reports through ed_version
    assert importlib.metadata.version("libedition") == le.__version__
    bundled = Path(le.__file__).resolve().parent / "libedition.so.1"
    lib = _native.ffi.dlopen(str(bundled))
    assert _native.ffi.string(lib.ed_version()).decode("ascii") == le.__version__


def copy_of_package(tmp: Path) -> tuple[Path, Path]:
    """A copy of the imported package under tmp, and its compiled _fast module."""
    package = Path(le.__file__).resolve().parent
    copy = tmp / "libedition"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    fast = [p for p in copy.iterdir()
            if any(p.name == "_fast" + s for s in importlib.machinery.EXTENSION_SUFFIXES)]
    assert len(fast) == 1, f"expected one compiled _fast in {package}, found {fast}"
    return copy, fast[0]


def import_copy(tmp: Path) -> subprocess.CompletedProcess[str]:
    # the library of this run, so that only the compiled module differs
    env = dict(os.environ, LIBEDITION_LIBRARY=le.library_path, PYTHONPATH=str(tmp))
    return subprocess.run([sys.executable, "-c", "import libedition"], cwd=tmp,
                          env=env, capture_output=True, text=True, timeout=60)


def test_a_package_built_for_another_python_names_both_pythons(tmp_path: Path) -> None:
    _, fast = copy_of_package(tmp_path)
    this = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"
    assert this in fast.name, f"{fast.name} is not tagged {this}"
    other = sys.version_info[1] - 1
    fast.rename(fast.with_name(fast.name.replace(this, f"cpython-3{other}")))
    out = import_copy(tmp_path)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "circular import" not in out.stderr
    assert f"was built for CPython 3.{other}" in out.stderr
    assert f"CPython 3.{sys.version_info[1]} ({sys.executable}) is importing it" in out.stderr
    assert f"{sys.executable} -m pip install libedition" in out.stderr


def test_a_package_without_its_compiled_module_says_it_was_never_built(tmp_path: Path) -> None:
    copy, fast = copy_of_package(tmp_path)
    fast.unlink()
    out = import_copy(tmp_path)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "circular import" not in out.stderr
    assert f"libedition._fast is missing from {copy}" in out.stderr


def test_a_compiled_module_that_does_not_load_is_named_with_the_loader_error(tmp_path: Path) -> None:
    _, fast = copy_of_package(tmp_path)
    fast.write_bytes(b"not an ELF file\n" * 100)
    out = import_copy(tmp_path)
    assert out.returncode != 0
    assert f"the compiled module {fast} does not load in CPython" in out.stderr
    assert "invalid ELF header" in out.stderr  # the dynamic loader's own words
