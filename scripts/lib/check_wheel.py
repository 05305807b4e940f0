"""Checks the Python binding's distributions made by scripts/wheels.

Used by the python stage of scripts/test; each command prints one line per
thing it checked and exits 0, or exits 1 with a message naming the file and
what is wrong with it.

  check_wheel.py dist DIR TAG...
      Run by scripts/bootstrap's venv (it has auditwheel and pyelftools).
      DIR holds exactly one wheel per TAG (cp311, ...) and one sdist. Each
      wheel: a manylinux platform tag in its name, the one `auditwheel show`
      reports; libedition/libedition.so.1, the compiled libedition/_fast and
      libedition/_cffi of the wheel's Python, each needing libedition.so.1
      with the run path $ORIGIN (the copy next to them), libyaml in
      libedition.libs/ and libedition.so.1 needing that copy (not the
      system's libyaml-0.so.2); no run path but $ORIGIN-relative ones in any
      ELF file; the licences in
      libedition-V.dist-info/licenses/ and named by License-File in
      METADATA: the project's LICENSE (the repository's) and, for the
      vendored libyaml, the licence file of the Debian package the wheel's
      SBOM says auditwheel copied it from, as installed
      (/usr/share/doc/libyaml-0-2/copyright); RECORD lists every file with
      its hash and size. The sdist: the library's C sources
      (libedition-src/), the extension's source, setup.py and
      cdef_from_header.py, the tests and the project's LICENSE (License-File
      in PKG-INFO).
  check_wheel.py installed [--vendored-libyaml]
      Run by the Python of the environment the package was installed into:
      the package loads its own libedition.so.1 (the one copy mapped) and
      runs a transition and a YAML round trip; with --vendored-libyaml the libyaml in the process is
      the wheel's copy, not the system's.
  check_wheel.py wrong-python WHEEL PYTHON
      Unpacks WHEEL and imports it with PYTHON (another version than the
      wheel's, with cffi): the import fails with an ImportError naming the
      Python the wheel was built for and PYTHON's version, not Python's
      "circular import".
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL_NAME = re.compile(
    r"^libedition-(?P<version>[^-]+)-(?P<py>cp3\d+)-(?P<abi>cp3\d+)-(?P<plat>[^.]+)\.whl$")
VENDORED_YAML = re.compile(r"^libyaml-0-[0-9a-f]{8}\.so\.2(\.\d+)*$")
#: The project's licence, which every distribution carries.
LICENSE = Path(__file__).resolve().parents[2] / "LICENSE"
#: Where a Debian package's licence text is installed.
DOC = Path("/usr/share/doc")


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def dynamic_entries(data: bytes) -> tuple[list[str], list[str]]:
    """DT_NEEDED names and the DT_RPATH/DT_RUNPATH entries of an ELF file."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    needed: list[str] = []
    paths: list[str] = []
    for section in ELFFile(io.BytesIO(data)).iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_RPATH":
                    paths += tag.rpath.split(":")
                elif tag.entry.d_tag == "DT_RUNPATH":
                    paths += tag.runpath.split(":")
    return needed, paths


def auditwheel_tag(wheel: Path) -> str:
    """The platform tag `auditwheel show` says the wheel is consistent with."""
    auditwheel = Path(sys.executable).parent / "auditwheel"
    out = subprocess.run([str(auditwheel), "show", str(wheel)], capture_output=True, text=True)
    check(out.returncode == 0, f"{wheel.name}: auditwheel show failed: {out.stderr.strip()}")
    text = " ".join(out.stdout.split())
    match = re.search(r'is consistent with the following platform tag: "([^"]+)"', text)
    check(match is not None, f"{wheel.name}: no platform tag in auditwheel show's output: {text}")
    assert match is not None
    return match.group(1)


def check_record(wheel: Path, archive: zipfile.ZipFile, dist_info: str) -> None:
    """RECORD lists every file of the wheel with its sha256 and size, itself without."""
    record_name = f"{dist_info}/RECORD"
    rows = {}
    for line in archive.read(record_name).decode("utf-8").splitlines():
        path, digest, size = line.rsplit(",", 2)
        rows[path] = (digest, size)
    files = [n for n in archive.namelist() if not n.endswith("/")]
    check(sorted(rows) == sorted(files),
          f"{wheel.name}: RECORD lists {sorted(set(rows) ^ set(files))} wrongly (missing or extra)")
    for name in files:
        if name == record_name:
            continue
        data = archive.read(name)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        check(rows[name] == (f"sha256={digest}", str(len(data))),
              f"{wheel.name}: RECORD has {rows[name]} for {name}, not its hash and size")


def check_licenses(wheel: Path, archive: zipfile.ZipFile, dist_info: str, yaml: str) -> str:
    """The project's LICENSE and the vendored libyaml's, in licenses/ and METADATA."""
    names = archive.namelist()
    metadata = archive.read(f"{dist_info}/METADATA").decode("utf-8").partition("\n\n")[0]
    listed = [line[len("License-File: "):] for line in metadata.splitlines()
              if line.startswith("License-File: ")]
    licenses = f"{dist_info}/licenses/"
    check(f"{licenses}LICENSE" in names and "LICENSE" in listed,
          f"{wheel.name}: the project's LICENSE is not in {licenses} and METADATA ({listed})")
    check(archive.read(f"{licenses}LICENSE") == LICENSE.read_bytes(),
          f"{wheel.name}: {licenses}LICENSE differs from {LICENSE}")
    # the package auditwheel copied libyaml from, as its SBOM records it
    sbom_name = f"{dist_info}/sboms/auditwheel.cdx.json"
    check(sbom_name in names, f"{wheel.name}: no {sbom_name} naming where {yaml} came from")
    purls = [c.get("purl", "") for c in json.loads(archive.read(sbom_name)).get("components", [])]
    debs = [m.group(1) for m in (re.match(r"^pkg:deb/[^/]+/(libyaml[^@/]*)@", p) for p in purls) if m]
    check(len(debs) == 1, f"{wheel.name}: the SBOM names {debs} as the Debian package of {yaml} ({purls})")
    package = debs[0]
    notice = f"{package}/copyright"
    check(f"{licenses}{notice}" in names and notice in listed,
          f"{wheel.name}: the licence of the vendored {yaml} ({notice}) is not in {licenses} "
          f"and METADATA ({listed})")
    text = archive.read(f"{licenses}{notice}")
    check(text == (DOC / notice).read_bytes(),
          f"{wheel.name}: {licenses}{notice} differs from the installed {DOC / notice}")
    check(b"Permission is hereby granted, free of charge" in text,
          f"{wheel.name}: {licenses}{notice} has no MIT permission notice")
    return f"{licenses}LICENSE and {licenses}{notice}"


def check_wheel(wheel: Path) -> str:
    name = WHEEL_NAME.match(wheel.name)
    check(name is not None, f"{wheel.name}: not a name of a CPython wheel of libedition")
    assert name is not None
    plat = name.group("plat")
    check(plat.startswith("manylinux_"), f"{wheel.name}: platform tag {plat} is not manylinux")
    shown = auditwheel_tag(wheel)
    check(shown == plat, f"{wheel.name}: auditwheel show reports {shown}, the name says {plat}")

    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    check("libedition/libedition.so.1" in names, f"{wheel.name}: no libedition/libedition.so.1")
    py = name.group("py")
    compiled = []
    for module in ("_fast", "_cffi"):
        found = [n for n in names if n.startswith(f"libedition/{module}.") and n.endswith(".so")]
        check(len(found) == 1 and found[0].startswith(f"libedition/{module}.cpython-{py[2:]}-"),
              f"{wheel.name}: expected one compiled libedition/{module} for {py}, found {found}")
        compiled.append(found[0])
    vendored = [n for n in names if n.startswith("libedition.libs/")
                and VENDORED_YAML.match(n.split("/", 1)[1])]
    check(len(vendored) == 1, f"{wheel.name}: libyaml is not in libedition.libs/ ({names})")

    for member in names:
        data = archive.read(member)
        if not data.startswith(b"\x7fELF"):
            continue
        needed, paths = dynamic_entries(data)
        for path in paths:
            check(path.startswith("$ORIGIN"),
                  f"{wheel.name}: {member} has the run path {path} of the machine that built it")
        if member in compiled:
            check("libedition.so.1" in needed, f"{wheel.name}: {member} needs {needed}")
            check(paths[:1] == ["$ORIGIN"],
                  f"{wheel.name}: {member}'s run path is {paths}, not $ORIGIN first")
        if member == "libedition/libedition.so.1":
            yaml = vendored[0].split("/", 1)[1]
            check(yaml in needed, f"{wheel.name}: libedition.so.1 needs {needed}, not {yaml}")
            check("libyaml-0.so.2" not in needed,
                  f"{wheel.name}: libedition.so.1 still needs the system's libyaml-0.so.2")
            check(paths == ["$ORIGIN/../libedition.libs"],
                  f"{wheel.name}: libedition.so.1's run path is {paths}")
    dist_info = f"libedition-{name.group('version')}.dist-info"
    check_record(wheel, archive, dist_info)
    licenses = check_licenses(wheel, archive, dist_info, vendored[0].split("/", 1)[1])
    return (f"{wheel.name}: auditwheel show: {shown}; bundles libedition.so.1, "
            f"{' and '.join(c.split('/')[1] for c in compiled)} (both needing it from $ORIGIN) "
            f"and {vendored[0]}; licences {licenses}; RECORD complete")


def check_sdist(sdist: Path) -> str:
    top = sdist.name[: -len(".tar.gz")]
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        check(f"{top}/LICENSE" in names and archive.getmember(f"{top}/LICENSE").isfile(),
              f"{sdist.name}: LICENSE is missing (or not a file)")
        licence = archive.extractfile(f"{top}/LICENSE")
        assert licence is not None
        check(licence.read() == LICENSE.read_bytes(), f"{sdist.name}: LICENSE differs from {LICENSE}")
        pkg_info = archive.extractfile(f"{top}/PKG-INFO")
        check(pkg_info is not None, f"{sdist.name}: no PKG-INFO")
        assert pkg_info is not None
        check("License-File: LICENSE" in pkg_info.read().decode("utf-8").partition("\n\n")[0].splitlines(),
              f"{sdist.name}: PKG-INFO names no License-File: LICENSE")
    for member in ("setup.py", "cdef_from_header.py", "pyproject.toml", "src/libedition/_fast.c",
                   "tests/conftest.py",
                   "libedition-src/meson.build", "libedition-src/meson_options.txt",
                   "libedition-src/include/libedition.h", "libedition-src/lib/meson.build",
                   "libedition-src/lib/libedition.map", "libedition-src/pkgconfig/meson.build"):
        check(f"{top}/{member}" in names, f"{sdist.name}: {member} is missing")
    sources = [n for n in names if n.startswith(f"{top}/libedition-src/lib/") and n.endswith(".c")]
    check(len(sources) > 0, f"{sdist.name}: no C sources of the library")
    return (f"{sdist.name}: the binding, its tests, LICENSE and the library's {len(sources)} "
            "C sources")


def dist(directory: Path, tags: list[str]) -> None:
    wheels = sorted(directory.glob("libedition-*.whl"))
    for tag in tags:
        mine = [w for w in wheels if f"-{tag}-{tag}-" in w.name]
        check(len(mine) == 1, f"{directory}: expected one {tag} wheel, found {mine}")
        print(check_wheel(mine[0]))
    sdists = sorted(directory.glob("libedition-*.tar.gz"))
    check(len(sdists) == 1, f"{directory}: expected one sdist, found {sdists}")
    print(check_sdist(sdists[0]))


def installed(vendored_libyaml: bool) -> None:
    from datetime import datetime, timezone

    import libedition as le

    package = Path(le.__file__).resolve().parent
    check(le.library_path == str(package / "libedition.so.1"),
          f"libedition loaded {le.library_path}, not the copy in {package}")
    now = datetime(2026, 2, 1, tzinfo=timezone.utc)
    inst = le.Instance.create_standard("MQ_INST_1", "http://mq.example.com:8080", now)
    inst = inst.add_topic(now, "orders").instance
    again = le.Instance.load_yaml(inst.dump_yaml())
    check(again.dump_yaml() == inst.dump_yaml() and again.revision == 1,
          "a snapshot read back from its YAML differs")
    maps = Path("/proc/self/maps").read_text(encoding="utf-8").splitlines()
    editions = sorted({line.split()[-1] for line in maps if line.endswith("/libedition.so.1")})
    check(editions == [le.library_path], f"expected {le.library_path} mapped alone, found {editions}")
    yaml = sorted({line.split()[-1] for line in maps if "/libyaml" in line})
    check(len(yaml) == 1, f"expected one libyaml mapped, found {yaml}")
    if vendored_libyaml:
        check(Path(yaml[0]).parent == package.parent / "libedition.libs",
              f"libyaml was loaded from {yaml[0]}, not from the wheel's libedition.libs/")
    print(f"Python {sys.version_info[0]}.{sys.version_info[1]}: libedition {le.version()} "
          f"from {package}, libyaml from {yaml[0]}; a transition and a YAML round trip")


def wrong_python(wheel: Path, python: str) -> None:
    name = WHEEL_NAME.match(wheel.name)
    check(name is not None, f"{wheel.name}: not a name of a CPython wheel of libedition")
    assert name is not None
    built_for = f"CPython 3.{name.group('py')[3:]}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "LIBEDITION_LIBRARY"}
        env["PYTHONPATH"] = tmp
        zipfile.ZipFile(wheel).extractall(tmp)
        out = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[1]); import libedition"],
            cwd=tmp, env=env, capture_output=True, text=True, timeout=60)
    minor = out.stdout.strip()
    error = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    check(out.returncode != 0, f"{wheel.name} imported in Python 3.{minor} ({python})")
    check(f"3.{minor}" != built_for.split()[1], f"{python} is the wheel's own Python 3.{minor}")
    check(error.startswith("ImportError: libedition:") and f"was built for {built_for}" in error
          and f"but CPython 3.{minor} ({python}) is importing it" in error,
          f"importing {wheel.name} with Python 3.{minor} says: {error}")
    print(f"{wheel.name} imported by Python 3.{minor}: {error}")


def main(argv: list[str]) -> int:
    usage = "usage: check_wheel.py dist DIR TAG... | installed [--vendored-libyaml] | wrong-python WHEEL PYTHON"
    try:
        if len(argv) >= 3 and argv[0] == "dist":
            dist(Path(argv[1]), argv[2:])
        elif argv[:1] == ["installed"] and argv[1:] in ([], ["--vendored-libyaml"]):
            installed(argv[1:] == ["--vendored-libyaml"])
        elif len(argv) == 3 and argv[0] == "wrong-python":
            wrong_python(Path(argv[1]), argv[2])
        else:
            print(usage, file=sys.stderr)
            return 2
    except Failed as failure:
        print(f"check_wheel: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
