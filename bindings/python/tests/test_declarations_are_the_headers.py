"""libedition._cffi's declarations are the header's, and the compiler says so.

setup.py gives cffi (API mode) the declarations cdef_from_header.py makes
from include/libedition.h, and compiles them against the header with every
function assigned to a pointer of the declared type and such mismatches
made errors. These tests check that what is compiled is what the header
declares (every function, enumeration and constant), and that the check
bites: a declaration changed on purpose fails the compile, naming the
function.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from libedition._native import ffi, lib

from conftest import missing

BINDING = Path(__file__).resolve().parents[1]
ROOT = BINDING.parents[1]
HEADER = next((p for p in (ROOT / "include" / "libedition.h",
                           BINDING / "libedition-src" / "include" / "libedition.h") if p.is_file()),
              None)


def needs_the_sources() -> tuple[Any, Path]:
    """cdef_from_header and the header, which a checkout or an sdist has."""
    if HEADER is None or not (BINDING / "cdef_from_header.py").is_file():
        missing(f"no libedition.h or cdef_from_header.py next to {BINDING}")
    sys.path.insert(0, str(BINDING))
    try:
        import cdef_from_header
    finally:
        sys.path.remove(str(BINDING))
    return cdef_from_header, HEADER


def header_functions(text: str) -> set[str]:
    return set(re.findall(r"^ED_API\b[^;(]*?\b(ed_\w+)\s*\(", text, flags=re.M))


def test_every_function_of_the_header_is_declared_and_no_other() -> None:
    gen, header = needs_the_sources()
    text = header.read_text(encoding="utf-8")
    functions = header_functions(text)
    assert len(functions) == text.count("\nED_API ")  # one per declaration of the header
    declared = set(re.findall(r"\b(ed_\w+)\s*\(", gen.cdef(text))) - {"ed_write_fn"}
    assert declared == functions
    missing = [f for f in sorted(functions) if not hasattr(lib, f)]
    assert missing == [], "libedition._cffi lacks these functions of the header"


def test_every_enumeration_and_constant_comes_from_the_compiler() -> None:
    gen, header = needs_the_sources()
    text = header.read_text(encoding="utf-8")
    enums = re.findall(r"typedef enum (\w+) \{(.*?)\} \w+;", text, flags=re.S)
    assert len(enums) >= 15
    for c_type, body in enums:
        for name, value in re.findall(r"^\s*(ED_\w+)\s*=\s*([^,/\n]+)", body, flags=re.M):
            # the header's values are simple: an integer, or 1u << n
            expected = eval(value.replace("u", ""), {})  # noqa: S307 (the header's own text)
            assert getattr(lib, name) == expected, name
            assert ffi.typeof(c_type).relements[name] == expected, name
    cdef = gen.cdef(text)
    # no value of an enumeration or a macro is copied into the declarations
    assert not re.search(r"\bED_\w+\s*=", cdef)
    assert all(line.endswith(" ...") for line in cdef.splitlines() if line.startswith("#define"))
    for name, value in [("ED_TIME_MIN", -62167219200), ("ED_TIME_MAX", 253402300799),
                        ("ED_TIME_BUFSIZE", 21)]:
        assert re.search(rf"#define {name} .*{value}", text), name
        assert getattr(lib, name) == value


def compiles(source: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    """cc -fsyntax-only on the C source cffi writes, with setup.py's errors."""
    gen, header = needs_the_sources()
    setup_py = (BINDING / "setup.py").read_text(encoding="utf-8")
    errors = re.findall(r'"(-Werror=[\w-]+)"', setup_py)
    assert "-Werror=incompatible-pointer-types" in errors
    cffi = pytest.importorskip("cffi")
    builder = cffi.FFI()
    builder.cdef(source)
    builder.set_source("libedition._cffi", '#include "libedition.h"\n' + gen.type_checks(builder))
    c_file = tmp / "_cffi.c"
    builder.emit_c_code(str(c_file))
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    assert cc, "no C compiler"
    return subprocess.run(
        [cc, "-fsyntax-only", *errors, f"-I{header.parent}",
         f"-I{sysconfig.get_paths()['include']}", str(c_file)],
        capture_output=True, text=True, timeout=120)


def test_the_generated_declarations_compile_against_the_header(tmp_path: Path) -> None:
    gen, header = needs_the_sources()
    out = compiles(gen.cdef_of_file(header), tmp_path)
    assert out.returncode == 0, out.stderr


def test_a_declaration_that_is_not_the_headers_fails_the_compile(tmp_path: Path) -> None:
    gen, header = needs_the_sources()
    right = gen.cdef_of_file(header)
    # ed_time (int64_t) narrowed to int: cffi's own wrapper would convert it silently
    wrong = right.replace("ed_result *ed_tick(const ed_instance *in, ed_time now);",
                          "ed_result *ed_tick(const ed_instance *in, int now);")
    assert wrong != right
    out = compiles(wrong, tmp_path)
    assert out.returncode != 0
    assert "ed_tick" in out.stderr and "incompatible-pointer-types" in out.stderr
