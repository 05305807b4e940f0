#!/usr/bin/env python3
"""The shared library exports exactly the functions the header declares,
each of them documented.

Usage: check_exports.py HEADER LIBRARY [ARCHIVE]

* every `ED_API` function declared in the header is exported by the library,
  and the library exports nothing else (apart from its version node);
* every exported symbol is in the version node LIBEDITION_1 or a later one;
* every declaration has a documentation comment (`/** ... */`) directly
  above it;
* the static archive, when given, defines no global symbol outside the
  header but the reserved internal prefix `ed__`, so a program linking it
  statically meets no libedition name it did not ask for.
"""
import re
import subprocess
import sys

header_path, library = sys.argv[1], sys.argv[2]
header = open(header_path, encoding="utf-8").read()

# A declaration: ED_API <return type> <name>(<parameters>);
decl = re.compile(r"ED_API\s+[^;(]*?\b(ed_[a-z0-9_]+)\s*\(")
declared = {}
for m in decl.finditer(header):
    declared[m.group(1)] = m.start()

out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", library],
                     check=True, capture_output=True, text=True).stdout
exported = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) < 3:
        continue
    name, _, version = parts[2].partition("@")
    version = version.lstrip("@")
    if parts[1] == "A":  # the version node itself
        continue
    exported[name] = version

problems = []
for name in sorted(set(declared) - set(exported)):
    problems.append(f"{header_path}: {name} is declared but not exported by {library}")
for name in sorted(set(exported) - set(declared)):
    problems.append(f"{library}: {name} is exported but not declared in {header_path}")
for name, version in sorted(exported.items()):
    if not version.startswith("LIBEDITION_"):
        problems.append(f"{library}: {name} has no LIBEDITION_ symbol version ({version!r})")

# Documentation: the text between the previous declaration or comment end
# and this declaration must end with a /** ... */ comment.
for name, pos in sorted(declared.items(), key=lambda kv: kv[1]):
    before = header[:pos].rstrip()
    if not before.endswith("*/"):
        line = header.count("\n", 0, pos) + 1
        problems.append(f"{header_path}:{line}: {name} has no documentation comment above it")
        continue
    start = before.rfind("/*")
    if not before[start:].startswith("/**"):
        line = header.count("\n", 0, pos) + 1
        problems.append(f"{header_path}:{line}: {name}: the comment above it is not a /** doc comment")

if len(sys.argv) > 3:
    archive = sys.argv[3]
    out = subprocess.run(["nm", "-g", "--defined-only", archive],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        # AddressSanitizer adds an ODR indicator per global variable,
        # named after the variable: judge the variable's own name.
        name = parts[2].removeprefix("__odr_asan.")
        if name in declared or name.startswith("ed__"):
            continue
        problems.append(f"{archive}: {name} is a global symbol that is neither public "
                        f"(declared in the header) nor internal (prefix ed__)")

for p in problems:
    print(p)
print(f"check_exports: {len(declared)} declared, {len(exported)} exported, "
      f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
