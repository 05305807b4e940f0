"""Adds to a wheel repaired by auditwheel the licence of each library it copied in.

Used by scripts/wheels after `auditwheel repair`:

  wheel_licenses.py WHEEL...

auditwheel copies libyaml into the wheel (libedition.libs/) and records in
the wheel's SBOM (DIST-INFO/sboms/auditwheel.cdx.json) the system package
each copied library came from (pkg:deb/debian/libyaml-0-2@0.2.5-1). For
each such Debian package this takes the licence text the installed package
ships, /usr/share/doc/PACKAGE/copyright, checks that the installed version
is the one the SBOM names, and adds it to the wheel as
DIST-INFO/licenses/PACKAGE/copyright with a `License-File:
PACKAGE/copyright` line in METADATA (the place and the field of PEP 639,
beside the project's own LICENSE, which setuptools put there). RECORD is
written anew; the wheel is replaced atomically.

Exits 0 after printing one line per wheel, or 1 with a message naming the
wheel and what is missing: a copied library no package is known for, a
package that is not installed or whose licence file is missing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DOC = Path("/usr/share/doc")
DEB_PURL = re.compile(r"^pkg:deb/[^/]+/(?P<name>[^@/]+)@(?P<version>[^?#]+)")


class Failed(Exception):
    pass


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def installed_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${db:Status-Status}", package],
                         capture_output=True, text=True)
    version, _, status = out.stdout.strip().partition(" ")
    if out.returncode != 0 or status != "installed":
        raise Failed(f"the Debian package {package} is not installed")
    return version


def packages_of_grafted(wheel: Path, archive: zipfile.ZipFile, dist_info: str) -> dict[str, str]:
    """{Debian package: version} of the libraries auditwheel copied into the wheel."""
    grafted = [n for n in archive.namelist()
               if re.match(r"^[^/]+\.libs/[^/]+$", n) and not n.endswith("/")]
    sbom_name = f"{dist_info}/sboms/auditwheel.cdx.json"
    if not grafted:
        return {}
    if sbom_name not in archive.namelist():
        raise Failed(f"{wheel.name}: auditwheel copied {grafted} but left no {sbom_name} "
                     "naming their packages (auditwheel 6.4 or later writes it)")
    sbom = json.loads(archive.read(sbom_name))
    debs = [DEB_PURL.match(c.get("purl", "")) for c in sbom.get("components", [])]
    found = [m for m in debs if m is not None]
    if len(found) != len(grafted):
        raise Failed(f"{wheel.name}: auditwheel copied {len(grafted)} libraries ({grafted}) "
                     f"but its SBOM names {len(found)} Debian packages "
                     f"({[m.group(0) for m in found]}): the licence of each cannot be told")
    return {m.group("name"): m.group("version") for m in found}


def add_licenses(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
        dist_infos = {i.filename.split("/", 1)[0] for i in infos
                      if i.filename.split("/", 1)[0].endswith(".dist-info")}
        if len(dist_infos) != 1:
            raise Failed(f"{wheel.name}: expected one .dist-info directory, found {sorted(dist_infos)}")
        dist_info = dist_infos.pop()
        packages = packages_of_grafted(wheel, archive, dist_info)
        if not packages:
            return f"{wheel.name}: no library copied in, no licence added"
        added: dict[str, bytes] = {}
        for package, version in sorted(packages.items()):
            have = installed_version(package)
            if have != version:
                raise Failed(f"{wheel.name}: auditwheel copied {package} {version}, "
                             f"but {package} {have} is installed")
            notice = DOC / package / "copyright"
            if not notice.is_file():
                raise Failed(f"{wheel.name}: {package} ships no licence file {notice}")
            added[f"{package}/copyright"] = notice.read_bytes()
        metadata_name = f"{dist_info}/METADATA"
        record_name = f"{dist_info}/RECORD"
        metadata = archive.read(metadata_name).decode("utf-8")
        head, sep, body = metadata.partition("\n\n")
        lines = [f"License-File: {path}" for path in added
                 if f"License-File: {path}" not in head.splitlines()]
        metadata = head + "".join(f"\n{line}" for line in lines) + sep + body
        record: list[str] = []
        fd, tmp = tempfile.mkstemp(dir=wheel.parent, prefix=".", suffix=".whl")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info in infos:
                    name = info.filename
                    licence = name[len(f"{dist_info}/licenses/"):]
                    if name == record_name or (
                            name.startswith(f"{dist_info}/licenses/") and licence in added):
                        continue  # written below (a wheel given twice gets each once)
                    data = metadata.encode("utf-8") if name == metadata_name else archive.read(info)
                    out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                    if not name.endswith("/"):
                        record.append(record_line(name, data))
                for path, data in added.items():
                    name = f"{dist_info}/licenses/{path}"
                    info = zipfile.ZipInfo(name, date_time=infos[0].date_time)
                    info.external_attr = 0o644 << 16
                    out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                    record.append(record_line(name, data))
                record.append(f"{record_name},,")
                info = zipfile.ZipInfo(record_name, date_time=infos[0].date_time)
                info.external_attr = 0o644 << 16
                out.writestr(info, "\n".join(record) + "\n", compress_type=zipfile.ZIP_DEFLATED)
            os.replace(tmp, wheel)
        except BaseException:
            os.unlink(tmp)
            raise
    return (f"{wheel.name}: added "
            + ", ".join(f"{dist_info}/licenses/{p} (from {DOC / p})" for p in added))


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: wheel_licenses.py WHEEL...", file=sys.stderr)
        return 2
    try:
        for wheel in argv:
            print(add_licenses(Path(wheel)))
    except Failed as failure:
        print(f"wheel_licenses: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
