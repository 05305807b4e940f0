"""The walkthrough of docs/fleet.md, run as an operator would run it.

The section "## Walkthrough" holds fenced blocks marked by their info
string (CONTRIBUTING.md, "The fleet walkthrough"):

* ```sh                  run, in order, as the fleet's operator;
* ```sh {as=postgres}    run as PostgreSQL's superuser;
* ```text                what the run block before it prints on standard
                         output, compared (tabs expanded, as a terminal
                         shows them);
* ```console             shown only (neither run nor compared);
* anything else          refused, so that a misspelt block fails.

The blocks before the first subsection (the state files, the handler) run
first, then those of one subsection ("### On SQLite", "### On
PostgreSQL"), in a fresh directory. Each block runs in a bash of its own
under `set -euo pipefail`; the exported variables and the working
directory a block leaves carry over to the next block of the same user, as
in one terminal per user. Every block must exit 0; then the store itself
is read: every effect done, the handler ran once per key with the stored
document, the instances where the walkthrough left them.
"""
import json
import os
import pathlib
import re
import shlex
import sqlite3
import subprocess

import pytest

from conftest import EDITION

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "fleet.md"
SUBSECTIONS = {"sqlite": "On SQLite", "postgresql": "On PostgreSQL"}
OPERATOR = "operator"
SUPERUSER = "postgres"
# What the walkthrough's own PostgreSQL lines name.
PG_ROLE = "edition"
PG_DATABASE = "fleet"

FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
INDENTED_FENCE = re.compile(r"^\s+(`{3}|~{3})")
INFO = re.compile(r"^(?P<lang>[A-Za-z0-9_+-]*)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")


class Block:
    def __init__(self, line, lang, attrs, text):
        self.line = line
        self.lang = lang
        self.attrs = attrs
        self.text = text

    def where(self):
        return f"docs/fleet.md:{self.line}"


def _fenced_blocks(lines, first_line):
    """The fenced blocks of `lines` (numbered from first_line), in order."""
    blocks = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        start = i
        body = []
        i += 1
        while i < len(lines) and lines[i].rstrip() != fence:
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"docs/fleet.md:{first_line + start}: unclosed fence"
        i += 1
        mi = INFO.match(info)
        assert mi, f"docs/fleet.md:{first_line + start}: info string {info!r} not understood"
        attrs = {}
        for item in (mi.group("attrs") or "").split():
            key, sep, value = item.partition("=")
            assert sep, f"docs/fleet.md:{first_line + start}: attribute {item!r} is not key=value"
            attrs[key] = value
        text = "".join(line + "\n" for line in body)
        blocks.append(Block(first_line + start, mi.group("lang"), attrs, text))
    return blocks


def walkthrough():
    """{"": the blocks before the first subsection, title: the blocks of
    '### title'}, for the section '## Walkthrough' of docs/fleet.md."""
    lines = DOC.read_text(encoding="utf-8").split("\n")
    if "## Walkthrough" not in lines:
        pytest.fail("docs/fleet.md has no '## Walkthrough' section")
    n = lines.index("## Walkthrough") + 1
    chunks = {"": (n, [])}
    title = ""
    fence = None
    while n < len(lines):
        line = lines[n]
        m = FENCE.match(line)
        if fence is None and line.startswith("## "):
            break
        assert fence is not None or not INDENTED_FENCE.match(line), (
            f"docs/fleet.md:{n + 1}: an indented fence (in a list?) is neither run nor "
            "compared: put walkthrough blocks at the start of the line")
        if fence is None and line.startswith("### "):
            title = line[4:].strip()
            assert title not in chunks, f"docs/fleet.md:{n + 1}: a second '### {title}'"
            chunks[title] = (n + 1, [])
        else:
            chunks[title][1].append(line)
            if fence is None and m:
                fence = m.group(1)
            elif fence is not None and line.rstrip() == fence:
                fence = None
        n += 1
    return {t: _fenced_blocks(body, first + 1) for t, (first, body) in chunks.items()}


def steps(blocks):
    """[(block, shown output or None)]: the run blocks, each with the text
    block that follows it; checks every block's marking."""
    out = []
    previous = None
    for b in blocks:
        if b.lang == "sh":
            assert set(b.attrs) <= {"as"}, f"{b.where()}: unknown attribute in {b.attrs}"
            assert b.attrs.get("as", SUPERUSER) == SUPERUSER, \
                f"{b.where()}: as={b.attrs['as']}: the only other user is {SUPERUSER}"
            out.append([b, None])
        elif b.lang == "text":
            assert previous is not None and previous.lang == "sh", \
                f"{b.where()}: a text block shows the output of the sh block just before it"
            out[-1][1] = b
        else:
            assert b.lang == "console", (
                f"{b.where()}: ```{b.lang}: a walkthrough block is ```sh (run), ```text (the "
                "output of the sh block before it) or ```console (shown only)")
        previous = b
    return out


def _check(proc, block, expected):
    assert proc.returncode == 0, (
        f"{block.where()}: exit {proc.returncode}\n--- block\n{block.text}"
        f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}")
    if expected is not None:
        got = proc.stdout.expandtabs()
        want = expected.text.expandtabs()
        assert got == want, (
            f"{expected.where()}: the shown output is not what {block.where()} prints\n"
            f"--- shown\n{want}--- printed\n{got}--- stderr\n{proc.stderr}")


class Shells:
    """One shell session per user: each block runs in a bash of its own,
    started with the environment and working directory the previous block
    of the same user left."""

    def __init__(self, tmp_path, envs):
        self.meta = tmp_path / "blocks"
        self.meta.mkdir()
        work = tmp_path / "walk"
        work.mkdir()
        self.work = work
        self.sessions = {user: {"env": env, "cwd": str(work)} for user, env in envs.items()}
        self.count = 0

    def run(self, user, block):
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
                              capture_output=True, text=True, timeout=120)
        if env_file.exists():
            pairs = env_file.read_bytes().split(b"\0")
            session["env"] = dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
            session["cwd"] = cwd_file.read_text().rstrip("\n")
        return proc


def base_env():
    """The caller's environment less anything that names a database, with
    the built edition first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k != "EDITION_FLEET_DB"}
    env["PATH"] = os.path.dirname(os.path.abspath(EDITION)) + os.pathsep + env.get("PATH", "")
    return env


def run_walkthrough(title, shells):
    parts = walkthrough()
    assert title in parts, f"docs/fleet.md, Walkthrough: no subsection '### {title}'"
    preamble = steps(parts[""])
    mine = steps(parts[title])
    assert preamble and mine, f"'### {title}' or its preamble runs nothing"
    for block, expected in preamble + mine:
        user = SUPERUSER if "as" in block.attrs else OPERATOR
        _check(shells.run(user, block), block, expected)
    return [b for b, _ in preamble + mine]


def handled(work):
    """The handler's log: {key: [document, ...]}."""
    log = {}
    for line in (work / "handled.log").read_text().splitlines():
        key, _, doc = line.partition(" ")
        log.setdefault(key, []).append(json.loads(doc))
    return log


def check_outcome(work, effects, instances):
    """effects: [(key, state, document)]; instances: {id: (edition, lifecycle)}."""
    assert effects, "the walkthrough left no effect in the outbox"
    assert {(k, s) for k, s, _ in effects} == {(k, "done") for k, _, _ in effects}, effects
    log = handled(work)
    assert set(log) == {k for k, _, _ in effects}, (sorted(log), effects)
    for key, _, document in effects:
        assert log[key] == [json.loads(document)], (key, log[key], document)
        assert log[key][0]["key"] == key
    assert instances == {"MQ_1": ("enterprise_platinum", "expired"),
                         "MQ_2": ("standard", "active")}, instances


def test_walkthrough_marks_every_block():
    """Both subsections exist and run something; every block is either run,
    a shown output right after a run block, or plainly shown."""
    parts = walkthrough()
    for title in SUBSECTIONS.values():
        assert title in parts, f"no '### {title}' in the walkthrough"
        assert any(b.lang == "sh" for b in parts[title]), f"'### {title}' runs nothing"
        steps(parts[title])
    steps(parts[""])
    assert not any("as" in b.attrs for b in parts[""] + parts[SUBSECTIONS["sqlite"]]), \
        "a superuser block outside '### On PostgreSQL'"


def test_walkthrough_sqlite(tmp_path):
    shells = Shells(tmp_path, {OPERATOR: base_env()})
    run_walkthrough(SUBSECTIONS["sqlite"], shells)
    db = shells.work / "fleet.sqlite"
    assert db.exists(), "the SQLite walkthrough made no fleet.sqlite"
    con = sqlite3.connect(db)
    try:
        effects = con.execute("SELECT key, state, document FROM effects ORDER BY key").fetchall()
        instances = {i: (e, lc) for i, e, lc in
                     con.execute("SELECT id, edition, lifecycle FROM instances")}
    finally:
        con.close()
    check_outcome(shells.work, effects, instances)
    stats = json.loads(subprocess.run(
        [EDITION, "fleet", "stats", str(db), "--format", "json"], capture_output=True,
        text=True, check=True).stdout)
    assert stats["effects"] == {"pending": 0, "done": len(effects), "failed": 0,
                                "blocked": 0}, stats


def test_walkthrough_postgresql(tmp_path, pg_server):
    def drop():
        pg_server.psql("postgres", f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        pg_server.psql("postgres", f"DROP ROLE IF EXISTS {PG_ROLE}")

    drop()
    operator = base_env()
    operator["PGHOST"] = pg_server.dir
    superuser = dict(operator)
    superuser["PGUSER"] = "postgres"
    superuser["PATH"] = pg_server.bindir + os.pathsep + superuser["PATH"]
    shells = Shells(tmp_path, {OPERATOR: operator, SUPERUSER: superuser})
    try:
        run_walkthrough(SUBSECTIONS["postgresql"], shells)
        owner = pg_server.psql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database "
                               f"WHERE datname = '{PG_DATABASE}'").strip()
        assert owner == PG_ROLE, f"database {PG_DATABASE} owned by {owner!r}"
        rows = pg_server.psql(PG_DATABASE, "SELECT key, state, document FROM effects ORDER BY key")
        effects = [tuple(line.split("\t", 2)) for line in rows.splitlines()]
        rows = pg_server.psql(PG_DATABASE, "SELECT id, edition, lifecycle FROM instances")
        instances = {i: (e, lc) for i, e, lc in (line.split("\t") for line in rows.splitlines())}
        tables = pg_server.psql(PG_DATABASE, "SELECT DISTINCT tableowner FROM pg_tables "
                                "WHERE tablename IN ('instances', 'effects', 'fleet_meta')")
        assert tables.split() == [PG_ROLE], f"the fleet's tables are owned by {tables.split()}"
        check_outcome(shells.work, effects, instances)
        env = dict(operator, EDITION_FLEET_DB=f"postgresql://{PG_ROLE}@/{PG_DATABASE}")
        stats = json.loads(subprocess.run(
            [EDITION, "fleet", "stats", "--format", "json"], capture_output=True, text=True,
            env=env, check=True).stdout)
        assert stats["effects"] == {"pending": 0, "done": len(effects), "failed": 0,
                                "blocked": 0}, stats
    finally:
        drop()
