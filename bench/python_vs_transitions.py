#!/usr/bin/env python3
"""Transitions per second through the Python binding (bindings/python) ÷ an
equivalent model written on the `transitions` package, on the same command
sequence, producing the same effect lists (checked before timing).

Run by scripts/bench inside build-bench/venv, where it installs the binding
(`pip install ./bindings/python`) and `transitions`; both are benchmark
dependencies only. Prints one RATIO line (target >= 3).

The sequence repeats, on one Enterprise Platinum instance: set the
post-expiration action to downgrade_to_standard, back to delete_resource
(with its notice), renew by one month (with the expiry timer), add a topic,
remove it: five commands, seven effects, each with its key, kind, subject,
flags, fields and text. The peer keeps the instance in a plain object that a
`transitions.Machine` drives (one state per lifecycle state, each command an
internal transition with a condition and an `after` callback that builds
the effects), which is what a Python user would otherwise write.
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

import libedition as le
from transitions import Machine

UTC = dt.timezone.utc
START = dt.datetime(2026, 1, 1, tzinfo=UTC)
SECOND = dt.timedelta(seconds=1)
CYCLES = 1000
ROUNDS = 7


def fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    m = t.month - 1 + months
    return t.replace(year=t.year + m // 12, month=m % 12 + 1)


# ---- the peer model on `transitions` --------------------------------------

class Effect(tuple):
    """(key, kind, subject_kind, subject, flags, fields, text)"""


class PeerInstance:
    def __init__(self, id_: str, now: dt.datetime, months: int) -> None:
        self.id = id_
        self.revision = 0
        self.updated_at = now
        self.expires_at = add_months(now, months)
        self.action = "delete_resource"
        self.topics: list[str] = []
        self.topic_set: set[str] = set()
        self.effects: list[tuple] = []
        self.machine = Machine(model=self, states=["active", "expired", "released"],
                               initial="active", auto_transitions=False,
                               send_event=True)
        for trigger, cb in (("set_action", "_on_set_action"), ("renew", "_on_renew"),
                            ("add_topic", "_on_add_topic"),
                            ("remove_topic", "_on_remove_topic")):
            self.machine.add_transition(trigger, "active", None, conditions="_in_time",
                                        after=cb)

    # the preconditions every command shares
    def _in_time(self, ev) -> bool:
        return ev.kwargs["now"] >= self.updated_at

    def _next(self, ev) -> None:
        self.revision += 1
        self.updated_at = ev.kwargs["now"]
        self.effects = []

    def _emit(self, kind: str, subject_kind: str, subject: str, flags: int, fields: dict,
              text: str) -> None:
        key = "%s/%d/%d" % (self.id, self.revision, len(self.effects))
        self.effects.append((key, kind, subject_kind, subject, flags, fields, text))

    def _on_set_action(self, ev) -> None:
        action = ev.kwargs["action"]
        if action == self.action:
            self.effects = []
            return
        self._next(ev)
        old, self.action = self.action, action
        self._emit("config.post_expiration_action", "instance", self.id, 0,
                   {"from": old, "to": action},
                   "set the post-expiration action from %s to %s" % (old, action))
        if action == "delete_resource":
            self._emit("notice.delete_on_expiry", "instance", self.id, 8,
                       {"at": self.expires_at},
                       "notify: at %s the instance and all its topics and groups will be "
                       "deleted unless the post-expiration action is changed"
                       % fmt(self.expires_at))

    def _on_renew(self, ev) -> None:
        months = ev.kwargs["months"]
        self._next(ev)
        self.expires_at = add_months(self.expires_at, months)
        self._emit("billing.renew", "instance", self.id, 4,
                   {"period_months": months, "expires_at": self.expires_at},
                   "renew the subscription by %d month%s, to %s"
                   % (months, "" if months == 1 else "s", fmt(self.expires_at)))
        self._emit("timer.schedule", "instance", self.id, 0,
                   {"at": self.expires_at, "timer": "expiry"},
                   "schedule the expiry timer at %s" % fmt(self.expires_at))

    def _on_add_topic(self, ev) -> None:
        name = ev.kwargs["name"]
        if name in self.topic_set:
            raise ValueError("exists")
        self._next(ev)
        self.topics.append(name)
        self.topic_set.add(name)
        self._emit("topic.create", "topic", name, 0, {}, "create topic %s" % name)

    def _on_remove_topic(self, ev) -> None:
        name = ev.kwargs["name"]
        if name not in self.topic_set:
            raise ValueError("not found")
        self._next(ev)
        self.topics.remove(name)
        self.topic_set.discard(name)
        self._emit("topic.delete", "topic", name, 1, {},
                   "delete topic %s and its messages" % name)


def run_peer(cycles: int, check: list | None = None) -> int:
    inst = PeerInstance("MQ_PY", START, 1)
    now = START
    n = 0
    for i in range(cycles):
        name = "t-%d" % i
        for step in range(5):
            now = now + SECOND
            if step == 0:
                inst.set_action(now=now, action="downgrade_to_standard")
            elif step == 1:
                inst.set_action(now=now, action="delete_resource")
            elif step == 2:
                inst.renew(now=now, months=1)
            elif step == 3:
                inst.add_topic(now=now, name=name)
            else:
                inst.remove_topic(now=now, name=name)
            if check is not None:
                check.append(list(inst.effects))
            n += 1
    return n


# ---- the same through the binding ------------------------------------------

def norm(e: le.Effect) -> tuple:
    return (e.key, e.kind.value, e.subject_kind.value, e.subject, e.flags.value,
            {f.value: v for f, v in e.fields.items() if f.value != "online"}, e.text)


def run_binding(cycles: int, check: list | None = None) -> int:
    cur = le.Instance.create_enterprise_platinum("MQ_PY", "http://mq", START, period_months=1)
    now = START
    n = 0
    for i in range(cycles):
        name = "t-%d" % i
        for step in range(5):
            now = now + SECOND
            if step == 0:
                r = cur.set_post_expiration_action(now, "downgrade_to_standard")
            elif step == 1:
                r = cur.set_post_expiration_action(now, "delete_resource")
            elif step == 2:
                r = cur.renew(now, 1)
            elif step == 3:
                r = cur.add_topic(now, name)
            else:
                r = cur.remove_topic(now, name)
            if check is not None:
                check.append([norm(e) for e in r.effects])
            cur = r.instance
            n += 1
    return n


def main() -> int:
    mine: list = []
    theirs: list = []
    run_binding(20, mine)
    run_peer(20, theirs)
    if mine != theirs:
        for a, b in zip(mine, theirs):
            if a != b:
                print("python_vs_transitions: effects differ:\n  %r\n  %r" % (a, b),
                      file=sys.stderr)
                break
        return 2
    lib, peer = [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        n = run_binding(CYCLES)
        t1 = time.perf_counter()
        m = run_peer(CYCLES)
        t2 = time.perf_counter()
        lib.append(n / (t1 - t0))
        peer.append(m / (t2 - t1))
    a, b = statistics.median(lib), statistics.median(peer)
    print("python: %.0f transitions/s through the binding, %.0f on `transitions` "
          "(same effects)" % (a, b))
    print("RATIO python_vs_transitions %.2f 3 >=" % (a / b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
