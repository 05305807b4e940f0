"""edition fleet (docs/fleet.md): the commands and the guarantees, on SQLite
and on a PostgreSQL the suite starts itself.

Sizes: EDITION_FLEET_INSTANCES (exactly-once ticking, default 100000),
EDITION_FLEET_CRASH_INSTANCES (default 1000) and EDITION_FLEET_KILLS
(SIGKILLs per backend, default 200). docs/fleet.md quotes the figures run.
The exactly-once and crash tests run with the default batch of `fleet
tick` at those sizes, and with --batch 1 (a transaction per instance) at a
tenth of the instances and a quarter of the kills.
"""
import glob
import json
import os
import pathlib
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import (CI, DUE_AT, EDITION, RELEASE_AT, add_all, fill, make_states, run, small_disk,
                      work_root)

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "docs"))
import docblocks  # noqa: E402  (the documentation's blocks)

INSTANCES = int(os.environ.get("EDITION_FLEET_INSTANCES", "100000"))
CRASH_INSTANCES = int(os.environ.get("EDITION_FLEET_CRASH_INSTANCES", "1000"))
KILLS = int(os.environ.get("EDITION_FLEET_KILLS", "200"))

# The batches the exactly-once and crash tests tick in: `fleet tick`'s
# default, and one instance per transaction at a smaller size.
BATCHES = [pytest.param(None, id="batch-default"), pytest.param(1, id="batch-1")]


def batch_args(batch):
    return [] if batch is None else ["--batch", str(batch)]


def scaled(size, batch, part):
    """`size` for the default batch, `size // part` (at least 1) for another."""
    return size if batch is None else max(1, size // part)

# One record per delivery: the key, a tab, the effect document as received,
# written to a file of its own and published by a rename, so that a handler
# killed mid-write (its dispatcher died: the guardian kills the handler's
# process group) leaves no torn record. A handler that gets no whole line
# (its dispatcher died while writing it) fails, and the effect is delivered
# again.
HANDLER = ('read -r doc || exit 1; t=$(mktemp {log}.XXXXXXXX) && '
           'printf "%s\\t%s\\n" "$EDITION_EFFECT_KEY" "$doc" > "$t" && mv "$t" "$t.done"')


def rows(store, query):
    return store.sql(query)


def revision_of(store, ident):
    return int(store.scalar(f"SELECT revision FROM instances WHERE id = '{ident}'"))


def effect_keys(store):
    return [r[0] for r in store.sql("SELECT key FROM effects")]


def read_log(path):
    """The deliveries in the order they were made: the lines of the file
    `path` (handlers that append), or the records HANDLER published."""
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    published = glob.glob(f"{path}.*.done")
    for name in sorted(published, key=lambda n: (os.stat(n).st_mtime_ns, n)):
        with open(name) as f:
            lines.append(f.read().rstrip("\n"))
    return [tuple(line.split("\t", 1)) for line in lines]


# ---------------------------------------------------------------------------
# The commands


def test_commands(store, tmp_path, scratch):
    paths = make_states(scratch, 3)
    run(["fleet", "add", store.uri, *paths], check=0)
    dup = run(["fleet", "add", store.uri, paths[0]], check=1)
    assert "conflict" in dup.stderr and "MQ_0000000" in dup.stderr
    listed = run(["fleet", "list", store.uri, "--due", "--now", DUE_AT], check=0).stdout
    assert listed.count("\n") == 3 and "MQ_0000002\trevision 0" in listed
    assert run(["fleet", "list", store.uri, "--lifecycle", "expired"], check=0).stdout == ""
    shown = run(["fleet", "show", store.uri, "MQ_0000001"], check=0).stdout
    assert "id: MQ_0000001" in shown
    run(["fleet", "show", store.uri, "MQ_NONE"], check=1)

    # apply: one transaction, effects pending
    out = run(["fleet", "apply", store.uri, "MQ_0000000", "renew", "--period-months", "2",
               "--now", "2026-01-10T00:00:00Z"], check=0).stdout
    assert "revision 0 -> 1" in out
    assert revision_of(store, "MQ_0000000") == 1
    assert sorted(effect_keys(store)) == ["MQ_0000000/1/0", "MQ_0000000/1/1"]

    # a refusal changes nothing: exit 1 with the library's code and message
    before = rows(store, "SELECT id, revision, snapshot FROM instances ORDER BY id")
    refused = run(["fleet", "apply", store.uri, "MQ_0000000", "upgrade", "--period-months", "1",
                   "--now", "2026-01-10T00:00:00Z"], check=1)
    assert "already_enterprise_platinum" in refused.stderr
    assert rows(store, "SELECT id, revision, snapshot FROM instances ORDER BY id") == before
    assert len(effect_keys(store)) == 2
    # the argument parsing of edition apply
    bad = run(["fleet", "apply", store.uri, "MQ_0000000", "renew", "--now", DUE_AT], check=2)
    assert "needs --period-months" in bad.stderr

    out = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0).stdout
    assert out.startswith("ticked 2 instances, 6 effects queued")
    stats = run(["fleet", "stats", store.uri], check=0).stdout
    assert "enterprise_platinum expired: 2" in stats and "pending 8, done 0, failed 0" in stats
    log = tmp_path / "log"
    out = run(["fleet", "dispatch", store.uri, "--exec", HANDLER.format(log=log)], check=0).stdout
    assert out.startswith("dispatched 8 effects")
    assert sorted(k for k, _ in read_log(log)) == sorted(effect_keys(store))
    assert "pending 0, done 8, failed 0" in run(["fleet", "stats", store.uri], check=0).stdout


def test_usage_errors(tmp_path):
    assert run(["fleet"]).returncode == 2
    assert run(["fleet", "frobnicate", "x"]).returncode == 2
    assert run(["fleet", "dispatch", str(tmp_path / "db")]).returncode == 2
    missing = run(["fleet", "list", str(tmp_path / "missing.sqlite")])
    assert missing.returncode == 4 and "missing.sqlite" in missing.stderr
    assert "init" in run(["fleet", "help"], check=0).stdout


def test_every_subcommand_has_help_and_the_one_parser(tmp_path):
    """`COMMAND --help` and `fleet SUB --help` print the usage that docs/cli.md
    lists (exit 0);
    options take `--opt=value` as in every other command; `--` ends them."""
    # the block of docs/cli.md marked ```text {checked-by=tests/fleet/test_fleet.py}
    [usage_block] = [b for b in docblocks.blocks_of("docs/cli.md")
                     if b.info == "text {checked-by=tests/fleet/test_fleet.py}"]
    documented = usage_block.text.splitlines()
    listed = run(["fleet", "help"], check=0).stdout
    subs = [line.split()[0] for line in listed.splitlines() if line.startswith("  ") and
            not line.startswith("      ")]
    assert len(subs) == 13, subs
    usage = []
    for name in ["show", "check", "init", "plan", "apply", "tick", "next", "simulate", "graph",
                 "help"]:
        usage.append(run([name, "--help"], check=0).stdout.splitlines()[0])
    for sub in subs:
        out = run(["fleet", sub, "--help"], check=0).stdout
        assert out.startswith(f"usage: edition fleet {sub}"), out
        assert run(["fleet", sub, "-h"], check=0).stdout == out
        usage.append(out.splitlines()[0])
    assert ["usage: " + line for line in documented] == usage
    db = str(tmp_path / "f.sqlite")
    run(["fleet", "init", db], check=0)
    assert run(["fleet", "list", db, "--edition=standard"], check=0).stdout == ""
    assert run(["fleet", "list", db, "--edition", "standard"], check=0).stdout == ""
    bad = run(["fleet", "list", db, "--due=yes"], check=2)
    assert "--due takes no value" in bad.stderr
    assert "unknown option '--frob'" in run(["fleet", "stats", db, "--frob"], check=2).stderr
    assert "given twice" in run(["fleet", "list", db, "--due", "--due"], check=2).stderr
    proc = run(["fleet", "show", db, "--", "--help"], check=1)  # an ID, not an option
    assert "no instance --help" in proc.stderr


def test_json_output_of_list_stats_and_effects(store, tmp_path, scratch):
    """--format json on list, stats and effects: one document each, with the
    field names of docs/fleet.md ("JSON output"), the same facts as the
    text."""
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    store.sql("UPDATE instances SET revision = 9 WHERE id = 'MQ_0000002'")
    run(["fleet", "tick", store.uri, "--now", RELEASE_AT], check=3)
    listed = json.loads(run(["fleet", "list", store.uri, "--format", "json"], check=0).stdout)
    assert [i["id"] for i in listed] == ["MQ_0000000", "MQ_0000001", "MQ_0000002"]
    assert listed[0] == {"id": "MQ_0000000", "revision": 2, "edition": "enterprise_platinum",
                         "lifecycle": "released", "next_deadline": None}
    assert listed[2]["next_deadline"] == "2026-02-08T00:00:00Z"  # its release
    skipped = json.loads(run(["fleet", "list", store.uri, "--skipped", "--format=json"],
                             check=0).stdout)
    assert [(i["id"], i["tick_failures"]) for i in skipped] == [("MQ_0000002", 1)]
    assert "the revision column says 9" in skipped[0]["tick_error"]
    stats = json.loads(run(["fleet", "stats", store.uri, "--format", "json"], check=0).stdout)
    assert stats["cannot_be_ticked"] == 1 and stats["effects"] == {
        "pending": 11, "done": 0, "failed": 0, "blocked": 0}
    assert {(r["edition"], r["lifecycle"], r["count"]) for r in stats["instances"]} == {
        ("enterprise_platinum", "released", 2), ("enterprise_platinum", "expired", 1)}
    run(["fleet", "dispatch", store.uri, "--exec", "exit 4", "--max-attempts", "1"], check=1)
    effects = json.loads(run(["fleet", "effects", store.uri, "--failed", "--format", "json"],
                             check=0).stdout)
    assert [e["key"] for e in effects] == [f"MQ_{i:07d}/1/0" for i in range(3)]
    assert effects[0]["state"] == "failed" and effects[0]["attempts"] == 1
    assert effects[0]["kind"] == "instance.suspend"
    assert "exited with status 4" in effects[0]["last_error"]
    assert json.loads(run(["fleet", "effects", store.uri, "--instance", "MQ_NONE", "--format",
                           "json"], check=0).stdout) == []
    bad = run(["fleet", "stats", store.uri, "--format", "yaml"], check=2)
    assert "unknown format 'yaml' (one of: text, json, prometheus)" in bad.stderr


# ---------------------------------------------------------------------------
# Atomicity: a snapshot and its effects are committed together or not at all


@pytest.mark.parametrize("stage", ["fleet-after-snapshot", "fleet-before-commit"])
@pytest.mark.parametrize("mode", ["abort", "kill"])
def test_atomicity(store, tmp_path, stage, mode, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 2)], check=0)
    before = rows(store, "SELECT id, revision, snapshot, next_deadline FROM instances ORDER BY id")
    env = dict(os.environ, EDITION_TEST_FAULT=stage)
    if mode == "kill":
        env["EDITION_TEST_FAULT_MODE"] = "stop"
    for args in (["apply", store.uri, "MQ_0000000", "renew", "--period-months", "1", "--now",
                  "2026-01-10T00:00:00Z"],
                 ["tick", store.uri, "--now", DUE_AT]):
        proc = subprocess.Popen([EDITION, "fleet", *args], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        if mode == "kill":
            # stopped at the stage, between the two writes: SIGKILL it there
            deadline = time.time() + 30
            while time.time() < deadline:
                with open(f"/proc/{proc.pid}/stat") as f:
                    if f.read().split(") ")[1].startswith("T"):
                        break
                time.sleep(0.01)
            else:
                pytest.fail("the process did not stop at the fault point")
            proc.kill()
        proc.communicate(timeout=60)
        assert proc.returncode < 0, "the fault point did not end the process"
        assert rows(store, "SELECT id, revision, snapshot, next_deadline FROM instances "
                           "ORDER BY id") == before
        assert effect_keys(store) == []
    # without the fault both are written, together
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    for ident, rev in rows(store, "SELECT id, revision FROM instances"):
        keys = rows(store, f"SELECT key FROM effects WHERE instance = '{ident}'")
        assert int(rev) == 1 and sorted(k for (k,) in keys) == [f"{ident}/1/{i}" for i in range(3)]


# ---------------------------------------------------------------------------
# Exactly-once ticking with concurrent workers


def expected_tick(scratch):
    """What one tick at DUE_AT does to the template: the revision after it
    and the effect keys it produces (edition tick on a state file)."""
    state = scratch / "one.json"
    doc = json.loads(run(["show", str(scratch / "template.yaml"), "--format", "json"],
                         check=0).stdout)
    state.write_text(json.dumps(doc))
    out = run(["tick", str(state), "--now", DUE_AT, "--format", "json"], check=0).stdout
    result = json.loads(out)
    return result["instance"]["revision"], [e["key"].split("/", 1)[1] for e in result["effects"]]


@pytest.mark.parametrize("batch", BATCHES)
def test_exactly_once_tick(store, tmp_path, scratch, batch):
    workers = 4 if store.kind == "postgresql" else 2
    n = scaled(INSTANCES, batch, 10)
    add_all(store.uri, make_states(scratch, n))
    revision, suffixes = expected_tick(scratch)
    started = time.time()
    # --quiet: an event line per instance would fill the pipes of the
    # workers this test reads one after the other, and stop them
    procs = [subprocess.Popen([EDITION, "fleet", "tick", store.uri, "--now", DUE_AT,
                               "--quiet", *batch_args(batch)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(workers)]
    outs = [p.communicate(timeout=900) for p in procs]
    elapsed = time.time() - started
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    ticked = [int(out.split()[1]) for out, _ in outs]
    print(f"\n{store.kind}, batch {batch or 'default'}: {n} instances ticked by {workers} "
          f"workers in {elapsed:.1f}s "
          f"({n / elapsed:.0f}/s); per worker {ticked}")
    assert sum(ticked) == n, f"ticked {ticked} for {n} due instances"
    assert rows(store, "SELECT revision, COUNT(*) FROM instances GROUP BY revision") in (
        [(revision, n)], [(str(revision), str(n))])
    total, distinct = rows(store, "SELECT COUNT(*), COUNT(DISTINCT key) FROM effects")[0]
    assert int(total) == int(distinct) == n * len(suffixes)
    # every instance has exactly the keys one tick gives it
    bad = rows(store, "SELECT instance, COUNT(*) FROM effects GROUP BY instance "
                      f"HAVING COUNT(*) <> {len(suffixes)}")
    assert bad == []
    assert int(store.scalar("SELECT COUNT(*) FROM effects WHERE key <> instance || '/' || "
                            "revision || '/' || idx")) == 0


def test_a_tick_that_queues_a_burst_refreshes_the_outbox_figures(pg_server, scratch):
    """docs/fleet.md, "Ticking": on PostgreSQL a tick that queued 1,000
    effects or more runs ANALYZE effects (a manual analyze: last_analyze,
    never autovacuum's last_autoanalyze); one that queued fewer does not."""
    def last_analyze(db):
        # the statistics of another backend arrive when it reports them
        deadline = time.time() + 5
        while True:
            value = pg_server.psql(db, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                                       "WHERE relname = 'effects'").strip()
            if value == "t" or time.time() > deadline:
                return value == "t"
            time.sleep(0.2)

    make_states(scratch, 1, prefix="MQ_probe_")  # the template expected_tick reads
    per_instance = len(expected_tick(scratch)[1])
    few = (1000 - 1) // per_instance          # under 1,000 effects
    many = (1000 + per_instance - 1) // per_instance  # 1,000 or more
    for count, refreshed in ((few, False), (many, True)):
        db = pg_server.create_db()
        uri = pg_server.uri(db)
        run(["fleet", "init", uri], check=0)
        add_all(uri, make_states(scratch, count, prefix=f"MQ_{count}_"))
        out = run(["fleet", "tick", uri, "--now", DUE_AT, "--quiet"], check=0).stdout
        assert f"{count * per_instance} effects queued" in out, out
        assert last_analyze(db) is refreshed, (count, out)


# ---------------------------------------------------------------------------
# Crashes: kill -9 of tick workers and dispatchers at random moments


def descendants(pid):
    """The processes below `pid` (its children, theirs, ...)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.parametrize("batch,mode", [
    pytest.param(None, "exec", id="batch-default"),
    pytest.param(1, "exec", id="batch-1"),
    pytest.param(None, "stream", id="stream")])
def test_crashes(store, tmp_path, scratch, batch, mode):
    """Ticks in batches of the default size and of 1 with --exec handlers,
    and with --exec-stream, where the kills hit handler processes too (with
    a quarter of the kills at batch 1, half with streaming handlers: the
    same promises, on the same code paths)."""
    from test_stream import recorder
    n = CRASH_INSTANCES
    add_all(store.uri, make_states(scratch, n))
    log = tmp_path / "deliveries"
    option = "--exec" if mode == "exec" else "--exec-stream"
    handler = HANDLER.format(log=log) if mode == "exec" else recorder(log)
    rng = random.Random(int(os.environ.get("EDITION_FLEET_SEED", "14")))
    kills = {"tick": 0, "dispatch": 0, "handler": 0}
    wanted = scaled(KILLS, batch, 4) if mode == "exec" else max(KILLS // 2, 10)
    rounds = 0
    started = time.time()
    total = n
    while sum(kills.values()) < wanted:
        rounds += 1
        # fresh instances every round, so that tick workers and dispatchers
        # always have work to be killed in
        if rounds > 1:
            add_all(store.uri, make_states(scratch, 10, prefix=f"MQ_R{rounds:04d}_"))
            total += 10
        now = DUE_AT if rounds % 3 else RELEASE_AT
        tick = [EDITION, "fleet", "tick", store.uri, "--now", now, "--quiet", *batch_args(batch)]
        procs = [("tick", subprocess.Popen(tick, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE)),
                 ("tick", subprocess.Popen(tick, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE)),
                 ("dispatch", subprocess.Popen([EDITION, "fleet", "dispatch", store.uri, option,
                                                handler, "--lease", "2", "--workers", "2",
                                                "--quiet"],
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.PIPE))]
        time.sleep(rng.uniform(0.01, 0.25))
        if mode == "stream" and rng.random() < 0.5:
            # a handler (or what it runs) killed under its dispatcher
            below = descendants(procs[2][1].pid)
            if below:
                try:
                    os.kill(rng.choice(below), signal.SIGKILL)
                    kills["handler"] += 1
                except ProcessLookupError:
                    pass
            time.sleep(rng.uniform(0.01, 0.1))
        for kind, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills[kind] += 1
        for kind, p in procs:
            _, err = p.communicate(timeout=120)
            if p.returncode not in (0, -signal.SIGKILL):
                pytest.fail(f"{kind} exited {p.returncode}: {err.decode()}")
        assert time.time() - started < 300, "the crash test ran too long"
    # the survivors finish the job
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "tick", store.uri, "--now", RELEASE_AT], check=0)
    run(["fleet", "dispatch", store.uri, option, handler, "--lease", "2"], check=0)
    print(f"\n{store.kind} ({mode}, batch {batch or 'default'}): {total} instances, {rounds} rounds, "
          f"{sum(kills.values())} SIGKILLs ({kills['tick']} tick workers, {kills['dispatch']} "
          f"dispatchers, {kills['handler']} handler processes), "
          f"{time.time() - started:.1f}s")

    # no snapshot lost or torn: every row loads and says what its columns say
    snaps = rows(store, "SELECT id, revision, lifecycle, snapshot FROM instances")
    assert len(snaps) == total
    for ident, rev, lifecycle, snapshot in snaps:
        doc = json.loads(snapshot)["instance"]
        assert doc["id"] == ident and doc["revision"] == int(rev) == 2
        assert doc["lifecycle"] == lifecycle == "released"
    for ident, *_ in rng.sample(snaps, 10):
        run(["fleet", "show", store.uri, ident], check=0)
    # no effect lost or duplicated in the outbox
    keys = effect_keys(store)
    expected = {f"{ident}/{r}" for ident, *_ in snaps for r in ("1/0", "1/1", "1/2", "2/0")}
    assert len(keys) == len(set(keys)) and set(keys) == expected
    assert int(store.scalar("SELECT COUNT(*) FROM effects WHERE state <> 'done'")) == 0
    # every effect delivered; a redelivery carries the same key and document
    docs = dict(rows(store, "SELECT key, document FROM effects"))
    delivered = read_log(log)
    seen = {}
    for key, doc in delivered:
        assert key in docs, f"delivered an unknown key {key}"
        assert doc == docs[key], f"{key} redelivered with another document"
        seen[key] = seen.get(key, 0) + 1
    assert set(seen) == expected
    print(f"{len(delivered)} deliveries of {len(expected)} effects "
          f"({sum(c - 1 for c in seen.values())} redeliveries, handled idempotently by key)")


# ---------------------------------------------------------------------------
# Dispatch: retries, dead letters, per-instance order


def test_dispatch_retry_and_order(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "tick", store.uri, "--now", RELEASE_AT], check=0)
    log = tmp_path / "log"
    broken = tmp_path / "broken"
    broken.write_text("")
    handler = (f'read -r doc || exit 1; if [ "$EDITION_EFFECT_KEY" = MQ_0000001/1/0 ] && [ -e {broken} ]; '
               f'then echo failing >&2; exit 3; fi; '
               f'printf "%s\\t%s\\n" "$EDITION_EFFECT_KEY" "$doc" >> {log}')
    proc = run(["fleet", "dispatch", store.uri, "--exec", handler, "--max-attempts", "3",
                "--backoff", "0", "--workers", "3"], check=1)
    assert "effects_failed" in proc.stderr
    delivered = [k for k, _ in read_log(log)]
    assert not any(k.startswith("MQ_0000001/") for k in delivered), "a failed effect held nothing"
    assert len(delivered) == 8
    failed = run(["fleet", "effects", store.uri, "--failed"], check=0).stdout
    assert failed.startswith("MQ_0000001/1/0\tfailed\tattempts 3")
    assert "exited with status 3" in failed
    run(["fleet", "retry", store.uri, "MQ_0000001/1/1"], check=1)  # not failed
    broken.unlink()
    run(["fleet", "retry", store.uri, "MQ_0000001/1/0"], check=0)
    run(["fleet", "dispatch", store.uri, "--exec", handler], check=0)
    delivered = [k for k, _ in read_log(log)]
    for i in range(3):
        mine = [k for k in delivered if k.startswith(f"MQ_{i:07d}/")]
        assert mine == [f"MQ_{i:07d}/{s}" for s in ("1/0", "1/1", "1/2", "2/0")]


def test_run_service(store, tmp_path, scratch):
    # created in January 2026 for a month: due by the clock
    run(["fleet", "add", store.uri, *make_states(scratch, 5)], check=0)
    log = tmp_path / "log"
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec",
                             HANDLER.format(log=log), "--poll", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        done = int(store.scalar("SELECT COUNT(*) FROM effects WHERE state = 'done'"))
        if done == 20:
            break
        time.sleep(0.2)
    assert done == 20
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert len(read_log(log)) == 20


# ---------------------------------------------------------------------------
# Bad input and faults: a clear error naming the cause, nothing changed


def test_corrupt_snapshot_row(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    store.sql("UPDATE instances SET snapshot = '{\"libedition\":1,\"instance\":{\"id\":' "
              "WHERE id = 'MQ_0000001'")
    before = rows(store, "SELECT revision, snapshot FROM instances WHERE id = 'MQ_0000001'")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=3)
    skipped = [line for line in proc.stderr.splitlines() if "event=row_skipped" in line]
    assert len(skipped) == 1 and "id=MQ_0000001 code=" in skipped[0], proc.stderr
    assert 'reason="snapshot row' in skipped[0], skipped
    assert "ticked 2 instances" in proc.stdout
    assert rows(store, "SELECT revision, snapshot FROM instances WHERE id = 'MQ_0000001'") == before
    assert rows(store, "SELECT key FROM effects WHERE instance = 'MQ_0000001'") == []
    shown = run(["fleet", "show", store.uri, "MQ_0000001"], check=3)
    assert "MQ_0000001: snapshot row" in shown.stderr
    run(["fleet", "apply", store.uri, "MQ_0000001", "tick", "--now", DUE_AT], check=3)


def test_newer_schema(store, tmp_path, scratch):
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    store.sql("UPDATE fleet_meta SET value = '99' WHERE name = 'schema_version'")
    before = rows(store, "SELECT id, revision, snapshot FROM instances")
    for args in (["tick", store.uri, "--now", DUE_AT], ["init", store.uri],
                 ["list", store.uri]):
        proc = run(["fleet", *args], check=3)
        assert "schema version 99, newer than this edition's 3" in proc.stderr, proc.stderr
    assert rows(store, "SELECT id, revision, snapshot FROM instances") == before
    assert store.scalar("SELECT value FROM fleet_meta WHERE name = 'schema_version'") == "99"


def test_not_a_fleet_database(tmp_path):
    path = tmp_path / "other.sqlite"
    import sqlite3
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    proc = run(["fleet", "list", str(path)], check=3)
    assert "not a fleet database" in proc.stderr


def test_postgresql_unreachable(tmp_path):
    uri = f"postgresql:///nothing?host={tmp_path}&user=postgres&connect_timeout=2"
    proc = run(["fleet", "tick", uri, "--now", DUE_AT], check=4)
    assert "database_unreachable" in proc.stderr and "cannot connect to PostgreSQL" in proc.stderr


def test_postgresql_stopped(pg_server, tmp_path, scratch):
    db = pg_server.create_db()
    uri = pg_server.uri(db)
    run(["fleet", "init", uri], check=0)
    run(["fleet", "add", uri, *make_states(scratch, 2)], check=0)
    pg_server.stop()
    try:
        proc = run(["fleet", "tick", uri, "--now", DUE_AT], check=4)
        assert "database_unreachable" in proc.stderr
    finally:
        pg_server.start()
    assert pg_server.psql(db, "SELECT COUNT(*) FROM effects").strip() == "0"
    assert pg_server.psql(db, "SELECT DISTINCT revision FROM instances").strip() == "0"


def test_sqlite_full_disk(tmp_path, scratch):
    import sqlite3
    with small_disk(tmp_path, "16m") as disk:
        db = str(disk / "fleet.sqlite")
        run(["fleet", "init", db], check=0)
        add_all(db, make_states(scratch, 50))
        # keep the WAL and shared-memory files, empty, then fill the disk
        holder = sqlite3.connect(db)
        holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = holder.execute("SELECT id, revision, snapshot FROM instances ORDER BY id").fetchall()
        filler = fill(disk)
        proc = run(["fleet", "tick", db, "--now", DUE_AT])
        assert proc.returncode == 4, proc.stderr
        assert "database_full" in proc.stderr and "full" in proc.stderr
        assert "fleet.sqlite" in proc.stderr
        after = holder.execute("SELECT id, revision, snapshot FROM instances ORDER BY id").fetchall()
        assert after == before
        assert holder.execute("SELECT COUNT(*) FROM effects").fetchone()[0] == 0
        holder.close()
        os.unlink(filler)
        run(["fleet", "tick", db, "--now", DUE_AT], check=0)
