"""bindings/go/README.md shows the Go code that `go test` runs.

The README's go blocks that tests/docs/docblocks.py gives to
bindings/go/edition/readme_example_test.go are, in order: the package's
import line, which must be the import path that file uses, and the
Tutorial's blocks, which separated by one blank line must be the body of
its `func tutorial() error` line for line (one tab of indentation less),
the function `Example_tutorial` runs in the go stage of scripts/test (its
`// Output:` is what the tutorial prints). A block edited in one place
and not the other fails here, naming the block.
"""
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import docblocks  # noqa: E402

SOURCE = docblocks.ROOT / docblocks.GO
FUNC = re.compile(r"^func tutorial\(\) error \{\n(?P<body>.*?)\n\treturn nil\n\}\n", re.S | re.M)


def tutorial_body(source):
    m = FUNC.search(source)
    assert m, f"{docblocks.GO}: no `func tutorial() error {{ ... return nil }}`"
    lines = m.group("body").split("\n")
    bad = [n for n, line in enumerate(lines) if line and not line.startswith("\t")]
    assert not bad, f"{docblocks.GO}: body lines not indented by a tab: {bad}"
    return [line[1:] for line in lines]


def split(blocks, source):
    """(import blocks, tutorial blocks), each import block checked."""
    imports = re.search(r"^import \((.*?)^\)", source, re.S | re.M).group(1).split()
    tutorial = []
    for b in blocks:
        m = re.fullmatch(r'import ("[^"]+")\n', b.text)
        if m:
            assert m.group(1) in imports, (
                f"{b.where()}: {b.text.strip()}, but {docblocks.GO} imports {imports}")
        else:
            tutorial.append(b)
    return tutorial


def check(blocks, source):
    """The blocks are the import line and the body of tutorial()."""
    tutorial = split(blocks, source)
    assert tutorial, "bindings/go/README.md has no tutorial block"
    assert all(b.section() == "Tutorial" for b in tutorial), \
        [b.where() for b in tutorial if b.section() != "Tutorial"]
    body = tutorial_body(source)
    shown = []
    for n, b in enumerate(tutorial):
        if n:
            shown.append(("", None))
        shown.extend((line, b) for line in b.text.rstrip("\n").split("\n"))
    for k, ((line, b), want) in enumerate(zip(shown, body)):
        assert line == want, (
            f"{b.where() if b else 'between two blocks'}: the README shows\n  {line!r}\n"
            f"where {docblocks.GO}, line {k + 1} of the body of tutorial(), has\n  {want!r}")
    assert len(shown) == len(body), (
        f"the README's tutorial blocks have {len(shown)} lines with the blank lines between "
        f"them, the body of tutorial() in {docblocks.GO} {len(body)}")


def readme_blocks():
    return [b for b, _ in docblocks.run_by(docblocks.GO)]


def test_the_readme_shows_the_tutorial_that_go_test_runs():
    check(readme_blocks(), SOURCE.read_text(encoding="utf-8"))


def test_a_block_edited_in_the_readme_alone_fails_naming_it():
    source = SOURCE.read_text(encoding="utf-8")
    blocks = readme_blocks()
    last = blocks[-1]
    last.text = last.text.replace("return err", "return nil", 1)
    with pytest.raises(AssertionError, match=re.escape(last.where()) + ": the README shows"):
        check(blocks, source)
    blocks[0].text = 'import "example.com/edition"\n'
    with pytest.raises(AssertionError, match="example.com/edition"):
        check(blocks, source)
