"""edition fleet under hostile conditions (docs/fleet.md): passwords that
must not be shown, IDs that look like numbers, rows that disagree with their
snapshots, corrupt rows under the service, handlers that overrun their
lease or hang, and files SQLite cannot write. One test per promise, named
after it; each failed on release 0.3.0.
"""
import json
import os
import pathlib
import pwd
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

import pytest

from conftest import (CI, DUE_AT, EDITION, RELEASE_AT, fill, make_states, run, small_disk,
                      template_state, work_root)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECRET = "S3cretPW"


def state_file(directory, ident, platinum=True):
    """A state file of the template (due at DUE_AT) with the given ID."""
    doc = template_state(directory)
    doc["instance"]["id"] = ident
    path = pathlib.Path(directory) / f"state-{abs(hash(ident))}.json"
    path.write_text(json.dumps(doc))
    return str(path)


# ---------------------------------------------------------------------------
# 1. No password reaches any output


@pytest.fixture(scope="module")
def pg_password(pg_server):
    """A role `fl` that must give a password (scram-sha-256) on the suite's
    PostgreSQL, and a database `leak` it owns; the other roles keep trust."""
    pg_server.psql("postgres", f"CREATE ROLE fl LOGIN PASSWORD '{SECRET}'")
    pg_server.psql("postgres", "CREATE DATABASE leak OWNER fl")
    hba = pathlib.Path(pg_server.data) / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("local all fl scram-sha-256\n" + original)
    pg_server._pg("pg_ctl", "-D", pg_server.data, "reload")
    time.sleep(0.5)
    yield pg_server
    hba.write_text(original)
    pg_server._pg("pg_ctl", "-D", pg_server.data, "reload")


def password_uris(pg, db):
    return {
        "userinfo": f"postgresql://fl:{SECRET}@/{db}?host={pg.dir}",
        "query": f"postgresql:///{db}?host={pg.dir}&user=fl&password={SECRET}",
        "conninfo": f"host={pg.dir} dbname={db} user=fl password='{SECRET}'",
    }


def assert_hidden(proc):
    out = proc.stdout + proc.stderr
    assert SECRET not in out, out
    return proc


@pytest.mark.parametrize("form", ["userinfo", "query", "conninfo"])
def test_password_never_shown(pg_password, form, tmp_path):
    pg = pg_password
    uri = password_uris(pg, "leak")[form]
    hidden = lambda args, **kw: assert_hidden(run(args, **kw))  # noqa: E731
    # no database of that name, a wrong password: database_unreachable
    for bad in (password_uris(pg, "nosuchdb")[form], uri.replace(SECRET, SECRET + "x")):
        for args in (["stats", bad], ["init", bad], ["tick", bad], ["list", bad],
                     ["dispatch", bad, "--exec", "true"], ["show", bad, "X"],
                     ["apply", bad, "X", "tick"], ["effects", bad], ["retry", bad, "K"],
                     ["add", bad, str(tmp_path / "none.json")], ["run", bad, "--exec", "true"]):
            proc = hidden(["fleet", *args])
            assert proc.returncode == 4 and "database_unreachable" in proc.stderr, proc.stderr
            assert "fl:***@" in proc.stderr, proc.stderr
    # a database that is not initialised: schema_mismatch
    pg.psql("leak", "DROP TABLE IF EXISTS attempts; DROP TABLE IF EXISTS effects; "
                    "DROP TABLE IF EXISTS instances; "
                    "DROP TABLE IF EXISTS fleet_meta")
    assert hidden(["fleet", "list", uri]).returncode == 3
    hidden(["fleet", "init", uri], check=0)
    paths = make_states(tmp_path, 3)
    hidden(["fleet", "add", uri, *paths], check=0)
    hidden(["fleet", "add", uri, paths[0]], check=1)  # a conflict
    # each path that names the database: a failed dispatch ...
    hidden(["fleet", "tick", uri, "--now", DUE_AT], check=0)
    proc = hidden(["fleet", "dispatch", uri, "--exec", "exit 3", "--max-attempts", "1"], check=1)
    assert "effects_failed" in proc.stderr and "see edition fleet effects" in proc.stderr
    # ... a row that holds another instance's snapshot ...
    pg.psql("leak", "UPDATE instances SET snapshot = (SELECT snapshot FROM instances "
                    "WHERE id = 'MQ_0000000') WHERE id = 'MQ_0000001'")
    for args in (["show", uri, "MQ_0000001"], ["apply", uri, "MQ_0000001", "tick"],
                 ["tick", uri, "--now", RELEASE_AT]):
        proc = hidden(["fleet", *args])
        assert proc.returncode == 3 and "holds the instance MQ_0000000" in proc.stderr
    # ... a row whose columns disagree with its snapshot, and a refusal
    pg.psql("leak", "UPDATE instances SET next_deadline = 0 WHERE id = 'MQ_0000002'")
    assert "inconsistent_row" in hidden(["fleet", "tick", uri, "--now", DUE_AT], check=3).stderr
    hidden(["fleet", "apply", uri, "MQ_0000000", "upgrade", "--period-months", "1"], check=1)
    for args in (["stats", uri], ["list", uri, "--skipped"], ["effects", uri, "--failed"],
                 ["retry", uri, "NO/1/0"], ["show", uri, "MQ_NONE"]):
        hidden(["fleet", *args])


def test_database_from_the_environment(pg_password, tmp_path):
    """EDITION_FLEET_DB stands for a DB argument left out; libpq's own
    PGPASSWORD and PGPASSFILE give the password; the handler's environment
    does not hold the database."""
    pg = pg_password
    bare = f"postgresql:///leak?host={pg.dir}&user=fl"
    pg.psql("leak", "DROP TABLE IF EXISTS attempts; DROP TABLE IF EXISTS effects; "
                    "DROP TABLE IF EXISTS instances; "
                    "DROP TABLE IF EXISTS fleet_meta")
    env = dict(os.environ, EDITION_FLEET_DB=password_uris(pg, "leak")["userinfo"])
    assert_hidden(run(["fleet", "init"], env=env, check=0))
    paths = make_states(tmp_path, 2)
    assert_hidden(run(["fleet", "add", *paths], env=env, check=0))
    assert "MQ_0000001" in assert_hidden(run(["fleet", "list"], env=env, check=0)).stdout
    assert_hidden(run(["fleet", "show", "MQ_0000000"], env=env, check=0))
    out = assert_hidden(run(["fleet", "apply", "MQ_0000000", "renew", "--period-months", "1",
                             "--now", "2026-01-10T00:00:00Z"], env=env, check=0)).stdout
    assert "revision 0 -> 1" in out
    seen = tmp_path / "handler-env"
    assert_hidden(run(["fleet", "dispatch", "--exec", f"env >> {seen}"], env=env, check=0))
    assert seen.read_text() and SECRET not in seen.read_text()
    assert "EDITION_FLEET_DB" not in seen.read_text()
    # no DB and no EDITION_FLEET_DB: a usage error that says so
    proc = run(["fleet", "stats"], env={k: v for k, v in os.environ.items()
                                        if k != "EDITION_FLEET_DB"})
    assert proc.returncode == 2 and "EDITION_FLEET_DB" in proc.stderr
    # libpq's PGPASSWORD and PGPASSFILE
    without = {k: v for k, v in os.environ.items() if k not in ("EDITION_FLEET_DB", "PGPASSWORD")}
    assert run(["fleet", "stats", bare], env=without).returncode == 4
    assert_hidden(run(["fleet", "stats", bare], env=dict(without, PGPASSWORD=SECRET), check=0))
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:leak:fl:{SECRET}\n")
    passfile.chmod(0o600)
    assert_hidden(run(["fleet", "stats", bare], env=dict(without, PGPASSFILE=str(passfile)),
                      check=0))


def unit_settings(text):
    """The settings of a unit file as (key, value) pairs: comments dropped,
    lines ending in a backslash joined to the next (systemd.syntax(7))."""
    settings, pending = [], ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;[":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        key, _, value = line.partition("=")
        settings.append((key.strip(), value.strip()))
    return settings


def test_unit_keeps_credentials_off_the_command_line():
    # the template of examples/fleet and the unit meson made from it (the
    # one installed): EDITION_FLEET_UNIT, or beside the edition under test
    generated = pathlib.Path(os.environ.get("EDITION_FLEET_UNIT") or
                             pathlib.Path(EDITION).resolve().parents[2] / "examples" / "fleet" /
                             "edition-fleet.service")
    for unit in (ROOT / "examples" / "fleet" / "edition-fleet.service.in", generated):
        settings = unit_settings(unit.read_text())
        exec_lines = [value for key, value in settings if key.startswith("Exec")]
        assert len(exec_lines) >= 2 and not any(
            "EDITION_FLEET_DB" in line or "postgresql:" in line or ".sqlite" in line
            for line in exec_lines), (unit, exec_lines)
        assert any(line.split()[1:3] == ["fleet", "run"] for line in exec_lines), unit
        assert [v for k, v in settings if k == "EnvironmentFile"], unit


# ---------------------------------------------------------------------------
# 2. The example handler's marker is injective in the key


def test_example_handler_marker_is_injective(store, tmp_path):
    for ident in ("A/1", "A__1"):
        run(["fleet", "add", store.uri, state_file(tmp_path, ident)], check=0)
        run(["fleet", "apply", store.uri, ident, "add_topic", "--name", "orders",
             "--now", "2026-01-10T00:00:00Z"], check=0)
    keys = sorted(r[0] for r in store.sql("SELECT key FROM effects"))
    assert keys == ["A/1/1/0", "A__1/1/0"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    called = tmp_path / "called"
    (bindir / "logger").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {called}\n')
    (bindir / "logger").chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}",
               EDITION_HANDLER_STATE=str(tmp_path / "done"))
    handler = str(ROOT / "examples" / "fleet" / "effect-handler.sh")
    run(["fleet", "dispatch", store.uri, "--exec", handler], env=env, check=0)
    lines = called.read_text().splitlines()
    assert any("A/1/1/0" in line for line in lines), lines
    assert any("A__1/1/0" in line for line in lines), lines
    # a redelivery of each is recognised: nothing is carried out twice
    for key in keys:
        subprocess.run(["sh", handler], input="{}\n", text=True, check=True, env=dict(
            env, EDITION_EFFECT_KEY=key, EDITION_EFFECT_KIND="topic.create",
            EDITION_EFFECT_INSTANCE=key.rsplit("/", 2)[0]))
    assert called.read_text().splitlines() == lines


# ---------------------------------------------------------------------------
# 3. An ID is text, whatever it looks like


NUMBER_LIKE = ["-0", "0", "00", "1e3", "0x10", "1.0", "+1"]


def test_ids_stay_text(store, tmp_path):
    paths = [state_file(tmp_path, ident) for ident in NUMBER_LIKE]
    run(["fleet", "add", store.uri, *paths], check=0)
    listed = [line.split("\t")[0] for line in
              run(["fleet", "list", store.uri], check=0).stdout.splitlines()]
    assert sorted(listed) == sorted(NUMBER_LIKE)
    for ident in NUMBER_LIKE:
        shown = run(["fleet", "show", store.uri, "--format", "json", "--", ident], check=0)
        assert json.loads(shown.stdout)["instance"]["id"] == ident
    assert sorted(r[0] for r in store.sql("SELECT id FROM instances")) == sorted(NUMBER_LIKE)
    if store.kind == "sqlite":
        assert {r[0] for r in store.sql("SELECT typeof(id) FROM instances")} == {"text"}
        tables = store.sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                           "AND name IN ('instances', 'effects')")
        assert len(tables) == 2 and all(t[0].rstrip().endswith("STRICT") for t in tables)
    out = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0).stdout
    assert out.startswith(f"ticked {len(NUMBER_LIKE)} instances")
    assert sorted({r[0] for r in store.sql("SELECT instance FROM effects")}) == sorted(NUMBER_LIKE)
    # an ID with a space is no ID: refused by the library, nothing added
    doc = template_state(tmp_path)
    doc["instance"]["id"] = " 1"
    spaced = tmp_path / "spaced.json"
    spaced.write_text(json.dumps(doc))
    proc = run(["fleet", "add", store.uri, str(spaced)], check=3)
    assert "` 1` is not an instance ID" in proc.stderr
    assert len(store.sql("SELECT id FROM instances")) == len(NUMBER_LIKE)


SCHEMA_1 = [
    "CREATE TABLE fleet_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "INSERT INTO fleet_meta VALUES ('schema_version', '1')",
    "CREATE TABLE instances (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, snapshot TEXT NOT "
    "NULL, edition TEXT NOT NULL, lifecycle TEXT NOT NULL, next_deadline INTEGER, updated_at "
    "INTEGER NOT NULL)",
    "CREATE INDEX instances_due ON instances (next_deadline, id)",
    "CREATE TABLE effects (key TEXT PRIMARY KEY, instance TEXT NOT NULL REFERENCES instances "
    "(id), revision INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, document TEXT NOT "
    "NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), attempts INTEGER "
    "NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at "
    "INTEGER NOT NULL, done_at INTEGER)",
    "CREATE INDEX effects_order ON effects (instance, revision, idx)",
]


def test_migration_from_schema_1(tmp_path, pg_server):
    """A database of release 0.3.0 (schema version 1) with an instance and
    its effects is migrated by init, rows kept, and works."""
    sqlite_path = tmp_path / "v1.sqlite"
    con = sqlite3.connect(sqlite_path)
    for stmt in SCHEMA_1:
        con.execute(stmt)
    con.commit()
    con.close()
    pgdb = pg_server.create_db()
    pg_server.psql(pgdb, "; ".join(s.replace("INTEGER", "BIGINT") for s in SCHEMA_1))
    for uri in (str(sqlite_path), pg_server.uri(pgdb)):
        proc = run(["fleet", "list", uri], check=3)
        assert "schema version 1, older than this edition's 3" in proc.stderr
        # rows written as 0.3.0 wrote them
        run(["fleet", "init", str(tmp_path / "scratch.sqlite")], check=0)
        scratch = str(tmp_path / "scratch.sqlite")
        run(["fleet", "add", scratch, state_file(tmp_path, "MQ_OLD")], check=0)
        run(["fleet", "tick", scratch, "--now", DUE_AT], check=0)
        con = sqlite3.connect(scratch)
        inst = con.execute("SELECT id, revision, snapshot, edition, lifecycle, next_deadline, "
                           "updated_at FROM instances").fetchall()
        effects = con.execute("SELECT key, instance, revision, idx, kind, document, state, "
                              "attempts, next_attempt_at, last_error, created_at, done_at "
                              "FROM effects").fetchall()
        con.close()
        os.unlink(scratch)
        if uri.startswith("postgresql"):
            def lit(v):
                return "NULL" if v is None else str(v) if isinstance(v, int) else \
                    "'" + str(v).replace("'", "''") + "'"
            for table, rowset in (("instances", inst), ("effects", effects)):
                for r in rowset:
                    pg_server.psql(pgdb, f"INSERT INTO {table} VALUES ({', '.join(map(lit, r))})")
        else:
            con = sqlite3.connect(uri)
            con.executemany("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?)", inst)
            con.executemany("INSERT INTO effects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            effects)
            con.commit()
            con.close()
        assert "schema version 3 (from 1)" in run(["fleet", "init", uri], check=0).stdout
        assert "up to date" in run(["fleet", "init", uri], check=0).stdout
        assert "MQ_OLD\trevision 1\tenterprise_platinum\texpired" in \
            run(["fleet", "list", uri], check=0).stdout
        assert run(["fleet", "effects", uri], check=0).stdout.count("\tpending\t") == 3
        run(["fleet", "tick", uri, "--now", RELEASE_AT], check=0)
        run(["fleet", "dispatch", uri, "--exec", "true"], check=0)
        assert "pending 0, done 4, failed 0" in run(["fleet", "stats", uri], check=0).stdout


# ---------------------------------------------------------------------------
# 4. and 5. A row that cannot be ticked is reported, skipped, and backed off


def test_inconsistent_row_is_skipped(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    store.sql("UPDATE instances SET revision = 5 WHERE id = 'MQ_0000001'")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=3)
    assert "code=inconsistent_row" in proc.stderr and "id=MQ_0000001" in proc.stderr
    assert "the revision column says 5, the snapshot 0" in proc.stderr
    assert "another writer" not in proc.stderr
    assert proc.stdout.startswith("ticked 2 instances, 6 effects queued, "
                                  "1 inconsistent rows skipped")
    assert "cannot be ticked: 1" in run(["fleet", "stats", store.uri], check=0).stdout
    skipped = run(["fleet", "list", store.uri, "--skipped"], check=0).stdout
    assert skipped.startswith("MQ_0000001\trevision 5") and "tick failed 1 times" in skipped
    for args in (["show", store.uri, "MQ_0000001"],
                 ["apply", store.uri, "MQ_0000001", "tick", "--now", DUE_AT]):
        assert "inconsistent_row" in run(["fleet", *args], check=3).stderr
    # the other columns are checked too
    store.sql("UPDATE instances SET revision = 0, lifecycle = 'released' WHERE id = 'MQ_0000001'")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=3)
    assert "the lifecycle column says released, the snapshot active" in proc.stderr
    assert "failures=2" in proc.stderr
    # mended, it is ticked, and no longer counted
    store.sql("UPDATE instances SET lifecycle = 'active' WHERE id = 'MQ_0000001'")
    assert run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0).stdout.startswith(
        "ticked 1 instances")
    assert "cannot be ticked: 0" in run(["fleet", "stats", store.uri], check=0).stdout
    assert run(["fleet", "list", store.uri, "--skipped"], check=0).stdout == ""


def test_run_backs_off_a_row_that_cannot_be_ticked(store, tmp_path, scratch):
    """fleet run goes on with the other instances and their effects while a
    corrupt row and an inconsistent row wait out a growing delay: one error
    line per try (1 s, 2 s, 4 s ...), not one per loop."""
    run(["fleet", "add", store.uri, *make_states(scratch, 4)], check=0)
    store.sql("UPDATE instances SET snapshot = '{\"libedition\":1,' WHERE id = 'MQ_0000001'")
    store.sql("UPDATE instances SET revision = 7 WHERE id = 'MQ_0000002'")
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", "true", "--poll", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6.5)
    done = int(store.scalar("SELECT COUNT(*) FROM effects WHERE state = 'done'"))
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert done == 8, "the good instances' effects were dispatched"
    corrupt = [line for line in err.splitlines() if "event=row_skipped id=MQ_0000001" in line]
    inconsistent = [line for line in err.splitlines() if "event=row_skipped id=MQ_0000002" in line]
    # about 6.5 s: tries at 0, 1, 3 (and 7) s, where 0.3.0 logged every 200 ms
    assert 2 <= len(corrupt) <= 4, corrupt
    assert 2 <= len(inconsistent) <= 4 and "inconsistent_row" in inconsistent[0], inconsistent
    failures = int(store.scalar("SELECT tick_failures FROM instances WHERE id = 'MQ_0000001'"))
    assert failures == len(corrupt)


def test_corrupt_row_in_a_batch_is_skipped_and_the_rest_of_the_batch_committed(store, scratch):
    """Five due rows ticked in one batch (--batch 5): the corrupt third and
    the inconsistent fourth are rolled back to their savepoints, reported
    and recorded in the batch's transaction; the other three commit with
    it, each logged after the commit."""
    run(["fleet", "add", store.uri, *make_states(scratch, 5)], check=0)
    store.sql("UPDATE instances SET snapshot = '{\"libedition\":1,' WHERE id = 'MQ_0000002'")
    store.sql("UPDATE instances SET revision = 4 WHERE id = 'MQ_0000003'")
    before = store.sql("SELECT id, revision, snapshot FROM instances WHERE id IN "
                       "('MQ_0000002', 'MQ_0000003') ORDER BY id")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT, "--batch", "5"], check=3)
    assert "event=started command=tick" in proc.stderr and "batch=5" in proc.stderr
    assert proc.stdout.startswith("ticked 3 instances, 9 effects queued, 1 invalid snapshot rows "
                                  "skipped, 1 inconsistent rows skipped"), proc.stdout
    events = [line.split(" event=")[1].split(" ")[:2] for line in proc.stderr.splitlines()
              if "event=instance_ticked" in line or "event=row_skipped" in line]
    assert events == [["instance_ticked", "id=MQ_0000000"], ["instance_ticked", "id=MQ_0000001"],
                      ["row_skipped", "id=MQ_0000002"], ["row_skipped", "id=MQ_0000003"],
                      ["instance_ticked", "id=MQ_0000004"]], proc.stderr
    assert store.sql("SELECT id, revision, snapshot FROM instances WHERE id IN "
                     "('MQ_0000002', 'MQ_0000003') ORDER BY id") == before
    failures = store.sql("SELECT id, tick_failures FROM instances WHERE tick_failures > 0 "
                         "ORDER BY id")
    assert [(i, int(f)) for i, f in failures] == [("MQ_0000002", 1), ("MQ_0000003", 1)]
    ticked = store.sql("SELECT id FROM instances WHERE revision = '1' ORDER BY id")
    assert [i for (i,) in ticked] == ["MQ_0000000", "MQ_0000001", "MQ_0000004"]
    keys = store.sql("SELECT instance, COUNT(*) FROM effects GROUP BY instance ORDER BY instance")
    assert [(i, int(c)) for i, c in keys] == [("MQ_0000000", 3), ("MQ_0000001", 3),
                                              ("MQ_0000004", 3)]


@pytest.mark.parametrize("batch", [1, 5])
def test_a_database_error_in_a_batch_rolls_back_the_whole_batch(store, scratch, batch):
    """The third row's tick cannot insert its first effect (its key is in
    the outbox already): the tick stops with the store's error, and the
    batch it was in is rolled back whole: with --batch 5 nothing of the two
    rows ticked before it is written or logged; with --batch 1 they were
    committed in batches of their own."""
    run(["fleet", "add", store.uri, *make_states(scratch, 5)], check=0)
    store.sql("INSERT INTO effects (key, instance, revision, idx, kind, document, state, "
              "attempts, next_attempt_at, created_at) VALUES ('MQ_0000002/1/0', 'MQ_0000002', "
              "1, 0, 'instance.suspend', '{}', 'done', 1, 0, 0)")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT, "--batch", str(batch)], check=1)
    assert "conflict" in proc.stderr and "MQ_0000002/1/0 is already in the outbox" in proc.stderr
    ticked = [i for (i,) in store.sql("SELECT id FROM instances WHERE revision = '1' "
                                      "ORDER BY id")]
    logged = [line for line in proc.stderr.splitlines() if "event=instance_ticked" in line]
    effects = int(store.scalar("SELECT COUNT(*) FROM effects"))
    if batch == 1:
        assert ticked == ["MQ_0000000", "MQ_0000001"] and len(logged) == 2 and effects == 7
    else:
        assert ticked == [] and logged == [] and effects == 1
    assert int(store.scalar("SELECT COUNT(*) FROM instances WHERE tick_failures > 0")) == 0


# ---------------------------------------------------------------------------
# 6. Handlers are bounded in time and never outlive their lease


def alive(pid):
    """Whether a process runs: a zombie (killed, waiting for a parent that
    may never reap it in a container) does not."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_dead(pid, seconds):
    deadline = time.time() + seconds
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    return not alive(pid)


HANDLER_LOG = ('read -r doc || exit 1; '
               'echo "START $EDITION_EFFECT_KEY" >> {log}; ')


def test_timeout_kills_a_hanging_handler(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    log, pidfile = tmp_path / "log", tmp_path / "pid"
    handler = (HANDLER_LOG.format(log=log) +
               f'if [ "$EDITION_EFFECT_KEY" = MQ_0000000/1/0 ] && [ ! -e {pidfile} ]; then '
               f'sh -c "echo \\$\\$ > {pidfile}; exec sleep 60" & wait; fi')
    started = time.time()
    proc = run(["fleet", "dispatch", store.uri, "--exec", handler, "--timeout", "2",
                "--backoff", "0"], check=0)
    assert time.time() - started < 30
    assert "ran past --timeout 2s and was killed (attempt 1 of 5)" in proc.stderr
    assert wait_dead(int(pidfile.read_text()), 2), "the handler's process group was not killed"
    assert store.scalar("SELECT attempts FROM effects WHERE key = 'MQ_0000000/1/0'") in (2, "2")
    assert "pending 0, done 3, failed 0" in run(["fleet", "stats", store.uri], check=0).stdout


def test_timeout_must_be_shorter_than_the_lease(store):
    for args in (["--timeout", "300"], ["--lease", "30", "--timeout", "30"]):
        proc = run(["fleet", "dispatch", store.uri, "--exec", "true", *args], check=2)
        assert "not shorter than the lease" in proc.stderr


def test_slow_handler_keeps_instance_order(store, tmp_path, scratch):
    """A handler still running when its lease would end is killed first, so
    a second dispatcher's redelivery, and the later effects of the instance,
    start only after the first delivery has ended."""
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    log, marker = tmp_path / "log", tmp_path / "slow-once"
    handler = (HANDLER_LOG.format(log=log) +
               f'if [ "$EDITION_EFFECT_KEY" = MQ_0000000/1/0 ] && [ ! -e {marker} ]; then '
               f': > {marker}; (sleep 6; echo "LATE $EDITION_EFFECT_KEY" >> {log}) & wait; fi; '
               f'echo "END $EDITION_EFFECT_KEY" >> {log}')
    args = [EDITION, "fleet", "dispatch", store.uri, "--exec", handler, "--lease", "4",
            "--backoff", "0", "--workers", "2"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for p in (first, second):
        p.communicate(timeout=60)
        assert p.returncode == 0
    time.sleep(6)  # a delivery that survived would write LATE by now
    lines = log.read_text().splitlines()
    assert not any(line.startswith("LATE") for line in lines), lines
    keys = ["MQ_0000000/1/0", "MQ_0000000/1/1", "MQ_0000000/1/2"]
    assert lines == ["START " + keys[0],  # killed at its timeout (3 s, the lease less 1 s)
                     "START " + keys[0], "END " + keys[0],
                     "START " + keys[1], "END " + keys[1],
                     "START " + keys[2], "END " + keys[2]], lines
    assert "pending 0, done 3, failed 0" in run(["fleet", "stats", store.uri], check=0).stdout


def test_batch_beyond_the_lease_is_given_back(store, tmp_path, scratch):
    """One worker, handlers of 2 s, a lease of 4 s (so a timeout of 3 s): a
    claimed batch cannot all start in time; what cannot is given back with
    no attempt counted, and claimed again."""
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    store.sql("UPDATE effects SET state = 'done' WHERE idx > 0")
    log = tmp_path / "log"
    args = [EDITION, "fleet", "dispatch", store.uri, "--exec",
            f'echo "$EDITION_EFFECT_KEY" >> {log}; sleep 2', "--lease", "4"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)  # a second dispatcher would deliver what the first started too late
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=60) for p in (first, second)]
    assert first.returncode == second.returncode == 0, outs
    assert sum(int(out.split()[1]) for out, _ in outs) == 3, outs
    assert sorted(log.read_text().split()) == [f"MQ_{i:07d}/1/0" for i in range(3)]
    assert sorted(int(r[0]) for r in store.sql("SELECT attempts FROM effects WHERE idx = 0")) == \
        [1, 1, 1]


def test_killed_dispatcher_takes_its_handler(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    pidfile = tmp_path / "pid"
    handler = f'read -r doc; sh -c "echo \\$\\$ > {pidfile}; exec sleep 60" & wait'
    proc = subprocess.Popen([EDITION, "fleet", "dispatch", store.uri, "--exec", handler],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.time() < deadline:
        time.sleep(0.05)
    sleeper = int(pidfile.read_text())
    assert alive(sleeper)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not wait_dead(sleeper, 5):
        os.kill(sleeper, signal.SIGKILL)
        pytest.fail("the handler outlived its dispatcher")


# ---------------------------------------------------------------------------
# 8. Messages that name what is wrong


def test_schema_version_not_a_number(store, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    store.sql("UPDATE fleet_meta SET value = '1.0' WHERE name = 'schema_version'")
    before = store.sql("SELECT id, revision, snapshot FROM instances")
    for args in (["list", store.uri], ["init", store.uri], ["tick", store.uri, "--now", DUE_AT]):
        proc = run(["fleet", *args], check=3)
        assert "schema version `1.0`, which this edition does not know" in proc.stderr
        assert "older" not in proc.stderr and "already exists" not in proc.stderr
    assert store.sql("SELECT id, revision, snapshot FROM instances") == before


def as_nobody():
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "nobody", "--"]


def test_sqlite_names_the_unwritable_file(tmp_path, scratch):
    """A -shm file left read-only (by a run against a read-only database)
    is named, not the database file, once the database is writable again."""
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.fail("runuser is needed to run as another user")
    work = pathlib.Path(tempfile.mkdtemp(prefix="edition-ro-", dir=work_root()))
    try:
        db = work / "fleet.sqlite"
        run(["fleet", "init", str(db)], check=0)
        run(["fleet", "add", str(db), *make_states(scratch, 2)], check=0)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for p in (work, db):
                os.chown(p, nobody.pw_uid, nobody.pw_gid)
        holder = sqlite3.connect(db)  # keeps the -wal and -shm files
        holder.execute("SELECT COUNT(*) FROM instances").fetchall()
        shm = pathlib.Path(str(db) + "-shm")
        assert shm.exists()
        if os.geteuid() == 0:
            os.chown(shm, nobody.pw_uid, nobody.pw_gid)
            os.chown(str(db) + "-wal", nobody.pw_uid, nobody.pw_gid)
        shm.chmod(0o444)
        proc = subprocess.run([*as_nobody(), EDITION, "fleet", "tick", str(db), "--now", DUE_AT],
                              capture_output=True, text=True, timeout=120)
        holder.close()
        assert proc.returncode == 4, proc.stderr
        assert "fleet.sqlite-shm cannot be written" in proc.stderr, proc.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_sqlite_full_disk_before_the_wal(tmp_path, scratch):
    """On a full disk even the -wal and -shm files cannot be created: that
    is database_full, not database_unreachable."""
    with small_disk(tmp_path, "4m") as disk:
        db = str(disk / "fleet.sqlite")
        run(["fleet", "init", db], check=0)
        run(["fleet", "add", db, *make_states(scratch, 5)], check=0)
        assert not os.path.exists(db + "-wal")
        filler = fill(disk)
        proc = run(["fleet", "tick", db, "--now", DUE_AT])
        assert proc.returncode == 4, proc.stderr
        assert "database_full" in proc.stderr and "fleet.sqlite" in proc.stderr, proc.stderr
        os.unlink(filler)
        run(["fleet", "tick", db, "--now", DUE_AT], check=0)
