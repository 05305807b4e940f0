"""libedition: the lifecycle of an ApsaraMQ for RocketMQ instance, from Python.

A thin, typed binding of the C library libedition (called through cffi in
API mode, the module ``_cffi``; the path of a transition runs in the
compiled module ``_fast``).
Snapshots (``Instance``) are immutable values; every command is a method
that takes ``now`` first and returns a ``Result`` (the new snapshot and the
effects to carry out, in order) or raises an ``EditionError`` subclass.

Set ``LIBEDITION_LIBRARY=/path/to/libedition.so.1`` to use a system copy of
the library instead of the one bundled with the package.
"""

# First: _native loads the library and checks its version before either
# compiled module is imported (each binds to the library already loaded).
from . import _native  # noqa: F401  # isort: skip
from ._core import (
    Command,
    Effect,
    FieldMap,
    FieldValue,
    Instance,
    Migration,
    PlanStep,
    Result,
    Scenario,
    ScenarioStep,
    StepRecord,
    Subscription,
    add_months,
    format_time,
    load_effects,
    parse_time,
)
from ._enums import (
    Action,
    Arg,
    Billing,
    Cluster,
    CommandKind,
    Edition,
    EffectFlag,
    EffectKind,
    Field,
    Lifecycle,
    PlanMode,
    Status,
    SubjectKind,
)
from ._errors import (
    AlreadyEnterprisePlatinum,
    ClockSkew,
    DataLossRefused,
    EditionError,
    Exists,
    Expired,
    ExpiryDue,
    InvalidArgument,
    InvalidName,
    InvalidPeriod,
    IoError,
    LimitExceeded,
    MigrationInProgress,
    NoDirectDowngrade,
    NoMemory,
    NoMigration,
    NotFound,
    NotSubscription,
    ParseError,
    Released,
    SchemaError,
    error_class,
)
from ._native import WRITTEN_FOR, library_path, library_version

__version__ = "0.4.0"


def version() -> str:
    """The loaded C library's version ("MAJOR.MINOR.PATCH", from ``ed_version``)."""
    return library_version


__all__ = [
    "Action", "AlreadyEnterprisePlatinum", "Arg", "Billing", "ClockSkew", "Cluster", "Command",
    "CommandKind", "DataLossRefused", "EditionError", "Edition", "Effect", "EffectFlag",
    "EffectKind", "Exists", "Expired", "ExpiryDue", "Field", "FieldMap", "FieldValue", "Instance",
    "InvalidArgument", "InvalidName", "InvalidPeriod", "IoError", "Lifecycle", "LimitExceeded",
    "Migration", "MigrationInProgress", "NoDirectDowngrade", "NoMemory", "NoMigration", "NotFound",
    "NotSubscription", "ParseError", "PlanMode", "PlanStep", "Released", "Result", "Scenario",
    "ScenarioStep", "SchemaError", "Status", "StepRecord", "SubjectKind", "Subscription",
    "WRITTEN_FOR", "add_months", "error_class", "format_time", "library_path", "load_effects", "parse_time",
    "version",
]
