"""Loading libedition.so.1, checking its version, then the compiled modules.

The binding reaches the library through two compiled modules, both built
against the header of the tree the package was built from and both linked
against libedition.so.1 (run path $ORIGIN, the copy bundled next to them):
``libedition._cffi``, cffi in API mode, whose declarations setup.py makes
from the header and the C compiler checks against it, and ``_fast``, the
hot path. Only the public API is declared.

Importing a compiled module that needs a newer library than the one the
dynamic loader would bind it to fails with the loader's own words
(``version `LIBEDITION_1.5' not found``). So the library is loaded first,
with ctypes (``LIBEDITION_LIBRARY`` when set, else the bundled copy, else
the loader's search path), and its ``ed_version`` checked against the one
rule of docs/abi.md ("The oldest library a binding accepts"): the major of
the header and at least its minor. Only then are the compiled modules
imported; their DT_NEEDED libedition.so.1 is the soname of the library
already loaded, so the loader binds them to that same object, which is
checked afterwards: ``ed_version`` returns the same static string through
ctypes and through libedition._cffi.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

#: The release of the header this binding is compiled against, and so the
#: oldest library it accepts: the library's major must be equal and its minor
#: at least this one. Checked at import against the header's own
#: ED_VERSION_MAJOR and ED_VERSION_MINOR, as libedition._cffi was compiled.
WRITTEN_FOR = (0, 4)

_HOW_TO_FIX = (
    "Reinstall the binding (`pip install ./bindings/python` from a libedition source tree: "
    "it builds and bundles libedition.so.1; needs a C compiler and libyaml-dev), or install "
    "libedition {major}.x (>= {major}.{minor}) so that the dynamic loader finds libedition.so.1, "
    "or set LIBEDITION_LIBRARY=/path/to/libedition.so.1."
)


def _how_to_fix() -> str:
    return _HOW_TO_FIX.format(major=WRITTEN_FOR[0], minor=WRITTEN_FOR[1])


def parse_version(text: str) -> tuple[int, int, int]:
    """Splits "MAJOR.MINOR.PATCH" (anything after a '-' or '+' ignored)."""
    core = text.split("-", 1)[0].split("+", 1)[0]
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def version_acceptable(version: tuple[int, int, int]) -> bool:
    """Same major as WRITTEN_FOR and at least its minor: later minors add, never break."""
    return version[0] == WRITTEN_FOR[0] and version[1] >= WRITTEN_FOR[1]


def _candidates() -> tuple[str, str]:
    override = os.environ.get("LIBEDITION_LIBRARY")
    if override:
        return override, "LIBEDITION_LIBRARY"
    bundled = Path(__file__).resolve().parent / "libedition.so.1"
    if bundled.exists():
        return str(bundled), "the copy bundled with this package"
    return "libedition.so.1", "the dynamic loader's search path"


def _preload() -> tuple[int, str, str]:
    """The library, loaded with ctypes and its version checked, before any
    compiled module binds to it."""
    path, origin = _candidates()
    try:
        handle = ctypes.CDLL(path, mode=os.RTLD_NOW)
    except OSError as exc:
        raise ImportError(
            f"libedition: cannot load {path} (from {origin}): {exc}. {_how_to_fix()}"
        ) from None
    try:
        ed_version = handle.ed_version
    except AttributeError:
        raise ImportError(f"libedition: {path} is not libedition (no ed_version). {_how_to_fix()}") from None
    ed_version.restype = ctypes.c_void_p
    ed_version.argtypes = []
    text_at = ed_version()
    version_text = ctypes.string_at(text_at).decode("ascii", "replace") if text_at else "NULL"
    try:
        version = parse_version(version_text)
    except ValueError:
        raise ImportError(f"libedition: {path} reports an unreadable version {version_text!r}") from None
    if not version_acceptable(version):
        raise ImportError(
            f"libedition: {path} (from {origin}) is version {version_text}, older than this binding "
            f"accepts: it was compiled against the {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} header and "
            f"accepts {WRITTEN_FOR[0]}.x releases from {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} on, the "
            f"oldest being {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]}.0 (docs/abi.md). {_how_to_fix()}"
            if version[0] == WRITTEN_FOR[0] else
            f"libedition: {path} (from {origin}) is version {version_text}, but this binding "
            f"was compiled against the {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} header and accepts "
            f"{WRITTEN_FOR[0]}.x releases from {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} on (docs/abi.md). "
            f"{_how_to_fix()}"
        )
    # `handle` may go: the library stays loaded (a ctypes CDLL is never
    # closed), and the compiled modules keep their own reference to it
    return int(text_at), path, version_text


def _load() -> tuple[Any, Any, str, str]:
    version_at, path, version_text = _preload()
    try:
        from . import _cffi
    except ImportError as exc:
        from ._compiled import compiled_import_error

        raise compiled_import_error("_cffi", exc) from None
    ffi, lib = _cffi.ffi, _cffi.lib
    header = (int(lib.ED_VERSION_MAJOR), int(lib.ED_VERSION_MINOR))
    if header != WRITTEN_FOR:
        raise ImportError(
            f"libedition: libedition._cffi was compiled against the {header[0]}.{header[1]} header, "
            f"but this package's Python code is for {WRITTEN_FOR[0]}.{WRITTEN_FOR[1]}: the package "
            f"in {Path(__file__).resolve().parent} mixes two builds. Reinstall it.")
    # ed_version returns the library's own static string: the same address
    # through both paths when both reach the same object
    if int(ffi.cast("uintptr_t", lib.ed_version())) != version_at:
        raise ImportError(
            f"libedition: {path} was loaded, but libedition._cffi bound to another copy of "
            "libedition.so.1: LIBEDITION_LIBRARY must name a library whose soname is "
            f"libedition.so.1. {_how_to_fix()}")
    return ffi, lib, path, version_text


ffi: Any
lib: Any
library_path: str
library_version: str
ffi, lib, library_path, library_version = _load()

# Constants of the header that are not enumerations the binding reflects:
# their values are the compiler's (cffi in API mode).
ED_OPT_ALLOW_DATA_LOSS: int = lib.ED_OPT_ALLOW_DATA_LOSS
ED_OPT_RELEASE_DELAY_DAYS: int = lib.ED_OPT_RELEASE_DELAY_DAYS
ED_OPT_REGION: int = lib.ED_OPT_REGION
ED_OPT_MAX_DOCUMENT_SIZE: int = lib.ED_OPT_MAX_DOCUMENT_SIZE
ED_TIME_MIN: int = lib.ED_TIME_MIN
ED_TIME_MAX: int = lib.ED_TIME_MAX
ED_TIME_BUFSIZE: int = lib.ED_TIME_BUFSIZE
