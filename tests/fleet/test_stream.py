"""Streaming handlers (docs/fleet.md, "Streaming handlers"): `fleet
dispatch --exec-stream` and `fleet run --exec-stream` keep one handler per
worker, write an effect a line to it and read a reply a line from it, with
the guarantees of --exec. Each test runs on SQLite and on PostgreSQL; the
crash test with streaming handlers is test_fleet.py's test_crashes[stream].
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import CI, DUE_AT, EDITION, RELEASE_AT, make_states, run
from test_fleet import read_log

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "fleet"

# A streaming handler that records every delivery as HANDLER of test_fleet
# does (a file per delivery, published by a rename), then replies. The key
# is cut out of the document's first field without a JSON tool, as
# examples/fleet/stream-handler.sh does. {before} runs first, with $key set.
STREAM_RECORDER = (
    'while IFS= read -r doc; do '
    'rest=${{doc#\'{{"key":"\'}}; key=${{rest%%\'","kind":\'*}}; '
    '{before} '
    't=$(mktemp {log}.XXXXXXXX) && printf "%s\\t%s\\n" "$key" "$doc" > "$t" && '
    'mv "$t" "$t.done" && printf \'{{"key":"%s","ok":true}}\\n\' "$key"; done')


def recorder(log, before=":;"):
    return STREAM_RECORDER.format(log=log, before=before)


def fleet(store, scratch, count):
    """`count` instances ticked twice: four effects each, in key order
    1/0, 1/1, 1/2, 2/0 (the last one ready when the first three are done)."""
    run(["fleet", "add", store.uri, *make_states(scratch, count)], check=0)
    run(["fleet", "tick", store.uri, "--now", DUE_AT], check=0)
    run(["fleet", "tick", store.uri, "--now", RELEASE_AT], check=0)
    return sorted(k for (k,) in store.sql("SELECT key FROM effects"))


def states(store):
    return dict(store.sql("SELECT key, state FROM effects"))


def attempts(store, key):
    return json.loads(run(["fleet", "attempts", store.uri, key, "--format", "json"],
                          check=0).stdout)


def events(stderr, name):
    return [line for line in stderr.splitlines() if f"event={name} " in line]


def test_exec_stream_excludes_exec_and_one_is_needed(store):
    for sub in ("dispatch", "run"):
        both = run(["fleet", sub, store.uri, "--exec", "true", "--exec-stream", "cat"], check=2)
        assert "--exec and --exec-stream exclude each other" in both.stderr
        neither = run(["fleet", sub, store.uri], check=2)
        assert "needs --exec CMD or --exec-stream CMD" in neither.stderr


def test_stream_delivers_exactly_once_in_instance_order(store, tmp_path, scratch):
    """Several workers, one handler each: every effect delivered once (no
    crash here), with its document, the effects of an instance in key
    order, and no fork per effect: one handler_started per worker."""
    keys = fleet(store, scratch, 30)
    log = tmp_path / "deliveries"
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", recorder(log), "--workers", "4"],
               check=0)
    assert proc.stdout.startswith(f"dispatched {len(keys)} effects, 0 retries scheduled, 0 failed")
    started = events(proc.stderr, "handler_started")
    assert 1 <= len(started) <= 4, started
    assert len(events(proc.stderr, "handler_exited")) == len(started)
    assert all("reason=stopping exit_status=0" in line
               for line in events(proc.stderr, "handler_exited"))
    delivered = read_log(log)
    docs = dict(store.sql("SELECT key, document FROM effects"))
    assert sorted(k for k, _ in delivered) == keys  # each once
    assert all(doc == docs[k] for k, doc in delivered)
    for i in range(30):
        mine = [k for k, _ in delivered if k.startswith(f"MQ_{i:07d}/")]
        assert mine == [f"MQ_{i:07d}/{s}" for s in ("1/0", "1/1", "1/2", "2/0")]
    assert set(states(store).values()) == {"done"}
    done = attempts(store, keys[0])
    assert [a["outcome"] for a in done] == ["done"]


def test_stream_handler_that_exits_fails_its_attempt_and_is_restarted(store, tmp_path, scratch):
    """A handler that exits with an effect in hand fails that attempt with
    its exit status and what it wrote to standard error, and is started
    again; the effect is delivered again and done."""
    keys = fleet(store, scratch, 3)
    log = tmp_path / "deliveries"
    gone = tmp_path / "gone"
    before = (f'if [ "$key" = MQ_0000001/1/1 ] && [ ! -e {gone} ]; then : > {gone}; '
              'echo "lost the control plane" >&2; exit 3; fi;')
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", recorder(log, before),
                "--backoff", "0", "--workers", "2"], check=0)
    assert proc.stdout.startswith(f"dispatched {len(keys)} effects, 1 retries scheduled")
    exited = [line for line in events(proc.stderr, "handler_exited") if "level=warn" in line]
    assert len(exited) == 1 and "exit_status=3" in exited[0], proc.stderr
    assert len(events(proc.stderr, "handler_restarting")) == 1
    assert len(events(proc.stderr, "handler_started")) >= 2
    first, second = attempts(store, "MQ_0000001/1/1")
    assert first["outcome"] == "retry" and first["exit_status"] == 3, first
    assert "the stream handler exited with status 3 before replying" in first["error"]
    assert first["stderr"] == "lost the control plane\\n"
    assert second["outcome"] == "done"
    assert set(states(store).values()) == {"done"}
    assert sorted(k for k, _ in read_log(log)) == keys


def test_stream_handler_that_hangs_is_killed_at_timeout(store, tmp_path, scratch):
    """No reply within --timeout: the handler's whole process group is
    killed (the sleep it started too), the attempt fails with signal 9, and
    a new handler carries on."""
    keys = fleet(store, scratch, 2)
    log = tmp_path / "deliveries"
    hung = tmp_path / "hung"
    pidfile = tmp_path / "sleeper"
    before = (f'if [ "$key" = MQ_0000000/1/0 ] && [ ! -e {hung} ]; then : > {hung}; '
              f'sh -c "echo \\$\\$ > {pidfile}; exec sleep 60" & wait; fi;')
    started = time.time()
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", recorder(log, before),
                "--timeout", "1", "--lease", "3", "--backoff", "0"], check=0)
    assert time.time() - started < 30
    first, second = attempts(store, "MQ_0000000/1/0")
    assert first["outcome"] == "retry" and first["signal"] == 9, first
    assert "the stream handler gave no reply within --timeout 1s and was killed" in first["error"]
    assert second["outcome"] == "done"
    assert "reason=\"no reply within --timeout\"" in proc.stderr
    sleeper = int(pidfile.read_text())
    assert not os.path.exists(f"/proc/{sleeper}") or \
        open(f"/proc/{sleeper}/stat").read().split(") ")[1].startswith("Z")
    assert set(states(store).values()) == {"done"}
    assert sorted(k for k, _ in read_log(log)) == keys


@pytest.mark.parametrize("answer,error", [
    ("echo hello", "the stream handler answered something that is not a reply: 'hello'"),
    ('echo \'{"key":"MQ_0000009/1/0","ok":true}\'',
     "the stream handler replied for another key: MQ_0000009/1/0"),
    ('echo \'{"key":"\'"$key"\'","ok":true,"extra":1}\'',
     "the stream handler answered something that is not a reply"),
    ('echo \'{"key":"\'"$key"\'","ok":"yes"}\'',
     "the stream handler answered something that is not a reply"),
])
def test_stream_handler_that_answers_garbage_fails_its_attempt(store, tmp_path, scratch, answer,
                                                               error):
    """A line that is not the reply for the effect in hand (not JSON, the
    wrong key, a field too many, ok not a boolean) fails the attempt with
    what it said, and the handler is killed and started again."""
    keys = fleet(store, scratch, 2)
    log = tmp_path / "deliveries"
    once = tmp_path / "once"
    before = (f'if [ "$key" = MQ_0000001/1/0 ] && [ ! -e {once} ]; then : > {once}; '
              f'{answer}; continue; fi;')
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", recorder(log, before),
                "--backoff", "0"], check=0)
    first, second = attempts(store, "MQ_0000001/1/0")
    assert first["outcome"] == "retry" and error in first["error"], first
    assert second["outcome"] == "done"
    assert any("reason=\"not a reply\"" in line for line in events(proc.stderr, "handler_exited"))
    assert len(events(proc.stderr, "handler_restarting")) == 1
    assert set(states(store).values()) == {"done"}
    assert sorted(k for k, _ in read_log(log)) == keys


def test_stream_reply_not_ok_fails_the_attempt_with_its_error(store, tmp_path, scratch):
    """{"ok": false, "error": ...}: the attempt fails with the error and the
    standard error written since the previous reply; the handler goes on
    (no restart), and after --max-attempts the effect is failed."""
    fleet(store, scratch, 1)
    handler = ('while IFS= read -r doc; do rest=${doc#\'{"key":"\'}; '
               'key=${rest%%\'","kind":\'*}; echo "no route to $key" >&2; '
               'printf \'{"key":"%s","ok":false,"error":"unreachable \\\\"cp\\\\""}\\n\' "$key"; '
               'done')
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", handler, "--max-attempts", "2",
                "--backoff", "0"], check=1)
    assert len(events(proc.stderr, "handler_started")) == 1
    assert events(proc.stderr, "handler_restarting") == []
    tried = attempts(store, "MQ_0000000/1/0")
    assert [a["outcome"] for a in tried] == ["retry", "failed"]
    assert 'the stream handler reported a failure: unreachable "cp" (attempt 2 of 2)' == \
        tried[1]["error"]
    assert tried[1]["stderr"] == "no route to MQ_0000000/1/0\\n"


def test_stream_handler_gets_no_database(store, tmp_path, scratch):
    """EDITION_FLEET_DB is not passed on to the handler."""
    fleet(store, scratch, 1)
    seen = tmp_path / "env"
    env = dict(os.environ, EDITION_FLEET_DB=store.uri)
    handler = (f'env > {seen}; while IFS= read -r doc; do rest=${{doc#\'{{"key":"\'}}; '
               'key=${rest%%\'","kind":\'*}; printf \'{"key":"%s","ok":true}\\n\' "$key"; done')
    run(["fleet", "dispatch", "--exec-stream", handler], env=env, check=0)
    assert "EDITION_FLEET_DB" not in seen.read_text()


def test_stream_handlers_die_with_their_dispatcher(store, tmp_path, scratch):
    """SIGKILL of `fleet run --exec-stream`: its guardians kill the handlers'
    groups (PR_SET_PDEATHSIG), none is left running."""
    fleet(store, scratch, 2)
    pidfile = tmp_path / "pids"
    handler = f'echo $$ >> {pidfile}; exec sleep 300'
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec-stream", handler,
                             "--workers", "2", "--poll", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and (not pidfile.exists() or
                                      len(pidfile.read_text().split()) < 2):
        time.sleep(0.05)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{p}") for p in pids)


def test_run_service_with_streaming_handler(store, tmp_path, scratch):
    """fleet run --exec-stream: ticks by the clock, delivers through the
    handlers it keeps, and stops them at SIGTERM."""
    run(["fleet", "add", store.uri, *make_states(scratch, 5)], check=0)
    log = tmp_path / "deliveries"
    proc = subprocess.Popen([EDITION, "fleet", "run", store.uri, "--exec-stream", recorder(log),
                             "--poll", "1", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    done = 0
    while time.time() < deadline:
        done = int(store.scalar("SELECT COUNT(*) FROM effects WHERE state = 'done'"))
        if done == 20:
            break
        time.sleep(0.2)
    assert done == 20
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert len(read_log(log)) == 20
    assert len(events(err, "handler_started")) == len(events(err, "handler_exited")) >= 1


# ---------------------------------------------------------------------------
# The examples


def go_command():
    found = shutil.which("go") or ("/usr/local/go/bin/go"
                                   if os.access("/usr/local/go/bin/go", os.X_OK) else None)
    if not found:
        if CI:
            pytest.fail("go is not installed and CI=true")
        pytest.skip("go is not installed")
    return found


@pytest.mark.parametrize("example", ["sh", "python", "go"])
def test_example_stream_handler_delivers_every_effect(store, tmp_path, scratch, example):
    keys = fleet(store, scratch, 10)
    env = dict(os.environ)
    if example == "sh":
        cmd = str(EXAMPLES / "stream-handler.sh")
    elif example == "python":
        cmd = f"python3 {EXAMPLES / 'stream_handler.py'}"
    else:
        go = go_command()
        # offline: no module proxy, no toolchain download
        env.update(GOPROXY="off", GOTOOLCHAIN="local", GOFLAGS="-mod=mod")
        env.setdefault("GOCACHE", str(pathlib.Path(os.environ.get("HOME", "/root")) /
                                      ".cache" / "go-build"))
        cmd = f"cd {EXAMPLES / 'stream-handler-go'} && exec {go} run ."
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", cmd, "--workers", "2"],
               env=env, check=0)
    assert proc.stdout.startswith(f"dispatched {len(keys)} effects, 0 retries scheduled, 0 failed"), \
        proc.stderr
    assert states(store) == {k: "done" for k in keys}


# A streaming handler in Python that reads what its standard input holds
# (after a pause, so that lines pile up), records the most complete lines it
# read at once in {most}, then answers them all in order. With {crash}
# naming a file that does not exist yet, the first time it holds several
# lines it creates it and exits with status 3 instead, answering none.
CHUNK_HANDLER = r'''
import os, sys, time
most, crash = sys.argv[1], sys.argv[2]
buf = b""
while True:
    time.sleep(0.05)
    data = os.read(0, 65536)
    if not data:
        break
    buf += data
    *lines, buf = buf.split(b"\n")
    if len(lines) > int(open(most).read() or 0):
        with open(most, "w") as f:
            f.write(str(len(lines)))
    if crash != "-" and len(lines) > 1 and not os.path.exists(crash):
        open(crash, "w").close()
        sys.stderr.write("gone with %d in hand\n" % len(lines))
        sys.exit(3)
    for line in lines:
        key = line[8:line.index(b'"', 8)].decode()
        sys.stdout.write('{"key":"%s","ok":true}\n' % key)
    sys.stdout.flush()
'''


def chunk_handler(tmp_path, crash="-"):
    script = tmp_path / "chunk_handler.py"
    script.write_text(CHUNK_HANDLER)
    most = tmp_path / "most"
    most.write_text("0")
    return f"python3 {script} {most} {crash}", most


def test_stream_pipelines_effects_and_answers_in_order(store, tmp_path, scratch):
    """A worker writes several effects to its handler without waiting for
    the replies: the handler reads more than one line at once, answers them
    in order, and each effect is done once."""
    keys = fleet(store, scratch, 30)
    cmd, most = chunk_handler(tmp_path)
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", cmd, "--workers", "2"], check=0)
    assert proc.stdout.startswith(f"dispatched {len(keys)} effects, 0 retries scheduled, 0 failed")
    assert int(most.read_text()) > 1
    assert set(states(store).values()) == {"done"}
    for key in keys:
        assert [a["outcome"] for a in attempts(store, key)] == ["done"], key


def test_stream_handler_gone_with_several_in_flight_fails_them_all(store, tmp_path, scratch):
    """A handler that exits holding several effects fails the attempt of
    each (the oldest with its exit status, the others as in flight behind
    it); they are delivered again, none lost and none done twice."""
    keys = fleet(store, scratch, 30)
    crash = tmp_path / "crashed"
    cmd, most = chunk_handler(tmp_path, crash)
    proc = run(["fleet", "dispatch", store.uri, "--exec-stream", cmd, "--workers", "1",
                "--backoff", "0"], check=0)
    assert crash.exists()
    assert set(states(store).values()) == {"done"}
    failed = {}
    for key in keys:
        outcomes = attempts(store, key)
        assert [a["outcome"] for a in outcomes][-1] == "done", key
        assert [a["outcome"] for a in outcomes].count("done") == 1, key
        retries = [a for a in outcomes if a["outcome"] == "retry"]
        assert len(retries) <= 1, key
        if retries:
            failed[key] = retries[0]
    assert len(failed) > 1, proc.stderr
    first = [a for a in failed.values()
             if a["error"].startswith("the stream handler exited with status 3 before replying")]
    behind = [a for a in failed.values()
              if "in flight behind an earlier one (the stream handler exited with status 3"
              in a["error"]]
    assert len(first) == 1 and len(behind) == len(failed) - 1, failed
    assert all(a["exit_status"] == 3 for a in failed.values())
    assert proc.stdout.startswith(f"dispatched {len(keys)} effects, "
                                  f"{len(failed)} retries scheduled, 0 failed"), proc.stdout
