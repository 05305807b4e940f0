"""The walkthrough of docs/fleet.md, run as an operator would run it.

The section "## Walkthrough" holds fenced blocks marked by their info
string (CONTRIBUTING.md, "The fleet walkthrough"):

* ```sh                  run, in order, as the fleet's operator;
* ```sh {as=postgres}    run as PostgreSQL's superuser;
* ```text                what the run block before it prints on standard
                         output, compared (tabs expanded, as a terminal
                         shows them);
* ```console, or any ```LANG {not-run="why"}
                         shown only (neither run nor compared; the
                         inventory, tests/docs/test_inventory.py, wants
                         the reason);
* anything else          refused, so that a misspelt block fails.

The blocks are read by tests/docs/docblocks.py, the reader every test of
the documentation shares.

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
import sqlite3
import subprocess
import sys

import pytest

from conftest import EDITION

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "docs"))
import docblocks  # noqa: E402  (tests/docs: the one reader of the documentation's blocks)

DOC_NAME = "docs/fleet.md"
SUBSECTIONS = {"sqlite": "On SQLite", "postgresql": "On PostgreSQL"}
OPERATOR = "operator"
SUPERUSER = "postgres"
# What the walkthrough's own PostgreSQL lines name.
PG_ROLE = "edition"
PG_DATABASE = "fleet"


def walkthrough():
    """{"": the blocks before the first subsection, title: the blocks of
    '### title'}, for the section '## Walkthrough' of docs/fleet.md."""
    headings = []
    blocks = docblocks.blocks_of(DOC_NAME, headings)
    if (2, "Walkthrough") not in [(level, title) for _, level, title in headings]:
        pytest.fail("docs/fleet.md has no '## Walkthrough' section")
    chunks = {"": []}
    in_section = False
    for line, level, title in headings:
        if level == 2:
            in_section = title == "Walkthrough"
        elif level == 3 and in_section:
            assert title not in chunks, f"docs/fleet.md:{line}: a second '### {title}'"
            chunks[title] = []
    for b in blocks:
        if b.section() != "Walkthrough":
            continue
        assert b.fenced and b.indent == 0, (
            f"{b.where()}: an indented block (in a list?) is neither run nor "
            "compared: put walkthrough blocks at the start of the line")
        chunks[b.section(3)].append(b)
    return chunks


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
            assert b.lang == "console" or "not-run" in b.attrs, (
                f"{b.where()}: ```{b.info}: a walkthrough block is ```sh (run), ```text (the "
                "output of the sh block before it) or shown only (```console, or any "
                "```LANG {not-run=\"why\"})")
        previous = b
    return out


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
        docblocks.check_run(shells.run(user, block), block, expected)
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
    shells = docblocks.Shells(tmp_path, {OPERATOR: base_env()})
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
    shells = docblocks.Shells(tmp_path, {OPERATOR: operator, SUPERUSER: superuser})
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
