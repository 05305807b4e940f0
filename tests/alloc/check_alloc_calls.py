#!/usr/bin/env python3
"""Every allocation of the library goes through lib/alloc.c.

Usage: check_alloc_calls.py ARCHIVE

Reads the undefined symbols of each object of the static archive: only
alloc.c's object may call the C library's allocator (malloc, calloc,
realloc, free, strdup, ...). Any other object that does would bypass the
hooks of ed_set_allocator. libyaml's own allocations are outside the
archive and documented as such.
"""
import subprocess
import sys

ALLOCATORS = {"malloc", "calloc", "realloc", "reallocarray", "free", "strdup", "strndup",
              "aligned_alloc", "posix_memalign", "memalign", "valloc"}

archive = sys.argv[1]
out = subprocess.run(["nm", "-u", "-A", archive], check=True, capture_output=True,
                     text=True).stdout
problems = []
objects = set()
for line in out.splitlines():
    # "libedition.a:names.c.o:                 U malloc"
    where, _, rest = line.rpartition(":")
    parts = rest.split()
    if len(parts) != 2 or parts[0] != "U":
        continue
    obj = where.rsplit(":", 1)[-1]
    objects.add(obj)
    name = parts[1].split("@")[0]
    if name in ALLOCATORS and not obj.endswith("alloc.c.o"):
        problems.append(f"{archive}: {obj} calls {name} directly, not through lib/alloc.c")
for p in problems:
    print(p)
print(f"check_alloc_calls: {len(objects)} objects, {len(problems)} problem(s)")
sys.exit(1 if problems or not objects else 0)
