"""Every transition of the exhaustive model check, through the binding and the reference model.

tests/model/explore (the C explorer of docs/verification.md) enumerates
every command sequence to a depth and writes, for each state it reaches,
the state and every letter of its alphabet with the time it is tried at
(``--export``). This test replays each of those transitions through the
binding (so libedition) and through model.py, the independent reference
model, and asserts that they agree on the status, the whole new snapshot,
the effects (kind, key, subject, fields, flags), the would_have effects of a
refused refund and the downgrade plan. A disagreement prints the shortest
path to it as a scenario file for ``edition simulate``.

EDITION_EXPLORER names the explorer (scripts/test sets it in the python
stage); EDITION_EXPLORE_PY_DEPTH the depth (4 by default). Without the
explorer the test is skipped, except in CI, where that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union

import pytest

import libedition as le
import model as m
from conftest import missing
from test_model_vs_library import effect_tuple, snapshot_of

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DEPTH = int(os.environ.get("EDITION_EXPLORE_PY_DEPTH", "4"))
#: an action or mode that names nothing: the binding hands the library -1
UNNAMED = "sideways"


def dt(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


def secs(d: datetime) -> int:
    return (d - EPOCH) // timedelta(seconds=1)


def step_yaml(step: dict[str, Any]) -> str:
    """The step of a scenario file that replays one exported transition."""
    lines = [f"  - at: {dt(step['now']).strftime('%Y-%m-%dT%H:%M:%SZ')}",
             f"    command: {step['command']}"]
    for key, value in step["args"].items():
        if value == "invalid":
            lines.append(f"    # {key}: the explorer passed a value that names nothing, "
                         "which a scenario cannot hold")
        elif isinstance(value, bool):
            lines.append(f"    {key}: {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"    {key}: \"{value}\"")
        else:
            lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


def run_library(inst: le.Instance, now: int, command: str,
                args: dict[str, Any]) -> Union[le.Result, le.EditionError]:
    call = {k: (UNNAMED if v == "invalid" else v) for k, v in args.items()}
    try:
        return getattr(inst, command)(dt(now), **call)  # type: ignore[no-any-return]
    except le.EditionError as err:
        return err


def disagreement(inst: le.Instance, state: m.State, step: dict[str, Any]) -> str:
    """What differs between the library and the model on one transition ("" when nothing)."""
    now, command, args = step["now"], step["command"], step["args"]
    expected = m.apply(state, now, command, **args)
    got = run_library(inst, now, command, args)
    if isinstance(expected, m.Refused):
        if not isinstance(got, le.EditionError):
            return f"the library accepted; the model refuses with {expected.status}"
        if got.code.value != expected.status:
            return f"the library refuses with {got.code.value}; the model with {expected.status}"
        if expected.status == "data_loss_refused":
            assert isinstance(got, le.DataLossRefused)
            would = [effect_tuple(e) for e in got.would_have]
            if would != list(expected.would_have):
                return f"would_have: library {would}, model {list(expected.would_have)}"
        return ""
    if not isinstance(got, le.Result):
        return f"the library refuses with {got.code.value} ({got}); the model accepts"
    snapshot = snapshot_of(got.instance)
    if snapshot != expected.state:
        return f"new snapshot: library {snapshot}, model {expected.state}"
    effects = [effect_tuple(e) for e in got.effects]
    if effects != list(expected.effects):
        return f"effects: library {effects}, model {list(expected.effects)}"
    plan = [(p.command.value, None if p.action is None else p.action.value,
             None if p.at is None else secs(p.at)) for p in got.plan]
    if plan != list(expected.plan):
        return f"plan: library {plan}, model {list(expected.plan)}"
    return ""


def test_reference_model_agrees_on_every_explored_transition(tmp_path: Path) -> None:
    explorer = os.environ.get("EDITION_EXPLORER")
    if not explorer:
        missing("EDITION_EXPLORER (the path of build/tests/model/explore) is not set")
    exported = tmp_path / "transitions.jsonl"
    started = time.monotonic()
    subprocess.run([explorer, "--depth", str(DEPTH), "--export", str(exported)],
                   check=True, stdout=subprocess.DEVNULL)
    states = transitions = 0
    with exported.open() as lines:
        # breadth first: the first disagreement is on a shortest path
        for line in lines:
            rec = json.loads(line)
            inst = le.Instance.load_yaml(json.dumps(rec["state"]))
            state = snapshot_of(inst)
            states += 1
            for step in rec["steps"]:
                transitions += 1
                what = disagreement(inst, state, step)
                if what:
                    pytest.fail(
                        f"the library and the reference model disagree on {step['letter']} at "
                        f"{dt(step['now']).isoformat()}: {what}\nshortest counterexample (a "
                        f"scenario file for edition simulate):\n# {what[:200]}\n"
                        f"{rec['scenario']}{step_yaml(step)}")
    assert states > 0 and transitions > 0
    print(f"\nreference model: {states} states, {transitions} transitions to depth {DEPTH} "
          f"agree ({time.monotonic() - started:.1f} s)")
