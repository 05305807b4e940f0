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
* running the command again finishes the job.

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


def expected_outcome(tmp, state_text, command):
    """The state bytes and effect keys of an uncrashed run."""
    ref = tmp / "reference"
    ref.mkdir()
    (ref / "state.yaml").write_text(state_text)
    r = edition("apply", str(ref / "state.yaml"), *command, "--now", NOW,
                "--effects-out", str(ref / "effects.yaml"))
    assert r.returncode == 0, r.stderr
    return (ref / "state.yaml").read_text(), keys(whole_documents(ref / "effects.yaml"))


def check_after_crash(work, old, new, new_keys, torn_allowed=False):
    state, effects = work / "state.yaml", work / "effects.yaml"
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
            assert keys(docs) in ([], new_keys)
    # the command again: done exactly once in the state, the effects whole
    r = edition("apply", str(state), *COMMAND_OF[work], "--now", NOW,
                "--effects-out", str(effects))
    if now_text == new:
        assert r.returncode == 1, "the repeated command should be refused on the new state"
    else:
        assert r.returncode == 0, r.stderr
    assert state.read_text() == new
    assert keys(whole_documents(effects))[-len(new_keys):] == new_keys
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


KILL_RUNS = int(os.environ.get("EDITION_CRASH_KILL_RUNS", "140"))


def test_sigkill_at_random_moments_never_loses_data(tmp_path):
    """A large state (2,000 topics) takes long enough to write that random
    kills land everywhere in the sequence, from reading to renaming."""
    rng = random.Random(int(os.environ.get("ED_SEED", "20261127")))
    big = BASE.format(topics=", ".join(f"topic-{i:05d}" for i in range(2000)))
    start = time.monotonic()
    new, new_keys = expected_outcome(tmp_path, big, COMMANDS[0])
    # an uncrashed apply, process start included, takes this long: kill within it
    duration = (time.monotonic() - start) * 0.8
    outcomes = {"old": 0, "new": 0}
    for i in range(KILL_RUNS):
        work = tmp_path / f"kill{i}"
        work.mkdir()
        (work / "state.yaml").write_text(big)
        COMMAND_OF[work] = COMMANDS[0]
        p = subprocess.Popen([EDITION, "apply", str(work / "state.yaml"), *COMMANDS[0],
                              "--now", NOW, "--effects-out", str(work / "effects.yaml")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        p.send_signal(signal.SIGKILL)
        p.wait()
        outcomes["new" if (work / "state.yaml").read_text() == new else "old"] += 1
        check_after_crash(work, big, new, new_keys)
    print(f"{KILL_RUNS} random SIGKILLs: state old {outcomes['old']}, new {outcomes['new']}")
    # the kills must have landed on both sides of the rename to mean anything
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
