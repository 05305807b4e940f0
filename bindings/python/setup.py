"""Builds libedition.so.1 from libedition's C sources and bundles it in the package.

The build step runs meson and ninja on a libedition source tree and copies
the shared library next to the Python modules, so that `pip install
./bindings/python`, `pip wheel ./bindings/python` and `pip install
libedition-X.tar.gz` need no other step. The tree is, in this order:
LIBEDITION_SOURCE_DIR when set; the copy a source distribution carries in
libedition-src/ (made by the sdist command below from the checkout it ran
in: the library's sources, header, pkg-config file and build files, built
with -Dlibrary_only=true); the repository root two levels up.

It then compiles the two extension modules, both against the header of
that same tree and both linked against that library (DT_NEEDED
libedition.so.1, run path $ORIGIN: the copy next to them):

- libedition._cffi, cffi in API mode: its declarations are made from the
  header by cdef_from_header.py, and the C compiler compiles them against
  the header itself, with every function also assigned to a pointer of the
  type cffi was given, and the warnings such a mismatch raises made errors;
- libedition._fast (src/libedition/_fast.c), the hot path of a transition.

A wheel is therefore tagged for one Python version and the platform
(cp3XX-cp3XX-linux_<arch>); scripts/wheels turns it into a manylinux wheel
with auditwheel, which copies libyaml into it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cdef_from_header import cdef_of_file, type_checks  # noqa: E402
#: Where a source distribution carries the library's C sources.
BUNDLED_SOURCES = "libedition-src"
#: What of a libedition tree the library's build reads with -Dlibrary_only=true.
LIBRARY_TREE = ("meson.build", "meson_options.txt", "LICENSE", "include", "lib", "pkgconfig")


def _is_source_tree(path: Path) -> bool:
    return (path / "include" / "libedition.h").is_file() and (path / "meson.build").is_file()


def _source_dir() -> Path:
    override = os.environ.get("LIBEDITION_SOURCE_DIR")
    candidates = [Path(override)] if override else [HERE / BUNDLED_SOURCES, HERE.parent.parent]
    for src in candidates:
        if _is_source_tree(src.resolve()):
            return src.resolve()
    raise SystemExit(
        "libedition: no libedition source tree at "
        + " or ".join(str(c.resolve()) for c in candidates)
        + ". Build from a checkout of the repository (pip install ./bindings/python), from a "
        "source distribution made by scripts/wheels, or set LIBEDITION_SOURCE_DIR."
    )


def _meson() -> list[str]:
    found = shutil.which("meson")
    if found:
        return [found]
    return [sys.executable, "-m", "mesonbuild.mesonmain"]


def _run(cmd: list[str]) -> None:
    print("libedition build:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def _library_build_dir(command: Any) -> Path:
    """Where meson builds the library, under the build's temporary directory."""
    return Path(command.get_finalized_command("build").build_temp).resolve() / "libedition-meson"


def _build_library(command: Any) -> Path:
    """Runs meson and ninja on the source tree; the path of libedition.so.1."""
    src = _source_dir()
    bdir = _library_build_dir(command)
    options = ["--buildtype=release", "-Dwerror=false"]
    # Each option exists from the release that added it; older trees build more.
    known = (src / "meson_options.txt").read_text(encoding="utf-8")
    if "option('library_only'" in known:
        options.append("-Dlibrary_only=true")
    elif "option('tests'" in known:
        options.append("-Dtests=false")
    meson = _meson()
    if (bdir / "build.ninja").exists():
        try:
            _run(meson + ["setup", "--reconfigure", str(bdir), str(src)] + options)
        except subprocess.CalledProcessError:
            shutil.rmtree(bdir)
    if not (bdir / "build.ninja").exists():
        _run(meson + ["setup", str(bdir), str(src)] + options)
    _run(meson + ["compile", "-C", str(bdir), "edition:shared_library"])
    lib = bdir / "lib" / "libedition.so.1"
    if not lib.exists():
        raise SystemExit(f"libedition: the build did not produce {lib}")
    return lib.resolve()


class BuildPyWithLibrary(build_py):
    """build_py that also compiles libedition.so.1 and copies it into the package."""

    def run(self) -> None:
        super().run()
        lib = _build_library(self)
        # An editable install imports the package from src/: the library goes there.
        package_dir = HERE / "src" if getattr(self, "editable_mode", False) else Path(self.build_lib)
        target = package_dir / "libedition" / "libedition.so.1"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib, target)
        os.chmod(target, 0o755)


#: Warnings that a declaration given to cffi disagrees with the header's:
#: errors in libedition._cffi, whose build is the check.
DECLARATION_ERRORS = [
    "-Werror=incompatible-pointer-types",
    "-Werror=int-conversion",
    "-Werror=implicit-function-declaration",
    "-Werror=discarded-qualifiers",
    "-Werror=return-type",
]


def _cffi_source(build_temp: Path) -> str:
    """Writes libedition._cffi's C source (when it changed); its path."""
    cffi = importlib.import_module("cffi")
    header = _source_dir() / "include" / "libedition.h"
    ffi = cffi.FFI()
    ffi.cdef(cdef_of_file(header))
    ffi.set_source("libedition._cffi", '#include "libedition.h"\n' + type_checks(ffi))
    target = build_temp / "libedition-cffi" / "_cffi.c"
    target.parent.mkdir(parents=True, exist_ok=True)
    ffi.emit_c_code(str(target))
    return str(target)


class BuildExtAgainstLibrary(build_ext):
    """build_ext that links both modules against the library built_py built.

    It also leaves out the run paths of the Python that builds: a Python
    built with a shared libpython in its own prefix (pyenv's) puts
    `-Wl,-rpath,<prefix>/lib` in the link command of every extension; in a
    wheel that path of the build machine means nothing, so it is dropped.
    The one run path is $ORIGIN, where the package keeps libedition.so.1.
    """

    def build_extensions(self) -> None:
        for attr in ("linker_so", "linker_so_cxx"):
            command = getattr(self.compiler, attr, None)
            if isinstance(command, list):
                setattr(self.compiler, attr, [a for a in command if not a.startswith("-Wl,-rpath")])
        lib = _library_build_dir(self) / "lib" / "libedition.so.1"
        if not lib.exists():
            lib = _build_library(self)
        for ext in self.extensions:
            ext.library_dirs = [str(lib.parent)]
            ext.extra_link_args = [f"-l:{lib.name}", "-Wl,-rpath,$ORIGIN"]
            if ext.name == "libedition._cffi":
                ext.sources = [_cffi_source(Path(self.build_temp).resolve())]
                ext.extra_compile_args = list(DECLARATION_ERRORS)
        super().build_extensions()


class SdistWithLibrarySources(sdist):
    """sdist that adds the library's C sources, so that the archive builds alone."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        src = _source_dir()
        target = Path(base_dir) / BUNDLED_SOURCES
        for name in LIBRARY_TREE:
            path = src / name
            if path.is_dir():
                shutil.copytree(path, target / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif path.is_file():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / name)
            else:
                raise SystemExit(f"libedition: {path} is missing: the sdist needs it to build")


HEADER = _source_dir() / "include" / "libedition.h"
FAST = Extension(
    "libedition._fast",
    sources=["src/libedition/_fast.c"],
    include_dirs=[str(HEADER.parent)],
    depends=[str(HEADER)],
)
# Its C source is written by build_ext, from the header (_cffi_source).
CFFI = Extension("libedition._cffi", sources=[], include_dirs=[str(HEADER.parent)],
                 depends=[str(HEADER), str(HERE / "cdef_from_header.py")])

setup(
    ext_modules=[CFFI, FAST],
    cmdclass={
        "build_py": BuildPyWithLibrary,
        "build_ext": BuildExtAgainstLibrary,
        "sdist": SdistWithLibrarySources,
    },
)
