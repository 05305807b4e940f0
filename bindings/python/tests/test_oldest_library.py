"""The oldest library the binding accepts (docs/abi.md, "The oldest library a
binding accepts"): the major of the header it was compiled against and at
least its minor. The build of the release the ABI baseline was taken from
(0.1.0, tests/abi/baseline_library.sh) is refused at import with a message
naming it, its version, the oldest accepted and how to fix it; the fresh
build is accepted, and both compiled modules bind to the copy named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libedition as le
from libedition import _native

from conftest import missing

SRC = str(Path(le.__file__).resolve().parent.parent)
ROOT = Path(__file__).resolve().parents[3]
BASELINE_SCRIPT = ROOT / "tests" / "abi" / "baseline_library.sh"


def baseline_library() -> Path:
    """The 0.1.0 library, built (and cached) under the checkout's build/."""
    why = None
    if not BASELINE_SCRIPT.is_file():
        why = f"no {BASELINE_SCRIPT}: the baseline is built from a checkout of libedition"
    else:
        out = subprocess.run(["bash", str(BASELINE_SCRIPT), str(ROOT),
                              str(ROOT / "build" / "abi-baseline")],
                             capture_output=True, text=True, timeout=600)
        if out.returncode == 0:
            return Path(out.stdout.strip().splitlines()[-1])
        why = f"{BASELINE_SCRIPT} failed ({out.returncode}):\n{out.stderr}"
    missing(why)


def import_with(library: str, code: str = "import libedition") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LIBEDITION_LIBRARY=library, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_oldest_library_accepted_is_the_header_the_binding_was_compiled_against() -> None:
    # WRITTEN_FOR is checked at import against libedition._cffi's
    # ED_VERSION_MAJOR/MINOR (the compiler's): the two cannot differ here
    assert le.WRITTEN_FOR == (int(_native.lib.ED_VERSION_MAJOR), int(_native.lib.ED_VERSION_MINOR))
    assert le.WRITTEN_FOR == (0, 4)


def test_the_baseline_release_0_1_0_is_refused_at_import_with_what_to_do() -> None:
    old = baseline_library()
    out = import_with(str(old))
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: libedition: "), out.stderr
    assert f"{old} (from LIBEDITION_LIBRARY) is version 0.1.0" in last
    assert "the oldest being 0.4.0" in last and "accepts 0.x releases from 0.4 on" in last
    assert "LIBEDITION_LIBRARY" in last and "Reinstall" in last
    # refused by the binding, before the loader could bind a compiled module to it
    assert "not found" not in out.stderr and "LIBEDITION_1." not in out.stderr


def test_the_fresh_build_is_accepted_and_both_modules_use_the_copy_named(tmp_path: Path) -> None:
    # a copy of this run's library under another path: the compiled modules'
    # DT_NEEDED libedition.so.1 binds to the copy _native loaded, not to the
    # bundled one their run path names
    copy = tmp_path / "lib" / "libedition.so.1"
    copy.parent.mkdir()
    copy.write_bytes(Path(le.library_path).read_bytes())
    vendored = Path(le.library_path).parent.parent / "libedition.libs"
    if vendored.is_dir():  # a manylinux wheel's library finds libyaml in ../libedition.libs
        (tmp_path / "libedition.libs").symlink_to(vendored)
    code = ("import libedition as le\n"
            "print(le.library_path, le.version())\n"
            "print(sorted({l.split()[-1] for l in open('/proc/self/maps')"
            " if l.rstrip().endswith('libedition.so.1')}))\n"
            "print(le.Instance.create_standard('MQ_INST_1', 'http://mq',"
            " le.parse_time('2026-01-05T00:00:00Z')).add_topic("
            "le.parse_time('2026-01-05T00:00:00Z'), 'orders').effects[0].kind)\n")
    out = import_with(str(copy), code)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"{copy} {le.__version__}"
    assert lines[1] == repr([str(copy)])
    assert lines[2] == "topic.create"
