"""The compiled hot path (_fast.c) returns exactly what reading the C result
call by call returns: the same Effect values, times, arguments and errors.
_fast copies effects with ed_effect_list_read; the reference here reads
them with one getter per attribute and field."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import libedition as le
from libedition import _core
from libedition._enums import FIELD_TYPE, from_c, to_c
from libedition._native import ffi, lib

UTC = timezone.utc
T0 = datetime(2026, 1, 5, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TYPED = ("from_", "to", "at", "period_months", "expires_at", "refund", "unused_from",
         "unused_until", "timer", "online")


def reference_effects(lst: Any) -> tuple[le.Effect, ...]:
    """An effect list read the way the binding did before _fast: one cffi call
    per attribute and per possible field, values through the public classes."""
    out = []
    t = ffi.new("ed_time *")
    n = ffi.new("int64_t *")
    for i in range(lib.ed_effect_list_count(lst)):
        e = lib.ed_effect_list_get(lst, i)
        items: list[tuple[le.Field, Any]] = []
        for f in le.Field:
            cf, ftype = to_c(f), FIELD_TYPE[f]
            if ftype == 1:
                if lib.ed_effect_time(e, cf, t):
                    items.append((f, EPOCH + timedelta(seconds=int(t[0]))))
            elif ftype in (2, 3):
                if lib.ed_effect_int(e, cf, n):
                    items.append((f, bool(n[0]) if ftype == 3 else int(n[0])))
            else:
                p = lib.ed_effect_string(e, cf)
                if p != ffi.NULL:
                    items.append((f, ffi.string(p).decode("utf-8")))
        out.append(le.Effect(
            key=ffi.string(lib.ed_effect_key(e)).decode("utf-8"),
            kind=from_c(le.EffectKind, lib.ed_effect_kind_of(e)),
            revision=int(lib.ed_effect_revision(e)),
            index=int(lib.ed_effect_index(e)),
            flags=le.EffectFlag(int(lib.ed_effect_flags(e))),
            subject_kind=from_c(le.SubjectKind, lib.ed_effect_subject_kind(e)),
            subject=ffi.string(lib.ed_effect_subject(e)).decode("utf-8"),
            text=ffi.string(lib.ed_effect_text(e)).decode("utf-8"),
            fields=le.FieldMap(tuple(items)),
        ))
    return tuple(out)


def assert_same(mine: tuple[le.Effect, ...], ref: tuple[le.Effect, ...]) -> None:
    assert len(mine) == len(ref)
    for a, b in zip(mine, ref):
        assert type(a) is le.Effect
        assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
        for f in dataclasses.fields(le.Effect):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x == y and type(x) is type(y), f.name
        for name in TYPED:
            x, y = getattr(a, name), getattr(b, name)
            assert x == y and type(x) is type(y), name
        assert list(a.fields.items()) == list(b.fields.items())
        assert [type(v) for v in a.fields.values()] == [type(v) for v in b.fields.values()]
        assert all(v.tzinfo is UTC for v in a.fields.values() if isinstance(v, datetime))
        assert dataclasses.replace(a) == a and dataclasses.asdict(a) == dataclasses.asdict(b)


def populated() -> le.Instance:
    i = le.Instance.create_standard("MQ_INST_FAST", "http://mq", T0)
    for name in ("orders", "payments", "audit-log"):
        i = i.add_topic(T0, name).instance
    return i.add_group(T0, "GID_a").instance.add_group(T0, "GID_b").instance


def commands() -> list[tuple[le.Instance, le.Command, datetime]]:
    """(snapshot, command, now) covering every effect kind and field type."""
    std = populated()
    plat = std.upgrade(T0, 12).instance
    settled = plat.complete_migration(T0).instance
    keep = settled.set_post_expiration_action(T0, "downgrade_to_standard").instance
    later = T0 + timedelta(days=40)
    expired = settled.tick(T0 + timedelta(days=366)).instance
    return [
        (std, le.Command("upgrade", period_months=12), T0),
        (std, le.Command("add_topic", name="more"), T0),
        (std, le.Command("remove_topic", name="orders"), T0),
        (std, le.Command("add_group", name="GID_c"), T0),
        (std, le.Command("remove_group", name="GID_a"), T0),
        (settled, le.Command("set_post_expiration_action", action="downgrade_to_standard"), T0),
        (keep, le.Command("set_post_expiration_action", action="delete_resource"), T0),
        (settled, le.Command("renew", period_months=1), later),
        (settled, le.Command("refund", allow_data_loss=True), later),
        (keep, le.Command("refund"), later),
        (keep, le.Command("tick"), T0 + timedelta(days=400)),
        (settled, le.Command("tick"), T0 + timedelta(days=400)),
        (expired, le.Command("renew", period_months=3), T0 + timedelta(days=367)),
        (expired, le.Command("tick"), T0 + timedelta(days=500)),
        (plat, le.Command("complete_migration"), T0),
    ]


def test_effects_built_in_c_equal_those_read_call_by_call() -> None:
    seen: set[le.EffectKind] = set()
    fields: set[le.Field] = set()
    for inst, command, now in commands():
        r = lib.ed_command_apply(command._to_c(), inst._ptr, _core.to_ed_time(now))
        try:
            assert lib.ed_result_status(r) == 0, command
            lst = lib.ed_result_effects(r)
            mine, ref = _core._effects(lst), reference_effects(lst)
        finally:
            lib.ed_result_free(r)
        assert_same(mine, ref)
        # and the same through the public method, which runs in _fast.run
        assert_same(inst.apply(now, command).effects, ref)
        seen.update(e.kind for e in mine)
        fields.update(f for e in mine for f in e.fields)
    assert len(seen) >= 14 and fields == set(le.Field)


def test_would_have_and_loaded_effects_are_built_the_same_way() -> None:
    inst = populated().upgrade(T0, 12).instance
    with pytest.raises(le.DataLossRefused) as refused:
        inst.refund(T0)
    assert_same(refused.value.would_have, inst.refund(T0, allow_data_loss=True).effects)


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9990, 12, 31),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                               timezone(timedelta(hours=-5, minutes=-30))])))
def test_now_in_any_zone_is_the_instant_it_names(now: datetime) -> None:
    now = now.replace(microsecond=0)  # a fraction is refused: test_sub_second_now_is_refused_*
    utc = now.astimezone(UTC)
    created = utc - timedelta(days=1) if utc > datetime(1, 1, 3, tzinfo=UTC) else utc
    inst = le.Instance.create_standard("MQ_INST_T", "http://mq", created)
    r = inst.add_topic(now, "orders")
    assert r.instance.updated_at == now
    up = r.instance.upgrade(now, 1)
    timer = [e for e in up.effects if e.kind is le.EffectKind.TIMER_SCHEDULE][0]
    assert timer.at == le.add_months(now, 1)
    assert timer.at.tzinfo is UTC


def test_naive_or_foreign_now_is_refused_as_before() -> None:
    inst = populated()
    with pytest.raises(ValueError, match="naive"):
        inst.add_topic(datetime(2026, 1, 5), "x-topic")
    with pytest.raises(TypeError, match="timezone-aware datetime"):
        inst.tick(1767571200)  # type: ignore[arg-type]

    class Shifted(datetime):
        def utcoffset(self) -> Optional[timedelta]:  # a subclass may redefine this method
            return timedelta(hours=1)

    odd = Shifted(2026, 1, 5, 12, tzinfo=UTC)  # goes through _time.to_ed_time, as before
    expected = EPOCH + timedelta(seconds=_core.to_ed_time(odd))
    assert inst.add_topic(odd, "x-topic").instance.updated_at == expected


def test_arguments_are_checked_as_before() -> None:
    inst = populated()
    with pytest.raises(TypeError, match="period_months must be an int"):
        inst.upgrade(T0, True)
    with pytest.raises(le.InvalidPeriod):
        inst.upgrade(T0, 2**70)
    with pytest.raises(le.InvalidPeriod):
        inst.upgrade(T0, -(2**70))

    class Months(int):
        pass

    assert inst.upgrade(T0, Months(2)).instance.subscription.period_months == 2  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="name must be a str"):
        inst.add_topic(T0, b"orders")  # type: ignore[arg-type]
    with pytest.raises(le.InvalidArgument, match="NUL"):
        inst.add_group(T0, "GID\0x")
    with pytest.raises(UnicodeEncodeError):
        inst.remove_topic(T0, "orders\ud800")
    plat = inst.upgrade(T0, 12).instance
    with pytest.raises(le.InvalidArgument, match="action 'explode' is neither"):
        plat.set_post_expiration_action(T0, "explode")
    with pytest.raises(le.InvalidArgument, match=r"mode \['immediate'\] is neither"):
        plat.plan_downgrade(T0, ["immediate"])  # type: ignore[arg-type]


def test_an_instance_owns_its_snapshot() -> None:
    with pytest.raises(TypeError, match="create_standard"):
        le.Instance()
    empty = le.Instance.__new__(le.Instance)
    with pytest.raises(AttributeError):
        empty._ptr
    with pytest.raises(TypeError):
        empty.tick(T0)
    inst = populated()
    r = inst.add_topic(T0, "fresh")
    assert r.instance is not inst and r.instance._ptr is r.instance._ptr
    assert inst.tick(T0).instance is inst  # unchanged: the same object
    ref = weakref.ref(r.instance)
    del r
    gc.collect()
    assert ref() is None
