"""Properties of the library the reference model shares: calendar months and the expiry bound."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

import libedition as le
import model as m

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# From year 1 (Python's datetime) to the end of 9999.
TIMES = st.integers(min_value=-62135596800, max_value=m.TIME_MAX)


def dt_year1() -> int:
    return (datetime(1, 1, 1, tzinfo=timezone.utc) - EPOCH) // timedelta(seconds=1) + 31 * m.DAY


def dt(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


@settings(max_examples=300)
@given(t=TIMES, months=st.integers(min_value=-400, max_value=400))
def test_add_months_agrees(t: int, months: int) -> None:
    expected = m.add_months(t, months)
    try:
        got = le.add_months(dt(t), months)
    except le.InvalidArgument:
        assert expected is None
        return
    except OverflowError:
        # year 0000: valid in libedition, not representable by datetime
        assert expected is None and t + months * 31 * m.DAY < dt_year1()
        return
    assert expected is not None and got == dt(expected)


@settings(max_examples=300)
@given(t=st.integers(min_value=m.TIME_MAX - 40 * 31 * m.DAY, max_value=m.TIME_MAX - 1),
       months=st.integers(min_value=-1, max_value=37))
def test_expiry_must_leave_room_for_the_longest_release_delay(t: int, months: int) -> None:
    expected = m.create_platinum("MQ", "http://mq", t, months)
    try:
        got = le.Instance.create_enterprise_platinum("MQ", "http://mq", dt(t), months)
    except le.InvalidPeriod:
        assert expected is None
        return
    assert expected is not None and got.subscription is not None
    assert got.subscription.expires_at == dt(expected.sub.expires_at)  # type: ignore[union-attr]
    up = m.apply(m.create_standard("MQ", "http://mq", t), t, "upgrade", period_months=months)
    preview = le.Instance.create_standard("MQ", "http://mq", dt(t)).preview(
        dt(t), le.Command("upgrade", period_months=months))
    assert isinstance(preview, le.Result) == isinstance(up, m.Accepted)
