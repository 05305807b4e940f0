"""The metrics of edition fleet (docs/fleet.md, "Metrics"), in the Prometheus
text format, read back with prometheus_client's own parser: the gauges of
`fleet stats --format prometheus` against a fleet built here, and the file
of `fleet run --metrics-file`, its counters, its histogram and its atomic
replacement. Each test runs on SQLite and on PostgreSQL."""
import glob
import json
import os
import signal
import subprocess
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import DUE_AT, EDITION, make_states, run

GAUGES = ["edition_fleet_instances", "edition_fleet_instances_due",
          "edition_fleet_instances_cannot_be_ticked", "edition_fleet_effects",
          "edition_fleet_effects_blocked", "edition_fleet_oldest_pending_effect_age_seconds"]
# the parser names a counter's family without its _total
PROCESS = ["edition_fleet_instances_ticked", "edition_fleet_effects_dispatched",
           "edition_fleet_attempts_failed", "edition_fleet_handler_duration_seconds",
           "edition_fleet_start_time_seconds"]


def parse(text):
    """The families of a metrics text by name; each with its HELP and TYPE."""
    families = {}
    for f in text_string_to_metric_families(text):
        assert f.name not in families, f"{f.name} twice"
        assert f.documentation and f.type != "unknown", f"{f.name} without HELP or TYPE"
        families[f.name] = f
    return families


def value(families, name, sample=None, **labels):
    """The value of the one sample `sample` (default: the family's name)
    with exactly `labels`."""
    found = [s.value for s in families[name].samples
             if s.name == (sample or name) and s.labels == labels]
    assert len(found) == 1, (name, sample, labels, families[name].samples)
    return found[0]


def instances_by_state(families):
    return {(s.labels["edition"], s.labels["lifecycle"]): s.value
            for s in families["edition_fleet_instances"].samples}


def wait_for(what, check, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def count(store, query):
    return int(store.scalar(query))


def new_state(scratch, name, *args):
    path = scratch / f"{name}.yaml"
    run(["init", str(path), "--id", name, "--endpoint", "http://mq.example:8080", *args],
        check=0)
    return str(path)


# ---------------------------------------------------------------------------
# fleet stats --format prometheus: the gauges


def test_stats_prometheus_gauges_match_the_fleet(store, scratch):
    """Instances by edition and lifecycle, due now, rows that cannot be
    ticked, effects by state, blocked effects and the age of the oldest
    pending one, as the fleet built here holds them; no process counters."""
    paths = make_states(scratch, 4)  # Enterprise Platinum of 2026-01: due by the clock
    paths.append(new_state(scratch, "ST_1", "--standard", "--now", "2026-01-01T00:00:00Z"))
    paths.append(new_state(scratch, "FUTURE_1", "--platinum", "--period-months", "1",
                           "--now", "2036-01-01T00:00:00Z"))  # its deadline still ahead
    run(["fleet", "add", store.uri, *paths], check=0)
    # three expired, each with 3 effects (1/0, 1/1, 1/2)
    run(["fleet", "tick", store.uri, "--now", DUE_AT, "--limit", "3"], check=0)
    # MQ_0000001/1/0 fails for good: its 1/1 and 1/2 are blocked behind it
    handler = '[ "$EDITION_EFFECT_KEY" != MQ_0000001/1/0 ]'
    run(["fleet", "dispatch", store.uri, "--exec", handler, "--max-attempts", "1",
         "--backoff", "0"], check=1)
    # MQ_0000003 expires now: 3 effects pending and ready, blocked by nothing
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    # a row whose tick failed (as fleet tick records it), and an old pending effect
    store.sql("UPDATE instances SET tick_failures = 2, tick_error = 'broken' "
              "WHERE id = 'FUTURE_1'")
    store.sql("UPDATE effects SET created_at = created_at - 1000 "
              "WHERE key = 'MQ_0000003/1/2'")
    oldest = min(int(c) for (c,) in store.sql(
        "SELECT created_at FROM effects WHERE state = 'pending'"))

    before = time.time()
    proc = run(["fleet", "stats", store.uri, "--format", "prometheus"], check=0)
    after = time.time()
    families = parse(proc.stdout)
    assert sorted(families) == sorted(GAUGES)  # gauges only: no counters of a process
    assert instances_by_state(families) == {
        ("enterprise_platinum", "expired"): 4,
        ("enterprise_platinum", "active"): 1,
        ("standard", "active"): 1,
    }
    assert value(families, "edition_fleet_instances_due") == 4  # FUTURE_1 and ST_1 are not
    assert value(families, "edition_fleet_instances_cannot_be_ticked") == 1
    assert value(families, "edition_fleet_effects", state="pending") == 5
    assert value(families, "edition_fleet_effects", state="done") == 6
    assert value(families, "edition_fleet_effects", state="failed") == 1
    assert value(families, "edition_fleet_effects_blocked") == 2
    age = value(families, "edition_fleet_oldest_pending_effect_age_seconds")
    assert int(before) - oldest - 1 <= age <= after - oldest + 1 and age >= 1000

    # the same counts in the text and JSON of fleet stats
    text = run(["fleet", "stats", store.uri], check=0).stdout
    assert "effects: pending 5, done 6, failed 1, blocked 2\n" in text
    doc = json.loads(run(["fleet", "stats", store.uri, "--format", "json"], check=0).stdout)
    assert doc["effects"] == {"pending": 5, "done": 6, "failed": 1, "blocked": 2}


def test_stats_prometheus_of_an_empty_fleet(store):
    """No instances: the families are there, the counts 0, no pending
    effect is 0 seconds old."""
    families = parse(run(["fleet", "stats", store.uri, "--format", "prometheus"], check=0).stdout)
    assert sorted(families) == sorted(GAUGES)
    assert families["edition_fleet_instances"].samples == []
    for state in ("pending", "done", "failed"):
        assert value(families, "edition_fleet_effects", state=state) == 0
    assert value(families, "edition_fleet_effects_blocked") == 0
    assert value(families, "edition_fleet_oldest_pending_effect_age_seconds") == 0


def test_stats_prometheus_escapes_label_values(store, scratch):
    """A label value from the database with a double quote, a backslash and
    a line feed is escaped so that the parser reads it back as it is; on
    SQLite a byte that is not UTF-8 becomes U+FFFD."""
    run(["fleet", "add", store.uri, *make_states(scratch, 2)], check=0)
    newline = "char(10)" if store.kind == "sqlite" else "chr(10)"
    store.sql(f"UPDATE instances SET edition = 'we\"ird\\' || {newline} || 'one' "
              "WHERE id = 'MQ_0000000'")
    expected = {("we\"ird\\\none", "active"): 1, ("enterprise_platinum", "active"): 1}
    if store.kind == "sqlite":
        store.sql("UPDATE instances SET lifecycle = CAST(X'ff41' AS TEXT) "
                  "WHERE id = 'MQ_0000001'")
        expected = {("we\"ird\\\none", "active"): 1, ("enterprise_platinum", "\ufffdA"): 1}
    out = run(["fleet", "stats", store.uri, "--format", "prometheus"], check=0).stdout
    assert 'edition="we\\"ird\\\\\\none"' in out
    assert instances_by_state(parse(out)) == expected


def test_stats_format_must_be_known(store):
    bad = run(["fleet", "stats", store.uri, "--format", "openmetrics"], check=2)
    assert "unknown format 'openmetrics' (one of: text, json, prometheus)" in bad.stderr


# ---------------------------------------------------------------------------
# fleet run --metrics-file: the counters of the process


class FileWatcher(threading.Thread):
    """Reads the metrics file over and over while the service runs; every
    read must be a whole document (the file is replaced by a rename, never
    written in place)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.reads = 0
        self.contents = set()
        self.bad = []

    def run(self):
        while not self.stop.is_set():
            try:
                with open(self.path) as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            self.reads += 1
            if text in self.contents:
                continue
            self.contents.add(text)
            try:
                families = parse(text)
                assert sorted(families) == sorted(GAUGES + PROCESS)
                assert text.endswith("\n") and text.splitlines()[-1].startswith(
                    "edition_fleet_start_time_seconds ")
            except Exception as e:  # noqa: BLE001 - kept and reported by the test
                self.bad.append((repr(e), text))


def dispatched(families, outcome):
    return value(families, "edition_fleet_effects_dispatched",
                 "edition_fleet_effects_dispatched_total", outcome=outcome)


def test_run_metrics_file_counts_ticks_deliveries_and_failures(store, scratch, tmp_path):
    """fleet run --metrics-file: instances ticked, deliveries by outcome,
    failed attempts, the handler's duration histogram (one observation per
    delivery, cumulative buckets) and the database's gauges; the file is
    written at the start and after each cycle, replaced atomically: read
    over and over during the run, every read parses whole."""
    run(["fleet", "add", store.uri, *make_states(scratch, 3)], check=0)
    metrics = tmp_path / "fleet.prom"
    # every delivery of MQ_0000001 fails: retried once, then failed for good
    handler = ('read -r doc || exit 1; sleep 0.02; '
               '[ "$EDITION_EFFECT_INSTANCE" != MQ_0000001 ] || exit 3')
    watcher = FileWatcher(str(metrics))
    watcher.start()
    started = time.time()
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", handler,
                             "--poll", "1", "--max-attempts", "2", "--backoff", "0",
                             "--metrics-file", str(metrics)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # each instance is ticked by the clock, expired and released: 4
        # effects; MQ_0000001's first fails and holds back its 3 others
        wait_for("the effects done and failed", lambda: count(
            store, "SELECT COUNT(*) FROM effects WHERE state = 'done'") == 8 and count(
            store, "SELECT COUNT(*) FROM effects WHERE state = 'failed'") == 1)

        def file_caught_up():
            try:
                fam = parse(metrics.read_text())
            except (FileNotFoundError, ValueError):
                return False
            return dispatched(fam, "done") == 8 and dispatched(fam, "failed") == 1
        wait_for("the metrics file to count them", file_caught_up)
        time.sleep(1.5)  # a few more cycles, each replacing the file under the reader
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        watcher.stop.set()
        watcher.join(timeout=10)
    assert proc.returncode == 0, err
    assert "--metrics-file" not in err, err  # written every time

    assert watcher.bad == [], watcher.bad[0]
    assert watcher.reads > 10 and len(watcher.contents) >= 2, (watcher.reads,
                                                               len(watcher.contents))
    assert glob.glob(f"{metrics}.tmp.*") == []  # no temporary file left behind

    families = parse(metrics.read_text())
    # one tick by the clock takes each instance through its expiry and its
    # release (revision 0 to 2): 3 instances ticked
    assert store.sql("SELECT DISTINCT revision FROM instances") in ([(2,)], [("2",)])
    assert value(families, "edition_fleet_instances_ticked",
                 "edition_fleet_instances_ticked_total") == 3
    assert dispatched(families, "done") == 8
    assert dispatched(families, "retry") == 1
    assert dispatched(families, "failed") == 1
    assert value(families, "edition_fleet_attempts_failed",
                 "edition_fleet_attempts_failed_total") == 2

    hist = "edition_fleet_handler_duration_seconds"
    buckets = [(float(s.labels["le"]), s.value) for s in families[hist].samples
               if s.name == hist + "_bucket"]
    assert [le for le, _ in buckets] == sorted(le for le, _ in buckets)
    assert buckets[0][0] == 0.005 and buckets[-1][0] == float("inf")
    assert 60.0 in [le for le, _ in buckets]
    counts = [c for _, c in buckets]
    assert counts == sorted(counts), "buckets are cumulative"
    deliveries = 10
    assert value(families, hist, hist + "_count") == deliveries == counts[-1]
    # each handler sleeps 20 ms: none is in the 5 ms bucket, and together
    # they took about 0.2 s or more, less than the run
    assert counts[0] == 0
    assert 0.15 <= value(families, hist, hist + "_sum") < time.time() - started

    start = value(families, "edition_fleet_start_time_seconds")
    assert int(started) - 1 <= start <= time.time()

    assert instances_by_state(families) == {("enterprise_platinum", "released"): 3}
    assert value(families, "edition_fleet_instances_due") == 0
    assert value(families, "edition_fleet_effects", state="done") == 8
    assert value(families, "edition_fleet_effects", state="failed") == 1
    assert value(families, "edition_fleet_effects", state="pending") == 3
    assert value(families, "edition_fleet_effects_blocked") == 3
    age = value(families, "edition_fleet_oldest_pending_effect_age_seconds")
    assert 0 <= age <= time.time() - started + 1


def test_run_metrics_file_that_cannot_be_written_is_a_warning(store, scratch, tmp_path):
    """A metrics file in a folder that does not exist: one warning naming
    the path and the reason, and the service goes on ticking and
    dispatching, and exits 0 on SIGTERM."""
    run(["fleet", "add", store.uri, *make_states(scratch, 1)], check=0)
    metrics = tmp_path / "missing" / "fleet.prom"
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", "cat > /dev/null",
                             "--poll", "1", "--metrics-file", str(metrics)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("the effects done", lambda: count(
            store, "SELECT COUNT(*) FROM effects WHERE state = 'done'") == 4)
        time.sleep(1.2)  # another cycle: its failure is not told again
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    warnings = [line for line in err.splitlines() if "--metrics-file" in line]
    assert len(warnings) == 1, err
    assert warnings[0].startswith("edition: warning: ")
    assert str(metrics) in warnings[0] and "No such file or directory" in warnings[0]


def test_run_metrics_file_written_at_start(store, tmp_path):
    """Before any work: the file is there with the counters at 0."""
    metrics = tmp_path / "fleet.prom"
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", "true",
                             "--poll", "60", "--metrics-file", str(metrics)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("the metrics file", metrics.exists)
        families = parse(metrics.read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert sorted(families) == sorted(GAUGES + PROCESS)
    assert value(families, "edition_fleet_instances_ticked",
                 "edition_fleet_instances_ticked_total") == 0
    for outcome in ("done", "retry", "failed"):
        assert dispatched(families, outcome) == 0
    hist = "edition_fleet_handler_duration_seconds"
    assert value(families, hist, hist + "_count") == 0
    assert value(families, hist, hist + "_bucket", le="+Inf") == 0
