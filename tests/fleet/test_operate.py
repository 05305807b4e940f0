"""Operating the fleet service (docs/fleet.md, "Logs", "What went wrong,
kept"): the event log of run, tick and dispatch in logfmt and JSON, under
journald and on a terminal; each attempt of an effect kept with the
handler's exit status and the end of its standard error; `fleet history`,
`fleet attempts` and `fleet effects --blocked`; what `retry` clears and
what the counts of `tick` and `stats` count. One test per promise, on
SQLite and on PostgreSQL.
"""
import json
import os
import pathlib
import pty
import re
import signal
import subprocess
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import DUE_AT, EDITION, make_states, run

# The effects of an instance of the template ticked at DUE_AT, in key order;
# `fleet run` ticks at the current time, long past the release: one tick
# takes the instance from active to released, with 4 effects.
FIRST, SECOND = "MQ_0000001/1/0", "MQ_0000001/1/1"
LATER = [SECOND, "MQ_0000001/1/2", "MQ_0000001/2/0"]


def parse_logfmt(line):
    """A logfmt line as a dict: key=value or key="quoted \\" value", with
    backslash escapes of `"` and `\\` only (what the fleet writes)."""
    fields, i = {}, 0
    pattern = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^ "=\\]+)( |$)')
    while i < len(line):
        m = pattern.match(line, i)
        assert m, f"not logfmt at column {i}: {line!r}"
        value = m.group(2)
        if value.startswith('"'):
            value = re.sub(r'\\(.)', r'\1', value[1:-1])
        assert m.group(1) not in fields, f"key {m.group(1)} twice: {line!r}"
        fields[m.group(1)] = value
        i = m.end()
    return fields


def events(stderr, fmt="logfmt"):
    """The event lines of standard error (the error lines of the command,
    "edition: ...", are not events)."""
    lines = [l for l in stderr.splitlines() if l and not l.startswith("edition: ")]
    return [json.loads(l) if fmt == "json" else parse_logfmt(l) for l in lines]


def of(evs, name):
    return [e for e in evs if e["event"] == name]


def failing_handler(tmp_path, instance="MQ_0000001", status=7):
    """A handler that fails for one instance with a message on standard
    error, hostile bytes and all, and succeeds for the others."""
    path = tmp_path / "handler.sh"
    path.write_text(
        "#!/bin/sh\n"
        "read -r doc || exit 1\n"
        f'if [ "$EDITION_EFFECT_INSTANCE" = {instance} ]; then\n'
        '  echo "control plane refused $EDITION_EFFECT_KEY: quota exceeded" >&2\n'
        "  printf 'second line \\033[31m\"quoted\" \\\\ end\\n' >&2\n"
        f"  exit {status}\n"
        "fi\n")
    path.chmod(0o755)
    return str(path)


def fleet_of(store, scratch, count=3):
    run(["fleet", "add", store.uri, *make_states(scratch, count)], check=0)


def test_run_logs_every_event_and_keeps_what_went_wrong(store, tmp_path, scratch):
    """The issue's walk-through as a test: fleet run with a handler that
    fails for one instance. The log says what happened, the metrics file
    counts it, the failed effect keeps the handler's standard error, history
    shows its attempts, and effects --blocked names the effect that holds
    the others back."""
    fleet_of(store, scratch)
    handler = failing_handler(tmp_path)
    metrics_file = tmp_path / "edition_fleet.prom"
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", handler, "--poll", "1",
                             "--max-attempts", "2", "--backoff", "1", "--log-format", "json",
                             "--metrics-file", str(metrics_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the instances are due at DUE_AT, long past: the first cycle ticks them
    deadline = time.time() + 60
    while time.time() < deadline:
        stats = json.loads(run(["fleet", "stats", store.uri, "--format", "json"],
                               check=0).stdout)
        if stats["effects"]["failed"] == 1 and stats["effects"]["done"] == 8:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert stats["effects"] == {**stats["effects"], "pending": 3, "done": 8, "failed": 1}, stats
    evs = events(err, "json")
    for e in evs:
        assert set(e) >= {"time", "level", "event"}, e
    started, stopped = of(evs, "started"), of(evs, "stopped")
    assert len(started) == 1 and started[0]["command"] == "run"
    assert started[0]["exec"] == handler and started[0]["max_attempts"] == 2
    if store.kind == "sqlite":
        assert started[0]["db"] == store.uri
    assert len(stopped) == 1 and stopped[0]["reason"] == "signal" and evs[-1] is stopped[0]
    ticked = of(evs, "instance_ticked")
    assert sorted(e["id"] for e in ticked) == ["MQ_0000000", "MQ_0000001", "MQ_0000002"]
    for e in ticked:
        assert (e["from"], e["to"], e["effects_queued"], e["level"]) == (
            "active", "released", 4, "info")
    done = of(evs, "effect_done")
    assert len(done) == 8 and all(e["level"] == "info" and e["duration"] >= 0 for e in done)
    assert {e["key"] for e in done} == {f"MQ_000000{i}/{k}" for i in (0, 2)
                                        for k in ("1/0", "1/1", "1/2", "2/0")}
    failed = of(evs, "attempt_failed")
    assert len(failed) == 1
    f = failed[0]
    assert (f["level"], f["key"], f["attempt"], f["max_attempts"], f["exit_status"]) == (
        "warn", FIRST, 1, 2, 7)
    assert "exited with status 7" in f["reason"] and "next_attempt" in f
    assert f["stderr"].startswith(f"control plane refused {FIRST}: quota exceeded\\n")
    assert "\x1b" not in f["stderr"] and "\\x1b[31m" in f["stderr"]
    dead = of(evs, "effect_failed")
    assert len(dead) == 1 and dead[0]["level"] == "error" and dead[0]["attempt"] == 2
    assert "fleet retry" in dead[0]["action"]

    # the metrics file of the last cycle, parsed as Prometheus parses it
    samples = {}
    for family in text_string_to_metric_families(metrics_file.read_text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    assert samples[("edition_fleet_instances_ticked_total", ())] == 3
    for outcome, count in (("done", 8), ("retry", 1), ("failed", 1)):
        assert samples[("edition_fleet_effects_dispatched_total",
                        (("outcome", outcome),))] == count
    assert samples[("edition_fleet_attempts_failed_total", ())] == 2
    assert samples[("edition_fleet_handler_duration_seconds_count", ())] == 10
    assert samples[("edition_fleet_effects_blocked", ())] == 3
    assert samples[("edition_fleet_effects", (("state", "failed"),))] == 1
    assert samples[("edition_fleet_effects", (("state", "pending"),))] == 3
    assert samples[("edition_fleet_instances", (("edition", "enterprise_platinum"),
                                                ("lifecycle", "released")))] == 3

    # the failed effect's attempts, with the handler's own words
    attempts = json.loads(run(["fleet", "attempts", store.uri, FIRST, "--format", "json"],
                              check=0).stdout)
    assert [a["attempt"] for a in attempts] == [1, 2]
    assert [a["outcome"] for a in attempts] == ["retry", "failed"]
    for a in attempts:
        assert a["exit_status"] == 7 and a["signal"] is None
        assert a["duration_seconds"] is not None and a["duration_seconds"] >= 0
        assert "quota exceeded" in a["stderr"] and "(attempt" in a["error"]
    text = run(["fleet", "attempts", store.uri, FIRST], check=0).stdout
    assert re.search(r"^attempt 2\t\S+Z\t[0-9.]+s\tfailed\texit status 7\t", text, re.M), text
    assert f"  stderr: control plane refused {FIRST}: quota exceeded" in text

    # history: every effect of the instance in key order, with its attempts
    history = json.loads(run(["fleet", "history", store.uri, "MQ_0000001", "--format", "json"],
                             check=0).stdout)
    assert history["instance"] == "MQ_0000001"
    assert [e["key"] for e in history["effects"]] == [FIRST, *LATER]
    assert [e["state"] for e in history["effects"]] == ["failed", "pending", "pending", "pending"]
    assert [len(e["history"]) for e in history["effects"]] == [2, 0, 0, 0]
    assert history["effects"][0]["history"] == attempts
    good = json.loads(run(["fleet", "history", store.uri, "MQ_0000000", "--format", "json"],
                          check=0).stdout)
    assert [e["state"] for e in good["effects"]] == ["done"] * 4
    assert all([a["outcome"] for a in e["history"]] == ["done"] for e in good["effects"])

    # --blocked: the later effects, each held by the failed one
    blocked = json.loads(run(["fleet", "effects", store.uri, "--blocked", "--format", "json"],
                             check=0).stdout)
    assert [(b["key"], b["held_by"]) for b in blocked] == [(k, FIRST) for k in LATER]
    assert "(attempt 2 of 2)" in blocked[0]["held_by_error"]
    text = run(["fleet", "effects", store.uri, "--blocked"], check=0).stdout
    assert text.splitlines()[0].startswith(SECOND) and f"held by {FIRST}: " in text


def test_log_lines_are_logfmt_by_default_with_untrusted_strings_escaped(store, tmp_path,
                                                                         scratch):
    fleet_of(store, scratch, 2)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    proc = run(["fleet", "dispatch", store.uri, "--exec", failing_handler(tmp_path),
                "--max-attempts", "1"], check=1)
    lines = [l for l in proc.stderr.splitlines() if not l.startswith("edition: ")]
    assert lines and all(l.startswith("time=") for l in lines), lines
    evs = events(proc.stderr)
    assert [e["event"] for e in evs][0] == "started" and evs[-1]["event"] == "stopped"
    dead = of(evs, "effect_failed")
    assert len(dead) == 1 and dead[0]["level"] == "error"
    # one line per event, whatever the handler wrote: its newline, escape
    # and quotes are escaped, and the value parses back to the escaped text
    assert dead[0]["stderr"] == (f"control plane refused {FIRST}: quota exceeded\\n"
                                 "second line \\x1b[31m\"quoted\" \\ end\\n")
    assert "\x1b" not in proc.stderr
    assert re.match(r"^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=", lines[0])


def test_journald_gets_priorities_and_no_timestamps(store, tmp_path, scratch):
    """Under systemd (JOURNAL_STREAM naming standard error) the journal
    stamps each line itself: a line starts with its syslog priority."""
    fleet_of(store, scratch, 1)
    log = tmp_path / "stderr"
    with open(log, "w") as err:
        st = os.fstat(err.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        subprocess.run([EDITION, "fleet", "tick", store.uri, "--now", DUE_AT], stderr=err,
                       stdout=subprocess.DEVNULL, env=env, check=True)
    lines = log.read_text().splitlines()
    assert lines[0].startswith("<6>level=info event=started ")
    assert any(l.startswith("<6>level=info event=instance_ticked id=MQ_0000000 ") for l in lines)
    assert not any("time=" in l for l in lines)
    # JOURNAL_STREAM of another file is not the journal
    env = dict(os.environ, JOURNAL_STREAM="1:1")
    proc = subprocess.run([EDITION, "fleet", "tick", store.uri, "--now", DUE_AT],
                          capture_output=True, text=True, env=env, check=True)
    assert proc.stderr.startswith("time=")


def test_colour_only_on_a_terminal(store, scratch):
    fleet_of(store, scratch, 1)
    assert "\x1b[" not in run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0).stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen([EDITION, "fleet", "tick", store.uri, "--now", DUE_AT],
                            stdout=subprocess.DEVNULL, stderr=follower,
                            env=dict(os.environ, TERM="xterm"))
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(leader)
    text = b"".join(chunks).decode()
    assert "level=\x1b[32minfo\x1b[0m event=started" in text, text


def test_quiet_and_verbose_choose_the_levels(store, tmp_path, scratch):
    fleet_of(store, scratch, 2)
    run(["fleet", "tick", store.uri, "--now", DUE_AT, "--quiet"], check=0)
    quiet = run(["fleet", "dispatch", store.uri, "--exec", failing_handler(tmp_path),
                 "--max-attempts", "1", "--quiet"], check=1)
    levels = {e["level"] for e in events(quiet.stderr)}
    assert levels <= {"warn", "error"} and of(events(quiet.stderr), "effect_failed")
    proc = run(["fleet", "tick", store.uri, "--now", DUE_AT, "--quiet"], check=0)
    assert events(proc.stderr) == []
    proc = run(["fleet", "dispatch", store.uri, "--exec", "true", "--verbose", "--quiet"],
               check=2)
    assert "--quiet or --verbose" in proc.stderr
    proc = run(["fleet", "tick", store.uri, "--log-format", "xml"], check=2)
    assert "unknown format 'xml' (one of: logfmt, json)" in proc.stderr


def test_verbose_logs_each_cycle_of_run(store, scratch):
    fleet_of(store, scratch, 1)
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec", "cat >/dev/null",
                             "--poll", "1", "--verbose"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    evs = events(err)
    cycles = of(evs, "cycle")
    assert len(cycles) >= 2 and all(c["level"] == "debug" for c in cycles)
    assert sum(int(c["done"]) for c in cycles) == 4 and sum(int(c["ticked"]) for c in cycles) == 1


def test_release_and_deletion_are_visible_at_the_default_level(store, scratch):
    """The tick that releases an instance (its data deleted) and the
    delivery of its instance.delete are info events, shown by default."""
    fleet_of(store, scratch, 1)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "dispatch", store.uri, "--exec", "cat >/dev/null"], check=0)
    proc = run(["fleet", "tick", store.uri, "--now", "2026-03-01T00:00:00Z"], check=0)
    released = [e for e in of(events(proc.stderr), "instance_ticked") if e["to"] == "released"]
    assert len(released) == 1 and released[0]["id"] == "MQ_0000000"
    proc = run(["fleet", "dispatch", store.uri, "--exec", "cat >/dev/null"], check=0)
    kinds = [e["kind"] for e in of(events(proc.stderr), "effect_done")]
    assert "instance.delete" in kinds, kinds


def test_stderr_keeps_the_last_4_KiB(store, tmp_path, scratch):
    fleet_of(store, scratch, 1)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    handler = tmp_path / "noisy.sh"
    handler.write_text("#!/bin/sh\ncat >/dev/null\n"
                       "i=0; while [ $i -lt 2000 ]; do echo \"line $i\" >&2; i=$((i+1)); done\n"
                       "exit 3\n")
    handler.chmod(0o755)
    run(["fleet", "dispatch", store.uri, "--exec", str(handler), "--max-attempts", "1"], check=1)
    attempts = json.loads(run(["fleet", "attempts", store.uri, "MQ_0000000/1/0", "--format",
                               "json"], check=0).stdout)
    kept = attempts[0]["stderr"]
    assert kept.startswith("[...]") and kept.endswith("line 1999\\n")
    raw = kept[len("[...]"):].replace("\\n", "\n")
    assert len(raw.encode()) == 4096
    assert attempts[0]["exit_status"] == 3


def test_a_signal_is_kept_as_the_signal(store, tmp_path, scratch):
    fleet_of(store, scratch, 1)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "dispatch", store.uri, "--exec", "cat >/dev/null; kill -SEGV $$",
         "--max-attempts", "1"], check=1)
    a = json.loads(run(["fleet", "attempts", store.uri, "MQ_0000000/1/0", "--format", "json"],
                       check=0).stdout)[0]
    assert (a["signal"], a["exit_status"], a["outcome"]) == (11, None, "failed")
    assert "killed by signal 11" in a["error"]


def test_an_expired_lease_is_logged_and_kept(store, tmp_path, scratch):
    """A dispatcher killed in the middle of a delivery: the next one, once
    the lease has ended, says it delivers the effect again, and the lost
    attempt is kept as lease_expired."""
    fleet_of(store, scratch, 1)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    started = tmp_path / "started"
    first = subprocess.Popen([EDITION, "fleet", "dispatch", store.uri, "--exec",
                              f"cat >/dev/null; touch {started}; sleep 30", "--lease", "2",
                              "--timeout", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not started.exists() and time.time() < deadline:
        time.sleep(0.05)
    first.kill()
    first.wait()
    time.sleep(3.2)  # the lease (2 s from the next whole second) ends
    proc = run(["fleet", "dispatch", store.uri, "--exec", "cat >/dev/null"], check=0)
    expired = of(events(proc.stderr), "lease_expired")
    assert len(expired) == 1 and expired[0]["key"] == "MQ_0000000/1/0"
    assert (expired[0]["level"], expired[0]["attempt"], expired[0]["next_attempt"]) == (
        "warn", "1", "2")
    attempts = json.loads(run(["fleet", "attempts", store.uri, "MQ_0000000/1/0", "--format",
                               "json"], check=0).stdout)
    assert [a["outcome"] for a in attempts] == ["lease_expired", "done"]
    assert attempts[0]["duration_seconds"] is None


def test_retry_clears_the_last_error(store, tmp_path, scratch):
    fleet_of(store, scratch, 1)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "dispatch", store.uri, "--exec", failing_handler(tmp_path, "MQ_0000000"),
         "--max-attempts", "1"], check=1)
    run(["fleet", "retry", store.uri, "MQ_0000000/1/0"], check=0)
    effect = json.loads(run(["fleet", "effects", store.uri, "--format", "json"],
                            check=0).stdout)[0]
    assert (effect["state"], effect["attempts"], effect["last_error"]) == ("pending", 0, None)
    text = run(["fleet", "effects", store.uri], check=0).stdout
    assert text.splitlines()[0] == "MQ_0000000/1/0\tpending\tattempts 0\tinstance.suspend"
    # the attempt before the retry stays in the history
    run(["fleet", "dispatch", store.uri, "--exec", "cat >/dev/null"], check=0)
    attempts = json.loads(run(["fleet", "attempts", store.uri, "MQ_0000000/1/0", "--format",
                               "json"], check=0).stdout)
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "failed"), (1, "done")]


def test_tick_counts_the_effects_it_queued(store, scratch):
    """tick says "effects queued" (the new ones), stats "pending" (all not
    yet done): two ticks of 3 effects each, the first 3 still pending."""
    fleet_of(store, scratch, 2)
    out = run(["fleet", "tick", store.uri, "--now", DUE_AT, "--limit", "1"], check=0).stdout
    assert out == "ticked 1 instances, 3 effects queued\n"
    out = run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0).stdout
    assert out == "ticked 1 instances, 3 effects queued\n"
    stats = run(["fleet", "stats", store.uri], check=0).stdout
    assert "effects: pending 6, done 0, failed 0" in stats


def test_history_and_attempts_name_what_is_missing(store):
    proc = run(["fleet", "history", store.uri, "MQ_NONE"], check=1)
    assert "no instance MQ_NONE in the database" in proc.stderr
    proc = run(["fleet", "attempts", store.uri, "MQ_NONE/1/0"], check=1)
    assert "no effect with the key MQ_NONE/1/0 in the database" in proc.stderr


def test_init_of_a_database_not_created_says_how_to_create_it(pg_server):
    """`fleet init` does not create a PostgreSQL database (its role and owner
    are the operator's choice): its error says how."""
    proc = run(["fleet", "init", pg_server.uri("fleet_never_created")], check=4)
    assert 'database "fleet_never_created" does not exist' in proc.stderr
    assert "createdb --owner=ROLE DATABASE" in proc.stderr and "Walkthrough" in proc.stderr
