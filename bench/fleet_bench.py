#!/usr/bin/env python3
"""Throughput of `edition fleet` (docs/performance.md, "edition fleet").

For N due instances (the same Enterprise Platinum state, each its own ID,
all due, 3 effects each when ticked), on SQLite and on PostgreSQL, with 1,
2 and 4 worker processes:

* ticked/s: `fleet tick` (its default --batch), the workers side by side;
* exec/s: effects dispatched per second by `fleet dispatch --exec true`
  (a /bin/sh per effect), on the effects of min(N, --exec-instances)
  instances;
* stream/s: effects dispatched per second by `fleet dispatch --exec-stream`
  with a handler that acknowledges each effect at once (ACK below: a
  Python loop over its input lines).

Each dispatcher process has one handler worker there. And the ratios, each
measured in one run on the same database server:

    RATIO fleet_dispatch_stream_vs_exec <stream/s ÷ exec/s, PostgreSQL, --workers 4> 10 >=
    RATIO fleet_dispatch_vs_floor <fleet dispatch --exec-stream ÷ the queue floor, medians of 3> 2 <=
    RATIO fleet_tick_vs_pg_floor <fleet tick ÷ the writes floor, PostgreSQL> 2 <=
    RATIO fleet_tick_vs_sqlite_floor <fleet tick ÷ single-row UPDATEs, SQLite> 3 <=

The PostgreSQL floors are bench/fleet_floor.c (libpq alone): for dispatch,
claiming the same outbox rows with FOR UPDATE SKIP LOCKED in batches of the
dispatcher's size and marking each batch done; for tick, taking the same
due rows in batches of `fleet tick`'s size and writing each one's row and
effects with documents of the same sizes. The SQLite floor is a bare loop
of N single-row UPDATE transactions on the same file and settings (WAL,
synchronous=FULL), in Python's sqlite3.

    bench/fleet_bench.py [--edition PATH] [--floor PATH] [--instances N]
                         [--exec-instances M] [--dir DIR] [--no-postgresql]

The databases live in DIR (default: a temporary directory beside the build,
on disk: fsync is part of the cost). PostgreSQL is Debian's, started here
with initdb and pg_ctl on a Unix socket, as `nobody` when run as root, with
its default durability settings.
"""
import argparse
import glob
import json
import os
import pathlib
import pwd
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DUE_AT = "2026-02-02T00:00:00Z"
DUE_AT_SECONDS = "1769990400"
# A streaming handler that acknowledges each effect at once: the key is the
# document's first field, {"key":"...
ACK_PY = """import sys
for line in sys.stdin:
    key = line[8:line.index('"', 8)]
    sys.stdout.write('{"key":"' + key + '","ok":true}\\n')
    sys.stdout.flush()
"""
STREAM_WORKERS = 4
# the claim of `fleet dispatch --exec-stream --workers 4`: 64 per worker
DISPATCH_BATCH = str(64 * STREAM_WORKERS)
ACK = None  # the command that runs ACK_PY, set in main()
# Every effect pending again as the tick left it: no attempt, no claim
PENDING_AGAIN = ("UPDATE effects SET state = 'pending', attempts = 0, next_attempt_at = 0, "
                 "done_at = NULL, last_error = NULL, claimed_at = NULL, "
                 "previous_claimed_at = NULL, done_duration_ms = NULL, done_exit_status = NULL, "
                 "done_stderr = NULL; DELETE FROM attempts")
ROUNDS = 3  # of the dispatch and its floor


def sh(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"fleet_bench: {' '.join(map(str, args[:4]))} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()[-2000:]}")
    return proc.stdout


def make_states(edition, work, n):
    tpl = work / "template.yaml"
    sh([edition, "init", tpl, "--platinum", "--id", "MQ_TEMPLATE", "--endpoint",
        "http://mq.example:8080", "--period-months", "1", "--now", "2026-01-01T00:00:00Z"])
    doc = json.loads(sh([edition, "show", tpl, "--format", "json"]))
    out = work / "states"
    out.mkdir()
    paths = []
    for i in range(n):
        doc["instance"]["id"] = f"MQ_{i:07d}"
        p = out / f"{i}.json"
        p.write_text(json.dumps(doc))
        paths.append(str(p))
    return paths


def load(edition, db, paths):
    sh([edition, "fleet", "init", db])
    for i in range(0, len(paths), 5000):
        sh([edition, "fleet", "add", db, *paths[i:i + 5000]])


def timed_parallel(cmds):
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    for c, p in zip(cmds, procs):
        out, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"fleet_bench: {' '.join(map(str, c[:3]))} failed: {err.strip()[-2000:]}")
    return time.perf_counter() - start


def quiet(cmd):
    return [*cmd, "--quiet"]


def tick_cmd(edition, db):
    return quiet([edition, "fleet", "tick", db, "--now", DUE_AT])


def exec_cmd(edition, db, workers=1):
    return quiet([edition, "fleet", "dispatch", db, "--exec", "true", "--workers", str(workers)])


def stream_cmd(edition, db, workers=1):
    return quiet([edition, "fleet", "dispatch", db, "--exec-stream", ACK, "--workers",
                  str(workers)])


def sqlite_floor(db, n):
    """N single-row UPDATE transactions on the same file and settings."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    ids = [r[0] for r in con.execute("SELECT id FROM instances ORDER BY id LIMIT ?", (n,))]
    start = time.perf_counter()
    for ident in ids:
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE instances SET updated_at = updated_at + 1 WHERE id = ?", (ident,))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def tick_batch(edition):
    """The default --batch of `fleet tick`, from its --help."""
    text = sh([edition, "fleet", "tick", "--help"])
    m = re.search(r"--batch N[^\n]*default (\d+)", text)
    if not m:
        sys.exit("fleet_bench: fleet tick --help names no default --batch")
    return m.group(1)


class Postgres:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
        if not bins:
            raise RuntimeError("no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)")
        self.bin = pathlib.Path(bins[0]).parent
        # in the system temporary directory: the server user must reach it
        self.dir = tempfile.mkdtemp(prefix="fleet-bench-pg-")
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "nobody", "--"]
        os.chmod(self.dir, 0o755)
        data = os.path.join(self.dir, "data")
        sh([*self.prefix, self.bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust"])
        sh([*self.prefix, self.bin / "pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"),
            "-o", f"-c listen_addresses='' -k {self.dir}", "-w", "start"])
        self.data = data

    def psql(self, db, sql):
        return sh([self.bin / "psql", "-X", "-q", "-A", "-t", "-h", self.dir, "-U", "postgres",
                   "-d", db, "-c", sql])

    def create(self, name):
        self.psql("postgres", f"CREATE DATABASE {name}")
        return f"postgresql:///{name}?host={self.dir}&user=postgres"

    def stop(self):
        subprocess.run([*self.prefix, self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w",
                        "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def floor_run(floor, *args):
    seconds, rows = sh([floor, *args]).split()
    return float(seconds), int(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edition", default=str(ROOT / "build" / "tools" / "edition" / "edition"))
    ap.add_argument("--floor", default=None,
                    help="bench/fleet_floor (default: beside --edition's build)")
    ap.add_argument("--instances", type=int, default=100000)
    ap.add_argument("--exec-instances", type=int, default=5000,
                    help="instances whose effects --exec true dispatches (a fork each)")
    ap.add_argument("--dir", default=None)
    ap.add_argument("--no-postgresql", action="store_true")
    args = ap.parse_args()
    edition, n = args.edition, args.instances
    m = min(n, args.exec_instances)
    floor = args.floor or str(pathlib.Path(edition).resolve().parents[2] / "bench" / "fleet_floor")
    if not args.no_postgresql and not os.access(floor, os.X_OK):
        # found before the 20 minutes of runs that come before the floors
        sys.exit(f"fleet_bench: no {floor} (meson compile bench/fleet_floor; it needs libpq), "
                 "or --no-postgresql")
    base = args.dir or tempfile.mkdtemp(prefix="fleet-bench-", dir=str(ROOT / "build"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="run-", dir=base))
    global ACK
    (work / "ack.py").write_text(ACK_PY)
    ACK = f"{sys.executable} {work / 'ack.py'}"
    paths = make_states(edition, work, n)
    batch = tick_batch(edition)
    effects, exec_effects = 3 * n, 3 * m
    rows, ratios = [], []

    # SQLite: workers take turns for the write lock
    sqlite_tick = None
    for workers in (1, 2, 4):
        db = str(work / f"fleet-{workers}.sqlite")
        load(edition, db, paths)
        tick = timed_parallel([tick_cmd(edition, db)] * workers)
        stream = timed_parallel([stream_cmd(edition, db)] * workers)
        small = str(work / f"exec-{workers}.sqlite")
        load(edition, small, paths[:m])
        sh(tick_cmd(edition, small))
        disp = timed_parallel([exec_cmd(edition, small)] * workers)
        rows.append(("SQLite", workers, n / tick, exec_effects / disp, effects / stream))
        print(f"# SQLite, {workers} workers: {rows[-1][2]:.0f} ticked/s, {rows[-1][3]:.0f} exec/s, "
              f"{rows[-1][4]:.0f} stream/s", file=sys.stderr, flush=True)
        if workers == 1:
            sqlite_tick = tick
            sqlite_floor_s = sqlite_floor(db, n)
    ratios.append(("fleet_tick_vs_sqlite_floor", sqlite_tick / sqlite_floor_s, 3, "<="))
    notes = [f"SQLite floor: {n} single-row UPDATE transactions in {sqlite_floor_s:.2f}s "
             f"({n / sqlite_floor_s:.0f}/s); fleet tick {sqlite_tick:.2f}s"]

    if not args.no_postgresql:
        pg = Postgres()
        try:
            for workers in (1, 2, 4):
                uri = pg.create(f"bench_{workers}")
                load(edition, uri, paths)
                tick = timed_parallel([tick_cmd(edition, uri)] * workers)
                stream = timed_parallel([stream_cmd(edition, uri)] * workers)
                small = pg.create(f"exec_{workers}")
                load(edition, small, paths[:m])
                sh(tick_cmd(edition, small))
                disp = timed_parallel([exec_cmd(edition, small)] * workers)
                rows.append(("PostgreSQL", workers, n / tick, exec_effects / disp,
                             effects / stream))
                print(f"# PostgreSQL, {workers} workers: {rows[-1][2]:.0f} ticked/s, "
                      f"{rows[-1][3]:.0f} exec/s, {rows[-1][4]:.0f} stream/s", file=sys.stderr,
                      flush=True)

            # one dispatcher with --workers 4, the same effects, --exec true
            # then --exec-stream
            uri = pg.create("ratio_stream_exec")
            load(edition, uri, paths[:m])
            sh(tick_cmd(edition, uri))
            exec4 = timed_parallel([exec_cmd(edition, uri, STREAM_WORKERS)])
            pg.psql("ratio_stream_exec", PENDING_AGAIN)
            pg.psql("ratio_stream_exec", "VACUUM ANALYZE")
            stream4 = timed_parallel([stream_cmd(edition, uri, STREAM_WORKERS)])
            ratios.insert(0, ("fleet_dispatch_stream_vs_exec", exec4 / stream4, 10, ">="))
            notes.append(f"PostgreSQL, one dispatcher with --workers {STREAM_WORKERS}, "
                         f"{exec_effects} effects: --exec true {exec_effects / exec4:.0f}/s, "
                         f"--exec-stream {exec_effects / stream4:.0f}/s")

            # the floors, on databases of their own on the same server; the
            # dispatch and its floor take turns on the same rows, each from
            # the same state (pending again, vacuumed), ROUNDS times: the
            # medians are compared
            uri = pg.create("floor_dispatch")
            load(edition, uri, paths)
            sh(tick_cmd(edition, uri))
            fleet_runs, floor_runs = [], []
            for _ in range(ROUNDS):
                pg.psql("floor_dispatch", "VACUUM ANALYZE")
                fleet_runs.append(timed_parallel([stream_cmd(edition, uri, STREAM_WORKERS)]))
                pg.psql("floor_dispatch", PENDING_AGAIN)
                pg.psql("floor_dispatch", "VACUUM ANALYZE")
                seconds, floor_rows = floor_run(floor, "dispatch", uri, DISPATCH_BATCH)
                if floor_rows != effects:
                    sys.exit(f"fleet_bench: the dispatch floor did {floor_rows} rows, "
                             f"not {effects}")
                floor_runs.append(seconds)
                pg.psql("floor_dispatch", PENDING_AGAIN)
            fleet_disp, floor_disp = statistics.median(fleet_runs), statistics.median(floor_runs)
            ratios.insert(1, ("fleet_dispatch_vs_floor", fleet_disp / floor_disp, 2, "<="))
            notes.append(f"PostgreSQL dispatch floor: {effects} outbox rows claimed "
                         f"{DISPATCH_BATCH} at a time and marked done in {floor_disp:.2f}s; "
                         f"fleet dispatch --exec-stream --workers {STREAM_WORKERS} "
                         f"{fleet_disp:.2f}s (medians of {ROUNDS} rounds each: "
                         f"{' '.join(f'{t:.2f}' for t in fleet_runs)} and "
                         f"{' '.join(f'{t:.2f}' for t in floor_runs)})")

            like = pg.create("floor_like")
            load(edition, like, paths[:1])
            sh(tick_cmd(edition, like))
            uri = pg.create("floor_tick_fleet")
            load(edition, uri, paths)
            fleet_tick = timed_parallel([tick_cmd(edition, uri)])
            uri = pg.create("floor_tick")
            load(edition, uri, paths)
            floor_tick, floor_rows = floor_run(floor, "tick", uri, batch, DUE_AT_SECONDS, like)
            if floor_rows != n:
                sys.exit(f"fleet_bench: the tick floor did {floor_rows} rows, not {n}")
            ratios.insert(2, ("fleet_tick_vs_pg_floor", fleet_tick / floor_tick, 2, "<="))
            notes.append(f"PostgreSQL tick floor: {n} instances written {batch} at a time "
                         f"in {floor_tick:.2f}s; fleet tick --batch {batch} {fleet_tick:.2f}s")
        finally:
            pg.stop()

    print(f"{n} due instances, {effects} effects; exec/s over the effects of {m} instances "
          f"(/bin/sh -c true per effect); stream/s with --exec-stream; --workers 1 per "
          f"dispatcher; fleet tick --batch {batch}")
    print(f"{'store':<12}{'workers':>8}{'ticked/s':>12}{'exec/s':>10}{'stream/s':>12}")
    for store, workers, t, d, st in rows:
        print(f"{store:<12}{workers:>8}{t:>12.0f}{d:>10.0f}{st:>12.0f}")
    for line in notes:
        print(line)
    missed = 0
    for name, value, target, op in ratios:
        print(f"RATIO {name} {value:.2f} {target} {op}")
        missed += not (value <= target if op == "<=" else value >= target)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
