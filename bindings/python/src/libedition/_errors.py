"""Exceptions: one class per stable status code, all under EditionError."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._enums import Status

if TYPE_CHECKING:
    from ._core import Effect


class EditionError(Exception):
    """A refusal or failure reported by libedition.

    ``code`` is the stable status, ``message`` libedition's sentence (which
    names the instance, the rule broken and what to do instead); ``line``
    and ``column`` locate a load error in its input (0 when unknown).
    """

    code: Status = Status.INVALID_ARGUMENT

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{self.code.value}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidArgument(EditionError, ValueError):
    """``invalid_argument``: an argument is missing, unknown or out of range."""

    code = Status.INVALID_ARGUMENT


class InvalidName(EditionError, ValueError):
    """``invalid_name``: a topic, group, instance ID or region breaks rule X1."""

    code = Status.INVALID_NAME


class InvalidPeriod(EditionError, ValueError):
    """``invalid_period``: months outside 1..36, or an expiry out of range."""

    code = Status.INVALID_PERIOD


class ClockSkew(EditionError, ValueError):
    """``clock_skew``: ``now`` is earlier than the snapshot's ``updated_at``."""

    code = Status.CLOCK_SKEW


class AlreadyEnterprisePlatinum(EditionError):
    """``already_enterprise_platinum``: upgrade of a platinum snapshot."""

    code = Status.ALREADY_ENTERPRISE_PLATINUM


class NotSubscription(EditionError):
    """``not_subscription``: the command needs an Enterprise Platinum subscription."""

    code = Status.NOT_SUBSCRIPTION


class NoDirectDowngrade(EditionError):
    """``no_direct_downgrade``: there is no direct downgrade (S6); use plan_downgrade."""

    code = Status.NO_DIRECT_DOWNGRADE


class ExpiryDue(EditionError):
    """``expiry_due``: an expiry or release is due at ``now``; call tick first."""

    code = Status.EXPIRY_DUE


class Expired(EditionError):
    """``expired``: the subscription has expired; renew it or let it be released."""

    code = Status.EXPIRED


class Released(EditionError):
    """``released``: the instance was released; it refuses every command (I6)."""

    code = Status.RELEASED


class MigrationInProgress(EditionError):
    """``migration_in_progress``: topics are migrating; complete the migration first (X5)."""

    code = Status.MIGRATION_IN_PROGRESS


class NoMigration(EditionError):
    """``no_migration``: complete_migration without a migration in flight."""

    code = Status.NO_MIGRATION


class Exists(EditionError):
    """``exists``: a topic or group of that name already exists (X1)."""

    code = Status.EXISTS


class NotFound(EditionError, LookupError):
    """``not_found``: no topic or group of that name."""

    code = Status.NOT_FOUND


class DataLossRefused(EditionError):
    """``data_loss_refused``: the refund would delete every topic and group (X3).

    ``would_have`` holds the effects the refused command would have had, for
    display; pass ``allow_data_loss=True`` to go ahead, or set the action
    ``downgrade_to_standard`` first.
    """

    code = Status.DATA_LOSS_REFUSED

    def __init__(self, message: str, *, would_have: tuple[Effect, ...] = (), line: int = 0,
                 column: int = 0) -> None:
        super().__init__(message, line=line, column=column)
        self.would_have = would_have


class ParseError(EditionError, ValueError):
    """``parse_error``: the input is not YAML (or not UTF-8 text, or a bad time)."""

    code = Status.PARSE_ERROR


class SchemaError(EditionError, ValueError):
    """``schema_error``: the document does not follow docs/formats.md."""

    code = Status.SCHEMA_ERROR


class LimitExceeded(EditionError, ValueError):
    """``limit_exceeded``: a size or nesting limit, or a revision beyond 2^64-1."""

    code = Status.LIMIT_EXCEEDED


class NoMemory(EditionError, MemoryError):
    """``no_memory``: libedition could not allocate memory."""

    code = Status.NO_MEMORY


class IoError(EditionError, OSError):
    """``io_error``: a file could not be read or written (the command-line tool's status)."""

    code = Status.IO_ERROR


_BY_CODE: dict[Status, type[EditionError]] = {
    cls.code: cls
    for cls in (InvalidArgument, InvalidName, InvalidPeriod, ClockSkew, AlreadyEnterprisePlatinum,
                NotSubscription, NoDirectDowngrade, ExpiryDue, Expired, Released,
                MigrationInProgress, NoMigration, Exists, NotFound, DataLossRefused, ParseError,
                SchemaError, LimitExceeded, NoMemory, IoError)
}


def error_class(code: Status) -> type[EditionError]:
    """The exception class of a status; EditionError itself for a status newer than the binding."""
    return _BY_CODE.get(code, EditionError)


def make_error(code: Status, message: str, *, would_have: tuple[Effect, ...] = (),
               line: int = 0, column: int = 0) -> EditionError:
    """An exception of the class of `code` (its ``code`` set even for an unknown status)."""
    cls = error_class(code)
    if cls is DataLossRefused:
        return DataLossRefused(message, would_have=would_have, line=line, column=column)
    err = cls(message, line=line, column=column)
    if cls is EditionError:
        err.code = code
    return err
