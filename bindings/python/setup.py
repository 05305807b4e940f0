"""Builds libedition.so.1 from this repository's C sources and bundles it in the package.

The build step runs meson and ninja on the repository root (two levels up,
or LIBEDITION_SOURCE_DIR) and copies the shared library next to the Python
modules, so that `pip install ./bindings/python` and `pip wheel
./bindings/python` need no other step. It also compiles the extension
module libedition._fast (src/libedition/_fast.c, the hot path of a
transition) against the public header; the extension does not link against
the library but looks up the functions of the one cffi loaded. The wheel is
therefore tagged for the Python version and the platform (cp3XX-cp3XX-<platform>).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _source_dir() -> Path:
    src = Path(os.environ.get("LIBEDITION_SOURCE_DIR", HERE.parent.parent)).resolve()
    if not (src / "include" / "libedition.h").is_file() or not (src / "meson.build").is_file():
        raise SystemExit(
            f"libedition: no libedition source tree at {src}. Build from a checkout of the "
            "repository (pip install ./bindings/python) or set LIBEDITION_SOURCE_DIR."
        )
    return src


def _meson() -> list[str]:
    found = shutil.which("meson")
    if found:
        return [found]
    return [sys.executable, "-m", "mesonbuild.mesonmain"]


def _run(cmd: list[str]) -> None:
    print("libedition build:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


class BuildPyWithLibrary(build_py):
    """build_py that also compiles libedition.so.1 and copies it into the package."""

    def run(self) -> None:
        super().run()
        lib = self._build_library()
        # An editable install imports the package from src/: the library goes there.
        package_dir = HERE / "src" if getattr(self, "editable_mode", False) else Path(self.build_lib)
        target = package_dir / "libedition" / "libedition.so.1"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib, target)
        os.chmod(target, 0o755)

    def _build_library(self) -> Path:
        src = _source_dir()
        build_temp = Path(self.get_finalized_command("build").build_temp).resolve()
        bdir = build_temp / "libedition-meson"
        options = ["--buildtype=release", "-Dwerror=false"]
        # The option exists from the release that added it; older trees build their tests too.
        if "option('tests'" in (src / "meson_options.txt").read_text(encoding="utf-8"):
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


FAST = Extension(
    "libedition._fast",
    sources=["src/libedition/_fast.c"],
    include_dirs=[str(_source_dir() / "include")],
    depends=[str(_source_dir() / "include" / "libedition.h")],
    # dlopen/dlsym, to find the functions in the copy of the library cffi loaded
    libraries=["dl"],
)

setup(ext_modules=[FAST], cmdclass={"build_py": BuildPyWithLibrary})
