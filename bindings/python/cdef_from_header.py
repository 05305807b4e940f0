"""The binding's cffi declarations, made from include/libedition.h at build time.

setup.py builds the module ``libedition._cffi`` with cffi in API mode: the
C compiler compiles ``#include "libedition.h"`` together with code that
uses every declaration given to ``ffi.cdef``, so a declaration that
disagrees with the header fails the build (setup.py makes the warnings of
such a mismatch errors). Those declarations are not written by hand either:
this module derives them from the header's text.

- Comments, ``#include``, the include guard and the ``__cplusplus`` wrapper
  go; ``ED_API`` and ``ED_NODISCARD`` (attributes cffi does not read) are
  dropped from the declarations.
- Every integer ``#define ED_...`` becomes ``#define ED_... ...``: cffi asks
  the compiler for its value.
- Every enumeration keeps its member names and loses their values, and ends
  in ``...``: cffi asks the compiler for each value and for the enum's
  integer type, so no value is restated.
- Typedefs, opaque structs, ``ed_effect_record`` (whose layout cffi then
  checks against the compiler's) and every function are kept as written.

``type_checks`` adds to the module's C source an assignment of every
function to a pointer of the type cffi parsed, so that the compiler
compares the two types exactly.

Run as a script, it prints the declarations.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

#: Macros of the header that are not constants of its API.
_NOT_CONSTANTS = {"LIBEDITION_H", "ED_API", "ED_NODISCARD"}
_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)(\(.*?\))?\s*(.*)$")
_ENUM = re.compile(r"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", re.S)
_MEMBER = re.compile(r"^\s*(\w+)\s*(?:=.*)?$", re.S)


def _without_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _enum(match: re.Match[str]) -> str:
    tag, body, name = match.group(1), match.group(2), match.group(3)
    members = []
    for part in body.split(","):
        if not part.strip():
            continue
        m = _MEMBER.match(part)
        if m is None:
            raise ValueError(f"libedition.h: enum {tag}: cannot read the member {part.strip()!r}")
        members.append(m.group(1))
    return f"typedef enum {tag} {{ {', '.join(members)}, ... }} {name};"


def cdef(header: str) -> str:
    """The cffi declarations of the header's text ``header``."""
    constants: list[str] = []
    lines: list[str] = []
    skipping = 0  # depth inside #ifdef __cplusplus
    for line in _without_comments(header).splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            directive = stripped[1:].strip()
            if skipping:
                if directive.startswith("if"):
                    skipping += 1
                elif directive.startswith("endif"):
                    skipping -= 1
                continue
            if directive.startswith("ifdef __cplusplus"):
                skipping = 1
                continue
            m = _DEFINE.match(stripped)
            if m and m.group(1) not in _NOT_CONSTANTS and m.group(2) is None and m.group(3):
                if m.group(1) not in constants:
                    constants.append(m.group(1))
            continue
        if skipping:
            continue
        lines.append(line)
    body = "\n".join(lines)
    body = re.sub(r"\bED_(?:API|NODISCARD)\b", "", body)
    if len(re.findall(r"\benum\b", body)) != len(_ENUM.findall(body)):
        raise ValueError("libedition.h: an enum this generator does not read "
                         "(only `typedef enum tag { ... } name;` is)")
    body = _ENUM.sub(_enum, body)
    body = re.sub(r"[ \t]+", " ", body)
    body = "\n".join(line.strip() for line in body.splitlines() if line.strip())
    defines = "\n".join(f"#define {name} ..." for name in constants)
    return f"{body}\n{defines}\n"


def type_checks(ffi: Any) -> str:
    """C code for ``ffi.set_source`` that assigns every function declared to
    ``ffi`` to a pointer of the type cffi was given: a declaration that is not
    the header's is an incompatible-pointer-types error (cffi's own wrappers
    would convert a wrong integer type silently)."""
    lines = []
    for key, (tp, _quals) in sorted(ffi._parser._declarations.items()):
        if not key.startswith("function "):
            continue
        name = key[len("function "):]
        pointer = tp.get_c_name(f" check_{name}")
        lines.append(f"    {pointer} = &{name};\n    (void)check_{name};")
    return ("__attribute__((unused)) static void libedition_declarations_are_the_headers(void)\n"
            "{\n" + "\n".join(lines) + "\n}\n")


def cdef_of_file(path: Path) -> str:
    return cdef(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.stdout.write(cdef_of_file(Path(sys.argv[1])))
