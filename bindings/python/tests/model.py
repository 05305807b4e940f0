"""An independent reference model of libedition's lifecycle rules, in pure Python.

Written from docs/rules.md and docs/semantics.md only, never from the C
code, so that the stateful test compares two readings of the same text. Times are ints (seconds since the
epoch, UTC); effects are plain tuples; nothing here imports the binding.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Optional, Union

DAY = 86400
TIME_MAX = 253402300799  # 9999-12-31T23:59:59Z
MAX_RELEASE_DELAY_DAYS = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_-]+\Z")

STANDARD, PLATINUM = "standard", "enterprise_platinum"
ACTIVE, EXPIRED, RELEASED = "active", "expired", "released"
DELETE, DOWNGRADE = "delete_resource", "downgrade_to_standard"

# Section 3 of docs/rules.md: subject and flags of every kind.
SUBJECT = {
    "topic.migrate": "topic", "topic.create": "topic", "topic.delete": "topic",
    "consumers.rebalance": "group", "group.create": "group", "group.delete": "group",
}
FLAGS = {
    "billing.convert": {"billing"}, "billing.refund": {"billing"}, "billing.renew": {"billing"},
    "topic.delete": {"irreversible"}, "group.delete": {"irreversible"},
    "instance.delete": {"irreversible"}, "instance.suspend": {"disruptive"},
    "ticket.expert_services": {"notice"}, "notice.delete_on_expiry": {"notice"},
    "notice.release_pending": {"notice"}, "notice.ignore_release_notification": {"notice"},
}


def add_months(t: int, months: int) -> Optional[int]:
    """Calendar months in UTC, day clamped to the month's end; None when out of range."""
    d = _EPOCH + timedelta(seconds=t)
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        return None
    day = min(d.day, calendar.monthrange(year, month)[1])
    out = d.replace(year=year, month=month, day=day)
    return (out - _EPOCH) // timedelta(seconds=1)


def valid_topic(name: str) -> bool:
    """X1: 3..64 of A-Z a-z 0-9 - _."""
    return 3 <= len(name) <= 64 and bool(_NAME_CHARS.match(name))


def valid_group(name: str) -> bool:
    """X1: 2..64 of the same characters."""
    return 2 <= len(name) <= 64 and bool(_NAME_CHARS.match(name))


@dataclass(frozen=True)
class Sub:
    started_at: int
    expires_at: int
    period_months: int
    action: str


@dataclass(frozen=True)
class Mig:
    from_: str
    to: str
    started_at: int


@dataclass(frozen=True)
class State:
    id: str
    endpoint: str
    region: Optional[str]
    edition: str
    lifecycle: str
    revision: int
    created_at: int
    updated_at: int
    release_delay_days: int
    sub: Optional[Sub]
    release_at: Optional[int]
    migration: Optional[Mig]
    topics: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def billing(self) -> str:
        return "pay_as_you_go" if self.edition == STANDARD else "subscription"

    @property
    def cluster(self) -> str:
        return "shared" if self.edition == STANDARD else "dedicated"

    @property
    def next_deadline(self) -> Optional[int]:
        if self.lifecycle == ACTIVE and self.sub is not None:
            return self.sub.expires_at
        if self.lifecycle == EXPIRED:
            return self.release_at
        return None


#: (key, kind, subject_kind, subject, fields, flags)
Eff = tuple[str, str, str, str, dict[str, Union[int, str, bool]], frozenset[str]]


@dataclass(frozen=True)
class Accepted:
    state: State
    effects: tuple[Eff, ...] = ()
    plan: tuple[tuple[str, Optional[str], Optional[int]], ...] = ()


@dataclass(frozen=True)
class Refused:
    status: str
    would_have: tuple[Eff, ...] = ()


Outcome = Union[Accepted, Refused]


def create_standard(id: str, endpoint: str, now: int, delay: int = 7,
                    region: Optional[str] = None) -> State:
    return State(id, endpoint, region, STANDARD, ACTIVE, 0, now, now, delay, None, None, None, (), ())


def create_platinum(id: str, endpoint: str, now: int, months: int, delay: int = 7,
                    region: Optional[str] = None) -> Optional[State]:
    exp = _expiry(now, months)
    if exp is None:
        return None
    return State(id, endpoint, region, PLATINUM, ACTIVE, 0, now, now, delay,
                 Sub(now, exp, months, DELETE), None, None, (), ())


def _expiry(base: int, months: int) -> Optional[int]:
    """semantics.md: 1..36 months, and room left for the largest release delay."""
    if not 1 <= months <= 36:
        return None
    exp = add_months(base, months)
    if exp is None or exp + MAX_RELEASE_DELAY_DAYS * DAY > TIME_MAX:
        return None
    return exp


class _Effects:
    """Builds the effects of one revision, numbering their keys."""

    def __init__(self, s: State, revision: int) -> None:
        self.s = s
        self.revision = revision
        self.items: list[Eff] = []

    def add(self, kind: str, subject: Optional[str] = None, **fields: Union[int, str, bool]) -> None:
        sk = SUBJECT.get(kind, "instance")
        fields = {("from" if k == "from_" else k): v for k, v in fields.items()}
        self.items.append((f"{self.s.id}/{self.revision}/{len(self.items)}", kind, sk,
                           subject if subject is not None else self.s.id, fields,
                           frozenset(FLAGS.get(kind, set()))))


def _due(s: State, now: int) -> bool:
    if s.lifecycle == ACTIVE and s.edition == PLATINUM and s.sub is not None:
        return now >= s.sub.expires_at
    if s.lifecycle == EXPIRED and s.release_at is not None:
        return now >= s.release_at
    return False


def _bump(s: State, now: int, **changes: object) -> State:
    return replace(s, revision=s.revision + 1, updated_at=now, **changes)  # type: ignore[arg-type]


def _downgrade_effects(e: _Effects, s: State, at: int) -> None:
    assert s.sub is not None
    e.add("billing.convert", from_="subscription", to="pay_as_you_go", at=at)
    for t in s.topics:
        e.add("topic.migrate", t, from_="dedicated", to="shared", online=True)
    for g in s.groups:
        e.add("consumers.rebalance", g, from_="dedicated", to="shared")
    e.add("notice.ignore_release_notification",
          at=s.sub.expires_at + s.release_delay_days * DAY)


def _downgraded(s: State, now: int) -> State:
    return _bump(s, now, edition=STANDARD, sub=None, release_at=None, lifecycle=ACTIVE,
                 migration=Mig("dedicated", "shared", now))


def _release_effects(e: _Effects, s: State, at: int) -> None:
    for g in s.groups:
        e.add("group.delete", g)
    for t in s.topics:
        e.add("topic.delete", t)
    e.add("instance.delete", at=at)


def _released(s: State, now: int) -> State:
    return _bump(s, now, lifecycle=RELEASED, topics=(), groups=(), migration=None, release_at=None)


REVISION_MAX = 2**64 - 1


def apply(s: State, now: int, command: str, **args: object) -> Outcome:
    """One command on a snapshot at `now`: the model's answer."""
    if s.lifecycle == RELEASED:
        return Refused("released")
    if now < s.updated_at:
        return Refused("clock_skew")
    out = _COMMANDS[command](s, now, **args)
    # semantics.md: "A revision that would pass 2^64-1 is refused with
    # limit_exceeded". Its place in the precedence is not stated; a revision
    # exists only once every rule accepts the change, and rules.md puts
    # data_loss_refused "last", so the model checks it just before that one.
    if isinstance(out, Accepted) and out.state.revision > REVISION_MAX:
        return Refused("limit_exceeded")
    if isinstance(out, Refused) and out.status == "data_loss_refused" and s.revision == REVISION_MAX:
        return Refused("limit_exceeded")
    return out


def _platinum_active(s: State) -> Optional[str]:
    if s.edition != PLATINUM:
        return "not_subscription"
    if s.lifecycle == EXPIRED:
        return "expired"
    return None


def _upgrade(s: State, now: int, period_months: int) -> Outcome:
    if s.edition == PLATINUM:
        return Refused("already_enterprise_platinum")
    if _due(s, now):
        return Refused("expiry_due")
    if s.migration is not None:
        return Refused("migration_in_progress")
    exp = _expiry(now, period_months)
    if exp is None:
        return Refused("invalid_period")
    e = _Effects(s, s.revision + 1)
    e.add("billing.convert", from_="pay_as_you_go", to="subscription", at=now,
          period_months=period_months, expires_at=exp)
    for t in s.topics:
        e.add("topic.migrate", t, from_="shared", to="dedicated", online=True)
    for g in s.groups:
        e.add("consumers.rebalance", g, from_="shared", to="dedicated")
    e.add("timer.schedule", at=exp, timer="expiry")
    e.add("ticket.expert_services")
    e.add("notice.delete_on_expiry", at=exp)
    new = _bump(s, now, edition=PLATINUM, sub=Sub(now, exp, period_months, DELETE),
                migration=Mig("shared", "dedicated", now))
    return Accepted(new, tuple(e.items))


def _set_action(s: State, now: int, action: str) -> Outcome:
    refusal = _platinum_active(s)
    if refusal:
        return Refused(refusal)
    if _due(s, now):
        return Refused("expiry_due")
    assert s.sub is not None
    # semantics.md, Results: "other bad arguments (... an unknown action or
    # mode) are invalid_argument in the arguments' place of that order"
    if action not in (DELETE, DOWNGRADE):
        return Refused("invalid_argument")
    if action == s.sub.action:
        return Accepted(s)
    e = _Effects(s, s.revision + 1)
    e.add("config.post_expiration_action", from_=s.sub.action, to=action)
    if action == DELETE:
        e.add("notice.delete_on_expiry", at=s.sub.expires_at)
    return Accepted(_bump(s, now, sub=replace(s.sub, action=action)), tuple(e.items))


def _refund(s: State, now: int, allow_data_loss: bool = False) -> Outcome:
    refusal = _platinum_active(s)
    if refusal:
        return Refused(refusal)
    if _due(s, now):
        return Refused("expiry_due")
    assert s.sub is not None
    e = _Effects(s, s.revision + 1)
    e.add("billing.refund", refund="partial", unused_from=now, unused_until=s.sub.expires_at)
    e.add("timer.cancel", timer="expiry")
    if s.sub.action == DOWNGRADE:
        _downgrade_effects(e, s, now)
        return Accepted(_downgraded(s, now), tuple(e.items))
    _release_effects(e, s, now)
    if not allow_data_loss:
        return Refused("data_loss_refused", tuple(e.items))
    return Accepted(_released(s, now), tuple(e.items))


def _renew(s: State, now: int, period_months: int) -> Outcome:
    if s.edition != PLATINUM:
        return Refused("not_subscription")
    if _due(s, now):
        return Refused("expiry_due")
    assert s.sub is not None
    exp = _expiry(s.sub.expires_at, period_months)
    if exp is None or (s.lifecycle == EXPIRED and exp <= now):
        return Refused("invalid_period")
    e = _Effects(s, s.revision + 1)
    e.add("billing.renew", period_months=period_months, expires_at=exp)
    sub = replace(s.sub, expires_at=exp, period_months=period_months)
    if s.lifecycle == EXPIRED:
        e.add("instance.resume")
        e.add("timer.cancel", timer="release")
        e.add("timer.schedule", at=exp, timer="expiry")
        return Accepted(_bump(s, now, sub=sub, lifecycle=ACTIVE, release_at=None), tuple(e.items))
    e.add("timer.schedule", at=exp, timer="expiry")
    return Accepted(_bump(s, now, sub=sub), tuple(e.items))


def _tick(s: State, now: int) -> Outcome:
    effects: list[Eff] = []
    cur = s
    while True:
        if cur.lifecycle == ACTIVE and cur.sub is not None and now >= cur.sub.expires_at:
            e = _Effects(cur, cur.revision + 1)
            if cur.sub.action == DOWNGRADE:
                _downgrade_effects(e, cur, cur.sub.expires_at)
                cur = _downgraded(cur, now)
            else:
                rel = cur.sub.expires_at + cur.release_delay_days * DAY
                e.add("instance.suspend", at=cur.sub.expires_at)
                e.add("timer.schedule", at=rel, timer="release")
                e.add("notice.release_pending", at=rel)
                cur = _bump(cur, now, lifecycle=EXPIRED, release_at=rel)
        elif cur.lifecycle == EXPIRED and cur.release_at is not None and now >= cur.release_at:
            e = _Effects(cur, cur.revision + 1)
            _release_effects(e, cur, cur.release_at)
            cur = _released(cur, now)
        else:
            break
        effects.extend(e.items)
    return Accepted(cur, tuple(effects))


def _entity_checks(s: State, now: int) -> Optional[str]:
    if s.lifecycle == EXPIRED:
        return "expired"
    if _due(s, now):
        return "expiry_due"
    if s.migration is not None:
        return "migration_in_progress"
    return None


def _add_topic(s: State, now: int, name: str) -> Outcome:
    refusal = _entity_checks(s, now) or (None if valid_topic(name) else "invalid_name")
    if refusal:
        return Refused(refusal)
    if name in s.topics or name in s.groups:
        return Refused("exists")
    e = _Effects(s, s.revision + 1)
    e.add("topic.create", name)
    return Accepted(_bump(s, now, topics=s.topics + (name,)), tuple(e.items))


def _remove_topic(s: State, now: int, name: str) -> Outcome:
    refusal = _entity_checks(s, now) or (None if valid_topic(name) else "invalid_name")
    if refusal:
        return Refused(refusal)
    if name not in s.topics:
        return Refused("not_found")
    e = _Effects(s, s.revision + 1)
    e.add("topic.delete", name)
    return Accepted(_bump(s, now, topics=tuple(t for t in s.topics if t != name)), tuple(e.items))


def _add_group(s: State, now: int, name: str) -> Outcome:
    refusal = _entity_checks(s, now) or (None if valid_group(name) else "invalid_name")
    if refusal:
        return Refused(refusal)
    if name in s.groups or name in s.topics:
        return Refused("exists")
    e = _Effects(s, s.revision + 1)
    e.add("group.create", name)
    return Accepted(_bump(s, now, groups=s.groups + (name,)), tuple(e.items))


def _remove_group(s: State, now: int, name: str) -> Outcome:
    refusal = _entity_checks(s, now) or (None if valid_group(name) else "invalid_name")
    if refusal:
        return Refused(refusal)
    if name not in s.groups:
        return Refused("not_found")
    e = _Effects(s, s.revision + 1)
    e.add("group.delete", name)
    return Accepted(_bump(s, now, groups=tuple(g for g in s.groups if g != name)), tuple(e.items))


def _complete_migration(s: State, now: int) -> Outcome:
    if s.migration is None:
        return Refused("no_migration")
    return Accepted(_bump(s, now, migration=None))


def _downgrade(s: State, now: int) -> Outcome:
    return Refused("no_direct_downgrade")


def _plan_downgrade(s: State, now: int, mode: str) -> Outcome:
    refusal = _platinum_active(s)
    if refusal:
        return Refused(refusal)
    assert s.sub is not None
    if mode not in ("immediate", "at_expiry"):
        return Refused("invalid_argument")  # semantics.md, Results (as for an action)
    plan: list[tuple[str, Optional[str], Optional[int]]] = []
    if s.sub.action != DOWNGRADE:
        plan.append(("set_post_expiration_action", DOWNGRADE, None))
    plan.append(("refund", None, None) if mode == "immediate" else ("tick", None, s.sub.expires_at))
    return Accepted(s, (), tuple(plan))


_COMMANDS = {
    "upgrade": _upgrade, "set_post_expiration_action": _set_action, "refund": _refund,
    "renew": _renew, "tick": _tick, "add_topic": _add_topic, "remove_topic": _remove_topic,
    "add_group": _add_group, "remove_group": _remove_group,
    "complete_migration": _complete_migration, "downgrade": _downgrade,
    "plan_downgrade": _plan_downgrade,
}
