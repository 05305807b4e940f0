"""The shell blocks of the documentation, run as a reader runs them.

Every ```sh block that tests/docs/docblocks.py gives to this test (README.md,
docs/*.md but the fleet walkthrough, the bindings' READMEs), file by file:
in a fresh directory holding a copy of examples/ (the documentation names
examples/scenarios/... from the top of the tree), with the built `edition`
first on PATH (EDITION), in the order of the file, as one terminal: each
block in a bash of its own under `set -euo pipefail`, starting from the
exported variables and the directory the block before it left. A block
must exit 0; a ```text block right after it is what it prints on standard
output, compared (tabs expanded). A ```LANG {file=NAME} block is written to
NAME in the current directory, as a reader saves it, before the next block
runs.
"""
import os
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import docblocks  # noqa: E402

EDITION = os.environ.get("EDITION", "")


def files():
    return sorted({b.file for b, _ in docblocks.run_by(docblocks.SHELL)},
                  key=docblocks.documented_files().index)


@pytest.mark.parametrize("doc", files())
def test_shell_blocks_run_as_shown(doc, tmp_path):
    assert EDITION and os.access(EDITION, os.X_OK), "EDITION names no built edition"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PG", "EDITION", "NO_COLOR"))}
    env["PATH"] = os.path.dirname(os.path.abspath(EDITION)) + os.pathsep + env.get("PATH", "")
    shells = docblocks.Shells(tmp_path, {"reader": env}, work_name="reader")
    shutil.copytree(docblocks.ROOT / "examples", shells.work / "examples")
    blocks = [(b, u) for b, u in docblocks.run_by(docblocks.SHELL, [doc])]
    ran = 0
    for n, (b, use) in enumerate(blocks):
        if use.kind == "output":
            continue
        if "file" in b.attrs:
            where = pathlib.Path(shells.sessions["reader"]["cwd"]) / b.attrs["file"]
            where.write_text(b.text, encoding="utf-8")
            continue
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        expected = nxt[0] if nxt and nxt[1].kind == "output" and nxt[1].of is b else None
        docblocks.check_run(shells.run("reader", b), b, expected)
        ran += 1
    assert ran, f"{doc}: no sh block ran"
