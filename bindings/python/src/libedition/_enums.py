"""The model's enumerations, built from the library's own stable names.

At run time every class below is made from the names libedition reports
(``ed_edition_name``, ``ed_effect_kind_name``, ...), starting from the
lowest value of the header's enumeration, so a later minor release that
adds, say, an effect kind brings its member without a new binding. An
import-time check makes sure that every value of the header the binding was
compiled against (libedition._cffi, whose enum values are the compiler's)
has its member. The declarations under ``TYPE_CHECKING`` list the members
for type checkers and readers; tests/test_enums_match_header.py compares
each of their names and values with the classes made at run time, the
header's ED_* names and values, and the library's stable names both ways
(``ed_*_name``, ``ed_*_from_name``).

Enumeration members are ``str`` subclasses whose value is the stable name:
``Edition("standard") is Edition.STANDARD`` and ``Edition.STANDARD ==
"standard"``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from ._native import ffi, lib, library_path

_E = TypeVar("_E", bound=enum.Enum)

#: C value of each (class, stable name), and the member of each (class, C value).
#: Keyed by class too: members are strs, and equal names of different
#: classes (Arg.PERIOD_MONTHS, Field.PERIOD_MONTHS) are equal objects.
_TO_C: dict[tuple[type, object], int] = {}
_FROM_C: dict[tuple[type, int], enum.Enum] = {}


def _names(name_of: Callable[[int], Any], start: int, limit: int = 64) -> list[tuple[int, str]]:
    """(value, stable name) for the run of values from `start` that have a name."""
    out = []
    value = start
    while value < start + limit:
        p = name_of(value)
        if p == ffi.NULL:
            break
        out.append((value, str(ffi.string(p).decode("ascii"))))
        value += 1
    return out


def _member_name(stable: str) -> str:
    return stable.upper().replace(".", "_")


def _header_values(c_type: str) -> dict[int, str]:
    """{value: ED_* name} of an enumeration of the header, as compiled."""
    return dict(ffi.typeof(c_type).elements)


def _make(cls_name: str, doc: str, name_of: Callable[[int], Any], c_type: str) -> Any:
    pairs = _names(name_of, min(_header_values(c_type)))
    cls: Any = enum.Enum(  # type: ignore[misc]
        cls_name, [(_member_name(n), n) for _, n in pairs], type=str, module=__name__
    )
    cls.__doc__ = doc
    setattr(cls, "__str__", lambda self: self.value)
    for value, n in pairs:
        member = cls(n)
        _TO_C[(cls, member.value)] = value
        _FROM_C[(cls, value)] = member
    return cls


def to_c(member: enum.Enum) -> int:
    """The C value of an enumeration member."""
    return _TO_C[(type(member), member.value)]


def from_c(cls: type[_E], value: int) -> _E:
    """The member of `cls` for a C value; ValueError for a value the library did not name."""
    try:
        return _FROM_C[(cls, value)]  # type: ignore[return-value]
    except KeyError:
        raise ValueError(f"libedition returned {value}, which is not a {cls.__name__}") from None


def member(cls: type[_E], value: Any) -> _E | None:
    """The member of `cls` that `value` is or names (a stable name); None for anything else."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
    return None


def coerce(cls: type[_E], value: Any, what: str) -> _E:
    """A member of `cls` from a member or its stable name; InvalidArgument (a
    ValueError with ``code``) otherwise."""
    found = member(cls, value)
    if found is not None:
        return found
    from ._errors import InvalidArgument  # _errors imports this module

    choices = ", ".join(m.value for m in cls)
    raise InvalidArgument(f"{what} must be one of {choices}, not {value!r}")


if TYPE_CHECKING:

    class Status(str, enum.Enum):
        """Outcome of a call (``ed_status``): value is the stable name."""

        OK = "ok"
        INVALID_ARGUMENT = "invalid_argument"
        INVALID_NAME = "invalid_name"
        INVALID_PERIOD = "invalid_period"
        CLOCK_SKEW = "clock_skew"
        ALREADY_ENTERPRISE_PLATINUM = "already_enterprise_platinum"
        NOT_SUBSCRIPTION = "not_subscription"
        NO_DIRECT_DOWNGRADE = "no_direct_downgrade"
        EXPIRY_DUE = "expiry_due"
        EXPIRED = "expired"
        RELEASED = "released"
        MIGRATION_IN_PROGRESS = "migration_in_progress"
        NO_MIGRATION = "no_migration"
        EXISTS = "exists"
        NOT_FOUND = "not_found"
        DATA_LOSS_REFUSED = "data_loss_refused"
        PARSE_ERROR = "parse_error"
        SCHEMA_ERROR = "schema_error"
        LIMIT_EXCEEDED = "limit_exceeded"
        NO_MEMORY = "no_memory"
        IO_ERROR = "io_error"

    class Edition(str, enum.Enum):
        """Standard Edition or Enterprise Platinum Edition."""

        STANDARD = "standard"
        ENTERPRISE_PLATINUM = "enterprise_platinum"

    class Billing(str, enum.Enum):
        """Billing method, derived from the edition (rule S1)."""

        PAY_AS_YOU_GO = "pay_as_you_go"
        SUBSCRIPTION = "subscription"

    class Cluster(str, enum.Enum):
        """Cluster type, derived from the edition (rule S2)."""

        SHARED = "shared"
        DEDICATED = "dedicated"

    class Lifecycle(str, enum.Enum):
        """Active, expired (suspended until release) or released."""

        ACTIVE = "active"
        EXPIRED = "expired"
        RELEASED = "released"

    class Action(str, enum.Enum):
        """What happens when an Enterprise Platinum subscription expires."""

        DELETE_RESOURCE = "delete_resource"
        DOWNGRADE_TO_STANDARD = "downgrade_to_standard"

    class PlanMode(str, enum.Enum):
        """Mode of the downgrade plan (rule X2)."""

        IMMEDIATE = "immediate"
        AT_EXPIRY = "at_expiry"

    class CommandKind(str, enum.Enum):
        """Every command a snapshot accepts; values are the scenario file's command names."""

        UPGRADE = "upgrade"
        SET_POST_EXPIRATION_ACTION = "set_post_expiration_action"
        REFUND = "refund"
        RENEW = "renew"
        TICK = "tick"
        COMPLETE_MIGRATION = "complete_migration"
        ADD_TOPIC = "add_topic"
        REMOVE_TOPIC = "remove_topic"
        ADD_GROUP = "add_group"
        REMOVE_GROUP = "remove_group"
        DOWNGRADE = "downgrade"
        PLAN_DOWNGRADE = "plan_downgrade"

    class EffectKind(str, enum.Enum):
        """Kind of an effect (docs/rules.md section 3); values are the dotted names."""

        BILLING_CONVERT = "billing.convert"
        BILLING_REFUND = "billing.refund"
        BILLING_RENEW = "billing.renew"
        TOPIC_MIGRATE = "topic.migrate"
        CONSUMERS_REBALANCE = "consumers.rebalance"
        TOPIC_CREATE = "topic.create"
        GROUP_CREATE = "group.create"
        TOPIC_DELETE = "topic.delete"
        GROUP_DELETE = "group.delete"
        INSTANCE_SUSPEND = "instance.suspend"
        INSTANCE_RESUME = "instance.resume"
        INSTANCE_DELETE = "instance.delete"
        TIMER_SCHEDULE = "timer.schedule"
        TIMER_CANCEL = "timer.cancel"
        CONFIG_POST_EXPIRATION_ACTION = "config.post_expiration_action"
        TICKET_EXPERT_SERVICES = "ticket.expert_services"
        NOTICE_DELETE_ON_EXPIRY = "notice.delete_on_expiry"
        NOTICE_RELEASE_PENDING = "notice.release_pending"
        NOTICE_IGNORE_RELEASE_NOTIFICATION = "notice.ignore_release_notification"

    class SubjectKind(str, enum.Enum):
        """What an effect names: the instance, a topic or a group."""

        INSTANCE = "instance"
        TOPIC = "topic"
        GROUP = "group"

    class Field(str, enum.Enum):
        """Fields an effect may carry, in document order."""

        FROM = "from"
        TO = "to"
        AT = "at"
        PERIOD_MONTHS = "period_months"
        EXPIRES_AT = "expires_at"
        REFUND = "refund"
        UNUSED_FROM = "unused_from"
        UNUSED_UNTIL = "unused_until"
        TIMER = "timer"
        ONLINE = "online"

    class Arg(str, enum.Enum):
        """Arguments a command may take; values are the scenario file's keys."""

        PERIOD_MONTHS = "period_months"
        ACTION = "action"
        ALLOW_DATA_LOSS = "allow_data_loss"
        NAME = "name"
        MODE = "mode"

    class EffectFlag(enum.Flag):
        """Flags of an effect; ``flag.stable_name`` is the library's name ("irreversible")."""

        IRREVERSIBLE = 1
        DISRUPTIVE = 2
        BILLING = 4
        NOTICE = 8

        @property
        def stable_name(self) -> str: ...

else:
    Status = _make("Status", "Outcome of a call (``ed_status``): value is the stable name.",
                   lib.ed_status_name, "ed_status")
    Edition = _make("Edition", "Standard Edition or Enterprise Platinum Edition.",
                    lib.ed_edition_name, "ed_edition")
    Billing = _make("Billing", "Billing method, derived from the edition (rule S1).",
                    lib.ed_billing_name, "ed_billing")
    Cluster = _make("Cluster", "Cluster type, derived from the edition (rule S2).",
                    lib.ed_cluster_name, "ed_cluster")
    Lifecycle = _make("Lifecycle", "Active, expired (suspended until release) or released.",
                      lib.ed_lifecycle_name, "ed_lifecycle")
    Action = _make("Action", "What happens when an Enterprise Platinum subscription expires.",
                   lib.ed_action_name, "ed_action")
    PlanMode = _make("PlanMode", "Mode of the downgrade plan (rule X2).", lib.ed_plan_mode_name,
                     "ed_plan_mode")
    CommandKind = _make("CommandKind",
                        "Every command a snapshot accepts; values are the scenario file's command names.",
                        lib.ed_command_kind_name, "ed_command_kind")
    EffectKind = _make("EffectKind",
                       "Kind of an effect (docs/rules.md section 3); values are the dotted names.",
                       lib.ed_effect_kind_name, "ed_effect_kind")
    SubjectKind = _make("SubjectKind", "What an effect names: the instance, a topic or a group.",
                        lib.ed_subject_kind_name, "ed_subject_kind")
    Field = _make("Field", "Fields an effect may carry, in document order.", lib.ed_field_name,
                  "ed_field")
    Arg = _make("Arg", "Arguments a command may take; values are the scenario file's keys.",
                lib.ed_arg_name, "ed_arg")

    def _flag_class() -> Any:
        bits = []
        for shift in range(32):
            p = lib.ed_effect_flag_name(1 << shift)
            if p != ffi.NULL:
                bits.append((ffi.string(p).decode("ascii"), 1 << shift))
        cls = enum.Flag("EffectFlag", [(_member_name(n), b) for n, b in bits], module=__name__,
                        boundary=enum.KEEP) if hasattr(enum, "KEEP") else \
            enum.Flag("EffectFlag", [(_member_name(n), b) for n, b in bits], module=__name__)
        cls.__doc__ = ('Flags of an effect; ``flag.stable_name`` is the library\'s name '
                       '("irreversible").')
        cls.stable_name = property(lambda self: "|".join(
            sorted((m.name or "").lower() for m in cls if m in self and m.value)))
        return cls

    EffectFlag = _flag_class()


#: Each class and the C enumeration of the header it reflects.
C_TYPES: dict[str, str] = {
    "Status": "ed_status", "Edition": "ed_edition", "Billing": "ed_billing",
    "Cluster": "ed_cluster", "Lifecycle": "ed_lifecycle", "Action": "ed_action",
    "PlanMode": "ed_plan_mode", "CommandKind": "ed_command_kind", "EffectKind": "ed_effect_kind",
    "SubjectKind": "ed_subject_kind", "Field": "ed_field", "Arg": "ed_arg",
    "EffectFlag": "ed_effect_flag",
}


def _check() -> None:
    """Every value of the header this binding was compiled against has its member."""
    for name, c_type in C_TYPES.items():
        cls = globals()[name]
        named = {m.value for m in cls} if name == "EffectFlag" else \
            {_TO_C[(cls, m.value)] for m in cls}
        missing = sorted(set(_header_values(c_type)) - named)
        if missing:
            raise ImportError(f"libedition: the loaded library ({library_path}) names no {name} "
                              f"for the values {missing} of {c_type} in the header this binding "
                              "was compiled against")


_check()

# Field types from ed_field_type_of (ED_FIELD_TYPE_*), which _fast reads by the header's names.
FIELD_TYPE: dict[Field, int] = {f: int(lib.ed_field_type_of(to_c(f))) for f in Field}
