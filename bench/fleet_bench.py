#!/usr/bin/env python3
"""Throughput of `edition fleet` (docs/performance.md, "edition fleet").

For N due instances (the same Enterprise Platinum state, each its own ID,
all due): instances ticked per second by `fleet tick` and effects
dispatched per second by `fleet dispatch --exec true`, on SQLite (one
worker) and on PostgreSQL (1, 2 and 4 worker processes), and the ratio of
`fleet tick` on SQLite to its floor: a bare loop of the same number of
single-row UPDATE transactions on the same SQLite file, with the same
settings (WAL, synchronous=FULL), in Python's sqlite3.

    bench/fleet_bench.py [--edition PATH] [--instances N] [--dir DIR]
                         [--batch N] [--no-postgresql]

The databases live in DIR (default: a temporary directory beside the build,
on disk: fsync is part of the cost). PostgreSQL is Debian's, started here
with initdb and pg_ctl on a Unix socket, as `nobody` when run as root, with
its default durability settings. --batch N is given to every `fleet tick`
(its default batch without it). Prints a table and the line
`RATIO fleet_tick_vs_sqlite_floor <measured> 3 <=`.
"""
import argparse
import glob
import json
import os
import pathlib
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DUE_AT = "2026-02-02T00:00:00Z"


def sh(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"fleet_bench: {' '.join(map(str, args[:4]))} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()}")
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
            sys.exit(f"fleet_bench: {' '.join(map(str, c[:3]))} failed: {err.strip()}")
    return time.perf_counter() - start


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


class Postgres:
    def __init__(self, base):
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

    def create(self, name):
        sh([self.bin / "psql", "-X", "-q", "-h", self.dir, "-U", "postgres", "-d", "postgres",
            "-c", f"CREATE DATABASE {name}"])
        return f"postgresql:///{name}?host={self.dir}&user=postgres"

    def stop(self):
        subprocess.run([*self.prefix, self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w",
                        "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edition", default=str(ROOT / "build" / "tools" / "edition" / "edition"))
    ap.add_argument("--instances", type=int, default=100000)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--no-postgresql", action="store_true")
    args = ap.parse_args()
    edition, n = args.edition, args.instances
    batch = [] if args.batch is None else ["--batch", str(args.batch)]
    base = args.dir or tempfile.mkdtemp(prefix="fleet-bench-", dir=str(ROOT / "build"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="run-", dir=base))
    paths = make_states(edition, work, n)
    results = []

    # SQLite, one worker
    db = str(work / "fleet.sqlite")
    load(edition, db, paths)
    tick = timed_parallel([[edition, "fleet", "tick", db, "--now", DUE_AT, *batch]])
    effects = 3 * n
    disp = timed_parallel([[edition, "fleet", "dispatch", db, "--exec", "true"]])
    results.append(("SQLite", 1, n / tick, effects / disp))
    floor = sqlite_floor(db, n)
    ratio = tick / floor

    if not args.no_postgresql:
        pg = Postgres(base)
        try:
            for workers in (1, 2, 4):
                uri = pg.create(f"bench_{workers}")
                load(edition, uri, paths)
                tick_pg = timed_parallel([[edition, "fleet", "tick", uri, "--now", DUE_AT,
                                           *batch]] * workers)
                disp_pg = timed_parallel([[edition, "fleet", "dispatch", uri, "--exec", "true"]] *
                                         workers)
                results.append(("PostgreSQL", workers, n / tick_pg, effects / disp_pg))
        finally:
            pg.stop()

    print(f"{n} due instances, {effects} effects (dispatch: /bin/sh -c true per effect)")
    print(f"{'store':<12}{'workers':>8}{'ticked/s':>12}{'dispatched/s':>14}")
    for store, workers, t, d in results:
        print(f"{store:<12}{workers:>8}{t:>12.0f}{d:>14.0f}")
    print(f"SQLite floor: {n} single-row UPDATE transactions in {floor:.2f}s "
          f"({n / floor:.0f}/s); fleet tick {tick:.2f}s")
    print(f"RATIO fleet_tick_vs_sqlite_floor {ratio:.2f} 3 <=")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
