"""The code blocks of the documentation, and what runs each of them.

One reader of Markdown for every test that runs documentation: the
inventory (tests/docs/test_inventory.py), the shell blocks
(tests/docs/test_shell_blocks.py), the fleet walkthrough
(tests/fleet/test_walkthrough.py), the Python binding's README
(bindings/python/tests/test_readme.py), the C example
(tests/install/consumer.sh) and the Go recipe (scripts/lib/go_consumer.sh).
CONTRIBUTING.md, "Documentation is tested", describes the convention:

* a code block is fenced; its info string is a language, optionally
  followed by attributes in braces: ```sh {as=postgres},
  ```yaml {file=state.yaml}, ```text {not-run="why"};
* what runs a block follows from its file, section and language (RULES
  below); a ```text block right after a run ```sh block is the output
  shown, compared; `not-run="reason"` marks a block that nothing runs, with
  the reason; `checked-by=PATH` names the program that takes the block by
  that marking (and runs or compares it); anything else fails the
  inventory, naming file:line.

Indented code blocks (four spaces, or four more than a list item's text)
are code blocks too; they cannot carry an info string, so the inventory
refuses them: fence them.

As a program (paths from the top of the tree): `docblocks.py block FILE
INFO` prints the one block of FILE whose info string is INFO (exit 1 when
there is not exactly one); `docblocks.py write RUNNER DIR` writes every
block RUNNER runs into DIR as N.LANG and prints "path file:line" for each;
`docblocks.py list` prints every block and what runs it.
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INFO = re.compile(r"^(?P<lang>[A-Za-z0-9_+-]*)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")
ATTR = re.compile(r'\s*(?P<key>[A-Za-z][A-Za-z0-9_-]*)(?P<eq>=?)'
                  r'(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]*)')
LIST_ITEM = re.compile(r"^(?P<marker>[*+-]|\d{1,9}[.)])(?P<space> +|$)")
HEADING = re.compile(r"^(?P<level>#{1,6})(?:\s+(?P<title>.*?))?\s*#*\s*$")


class BlockError(Exception):
    """A block that cannot be read or is not marked: 'file:line: why'."""


class Block:
    """One code block: where it is (file, 1-based line of its opening
    fence or first line), under which headings, its language, attributes
    and text (each line ending in a newline)."""

    def __init__(self, file, line, lang, attrs, text, fenced, indent, headings, info):
        self.file = file
        self.line = line
        self.lang = lang
        self.attrs = attrs
        self.text = text
        self.fenced = fenced
        self.indent = indent
        self.headings = headings  # {level: title} of the headings in force
        self.info = info

    def where(self):
        return f"{self.file}:{self.line}"

    def section(self, level=2):
        """The title of the heading of `level` (2: '## ') the block is
        under, '' before the first."""
        return self.headings.get(level, "")

    def __repr__(self):
        return f"<Block {self.where()} ```{self.info}>"


def parse_info(info, where):
    """(language, {attribute: value}) of a fence's info string."""
    m = INFO.match(info.strip())
    if not m:
        raise BlockError(f"{where}: info string {info.strip()!r} not understood "
                         "(LANG, or LANG {key=value ...})")
    attrs = {}
    rest = m.group("attrs") or ""
    pos = 0
    while rest[pos:].strip():
        a = ATTR.match(rest, pos)
        if not a or not a.group("eq") or not a.group("value"):
            raise BlockError(f"{where}: attribute {rest[pos:].split()[0]!r} is not key=value")
        value = a.group("value")
        if value.startswith('"'):
            value = re.sub(r'\\(.)', r'\1', value[1:-1])
        if a.group("key") in attrs:
            raise BlockError(f"{where}: attribute {a.group('key')} given twice")
        attrs[a.group("key")] = value
        pos = a.end()
    return m.group("lang"), attrs


def _indent(line):
    """Columns of leading white space (tabs to the next multiple of 4)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def _strip(line, columns):
    """line less up to `columns` columns of leading spaces."""
    n = 0
    while n < columns and n < len(line) and line[n] == " ":
        n += 1
    return line[n:]


def parse(text, name, headings_out=None):
    """Every code block of the Markdown `text` (named `name` in messages),
    fenced or indented, in order. List items are followed as far as code
    blocks need: a fence or an indented block inside an item is measured
    from the item's text. `headings_out`, a list, receives (line, level,
    title) for each ATX heading."""
    lines = text.split("\n")
    blocks = []
    headings = {}
    items = []          # content columns of the open list items
    paragraph = False   # the previous line is paragraph text (lazy lines continue it)
    blank = True        # the previous line is blank (or the start)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            blank, paragraph = True, False
            i += 1
            continue
        col = _indent(line)
        new_block = blank or not paragraph
        if new_block:
            while items and col < items[-1]:
                items.pop()
        base = items[-1] if items else 0
        rel = col - base
        if rel >= 4 and new_block:
            # an indented code block: up to the first line less indented
            start, body = i, []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= base + 4):
                body.append(_strip(lines[i], base + 4) if lines[i].strip() else "")
                i += 1
            while body and not body[-1]:
                body.pop()
            blocks.append(Block(name, start + 1, "", {}, "".join(b + "\n" for b in body),
                                False, base + 4, dict(headings), ""))
            blank, paragraph = True, False
            continue
        stripped = line.lstrip(" \t")
        m = FENCE.match(stripped) if rel < 4 else None
        if m and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
            fence = m.group("fence")
            where = f"{name}:{i + 1}"
            lang, attrs = parse_info(m.group("info"), where)
            start, body = i, []
            i += 1
            while i < len(lines):
                s = lines[i].lstrip(" ")
                if (_indent(lines[i]) - base < 4 and s.rstrip().startswith(fence[0] * len(fence))
                        and not s.rstrip().strip(fence[0])):
                    break
                body.append(_strip(lines[i], col))
                i += 1
            if i == len(lines):
                raise BlockError(f"{where}: unclosed fence")
            i += 1
            blocks.append(Block(name, start + 1, lang, attrs, "".join(b + "\n" for b in body),
                                True, col, dict(headings), m.group("info").strip()))
            blank, paragraph = True, False
            continue
        h = HEADING.match(line.lstrip()) if col < 4 else None
        if h:
            items = []
            level = len(h.group("level"))
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = h.group("title") or ""
            if headings_out is not None:
                headings_out.append((i + 1, level, headings[level]))
            blank, paragraph = False, False
            i += 1
            continue
        li = LIST_ITEM.match(stripped) if rel < 4 else None
        if li:
            width = len(li.group("marker")) + len(li.group("space"))
            if len(li.group("space")) > 4:
                width = len(li.group("marker")) + 1
            items.append(col + width)
        blank, paragraph = False, True
        i += 1
    return blocks


def blocks_of(rel, headings_out=None):
    """The blocks of the file `rel` (relative to the top of the tree)."""
    return parse((ROOT / rel).read_text(encoding="utf-8"), rel, headings_out)


# ---------------------------------------------------------------------------
# What runs each block

#: The files whose every block runs or says why not (issue 23).
def documented_files():
    return ["README.md", "bindings/python/README.md", "bindings/go/README.md"] + \
        sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))


WALKTHROUGH = "tests/fleet/test_walkthrough.py"
SHELL = "tests/docs/test_shell_blocks.py"
PYTHON = "bindings/python/tests/test_readme.py"
GO = "bindings/go/edition/readme_example_test.go"
C = "tests/install/consumer.sh"

#: (file, language, runner): a block of that language in that file is run
#: by that runner (file None: any documented file). The first match wins.
RULES = [
    ("README.md", "python", PYTHON),
    ("bindings/python/README.md", "python", PYTHON),
    ("bindings/go/README.md", "go", GO),
    ("README.md", "c", C),
    (None, "sh", SHELL),
]


def in_walkthrough(block):
    return block.file == "docs/fleet.md" and block.section() == "Walkthrough"


class Use:
    """What happens to a block: kind 'run' (by `runner`), 'checked' (by
    `runner`, named in the block's checked-by), 'output' (the shown output of
    `of`, compared by `runner`) or 'not-run' (`reason`)."""

    def __init__(self, kind, runner=None, of=None, reason=None):
        self.kind, self.runner, self.of, self.reason = kind, runner, of, reason

    def __str__(self):
        if self.kind == "run":
            return f"run by {self.runner}"
        if self.kind == "checked":
            return f"checked by {self.runner} (which takes it by its marking)"
        if self.kind == "output":
            return f"output of {self.of.where()}, compared by {self.runner}"
        return f"not run: {self.reason}"


def _checked_by(block):
    path = block.attrs["checked-by"]
    program = ROOT / path
    if not program.is_file():
        raise BlockError(f"{block.where()}: checked-by={path}: no such file")
    if f"checked-by={path}" not in program.read_text(encoding="utf-8"):
        raise BlockError(f"{block.where()}: checked-by={path}: {path} does not take its blocks "
                         f"by the marking checked-by={path}")
    return Use("checked", runner=path)


def classify(blocks, errors=None):
    """[(block, Use)] for the blocks of one file, in order. A block that is
    neither run nor marked raises a BlockError naming it, or, given a list
    `errors`, is appended to it as 'file:line: why' and left out."""
    out = []
    previous = None
    for b in blocks:
        try:
            use = _classify(b, previous)
        except BlockError as e:
            if errors is None:
                raise
            errors.append(str(e))
            previous = None
            continue
        out.append((b, use))
        previous = (b, use)
    for n, (b, use) in enumerate(out):
        if "file" in b.attrs and not any(
                later.lang == "sh" and u.runner == SHELL and later.section() == b.section()
                for later, u in out[n + 1:]):
            e = BlockError(f"{b.where()}: file={b.attrs['file']}, but no sh block after it "
                           "in its section uses it")
            if errors is None:
                raise e
            errors.append(str(e))
    return out


def _classify(b, previous):
    where = b.where()
    if not b.fenced:
        raise BlockError(f"{where}: an indented code block, which cannot say what runs it: "
                         "fence it (```LANG, with {not-run=\"why\"} if nothing runs it)")
    if "not-run" in b.attrs:
        if not b.attrs["not-run"].strip():
            raise BlockError(f"{where}: not-run needs its reason: not-run=\"why\"")
        if len(b.attrs) > 1:
            raise BlockError(f"{where}: a not-run block takes no other attribute: {b.attrs}")
        return Use("not-run", reason=b.attrs["not-run"])
    if "checked-by" in b.attrs:
        if len(b.attrs) > 1:
            raise BlockError(f"{where}: a checked-by block takes no other attribute: {b.attrs}")
        return _checked_by(b)
    if b.lang == "text" and not b.attrs:
        if previous is not None and previous[1].kind == "run" and previous[0].lang == "sh" \
                and previous[1].runner in (WALKTHROUGH, SHELL) \
                and previous[0].headings == b.headings:
            return Use("output", runner=previous[1].runner, of=previous[0])
        raise BlockError(f"{where}: a ```text block is the output of the ```sh block just "
                         "before it (prose may come between, no other block); "
                         "anything else is ```text {not-run=\"why\"}")
    if in_walkthrough(b):
        if b.lang == "sh" and set(b.attrs) <= {"as"}:
            return Use("run", runner=WALKTHROUGH)
        raise BlockError(f"{where}: ```{b.info}: a walkthrough block is ```sh (run), "
                         "```sh {as=postgres}, ```text (the output of the sh block before it) "
                         "or LANG {not-run=\"why\"}")
    if "file" in b.attrs:
        if len(b.attrs) > 1 or not b.attrs["file"] or "/" in b.attrs["file"]:
            raise BlockError(f"{where}: file=NAME (a plain file name) and no other attribute")
        return Use("run", runner=SHELL)
    for file, lang, runner in RULES:
        if (file is None or file == b.file) and lang == b.lang:
            if b.attrs:
                raise BlockError(f"{where}: ```{b.info}: unknown attribute {sorted(b.attrs)}")
            return Use("run", runner=runner)
    raise BlockError(f"{where}: ```{b.info} is neither run nor marked: nothing runs "
                     f"{b.lang or 'unlabelled'} blocks in {b.file}; mark it "
                     f"```{b.lang or 'text'} {{not-run=\"why\"}} or make it run "
                     "(CONTRIBUTING.md, \"Documentation is tested\")")


def inventory():
    """[(block, Use)] for every documented file."""
    out = []
    for f in documented_files():
        out.extend(classify(blocks_of(f)))
    return out


def run_by(runner, files=None):
    """[(block, Use)] of the files (default: every documented file) that
    `runner` runs or compares, in the order of the files."""
    out = []
    for f in files or documented_files():
        # a block that is not marked is the inventory's to report
        out.extend((b, u) for b, u in classify(blocks_of(f), []) if u.runner == runner)
    return out


# ---------------------------------------------------------------------------
# Shell blocks, run as a reader runs them

class Shells:
    """One shell session per user: each block runs in a bash of its own,
    started with the environment and working directory the previous block
    of the same user left."""

    def __init__(self, tmp_path, envs, work_name="walk"):
        self.meta = tmp_path / "blocks"
        self.meta.mkdir()
        work = tmp_path / work_name
        work.mkdir()
        self.work = work
        self.sessions = {user: {"env": env, "cwd": str(work)} for user, env in envs.items()}
        self.count = 0

    def run(self, user, block, timeout=120):
        assert user in self.sessions, f"{block.where()}: no {user} in this subsection"
        session = self.sessions[user]
        self.count += 1
        env_file = self.meta / f"{self.count}.env"
        cwd_file = self.meta / f"{self.count}.cwd"
        script = self.meta / f"{self.count}.sh"
        script.write_text(
            "set -euo pipefail\n"
            f"trap 'env -0 >{shlex.quote(str(env_file))}; pwd >{shlex.quote(str(cwd_file))}' EXIT\n"
            + block.text)
        proc = subprocess.run(["bash", "--noprofile", "--norc", str(script)],
                              cwd=session["cwd"], env=session["env"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
        if env_file.exists():
            pairs = env_file.read_bytes().split(b"\0")
            session["env"] = dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
            session["cwd"] = cwd_file.read_text().rstrip("\n")
        return proc


def check_run(proc, block, expected):
    """The block exited 0 and printed what `expected` (a text block, or
    None) shows, tabs expanded as a terminal shows them."""
    assert proc.returncode == 0, (
        f"{block.where()}: exit {proc.returncode}\n--- block\n{block.text}"
        f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}")
    if expected is not None:
        got = proc.stdout.expandtabs()
        want = expected.text.expandtabs()
        assert got == want, (
            f"{expected.where()}: the shown output is not what {block.where()} prints\n"
            f"--- shown\n{want}--- printed\n{got}--- stderr\n{proc.stderr}")


def main(argv):
    if len(argv) == 4 and argv[1] == "block":
        found = [b for b in blocks_of(argv[2]) if b.info == argv[3]]
        if len(found) != 1:
            print(f"{argv[2]}: {len(found)} blocks ```{argv[3]}, not one", file=sys.stderr)
            return 1
        sys.stdout.write(found[0].text)
        return 0
    if len(argv) == 4 and argv[1] == "write":
        # every block RUNNER takes, as DIR/N.LANG, one "path file:line" line each
        out = pathlib.Path(argv[3])
        for n, (b, _) in enumerate(run_by(argv[2]), 1):
            path = out / f"{n}.{b.lang or 'txt'}"
            path.write_text(b.text, encoding="utf-8")
            print(path, b.where())
        return 0
    if len(argv) == 2 and argv[1] == "list":
        for b, use in inventory():
            print(f"{b.where()}: ```{b.info}: {use}")
        return 0
    print("usage: docblocks.py block FILE INFO | write RUNNER DIR | list", file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main(sys.argv))
