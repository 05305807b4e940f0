"""The Python blocks of the documentation run as a reader runs them.

tests/docs/docblocks.py (in the checkout) gives this test the ```python
blocks of README.md and bindings/python/README.md (CONTRIBUTING.md,
"Documentation is tested"). Each file's blocks run in order in one
namespace, as one script (or one interpreter session), from the top of the
tree (the tutorial opens examples/scenarios/...), with the binding this
test runs under. Where a block shows a value the way an interpreter does,
an expression statement followed by comment lines, the value's repr is
compared with the comment (`...` matching anything, white space
normalised). A failure names the README's file and line: the code is
compiled at its own line numbers.
"""

from __future__ import annotations

import ast
import doctest
import pathlib
import sys
from typing import Any

import pytest

from conftest import missing

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOCBLOCKS = ROOT / "tests" / "docs" / "docblocks.py"
if not DOCBLOCKS.is_file():  # the sdist's tests, outside a checkout
    missing(f"no {DOCBLOCKS}: the documentation is tested from a checkout of libedition",
            module=True)
sys.path.insert(0, str(DOCBLOCKS.parent))
import docblocks  # noqa: E402

CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def files() -> list[str]:
    found = {b.file for b, _ in docblocks.run_by(docblocks.PYTHON)}
    return [f for f in docblocks.documented_files() if f in found]


def shown_values(block: Any, tree: ast.Module) -> dict[int, str]:
    """{statement line: the value the comment lines right after it show},
    for the expression statements so followed."""
    lines = block.text.split("\n")
    shown = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr) or stmt.end_lineno is None:
            continue
        comment = []
        n = stmt.end_lineno - block.line  # the next line, 0-based in the block
        while n < len(lines) and lines[n].lstrip().startswith("#"):
            comment.append(lines[n].lstrip()[1:].strip())
            n += 1
        if comment:
            shown[stmt.lineno] = " ".join(comment) + "\n"
    return shown


def run_block(block: Any, namespace: dict[str, Any]) -> int:
    """Runs one block in `namespace`; returns how many shown values it
    compared."""
    path = str(ROOT / block.file)
    source = "\n" * block.line + block.text  # the README's line numbers
    tree = ast.parse(source, path)
    shown = shown_values(block, tree)
    for stmt in tree.body:
        if stmt.lineno in shown:
            assert isinstance(stmt, ast.Expr)
            value = eval(compile(ast.Expression(stmt.value), path, "eval"), namespace)
            got = repr(value) + "\n"
            assert CHECKER.check_output(shown[stmt.lineno], got, FLAGS), (
                f"{block.file}:{stmt.lineno}: the block shows\n  {shown[stmt.lineno]}"
                f"but the value is\n  {got}")
        else:
            exec(compile(ast.Module([stmt], type_ignores=[]), path, "exec"), namespace)
    return len(shown)


@pytest.mark.parametrize("doc", files())
def test_python_blocks_run_as_shown(doc: str, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    blocks = [b for b, _ in docblocks.run_by(docblocks.PYTHON, [doc])]
    assert blocks, f"{doc}: no python block"
    for block in blocks:
        run_block(block, namespace)
    assert capsys.readouterr().out, f"{doc}: the blocks printed nothing"


def test_shown_values_are_compared() -> None:
    """A block that shows a wrong value fails, naming the line."""
    [block] = docblocks.parse("```python\nx = 2\nx + 1\n# 4\n```\n", "README.md")
    with pytest.raises(AssertionError, match="README.md:3: the block shows"):
        run_block(block, {})
    [block] = docblocks.parse("```python\n(1, [2])\n# (1,\n#  [...])\n```\n", "README.md")
    assert run_block(block, {}) == 1
