"""Crash-safe writes of `edition apply` (docs/reliability.md).

Kills `edition apply` at every stage of its write sequence, and at random
moments, many times over, and checks after each crash that nothing was
lost:

* the state file is byte for byte either the old snapshot or the new one,
  and `edition check` accepts it;
* the effects file holds only whole YAML documents (a torn write, which only
  a power cut can cause and the `mid-effects` stage simulates, is the one
  exception, and the next run repairs it);
* the effects are written before the state: a new state implies its effects
  are in the file (at least once; the host deduplicates by key);
* a *different* command run next (the case that once gave one key two
  effects) drops the crashed run's effects, whose revision the state never
  reached, before it writes its own: afterwards no key names two different
  effects, every effect's revision is at most the state's, and the log is
  byte for byte the log of the same commands run without a crash;
* running the crashed command again finishes the job.

Two ways to crash:
* a fault point (EDITION_TEST_FAULT) at each stage, either aborting there or
  stopping there (EDITION_TEST_FAULT_MODE=stop) to be killed with SIGKILL;
* SIGKILL after a random delay while a large state file is written.
"""
import os
import pathlib
import random
import signal
import subprocess
import time

import pytest
import yaml

EDITION = os.environ["EDITION"]
# libyaml's parser through PyYAML: the large files here are slow in pure Python
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NOW = "2026-02-01T00:00:00Z"
STAGES = ["after-lock", "mid-effects", "after-effects", "after-temp-write", "before-rename",
          "after-rename"]

BASE = """libedition: 1
instance:
  id: MQ_INST_1380156306793859_BXq3ZzKs
  endpoint: http://mq.example:8080
  edition: standard
  created_at: 2026-01-01T00:00:00Z
  topics: [{topics}]
  groups: [GID_billing, GID_audit]
"""

# Commands that change the snapshot and produce effects (apply writes both).
COMMANDS = [
    ["upgrade", "--period-months", "1"],
    ["upgrade", "--period-months", "12"],
    ["add_topic", "--name", "invoices"],
    ["add_group", "--name", "GID_new"],
    ["remove_topic", "--name", "orders"],
    ["remove_group", "--name", "GID_audit"],
]

# The different command run after a crash of each one: accepted on the old
# state, so that it takes the revision the crashed run had written effects
# for, and never the same command.
FOLLOW_UP = {
    "upgrade": ["add_topic", "--name", "invoices"],
    "add_topic": ["add_group", "--name", "GID_new"],
    "add_group": ["remove_topic", "--name", "orders"],
    "remove_topic": ["add_topic", "--name", "invoices"],
    "remove_group": ["add_group", "--name", "GID_new"],
}


def edition(*args, env=None):
    full = dict(os.environ)
    full.pop("EDITION_TEST_FAULT", None)
    full.pop("EDITION_TEST_FAULT_MODE", None)
    full.update(env or {})
    return subprocess.run([EDITION, *args], capture_output=True, text=True, env=full,
                          timeout=120)


def whole_documents(path):
    """The effects documents of the file, each checked to be complete."""
    if not path.exists():
        return []
    text = path.read_text()
    assert text == "" or text.endswith("...\n"), "effects file ends inside a document"
    docs = [d for d in yaml.load_all(text, Loader=LOADER) if d is not None]
    for d in docs:
        assert d["libedition"] == 1 and isinstance(d["effects"], list) and d["effects"]
    assert text.count("\n...\n") + text.startswith("...\n") == len(docs)
    return docs


def keys(docs):
    return [e["key"] for d in docs for e in d["effects"]]


def revision_of(state_text):
    return yaml.load(state_text, Loader=LOADER)["instance"].get("revision", 0)


def check_log_is_committed(state_text, docs):
    """No key names two different effects; every effect belongs to a
    revision the state reached; documents follow revision order."""
    by_key = {}
    for d in docs:
        for e in d["effects"]:
            assert by_key.setdefault(e["key"], e) == e, f"key {e['key']} names two effects"
    revisions = [int(d["effects"][0]["key"].split("/")[1]) for d in docs]
    for d, rev in zip(docs, revisions):
        assert {int(e["key"].split("/")[1]) for e in d["effects"]} == {rev}
    assert revisions == sorted(set(revisions)), revisions
    assert all(r <= revision_of(state_text) for r in revisions), \
        (revisions, revision_of(state_text))


def expected_outcome(tmp, state_text, command):
    """The state bytes and effect keys of an uncrashed run."""
    ref = tmp / "reference"
    ref.mkdir()
    (ref / "state.yaml").write_text(state_text)
    r = edition("apply", str(ref / "state.yaml"), *command, "--now", NOW,
                "--effects-out", str(ref / "effects.yaml"))
    assert r.returncode == 0, r.stderr
    return (ref / "state.yaml").read_text(), keys(whole_documents(ref / "effects.yaml"))


REFERENCES = {}


def reference_run(state_text, commands):
    """State and effects log after `commands`, run in order without a crash
    (each accepted or refused), in a scratch directory; cached."""
    key = (state_text, tuple(map(tuple, commands)))
    if key not in REFERENCES:
        ref = pathlib.Path(REFERENCE_DIR[0]) / f"ref{len(REFERENCES)}"
        ref.mkdir()
        (ref / "state.yaml").write_text(state_text)
        for c in commands:
            r = edition("apply", str(ref / "state.yaml"), *c, "--now", NOW,
                        "--effects-out", str(ref / "effects.yaml"))
            assert r.returncode in (0, 1), r.stderr
        log = ref / "effects.yaml"
        REFERENCES[key] = ((ref / "state.yaml").read_text(),
                           log.read_text() if log.exists() else "")
    return REFERENCES[key]


REFERENCE_DIR = []


@pytest.fixture(autouse=True)
def reference_dir(tmp_path_factory):
    if not REFERENCE_DIR:
        REFERENCE_DIR.append(str(tmp_path_factory.mktemp("references")))


def check_after_crash(work, old, new, new_keys, torn_allowed=False):
    state, effects = work / "state.yaml", work / "effects.yaml"
    command = COMMAND_OF[work]
    follow_up = FOLLOW_UP[command[0]]
    now_text = state.read_text()
    assert now_text in (old, new), "the state file is neither the old nor the new snapshot"
    assert edition("check", str(state)).returncode == 0
    if torn_allowed and effects.exists() and not effects.read_text().endswith("...\n"):
        docs = None
    else:
        docs = whole_documents(effects)
        if now_text == new:
            assert keys(docs) == new_keys, "the state moved on without its effects"
        else:
            # the crashed run's effects may be there, above the state's revision
            assert keys(docs) in ([], new_keys)
    # a different command next: it must not leave the crashed run's effects
    # under the keys of its own revision
    r = edition("apply", str(state), *follow_up, "--now", NOW, "--effects-out", str(effects))
    assert r.returncode in (0, 1), r.stderr
    if now_text == old:
        assert r.returncode == 0, r.stderr
    check_log_is_committed(state.read_text(), whole_documents(effects))
    # then the crashed command again: done exactly once in the state
    r = edition("apply", str(state), *command, "--now", NOW, "--effects-out", str(effects))
    if now_text == new:
        assert r.returncode == 1, "the repeated command should be refused on the new state"
    else:
        assert r.returncode == 0, r.stderr
    check_log_is_committed(state.read_text(), whole_documents(effects))
    # the same as the same commands without a crash, byte for byte
    ran = [command, follow_up, command] if now_text == new else [follow_up, command]
    ref_state, ref_log = reference_run(old, ran)
    assert state.read_text() == ref_state
    assert (effects.read_text() if effects.exists() else "") == ref_log
    return docs


COMMAND_OF = {}


def crash_at(tmp, state_text, command, stage, mode):
    old = state_text
    new, new_keys = expected_outcome(tmp, state_text, command)
    work = tmp / "work"
    work.mkdir()
    (work / "state.yaml").write_text(old)
    COMMAND_OF[work] = command
    env = {"EDITION_TEST_FAULT": stage}
    args = [EDITION, "apply", str(work / "state.yaml"), *command, "--now", NOW,
            "--effects-out", str(work / "effects.yaml")]
    if mode == "abort":
        r = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env},
                           timeout=60)
        assert r.returncode < 0 and -r.returncode == signal.SIGABRT, r.stderr
    else:
        p = subprocess.Popen(args, env={**os.environ, **env, "EDITION_TEST_FAULT_MODE": "stop"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait until it has stopped itself at the stage, then kill it there
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pid, status = os.waitpid(p.pid, os.WUNTRACED | os.WNOHANG)
            if pid and os.WIFSTOPPED(status):
                break
            assert not pid, "edition ended before reaching the stage"
            time.sleep(0.001)
        else:
            pytest.fail(f"edition never reached {stage}")
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert p.returncode == -signal.SIGKILL
    check_after_crash(work, old, new, new_keys, torn_allowed=(stage == "mid-effects"))


small_state = BASE.format(topics="orders, payments")

# A torn write needs a power cut, not a signal: mid-effects is crashed by
# abort only. Every other stage both ways.
CASES = [(c, s, m) for c in range(len(COMMANDS)) for s in STAGES for m in ("abort", "stop")
         if not (s == "mid-effects" and m == "stop")]


@pytest.mark.parametrize("command,stage,mode", CASES,
                         ids=[f"{COMMANDS[c][0]}{c}-{s}-{m}" for c, s, m in CASES])
def test_crash_at_each_stage_keeps_old_or_new_state(tmp_path, command, stage, mode):
    crash_at(tmp_path, small_state, COMMANDS[command], stage, mode)


KILL_RUNS = int(os.environ.get("EDITION_CRASH_KILL_RUNS", "24"))


def start_apply(work, command):
    """`edition apply` of command to work/state.yaml, its effects to
    work/effects.yaml, started and not waited for."""
    return subprocess.Popen([EDITION, "apply", str(work / "state.yaml"), *command,
                             "--now", NOW, "--effects-out", str(work / "effects.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def apply_seconds(tmp, state_text, command, runs=3):
    """How long an uncrashed `edition apply` takes, from Popen to its exit
    (the window the kills below aim at): the median of a few runs."""
    took = []
    for i in range(runs):
        work = tmp / f"timed{i}"
        work.mkdir()
        (work / "state.yaml").write_text(state_text)
        start = time.monotonic()
        assert start_apply(work, command).wait() == 0
        took.append(time.monotonic() - start)
    return sorted(took)[runs // 2]


def test_sigkill_at_random_moments_never_loses_data(tmp_path):
    """A large state (2,000 topics) takes long enough to write that random
    kills land everywhere in the sequence, from reading to renaming. After
    each kill a different command runs first (see check_after_crash).

    The kills are spread over twice what an uncrashed run takes (a run
    between the kills' checks was measured slower than the same run
    alone): kill i of n at a random moment of the i-th n-th of that
    window, so the first land before anything is written and the last
    after the rename."""
    rng = random.Random(int(os.environ.get("ED_SEED", "20261127")))
    big = BASE.format(topics=", ".join(f"topic-{i:05d}" for i in range(2000)))
    new, new_keys = expected_outcome(tmp_path, big, COMMANDS[0])
    window = apply_seconds(tmp_path, big, COMMANDS[0]) * 2
    outcomes = {"old": 0, "new": 0}
    for i in range(KILL_RUNS):
        work = tmp_path / f"kill{i}"
        work.mkdir()
        (work / "state.yaml").write_text(big)
        COMMAND_OF[work] = COMMANDS[0]
        p = start_apply(work, COMMANDS[0])
        time.sleep((i + rng.random()) / KILL_RUNS * window)
        p.send_signal(signal.SIGKILL)
        p.wait()
        outcomes["new" if (work / "state.yaml").read_text() == new else "old"] += 1
        check_after_crash(work, big, new, new_keys)
    print(f"{KILL_RUNS} random SIGKILLs within {window * 1000:.0f} ms: "
          f"state old {outcomes['old']}, new {outcomes['new']}")
    # the kills must have landed on both sides of the rename to mean anything
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
