"""Conversion between ``datetime`` and libedition's whole seconds since the epoch (UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ._native import ED_TIME_MAX, ED_TIME_MIN

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def to_ed_time(value: datetime, what: str = "now") -> int:
    """Seconds since the epoch for a timezone-aware datetime.

    A naive datetime is refused with ValueError: libedition's time is UTC and
    the binding never guesses the local zone. Fractions of a second are
    dropped (rounded down), as libedition keeps whole seconds.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} is a naive datetime ({value.isoformat()}); pass a timezone-aware one, "
            "e.g. datetime.now(timezone.utc)"
        )
    seconds = (value - EPOCH) // _SECOND
    if not ED_TIME_MIN <= seconds <= ED_TIME_MAX:
        raise ValueError(f"{what} lies outside the years 0000..9999")
    return seconds


def from_ed_time(seconds: int) -> datetime:
    """The UTC datetime of libedition's seconds.

    libedition's times reach back to year 0000, Python's datetime to year 1:
    a time in year 0000 raises OverflowError.
    """
    try:
        return EPOCH + timedelta(seconds=int(seconds))
    except OverflowError:
        raise OverflowError(
            f"libedition time {seconds} lies in year 0000, before datetime.min (year 1)"
        ) from None
