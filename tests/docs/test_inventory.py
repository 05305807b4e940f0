"""Every code block of the documentation is run, compared, or marked as not
run with its reason (CONTRIBUTING.md, "Documentation is tested").

The files: README.md, bindings/python/README.md, bindings/go/README.md and
docs/*.md. tests/docs/docblocks.py reads their blocks and says what runs
each; the runners take their blocks from the same function, so a block
this test counts as run is one its runner runs. The other tests here check
the convention itself on small documents: a block added without a marking
fails, naming its file and line.
"""
import collections
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import docblocks  # noqa: E402
from docblocks import BlockError, classify, parse  # noqa: E402


def test_every_documentation_block_is_run_or_marked_not_run():
    errors = []
    counts = collections.Counter()
    for f in docblocks.documented_files():
        for b, use in classify(docblocks.blocks_of(f), errors):
            counts[f, use.kind] += 1
    assert not errors, "blocks neither run nor marked:\n" + "\n".join(errors)
    for f in docblocks.documented_files():
        print(f, {k: n for (g, k), n in counts.items() if g == f})


def test_each_runner_takes_blocks_of_its_own():
    """The runners named in the rules each run at least one block: a rule
    that no longer matches anything is a runner that tests nothing."""
    runners = {r for _, _, r in docblocks.RULES} | {docblocks.WALKTHROUGH}
    used = {u.runner for f in docblocks.documented_files()
            for _, u in classify(docblocks.blocks_of(f), [])}
    assert runners <= used, f"runners with no block: {sorted(runners - used)}"


def uses(markdown, name="docs/example.md"):
    return [(b.line, str(u)) for b, u in classify(parse(markdown, name))]


def refused(markdown, name="docs/example.md"):
    with pytest.raises(BlockError) as e:
        classify(parse(markdown, name))
    return str(e.value)


def test_a_block_added_without_marking_fails_naming_file_and_line():
    doc = "# T\n\ntext\n\n```yaml\na: 1\n```\n"
    assert refused(doc).startswith("docs/example.md:5: ```yaml is neither run nor marked")


def test_not_run_needs_a_reason():
    assert uses('```yaml {not-run="an excerpt"}\na: 1\n```\n') == [(1, "not run: an excerpt")]
    assert "needs its reason" in refused('```yaml {not-run=""}\na: 1\n```\n')
    assert "not key=value" in refused('```yaml {not-run}\na: 1\n```\n')


def test_indented_code_blocks_are_found_and_refused():
    doc = "para\n\n    edition check x.yaml\n\n* item\n\n      in the item\n"
    blocks = parse(doc, "d.md")
    assert [(b.line, b.fenced, b.text) for b in blocks] == [
        (3, False, "edition check x.yaml\n"), (7, False, "in the item\n")]
    assert refused(doc).startswith("docs/example.md:3: an indented code block")


def test_list_text_and_lazy_lines_are_not_code():
    doc = ("* item\n  more of it\n    - nested\n      text of it\n    still lazy\n\n"
           "  back in the item\n\npara\n    lazy, not code\n")
    assert parse(doc, "d.md") == []


def test_fences_inside_list_items_are_read_from_the_item_text():
    doc = "1. step\n\n   ```sh\n   edition next s.yaml\n   ```\n"
    [b] = parse(doc, "d.md")
    assert (b.line, b.lang, b.indent, b.text) == (3, "sh", 3, "edition next s.yaml\n")


def test_text_is_the_output_of_the_sh_block_just_before_it():
    doc = "## A\n\n```sh\nedition --version\n```\n\nprints\n\n```text\nedition 0.4.0\n```\n"
    assert uses(doc) == [(3, f"run by {docblocks.SHELL}"),
                         (9, f"output of docs/example.md:3, compared by {docblocks.SHELL}")]
    between = "```sh\ntrue\n```\n\n```yaml {not-run=\"x\"}\na: 1\n```\n\n```text\nx\n```\n"
    assert "output of the ```sh block just before it" in refused(between)
    other_section = "```sh\ntrue\n```\n\n## B\n\n```text\nx\n```\n"
    assert "output of the ```sh block just before it" in refused(other_section)


def test_the_runner_follows_from_file_and_language():
    assert uses("```python\nx = 1\n```\n", "bindings/python/README.md") == [
        (1, f"run by {docblocks.PYTHON}")]
    assert uses("```c\nint main(void) { return 0; }\n```\n", "README.md") == [
        (1, f"run by {docblocks.C}")]
    assert "neither run nor marked" in refused("```python\nx = 1\n```\n", "docs/semantics.md")
    assert "unknown attribute" in refused("```sh {as=postgres}\ntrue\n```\n")


def test_a_data_block_made_a_file_needs_a_command_after_it():
    doc = "## S\n\n```yaml {file=s.yaml}\na: 1\n```\n\n```sh\ncat s.yaml\n```\n"
    assert uses(doc)[0] == (3, f"run by {docblocks.SHELL}")
    assert "no sh block after it" in refused("```yaml {file=s.yaml}\na: 1\n```\n")


def test_checked_by_names_a_program_that_takes_the_block_by_its_marking():
    ok = "```go {checked-by=scripts/lib/go_consumer.sh}\npackage main\n```\n"
    assert uses(ok, "bindings/go/README.md")[0][1].startswith(
        "checked by scripts/lib/go_consumer.sh")
    assert "does not take its blocks" in refused("```go {checked-by=scripts/demo}\nx\n```\n")
    assert "no such file" in refused("```go {checked-by=scripts/nothing}\nx\n```\n")


def test_an_unclosed_fence_or_a_bad_info_string_fails():
    with pytest.raises(BlockError, match="d.md:2: unclosed fence"):
        parse("x\n```sh\ntrue\n", "d.md")
    with pytest.raises(BlockError, match="not understood"):
        parse("```sh {a=1} {b=2}\ntrue\n```\n", "d.md")
