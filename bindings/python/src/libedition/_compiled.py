"""Why a compiled module (``libedition._cffi``, ``libedition._fast``) did not import, in words.

Each is built for one Python version: its file name carries the tag of
that version (``_fast.cpython-311-x86_64-linux-gnu.so``), and another
version's import system does not look at it. Without this module, importing
such a copy of the package (a PYTHONPATH or a virtual environment made by
another Python) ends in Python's own "cannot import name '_fast' from
partially initialized module 'libedition' (most likely due to a circular
import)", which points the wrong way.
"""

from __future__ import annotations

import importlib.machinery
import re
import sys
from pathlib import Path

_CPYTHON_TAG = re.compile(r"^_\w+?\.cpython-(\d)(\d+)")


def _python_of(filename: str, module: str) -> str:
    """The Python a compiled module's file is for, from its name."""
    match = _CPYTHON_TAG.match(filename)
    if match:
        return f"CPython {match.group(1)}.{match.group(2)}"
    return f"the Python whose extension suffix is {filename[len(module):]!r}"


def this_python() -> str:
    """The running interpreter, as the messages name it."""
    name = "CPython" if sys.implementation.name == "cpython" else sys.implementation.name
    return f"{name} {sys.version_info[0]}.{sys.version_info[1]} ({sys.executable})"


def compiled_import_error(module: str, exc: ImportError,
                          package: Path | None = None) -> ImportError:
    """An ImportError saying why ``from . import <module>`` raised ``exc``."""
    package = package or Path(__file__).resolve().parent
    compiled = sorted(p.name for p in package.iterdir() if p.name.startswith(module + ".")
                      and p.name.endswith(".so"))
    loadable = [name for name in compiled
                if any(name == module + suffix for suffix in importlib.machinery.EXTENSION_SUFFIXES)]
    install = (f"Install libedition with this Python's own pip (`{sys.executable} -m pip install "
               "libedition`, or `./bindings/python` from a checkout): pip picks the wheel built "
               "for it, or builds one.")
    if not compiled:
        return ImportError(
            f"libedition: the compiled module libedition.{module} is missing from {package} "
            f"(this copy of the package was never built). {install}")
    if not loadable:
        built_for = ", ".join(f"{_python_of(name, module)} ({name})" for name in compiled)
        return ImportError(
            f"libedition: the copy of libedition in {package} was built for {built_for}, "
            f"but {this_python()} is importing it; its compiled module loads only in the "
            f"Python it was built for. {install}")
    return ImportError(
        f"libedition: the compiled module {package / loadable[0]} does not load in "
        f"{this_python()}: {exc}")
