"""Fixtures of the fleet suite: the edition command, a SQLite file or a
PostgreSQL database per test, and helpers to read the store directly.

PostgreSQL is Debian's, started here: initdb in a temporary directory,
pg_ctl on a Unix socket in it (no TCP), as an unprivileged user when the
suite runs as root (PostgreSQL refuses to run as root), stopped at the end.
With CI=true a PostgreSQL that cannot be started fails the tests instead of
skipping them.
"""
import contextlib
import glob
import json
import os
import pathlib
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
import uuid

import pytest

EDITION = os.environ["EDITION"]
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Instances of the template state below are due at DUE_AT: one tick there
# expires them (one revision, three effects).
DUE_AT = "2026-02-02T00:00:00Z"
RELEASE_AT = "2026-02-09T00:00:00Z"


def pytest_collection_modifyitems(config, items):
    """EDITION_FLEET_ONLY="test_walkthrough test_store_conformance" runs
    only the tests of those files (scripts/test's dist stage: the tarball
    ships what they need); every file is still collected, so one that no
    longer imports fails."""
    only = os.environ.get("EDITION_FLEET_ONLY", "").split()
    if not only:
        return
    unknown = set(only) - {item.path.stem for item in items}
    if unknown:
        raise pytest.UsageError(f"EDITION_FLEET_ONLY names no test file: {' '.join(sorted(unknown))}")
    kept = [item for item in items if item.path.stem in only]
    config.hook.pytest_deselected(items=[item for item in items if item.path.stem not in only])
    items[:] = kept


def work_root():
    """Large tests write their databases to a tmpfs when there is one: they
    test concurrency and crashes, not the disk, and fsync would dominate."""
    root = os.environ.get("EDITION_FLEET_TMPDIR")
    if root:
        return root
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return None


def run(args, check=None, env=None, input=None, timeout=600):
    proc = subprocess.run([EDITION, *args], capture_output=True, text=True, env=env,
                          input=input, timeout=timeout)
    if check is not None:
        assert proc.returncode == check, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def template_state(tmp):
    path = pathlib.Path(tmp) / "template.yaml"
    if not path.exists():
        run(["init", str(path), "--platinum", "--id", "MQ_TEMPLATE", "--endpoint",
             "http://mq.example:8080", "--period-months", "1", "--now",
             "2026-01-01T00:00:00Z"], check=0)
    proc = run(["show", str(path), "--format", "json"], check=0)
    return json.loads(proc.stdout)


def make_states(tmp, count, prefix="MQ_"):
    """Writes `count` state files (JSON) of the template, each its own ID."""
    doc = template_state(tmp)
    out = pathlib.Path(tmp) / f"states-{prefix}"
    out.mkdir(exist_ok=True)
    paths = []
    for i in range(count):
        doc["instance"]["id"] = f"{prefix}{i:07d}"
        p = out / f"{i}.json"
        p.write_text(json.dumps(doc))
        paths.append(str(p))
    return paths


@contextlib.contextmanager
def small_disk(tmp_path, size):
    """A tmpfs of `size` mounted for the test (root only: in CI its absence
    fails the test), unmounted at the end."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
        capture_output=True, text=True).returncode == 0
    if not mounted:
        if CI:
            pytest.fail("cannot mount a small tmpfs (needs root) and CI=true")
        pytest.skip("cannot mount a small tmpfs (needs root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk):
    """Fills the disk with a file; returns its path (unlink it for room)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    os.close(fd)
    return filler


def add_all(db, paths, batch=5000):
    for i in range(0, len(paths), batch):
        run(["fleet", "add", db, *paths[i:i + batch]], check=0)


# ---------------------------------------------------------------------------
# PostgreSQL


def _pg_bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    return None


class PgServer:
    def __init__(self):
        self.bindir = _pg_bindir()
        if not self.bindir:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql "
                               "(scripts/bootstrap installs the postgresql package)")
        self.dir = tempfile.mkdtemp(prefix="edition-pg-", dir=work_root())
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")
        self.prefix = []
        if os.geteuid() == 0:
            user = "nobody"
            pw = pwd.getpwnam(user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", user, "--"]
        os.chmod(self.dir, 0o755)
        self._pg("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync")
        opts = (f"-c listen_addresses='' -k {self.dir} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB")
        self._pg("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start")
        self.running = True

    def _pg(self, tool, *args):
        proc = subprocess.run([*self.prefix, os.path.join(self.bindir, tool), *args],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{tool} failed: {proc.stdout}{proc.stderr}")
        return proc

    def uri(self, db):
        return f"postgresql:///{db}?host={self.dir}&user=postgres"

    def psql(self, db, sql):
        proc = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-At", "-F", "\t",
                               "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-U", "postgres", "-d", db,
                               "-c", sql], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"psql: {proc.stderr}")
        return proc.stdout

    def create_db(self):
        name = "fleet_" + uuid.uuid4().hex[:12]
        self.psql("postgres", f"CREATE DATABASE {name}")
        return name

    def stop(self):
        if self.running:
            self._pg("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
            self.running = False

    def start(self):
        if not self.running:
            opts = f"-c listen_addresses='' -k {self.dir} -c fsync=off"
            self._pg("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start")
            self.running = True

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    try:
        server = PgServer()
    except Exception as e:  # noqa: BLE001 - reported as the reason
        if CI:
            pytest.fail(f"PostgreSQL could not be started and CI=true: {e}")
        pytest.skip(f"PostgreSQL could not be started: {e}")
    yield server
    server.destroy()


class Store:
    """A fleet database of either kind, with direct SQL for the checks."""

    def __init__(self, kind, uri, pg=None, pgdb=None):
        self.kind = kind
        self.uri = uri
        self.pg = pg
        self.pgdb = pgdb

    def sql(self, query):
        if self.kind == "sqlite":
            con = sqlite3.connect(self.uri, timeout=60)
            try:
                rows = con.execute(query).fetchall()
                con.commit()
            finally:
                con.close()
            return [tuple(r) for r in rows]
        out = self.pg.psql(self.pgdb, query)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def scalar(self, query):
        return self.sql(query)[0][0]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        root = tempfile.mkdtemp(prefix="edition-fleet-", dir=work_root())
        s = Store("sqlite", os.path.join(root, "fleet.sqlite"))
        run(["fleet", "init", s.uri], check=0)
        yield s
        shutil.rmtree(root, ignore_errors=True)
    else:
        pg = request.getfixturevalue("pg_server")
        db = pg.create_db()
        s = Store("postgresql", pg.uri(db), pg, db)
        run(["fleet", "init", s.uri], check=0)
        yield s


@pytest.fixture
def scratch():
    """A directory for generated state files, on the tmpfs when there is
    one, removed afterwards (tens of thousands of files)."""
    path = tempfile.mkdtemp(prefix="edition-fleet-states-", dir=work_root())
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)
