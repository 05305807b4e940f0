"""The fleet store's conformance suite (tests/fleet_store/test_store.c), a C
program built on the store's own header, run against each backend: SQLite
in a folder of its own, and the PostgreSQL this suite starts. One pytest
case per backend; the C program's check output names each failed case."""
import os
import pathlib
import subprocess
import tempfile

from conftest import work_root

# meson gives the path; by hand, the build/ tree's
SUITE = os.environ.get("EDITION_STORE_SUITE", str(
    pathlib.Path(__file__).resolve().parents[2] / "build" / "tests" / "fleet_store" / "test_store"))


def run_suite(uri):
    proc = subprocess.run([SUITE], env=dict(os.environ, EDITION_STORE_URI=uri),
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "100%: Checks:" in out and "Failures: 0, Errors: 0" in out, out
    return out


def test_store_conformance_sqlite():
    with tempfile.TemporaryDirectory(prefix="edition-store-", dir=work_root()) as folder:
        out = run_suite(folder)
    assert "Checks: 24" in out, out


def test_store_conformance_postgresql(pg_server):
    db = pg_server.create_db()
    out = run_suite(pg_server.uri(db))
    assert "Checks: 23" in out, out
