"""The binding (and so libedition) against the independent reference model in model.py.

A Hypothesis RuleBasedStateMachine drives one snapshot through random
commands at random times (later, equal, earlier, at and around the next
deadline) and asserts after every step that the library and the model agree
on the status, the whole snapshot, the effects (kind, key, subject, fields,
flags), the would_have effects of a refused refund and the downgrade plan.
It also checks invariant I7 (timer replay) on the library's effects.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Union

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import libedition as le
import model as m
from conftest import COUNTS

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
START = 1_767_571_200  # 2026-01-05T00:00:00Z

TOPICS = ["orders", "payments", "t-1", "ab", "bad name", "GID_x", "x" * 64, "y" * 65]
GROUPS = ["GID_x", "GID-billing", "g1", "a", "orders", "bad/name", "z" * 64]
PERIODS = st.sampled_from([1, 1, 6, 12, 12, 36, 0, 37, -1])
ACTIONS = st.sampled_from(["delete_resource", "downgrade_to_standard"])

# How `now` moves before a command: a jump in seconds, or to the deadline.
# Mostly small steps, so that topics, groups and migrations get exercised
# before an expiry; now and then a long one, a step back, or the deadline.
JUMPS = st.sampled_from(
    [0] * 6 + [1, 60, 3600, 3600, m.DAY, m.DAY, 7 * m.DAY, 31 * m.DAY, 200 * m.DAY, -1, -m.DAY]
    + ["deadline", "deadline-1", "deadline+1"]
)


@st.composite
def loaded_states(draw: st.DrawFn) -> m.State:
    """A valid snapshot of any shape docs/formats.md allows, for the loader to read.

    Covers what commands alone reach rarely: expired snapshots with a
    migration, long-running ones, revisions at the 64-bit limit.
    """
    # Now and then near the end of time, where expiries meet the 9999 bound.
    near_end = draw(st.integers(0, 9)) == 0
    base = m.TIME_MAX - 800 * m.DAY if near_end else START
    created = base - draw(st.integers(0, 400)) * m.DAY
    delay = draw(st.sampled_from([0, 1, 7, 30]))
    topics = tuple(draw(st.lists(st.sampled_from(["orders", "payments", "t-1", "audit"]),
                                 unique=True, max_size=3)))
    groups = tuple(draw(st.lists(st.sampled_from(["GID_x", "GID-billing", "g1"]),
                                 unique=True, max_size=2)))
    revision = draw(st.one_of(st.integers(0, 1000), st.just(2**64 - 1), st.just(2**64 - 2)))
    migrating = draw(st.booleans())
    if draw(st.booleans()):
        updated = created + draw(st.integers(0, 30)) * m.DAY
        mig = m.Mig("dedicated", "shared", updated) if migrating else None
        return m.State("MQ_INST_L", "http://mq.example.com:8080", None, m.STANDARD, m.ACTIVE,
                       revision, created, updated, delay, None, None, mig, topics, groups)
    started = created + draw(st.integers(0, 30)) * m.DAY
    period = draw(st.integers(1, 36))
    expires = m.add_months(started, period)
    # semantics.md: an expiry leaves room for the longest release delay
    while expires is None or expires + 30 * m.DAY > m.TIME_MAX:
        period -= 1
        assert period >= 1
        expires = m.add_months(started, period)
    sub = m.Sub(started, expires, period, draw(st.sampled_from([m.DELETE, m.DOWNGRADE])))
    lifecycle = draw(st.sampled_from([m.ACTIVE, m.ACTIVE, m.EXPIRED, m.RELEASED]))
    if lifecycle == m.EXPIRED:
        sub = m.Sub(started, expires, period, m.DELETE)
        updated = expires + draw(st.integers(0, delay * m.DAY))
        release_at: Optional[int] = expires + delay * m.DAY
    else:
        updated = started + draw(st.integers(0, max(0, expires - started - 1)))
        release_at = None
    if lifecycle == m.RELEASED:
        topics, groups, migrating = (), (), False
    mig = m.Mig("shared", "dedicated", started) if migrating else None
    return m.State("MQ_INST_L", "http://mq.example.com:8080", "cn-hangzhou", m.PLATINUM,
                   lifecycle, revision, created, updated, delay, sub, release_at, mig, topics,
                   groups)


def state_yaml(s: m.State) -> str:
    """The state file of a model snapshot, written by hand from docs/formats.md."""
    def t(x: int) -> str:
        return (EPOCH + timedelta(seconds=x)).strftime("%Y-%m-%dT%H:%M:%SZ")

    lines = ["libedition: 1", "instance:", f"  id: {s.id}", f"  endpoint: {s.endpoint}"]
    if s.region is not None:
        lines.append(f"  region: {s.region}")
    lines += [f"  edition: {s.edition}", f"  lifecycle: {s.lifecycle}", f"  revision: {s.revision}",
              f"  created_at: {t(s.created_at)}", f"  updated_at: {t(s.updated_at)}",
              f"  release_delay_days: {s.release_delay_days}"]
    if s.release_at is not None:
        lines.append(f"  release_at: {t(s.release_at)}")
    if s.sub is not None:
        lines += ["  subscription:", f"    started_at: {t(s.sub.started_at)}",
                  f"    expires_at: {t(s.sub.expires_at)}",
                  f"    period_months: {s.sub.period_months}",
                  f"    post_expiration_action: {s.sub.action}"]
    if s.migration is not None:
        lines += ["  migration:", f"    from: {s.migration.from_}", f"    to: {s.migration.to}",
                  f"    started_at: {t(s.migration.started_at)}"]
    lines += [f"  topics: [{', '.join(s.topics)}]", f"  groups: [{', '.join(s.groups)}]"]
    return "\n".join(lines) + "\n"


def dt(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


def secs(d: datetime) -> int:
    return (d - EPOCH) // timedelta(seconds=1)


def effect_tuple(e: le.Effect) -> m.Eff:
    fields: dict[str, Union[int, str, bool]] = {}
    for k, v in e.fields.items():
        fields[k.value] = secs(v) if isinstance(v, datetime) else v
    flags = frozenset((f.name or "").lower() for f in le.EffectFlag if f in e.flags)
    return (e.key, e.kind.value, e.subject_kind.value, e.subject, fields, flags)


def snapshot_of(i: le.Instance) -> m.State:
    sub = i.subscription
    mig = i.migration
    rel = i.release_at
    return m.State(
        id=i.id, endpoint=i.endpoint, region=i.region, edition=i.edition.value,
        lifecycle=i.lifecycle.value, revision=i.revision, created_at=secs(i.created_at),
        updated_at=secs(i.updated_at), release_delay_days=i.release_delay_days,
        sub=None if sub is None else m.Sub(secs(sub.started_at), secs(sub.expires_at),
                                           sub.period_months, sub.post_expiration_action.value),
        release_at=None if rel is None else secs(rel),
        migration=None if mig is None else m.Mig(mig.from_.value, mig.to.value, secs(mig.started_at)),
        topics=i.topics, groups=i.groups)


class LibraryVersusModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.inst: Optional[le.Instance] = None
        self.state: Optional[m.State] = None
        self.clock = START
        COUNTS["examples"] += 1

    @initialize(load=st.sampled_from([False, False, True]), loaded=loaded_states(),
                platinum=st.booleans(), delay=st.sampled_from([0, 1, 7, 30]),
                months=st.sampled_from([1, 2, 12]),
                topics=st.lists(st.sampled_from(TOPICS[:3]), unique=True, max_size=2),
                groups=st.lists(st.sampled_from(GROUPS[:3]), unique=True, max_size=2))
    def create(self, load: bool, loaded: m.State, platinum: bool, delay: int, months: int,
               topics: list[str], groups: list[str]) -> None:
        now = dt(self.clock)
        if load:
            self.inst = le.Instance.load_yaml(state_yaml(loaded))
            self.state = loaded
            self.clock = loaded.updated_at
            assert snapshot_of(self.inst) == self.state
            return
        if platinum:
            self.inst = le.Instance.create_enterprise_platinum(
                "MQ_INST_1", "http://mq.example.com:8080", now, months, release_delay_days=delay)
            self.state = m.create_platinum("MQ_INST_1", "http://mq.example.com:8080", self.clock,
                                           months, delay)
        else:
            self.inst = le.Instance.create_standard(
                "MQ_INST_1", "http://mq.example.com:8080", now, release_delay_days=delay,
                region="cn-hangzhou")
            self.state = m.create_standard("MQ_INST_1", "http://mq.example.com:8080", self.clock,
                                           delay, "cn-hangzhou")
        assert self.state is not None
        assert snapshot_of(self.inst) == self.state
        for name in topics:
            self._step(0, False, "add_topic", name=name)
        for name in groups:
            self._step(0, True, "add_group", name=name)

    def _now(self, jump: Union[int, str]) -> int:
        assert self.state is not None
        if isinstance(jump, int):
            t = self.clock + jump
        else:
            deadline = self.state.next_deadline
            base = deadline if deadline is not None else self.clock
            t = base + {"deadline": 0, "deadline-1": -1, "deadline+1": 1}[jump]
        t = min(t, m.TIME_MAX)
        self.clock = max(self.clock, t)
        return t

    def _step(self, jump: Union[int, str], generic: bool, command: str, **args: Any) -> None:
        assert self.inst is not None and self.state is not None
        COUNTS["steps"] += 1
        now = self._now(jump)
        expected = m.apply(self.state, now, command, **args)
        got = self._run(dt(now), generic, command, args)
        where = f"{command} {args} at {dt(now).isoformat()} on {self.inst!r}"
        if isinstance(expected, m.Refused):
            assert isinstance(got, le.EditionError), f"{where}: library accepted, model: {expected.status}"
            assert got.code.value == expected.status, f"{where}: {got.code.value} != {expected.status}"
            assert got.message
            if expected.status == "data_loss_refused":
                assert isinstance(got, le.DataLossRefused)
                assert [effect_tuple(e) for e in got.would_have] == list(expected.would_have), where
            return
        assert isinstance(got, le.Result), f"{where}: library refused {got!r}, model accepted"
        assert snapshot_of(got.instance) == expected.state, where
        assert [effect_tuple(e) for e in got.effects] == list(expected.effects), where
        assert [(p.command.value, None if p.action is None else p.action.value,
                 None if p.at is None else secs(p.at)) for p in got.plan] == list(expected.plan), where
        self._check_timer_replay(self.inst, got, now)
        self.inst, self.state = got.instance, expected.state

    def _run(self, now: datetime, generic: bool, command: str,
             args: dict[str, Any]) -> Union[le.Result, le.EditionError]:
        assert self.inst is not None
        if generic:
            return self.inst.preview(now, le.Command(command, **args))
        try:
            return getattr(self.inst, command)(now, **args)  # type: ignore[no-any-return]
        except le.EditionError as err:
            return err

    @staticmethod
    def _check_timer_replay(before: le.Instance, result: le.Result, now: int) -> None:
        """I7: the input's deadline, then the schedules and cancels, minus fired timers."""
        timers: dict[str, int] = {}
        if before.next_deadline is not None:
            timers["expiry" if before.lifecycle is le.Lifecycle.ACTIVE else "release"] = \
                secs(before.next_deadline)
        for e in result.effects:
            if e.kind is le.EffectKind.TIMER_SCHEDULE:
                assert e.timer is not None and e.at is not None
                timers[e.timer] = secs(e.at)
            elif e.kind is le.EffectKind.TIMER_CANCEL:
                assert e.timer is not None
                timers.pop(e.timer, None)
        pending = sorted(t for t in timers.values() if t > now)
        deadline = result.instance.next_deadline
        expect = [secs(deadline)] if deadline is not None and secs(deadline) > now else []
        assert pending == expect, f"I7: timers {timers} after {result.effects}"

    @invariant()
    def snapshots_agree(self) -> None:
        if self.inst is not None and self.state is not None:
            assert snapshot_of(self.inst) == self.state
            deadline = self.inst.next_deadline
            assert (None if deadline is None else secs(deadline)) == self.state.next_deadline
            # the state file written and read back is the same value (formats.md)
            again = le.Instance.load_yaml(self.inst.dump_yaml())
            assert again == self.inst and hash(again) == hash(self.inst)

    @rule(jump=JUMPS, generic=st.booleans(), period=PERIODS)
    def upgrade(self, jump: Union[int, str], generic: bool, period: int) -> None:
        self._step(jump, generic, "upgrade", period_months=period)

    @rule(jump=JUMPS, generic=st.booleans(), action=ACTIONS)
    def set_post_expiration_action(self, jump: Union[int, str], generic: bool, action: str) -> None:
        self._step(jump, generic, "set_post_expiration_action", action=action)

    @rule(jump=JUMPS, generic=st.booleans(), allow=st.booleans())
    def refund(self, jump: Union[int, str], generic: bool, allow: bool) -> None:
        self._step(jump, generic, "refund", allow_data_loss=allow)

    @rule(jump=JUMPS, generic=st.booleans(), period=PERIODS)
    def renew(self, jump: Union[int, str], generic: bool, period: int) -> None:
        self._step(jump, generic, "renew", period_months=period)

    @rule(jump=JUMPS, generic=st.booleans())
    def tick(self, jump: Union[int, str], generic: bool) -> None:
        self._step(jump, generic, "tick")

    @rule(jump=JUMPS, generic=st.booleans(), name=st.sampled_from(TOPICS))
    def add_topic(self, jump: Union[int, str], generic: bool, name: str) -> None:
        self._step(jump, generic, "add_topic", name=name)

    @rule(jump=JUMPS, generic=st.booleans(), name=st.sampled_from(TOPICS))
    def remove_topic(self, jump: Union[int, str], generic: bool, name: str) -> None:
        self._step(jump, generic, "remove_topic", name=name)

    @rule(jump=JUMPS, generic=st.booleans(), name=st.sampled_from(GROUPS))
    def add_group(self, jump: Union[int, str], generic: bool, name: str) -> None:
        self._step(jump, generic, "add_group", name=name)

    @rule(jump=JUMPS, generic=st.booleans(), name=st.sampled_from(GROUPS))
    def remove_group(self, jump: Union[int, str], generic: bool, name: str) -> None:
        self._step(jump, generic, "remove_group", name=name)

    @rule(jump=JUMPS, generic=st.booleans())
    def complete_migration_again(self, jump: Union[int, str], generic: bool) -> None:
        """A second rule for the same command: migrations block most others, so end them often."""
        self._step(jump, generic, "complete_migration")

    @rule(jump=JUMPS, generic=st.booleans())
    def complete_migration(self, jump: Union[int, str], generic: bool) -> None:
        self._step(jump, generic, "complete_migration")

    @rule(jump=JUMPS, generic=st.booleans())
    def downgrade(self, jump: Union[int, str], generic: bool) -> None:
        self._step(jump, generic, "downgrade")

    @rule(jump=JUMPS, generic=st.booleans(), mode=st.sampled_from(["immediate", "at_expiry"]))
    def plan_downgrade(self, jump: Union[int, str], generic: bool, mode: str) -> None:
        self._step(jump, generic, "plan_downgrade", mode=mode)


TestLibraryVersusModel = LibraryVersusModel.TestCase
