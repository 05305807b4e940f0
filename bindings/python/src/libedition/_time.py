"""Conversion between ``datetime`` and libedition's whole seconds since the epoch (UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ._errors import InvalidArgument
from ._native import ED_TIME_MAX, ED_TIME_MIN

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def to_ed_time(value: datetime, what: str = "now") -> int:
    """Seconds since the epoch for a timezone-aware datetime.

    Refused with InvalidArgument (a ValueError), before the library checks
    anything, as libedition refuses a time out of range and ``edition``
    refuses ``--now``: a naive datetime (libedition's time is UTC and the
    binding never guesses the local zone), a time outside the years
    0000..9999, and a time with a fraction of a second (libedition keeps
    whole seconds, and the binding does not round a time it was given;
    docs/semantics.md, "Bindings' arguments").
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(
            f"{what} is a naive datetime ({value.isoformat()}); pass a timezone-aware one, "
            "e.g. datetime.now(timezone.utc).replace(microsecond=0)"
        )
    seconds, fraction = divmod(value - EPOCH, _SECOND)
    if fraction:
        raise InvalidArgument(
            f"{what}: '{value.isoformat()}': fractional seconds are not supported (pass whole "
            f"seconds, such as {what}.replace(microsecond=0))"
        )
    if not ED_TIME_MIN <= seconds <= ED_TIME_MAX:
        raise InvalidArgument(f"{what} lies outside the years 0000..9999")
    return int(seconds)


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
