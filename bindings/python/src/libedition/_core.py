"""Snapshots, commands, results, effects and scenarios over libedition's C API."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Optional, Union

from . import _native  # noqa: F401  # first: it checks the library before _fast binds to it

try:
    from . import _fast
except ImportError as _exc:
    # Python's own message for a _fast of another Python version speaks of a
    # circular import: say which Python the package was built for instead.
    from ._compiled import compiled_import_error

    raise compiled_import_error("_fast", _exc) from None
from ._enums import (
    FIELD_TYPE,
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
    coerce,
    from_c,
    member,
    to_c,
)
from ._errors import EditionError, InvalidArgument, make_error
from ._native import (
    ED_OPT_ALLOW_DATA_LOSS,
    ED_OPT_MAX_DOCUMENT_SIZE,
    ED_OPT_REGION,
    ED_OPT_RELEASE_DELAY_DAYS,
    ED_TIME_BUFSIZE,
    ffi,
    lib,
)
from ._time import from_ed_time, to_ed_time

#: The value of an effect field: a time, an int, a bool or a string.
FieldValue = Union[datetime, int, bool, str]

_NULL = ffi.NULL
_OK = lib.ED_OK


def _str(p: Any) -> str:
    return str(ffi.string(p).decode("utf-8"))


def _opt_str(p: Any) -> Optional[str]:
    return None if p == _NULL else str(ffi.string(p).decode("utf-8"))


def _bytes(text: str, what: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    data = text.encode("utf-8")
    if b"\0" in data:
        raise InvalidArgument(f"{what} contains a NUL character")
    return data


def _int(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def _c_int(value: int) -> int:
    """Clamps to C int so that out-of-range values reach the library's range check."""
    return max(-(2**31), min(2**31 - 1, value))


def _options(**settings: Any) -> Any:
    opts = ffi.gc(lib.ed_options_new(), lib.ed_options_free)
    if opts == _NULL:
        raise MemoryError("libedition: out of memory")
    for key, value in settings.items():
        if value is None:
            continue
        if key == "region":
            status = lib.ed_options_set_string(opts, ED_OPT_REGION, _bytes(value, "region"))
        else:
            code = {"release_delay_days": ED_OPT_RELEASE_DELAY_DAYS,
                    "allow_data_loss": ED_OPT_ALLOW_DATA_LOSS,
                    "max_document_size": ED_OPT_MAX_DOCUMENT_SIZE}[key]
            number = int(value) if isinstance(value, bool) else _int(value, key)
            status = lib.ed_options_set_int(opts, code, max(-(2**63), min(2**63 - 1, number)))
        if status != _OK:
            raise make_error(from_c(Status, status), f"{key}={value!r} is not accepted")
    return opts


# --------------------------------------------------------------------------
# Snapshot parts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """An Enterprise Platinum subscription: its period and post-expiration action."""

    started_at: datetime
    expires_at: datetime
    period_months: int
    post_expiration_action: Action


@dataclass(frozen=True)
class Migration:
    """Topics moving between clusters (``from_`` → ``to``) since ``started_at``."""

    from_: Cluster
    to: Cluster
    started_at: datetime


# --------------------------------------------------------------------------
# Effects
# --------------------------------------------------------------------------


class FieldMap(Mapping[Field, FieldValue]):
    """A read-only, hashable mapping of an effect's fields, in document order.

    Keys are Field members, which equal their stable names, so both
    ``fields[Field.AT]`` and ``fields["at"]`` work.
    """

    __slots__ = ("_items", "_dict")

    def __init__(self, items: tuple[tuple[Field, FieldValue], ...] = ()) -> None:
        self._items = items
        self._dict: dict[Field, FieldValue] = dict(items)

    def __getitem__(self, key: Field) -> FieldValue:
        return self._dict[key]

    def __iter__(self) -> Iterator[Field]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FieldMap):
            return self._dict == other._dict
        if isinstance(other, Mapping):
            return self._dict == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        inner = ", ".join(f"{k.value}={_show(v)}" for k, v in self._items)
        return "{" + inner + "}"


def _show(v: FieldValue) -> str:
    if isinstance(v, datetime):
        return format_time(v)
    return repr(v)


@dataclass(frozen=True)
class Effect:
    """One thing the host must carry out, exactly once, recognised by ``key``.

    ``fields`` maps each field the effect carries to its value (a datetime
    for times); the same values are also typed attributes (``at``,
    ``expires_at``, ``from_``, ...), None when the effect does not carry it.
    """

    key: str
    kind: EffectKind
    revision: int
    index: int
    flags: EffectFlag
    subject_kind: SubjectKind
    subject: str
    text: str
    fields: FieldMap = dataclasses.field(default_factory=FieldMap)

    def _get(self, f: str) -> Optional[FieldValue]:
        return self.fields.get(Field(f))

    @property
    def from_(self) -> Optional[str]:
        """Field ``from`` (a billing method, cluster or action name)."""
        v = self._get("from")
        return v if isinstance(v, str) else None

    @property
    def to(self) -> Optional[str]:
        """Field ``to`` (a billing method, cluster or action name)."""
        v = self._get("to")
        return v if isinstance(v, str) else None

    @property
    def at(self) -> Optional[datetime]:
        """Field ``at``: when the effect takes effect (or the timer fires)."""
        v = self._get("at")
        return v if isinstance(v, datetime) else None

    @property
    def period_months(self) -> Optional[int]:
        """Field ``period_months``."""
        v = self._get("period_months")
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    @property
    def expires_at(self) -> Optional[datetime]:
        """Field ``expires_at``."""
        v = self._get("expires_at")
        return v if isinstance(v, datetime) else None

    @property
    def refund(self) -> Optional[str]:
        """Field ``refund`` ("partial")."""
        v = self._get("refund")
        return v if isinstance(v, str) else None

    @property
    def unused_from(self) -> Optional[datetime]:
        """Field ``unused_from``: start of the refunded time."""
        v = self._get("unused_from")
        return v if isinstance(v, datetime) else None

    @property
    def unused_until(self) -> Optional[datetime]:
        """Field ``unused_until``: end of the refunded time."""
        v = self._get("unused_until")
        return v if isinstance(v, datetime) else None

    @property
    def timer(self) -> Optional[str]:
        """Field ``timer`` ("expiry" or "release")."""
        v = self._get("timer")
        return v if isinstance(v, str) else None

    @property
    def online(self) -> Optional[bool]:
        """Field ``online``."""
        v = self._get("online")
        return v if isinstance(v, bool) else None

    def __repr__(self) -> str:
        flags = ",".join((m.name or "").lower() for m in EffectFlag if m in self.flags)
        return (f"<Effect {self.key} {self.kind.value} {self.subject_kind.value}={self.subject}"
                f"{' ' + repr(self.fields) if self.fields else ''}{' [' + flags + ']' if flags else ''}>")


_FLAGS: dict[int, EffectFlag] = {}


def _flags(bits: int) -> EffectFlag:
    """EffectFlag of a bit set, cached: building a Flag value is slow."""
    flag = _FLAGS.get(bits)
    if flag is None:
        flag = _FLAGS[bits] = EffectFlag(bits)
    return flag


def _effects(lst: Any) -> tuple[Effect, ...]:
    """Every effect of a C effect list (which the caller keeps alive), copied
    out by _fast: each Effect with all its attributes and fields."""
    return _fast.effects(lst)


def load_effects(data: Union[str, bytes], *,
                 max_document_size: Optional[int] = None) -> tuple[Effect, ...]:
    """Reads an effects document (YAML or JSON, as ``edition apply
    --effects-out`` or a host stored it) back into Effects, as strictly as
    a state file: raises ParseError or SchemaError with ``line`` and
    ``column``."""
    lst = ffi.gc(_load(lib.ed_effects_load_yaml, "ed_effect_list", data, max_document_size), lib.ed_effects_free)
    return _effects(lst)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A command and its arguments as a value, for ``Instance.apply`` and ``preview``.

    ``kind`` and the enum arguments accept members or stable names:
    ``Command("add_topic", name="orders")``. Arguments the kind does not
    take are refused with InvalidArgument; a required one that is missing
    is refused when the command runs (as libedition does).
    """

    kind: CommandKind
    period_months: Optional[int] = None
    action: Optional[Action] = None
    allow_data_loss: Optional[bool] = None
    name: Optional[str] = None
    mode: Optional[PlanMode] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", coerce(CommandKind, self.kind, "kind"))
        if self.action is not None:
            object.__setattr__(self, "action", coerce(Action, self.action, "action"))
        if self.mode is not None:
            object.__setattr__(self, "mode", coerce(PlanMode, self.mode, "mode"))
        for arg in Arg:
            if getattr(self, arg.value) is not None and not lib.ed_command_kind_takes(
                    to_c(self.kind), to_c(arg)):
                raise InvalidArgument(f"command {self.kind.value} takes no argument {arg.value}")

    def _to_c(self) -> Any:
        cmd = lib.ed_command_new(to_c(self.kind))
        if cmd == _NULL:
            raise MemoryError("libedition: out of memory")
        cmd = ffi.gc(cmd, lib.ed_command_free)
        ints: list[tuple[Arg, int]] = []
        if self.period_months is not None:
            ints.append((Arg.PERIOD_MONTHS, _int(self.period_months, "period_months")))
        if self.action is not None:
            ints.append((Arg.ACTION, to_c(self.action)))
        if self.allow_data_loss is not None:
            ints.append((Arg.ALLOW_DATA_LOSS, int(bool(self.allow_data_loss))))
        if self.mode is not None:
            ints.append((Arg.MODE, to_c(self.mode)))
        for arg, value in ints:
            lib.ed_command_set_int(cmd, to_c(arg), max(-(2**63), min(2**63 - 1, value)))
        if self.name is not None:
            if lib.ed_command_set_string(cmd, to_c(Arg.NAME), _bytes(self.name, "name")) != _OK:
                raise MemoryError("libedition: out of memory")
        return cmd

    @classmethod
    def _from_c(cls, cmd: Any) -> Command:
        kind = from_c(CommandKind, lib.ed_command_kind_of(cmd))
        args: dict[str, Any] = {}
        n = ffi.new("int64_t *")
        for arg in Arg:
            if not lib.ed_command_kind_takes(to_c(kind), to_c(arg)):
                continue
            if arg is Arg.NAME:
                args["name"] = _opt_str(lib.ed_command_get_string(cmd, to_c(arg)))
            elif lib.ed_command_get_int(cmd, to_c(arg), n):
                v = int(n[0])
                if arg is Arg.ACTION:
                    args["action"] = from_c(Action, v)
                elif arg is Arg.MODE:
                    args["mode"] = from_c(PlanMode, v)
                elif arg is Arg.ALLOW_DATA_LOSS:
                    args["allow_data_loss"] = bool(v)
                else:
                    args[arg.value] = v
        return cls(kind, **args)

    def __repr__(self) -> str:
        def show(v: object) -> str:
            return repr(v.value) if isinstance(v, (Action, PlanMode)) else repr(v)

        args = "".join(f", {a.value}={show(getattr(self, a.value))}" for a in Arg
                       if getattr(self, a.value) is not None)
        return f"Command({self.kind.value!r}{args})"


@dataclass(frozen=True)
class PlanStep:
    """One step of a downgrade plan: a command, with its action or time where it has one."""

    command: CommandKind
    action: Optional[Action] = None
    at: Optional[datetime] = None


@dataclass(frozen=True)
class Result:
    """An accepted command: the new snapshot and the effects, in the order to carry them out.

    ``plan`` holds the steps of a ``plan_downgrade``, and is empty otherwise.
    """

    instance: Instance
    effects: tuple[Effect, ...] = ()
    plan: tuple[PlanStep, ...] = ()


def _plan(r: Any) -> tuple[PlanStep, ...]:
    steps = []
    a = ffi.new("ed_action *")
    t = ffi.new("ed_time *")
    for i in range(lib.ed_result_plan_count(r)):
        steps.append(PlanStep(
            command=from_c(CommandKind, lib.ed_result_plan_command(r, i)),
            action=from_c(Action, a[0]) if lib.ed_result_plan_action(r, i, a) else None,
            at=from_ed_time(t[0]) if lib.ed_result_plan_at(r, i, t) else None,
        ))
    return tuple(steps)


#: How libedition's data_loss_refused message names the option (rules.md's
#: name, which the CLI spells --allow-data-loss), and how Python spells it
#: (docs/semantics.md, "Bindings' arguments").
_LIBRARY_ALLOW = "pass allow-data-loss"
_PYTHON_ALLOW = "pass allow_data_loss=True"


def _outcome(r: Any, base: Optional[Instance], free: bool = True) -> Union[Result, EditionError]:
    """Reads a C result into Python values, and frees it unless `free` is false."""
    try:
        status = lib.ed_result_status(r)
        if status != _OK:
            code = from_c(Status, status)
            message = _str(lib.ed_result_message(r))
            would: tuple[Effect, ...] = ()
            if code is Status.DATA_LOSS_REFUSED:
                would = _effects(lib.ed_result_would_have(r))
                message = message.replace(_LIBRARY_ALLOW, _PYTHON_ALLOW)
            return make_error(code, message, would_have=would)
        p = lib.ed_result_instance(r)
        if base is not None and p == base._ptr:
            inst = base
        else:
            inst = Instance._adopt(p)
        effects = _effects(lib.ed_result_effects(r))
        plan = _plan(r) if lib.ed_result_plan_count(r) else ()
        return Result(inst, effects, plan)
    finally:
        if free:
            lib.ed_result_free(r)


def _checked(r: Any, base: Optional[Instance]) -> Result:
    out = _outcome(r, base)
    if isinstance(out, EditionError):
        raise out
    return out


def _slow(r: Any, base: Instance, checked: bool) -> Union[Result, EditionError]:
    """What _fast.run hands back (a cffi ``ed_result *``): a refusal, a plan or a NULL result."""
    return _checked(r, base) if checked else _outcome(r, base)


#: The commands' ed_command_kind values, as the compiler gave them to
#: libedition._cffi; read once, as a global costs a third of an attribute of lib.
_CMD_UPGRADE = lib.ED_CMD_UPGRADE
_CMD_SET_POST_EXPIRATION_ACTION = lib.ED_CMD_SET_POST_EXPIRATION_ACTION
_CMD_REFUND = lib.ED_CMD_REFUND
_CMD_RENEW = lib.ED_CMD_RENEW
_CMD_TICK = lib.ED_CMD_TICK
_CMD_ADD_TOPIC = lib.ED_CMD_ADD_TOPIC
_CMD_REMOVE_TOPIC = lib.ED_CMD_REMOVE_TOPIC
_CMD_ADD_GROUP = lib.ED_CMD_ADD_GROUP
_CMD_REMOVE_GROUP = lib.ED_CMD_REMOVE_GROUP
_CMD_COMPLETE_MIGRATION = lib.ED_CMD_COMPLETE_MIGRATION
_CMD_DOWNGRADE = lib.ED_CMD_DOWNGRADE
_CMD_PLAN_DOWNGRADE = lib.ED_CMD_PLAN_DOWNGRADE
_run = _fast.run
_apply = _fast.apply
#: C value of each Action and PlanMode, keyed by member (equal to its stable name).
_ACTION_C: dict[object, int] = {m: to_c(m) for m in Action}
_MODE_C: dict[object, int] = {m: to_c(m) for m in PlanMode}


def _code(codes: dict[object, int], cls: type[enum.Enum], value: object) -> Optional[int]:
    """The C value of a member or stable name of cls; None for any other value."""
    try:
        return codes[value]
    except (KeyError, TypeError):
        found = member(cls, value)
        return None if found is None else to_c(found)


#: The value handed to libedition for an action or mode it does not know: it
#: names none, and the library refuses it in its order (released and
#: clock_skew first, the arguments after the snapshot's checks).
_UNKNOWN = -1


def _run_unknown(kind: int, inst: Instance, now: datetime, arg: str, value: object) -> Result:
    """Runs the command of ed_command_kind `kind` with a value the library does
    not know for `arg`, so that the refusal comes in the library's order; its
    message names the value as given."""
    try:
        return _run(kind, inst, now, _UNKNOWN, True)
    except InvalidArgument as e:
        shown = f"{arg} {_UNKNOWN}"
        if shown not in e.message:
            raise
        raise InvalidArgument(e.message.replace(shown, f"{arg} {value!r}", 1)) from None


def _run_missing(inst: Instance, now: datetime, kind: CommandKind) -> Result:
    """Runs a command of `kind` without its required argument (the caller
    passed None): refused as libedition refuses a Command or a scenario step
    that lacks it, InvalidArgument "<kind> needs the argument <arg>"."""
    return inst.apply(now, Command(kind))


# --------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------


def _buffer_text(write: Callable[[Any], int]) -> str:
    buf = ffi.gc(lib.ed_buffer_new(), lib.ed_buffer_free)
    if buf == _NULL:
        raise MemoryError("libedition: out of memory")
    status = write(buf)
    if status != _OK:
        raise make_error(from_c(Status, status), "writing YAML failed")
    return str(ffi.unpack(lib.ed_buffer_data(buf), lib.ed_buffer_len(buf)).decode("utf-8"))


def _load(loader: Callable[..., int], out_type: str, data: Union[str, bytes],
          max_document_size: Optional[int]) -> Any:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected str or bytes, not {type(data).__name__}")
    raw = bytes(data)
    opts = _options(max_document_size=max_document_size) if max_document_size is not None else _NULL
    out = ffi.new(out_type + " **")
    err = ffi.new("ed_error **")
    status = loader(out, raw, len(raw), opts, err)
    if status != _OK:
        e = err[0]
        try:
            if e == _NULL:
                raise make_error(from_c(Status, status), "loading failed")
            raise make_error(from_c(Status, lib.ed_error_status(e)), _str(lib.ed_error_message(e)),
                             line=int(lib.ed_error_line(e)), column=int(lib.ed_error_column(e)))
        finally:
            lib.ed_error_free(e)
    return out[0]


class Instance(_fast.Snapshot):
    """An immutable snapshot of one ApsaraMQ for RocketMQ instance.

    Make one with ``Instance.create_standard``, ``create_enterprise_platinum``
    or ``load_yaml``. Every command is a method taking ``now`` (a
    timezone-aware datetime) first; it returns a ``Result`` whose
    ``instance`` is the new snapshot, or raises a subclass of EditionError
    and changes nothing. Snapshots compare by value, hash by value, and may
    be shared between threads. The C memory is released when the object is
    garbage-collected.
    """

    # The snapshot itself is held by _fast.Snapshot, which releases it when
    # the object goes; ``_ptr`` is it as a cffi pointer.
    __slots__ = ("__weakref__",)

    def __init__(self) -> None:
        raise TypeError("use Instance.create_standard, Instance.create_enterprise_platinum "
                        "or Instance.load_yaml")

    @classmethod
    def _adopt(cls, ptr: Any) -> Instance:
        """A new Instance holding its own reference to a C snapshot (a cffi
        ``ed_instance *`` the caller keeps its reference to)."""
        return _fast.adopt(ptr)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Instance is immutable: every command returns a new snapshot")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Instance is immutable")

    def __copy__(self) -> Instance:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Instance:
        return self

    def __reduce__(self) -> tuple[Callable[[str], Instance], tuple[str]]:
        return (Instance.load_yaml, (self.dump_yaml(),))

    # -- constructors --------------------------------------------------------

    @classmethod
    def create_standard(cls, id: str, endpoint: str, now: datetime, *,
                        region: Optional[str] = None,
                        release_delay_days: Optional[int] = None) -> Instance:
        """A new Standard Edition instance: active, revision 0 (creation has no effects).

        Raises InvalidName for a bad ID or region, InvalidArgument for a bad
        endpoint or a release delay outside 0..30.
        """
        opts = _options(region=region, release_delay_days=release_delay_days)
        r = lib.ed_create_standard(_bytes(id, "id"), _bytes(endpoint, "endpoint"),
                                   to_ed_time(now), opts)
        return _checked(r, None).instance

    @classmethod
    def create_enterprise_platinum(cls, id: str, endpoint: str, now: datetime,
                                   period_months: int, *, region: Optional[str] = None,
                                   release_delay_days: Optional[int] = None) -> Instance:
        """A new Enterprise Platinum instance subscribed from ``now`` for 1..36 months.

        ``period_months`` is required: how long to subscribe is a billing
        decision the binding does not take (None raises InvalidArgument).
        Its post-expiration action is delete_resource (S10: creation takes no
        action); schedule the first timer at the new snapshot's next_deadline.
        """
        if period_months is None:
            raise InvalidArgument("create_enterprise_platinum needs the argument period_months")
        opts = _options(region=region, release_delay_days=release_delay_days)
        r = lib.ed_create_enterprise_platinum(_bytes(id, "id"), _bytes(endpoint, "endpoint"),
                                              to_ed_time(now),
                                              _c_int(_int(period_months, "period_months")), opts)
        return _checked(r, None).instance

    @classmethod
    def load_yaml(cls, data: Union[str, bytes], *, max_document_size: Optional[int] = None) -> Instance:
        """Loads a state file (docs/formats.md) from text or bytes.

        The bytes go to libedition's loader unchanged, so a JSON document
        loads wherever the loaded library accepts JSON. Raises ParseError,
        SchemaError or LimitExceeded with ``line`` and ``column`` of the
        offending node.
        """
        ptr = _load(lib.ed_instance_load_yaml, "ed_instance", data, max_document_size)
        try:
            return cls._adopt(ptr)
        finally:
            lib.ed_instance_free(ptr)

    def dump_yaml(self) -> str:
        """The state file of this snapshot (full form; loads back equal)."""
        return _buffer_text(lambda buf: lib.ed_instance_dump_yaml(self._ptr, buf))

    def dump_json(self) -> str:
        """The state file of this snapshot as one line of JSON (same fields and
        order as dump_yaml; ``load_yaml`` reads it back equal)."""
        return _buffer_text(lambda buf: lib.ed_instance_dump_json(self._ptr, buf))

    # -- properties ----------------------------------------------------------

    @property
    def id(self) -> str:
        """The instance ID (never changes, S3)."""
        return _str(lib.ed_instance_id(self._ptr))

    @property
    def endpoint(self) -> str:
        """The endpoint (never changes, S3)."""
        return _str(lib.ed_instance_endpoint(self._ptr))

    @property
    def region(self) -> Optional[str]:
        """The region, or None when none is recorded."""
        return _opt_str(lib.ed_instance_region(self._ptr))

    @property
    def edition(self) -> Edition:
        """Standard or Enterprise Platinum."""
        return from_c(Edition, lib.ed_instance_edition(self._ptr))

    @property
    def billing(self) -> Billing:
        """Billing method, derived from the edition (S1)."""
        return from_c(Billing, lib.ed_instance_billing(self._ptr))

    @property
    def cluster(self) -> Cluster:
        """Cluster type, derived from the edition (S2)."""
        return from_c(Cluster, lib.ed_instance_cluster(self._ptr))

    @property
    def lifecycle(self) -> Lifecycle:
        """Active, expired or released."""
        return from_c(Lifecycle, lib.ed_instance_lifecycle(self._ptr))

    @property
    def revision(self) -> int:
        """Moves by one for every accepted transition that changes the snapshot."""
        return int(lib.ed_instance_revision(self._ptr))

    @property
    def created_at(self) -> datetime:
        """When the instance was created (UTC)."""
        return from_ed_time(lib.ed_instance_created_at(self._ptr))

    @property
    def updated_at(self) -> datetime:
        """When the last transition that changed the snapshot happened (UTC)."""
        return from_ed_time(lib.ed_instance_updated_at(self._ptr))

    @property
    def release_delay_days(self) -> int:
        """Days between expiry and release, 0..30 (S14)."""
        return int(lib.ed_instance_release_delay_days(self._ptr))

    @property
    def subscription(self) -> Optional[Subscription]:
        """The Enterprise Platinum subscription, or None on Standard Edition."""
        s = ffi.new("ed_time[2]")
        n = ffi.new("int *")
        a = ffi.new("ed_action *")
        if not lib.ed_instance_subscription(self._ptr, s, s + 1, n, a):
            return None
        return Subscription(from_ed_time(s[0]), from_ed_time(s[1]), int(n[0]), from_c(Action, a[0]))

    @property
    def release_at(self) -> Optional[datetime]:
        """When an expired instance is released; None unless expired."""
        t = ffi.new("ed_time *")
        return from_ed_time(t[0]) if lib.ed_instance_release_at(self._ptr, t) else None

    @property
    def migration(self) -> Optional[Migration]:
        """The migration in flight, or None."""
        c = ffi.new("ed_cluster[2]")
        t = ffi.new("ed_time *")
        if not lib.ed_instance_migration(self._ptr, c, c + 1, t):
            return None
        return Migration(from_c(Cluster, c[0]), from_c(Cluster, c[1]), from_ed_time(t[0]))

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic names in insertion order."""
        p = self._ptr
        return tuple(_str(lib.ed_instance_topic(p, i)) for i in range(lib.ed_instance_topic_count(p)))

    @property
    def groups(self) -> tuple[str, ...]:
        """Consumer group IDs in insertion order."""
        p = self._ptr
        return tuple(_str(lib.ed_instance_group(p, i)) for i in range(lib.ed_instance_group_count(p)))

    def has_topic(self, name: str) -> bool:
        """Whether a topic of that name exists (constant time)."""
        return bool(lib.ed_instance_has_topic(self._ptr, _bytes(name, "name")))

    def has_group(self, name: str) -> bool:
        """Whether a group of that ID exists (constant time)."""
        return bool(lib.ed_instance_has_group(self._ptr, _bytes(name, "name")))

    @property
    def next_deadline(self) -> Optional[datetime]:
        """When ``tick`` next has something to do (may be past: then tick now); None if never."""
        t = ffi.new("ed_time *")
        return from_ed_time(t[0]) if lib.ed_instance_next_deadline(self._ptr, t) else None

    # -- value semantics -----------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return bool(lib.ed_instance_equal(self._ptr, other._ptr))

    def __hash__(self) -> int:
        return hash((self.id, self.revision, lib.ed_instance_updated_at(self._ptr)))

    def __repr__(self) -> str:
        parts = [f"{self.id}", self.edition.value, self.lifecycle.value, f"rev {self.revision}"]
        sub = self.subscription
        if sub is not None:
            parts.append(f"expires {format_time(sub.expires_at)} then {sub.post_expiration_action.value}")
        rel = self.release_at
        if rel is not None:
            parts.append(f"release {format_time(rel)}")
        mig = self.migration
        if mig is not None:
            parts.append(f"migrating {mig.from_.value}->{mig.to.value}")
        parts.append(f"topics {list(self.topics)}")
        parts.append(f"groups {list(self.groups)}")
        return "<Instance " + " ".join(parts) + ">"

    # -- commands ------------------------------------------------------------

    def upgrade(self, now: datetime, period_months: int) -> Result:
        """Upgrade in place to Enterprise Platinum for 1..36 months (S2-S5, S7).

        ``period_months`` is required (a billing decision): None is refused
        as a Command without it is, with InvalidArgument.
        """
        if period_months is None:
            return _run_missing(self, now, CommandKind.UPGRADE)
        return _run(_CMD_UPGRADE, self, now, period_months, True)

    def set_post_expiration_action(self, now: datetime, action: Union[Action, str]) -> Result:
        """Set what happens at expiry (S8-S10); the current value is accepted with no effects.

        An unknown action name is refused in libedition's order: Released,
        ClockSkew, NotSubscription, ... come first, then InvalidArgument.
        """
        code = _code(_ACTION_C, Action, action)
        if code is None:
            if action is None:
                return _run_missing(self, now, CommandKind.SET_POST_EXPIRATION_ACTION)
            return _run_unknown(_CMD_SET_POST_EXPIRATION_ACTION, self, now, "action", action)
        return _run(_CMD_SET_POST_EXPIRATION_ACTION, self, now, code, True)

    def refund(self, now: datetime, allow_data_loss: bool = False) -> Result:
        """Unsubscribe now with a partial refund (S11-S13).

        With the action delete_resource this deletes every topic and group,
        and raises DataLossRefused (carrying ``would_have``) unless
        ``allow_data_loss`` is true (X3).
        """
        if not allow_data_loss:
            return _run(_CMD_REFUND, self, now, None, True)
        opts = _options(allow_data_loss=True)
        return _run(_CMD_REFUND, self, now, opts, True)

    def renew(self, now: datetime, period_months: int) -> Result:
        """Extend the subscription by 1..36 months; also revives an expired instance (X4).

        ``period_months`` is required (a billing decision): None is refused
        as a Command without it is, with InvalidArgument.
        """
        if period_months is None:
            return _run_missing(self, now, CommandKind.RENEW)
        return _run(_CMD_RENEW, self, now, period_months, True)

    def tick(self, now: datetime) -> Result:
        """Apply every expiry and release due at ``now``, one revision each (X6)."""
        return _run(_CMD_TICK, self, now, None, True)

    def add_topic(self, now: datetime, name: str) -> Result:
        """Add a topic (X1: 3..64 of A-Z a-z 0-9 - _); effect topic.create."""
        if name is None:
            return _run_missing(self, now, CommandKind.ADD_TOPIC)
        return _run(_CMD_ADD_TOPIC, self, now, name, True)

    def remove_topic(self, now: datetime, name: str) -> Result:
        """Remove a topic; effect topic.delete (irreversible, the caller's explicit consent)."""
        if name is None:
            return _run_missing(self, now, CommandKind.REMOVE_TOPIC)
        return _run(_CMD_REMOVE_TOPIC, self, now, name, True)

    def add_group(self, now: datetime, name: str) -> Result:
        """Add a consumer group (X1: 2..64 characters); effect group.create."""
        if name is None:
            return _run_missing(self, now, CommandKind.ADD_GROUP)
        return _run(_CMD_ADD_GROUP, self, now, name, True)

    def remove_group(self, now: datetime, name: str) -> Result:
        """Remove a consumer group; effect group.delete (irreversible)."""
        if name is None:
            return _run_missing(self, now, CommandKind.REMOVE_GROUP)
        return _run(_CMD_REMOVE_GROUP, self, now, name, True)

    def complete_migration(self, now: datetime) -> Result:
        """End the migration in flight (no effects); NoMigration without one."""
        return _run(_CMD_COMPLETE_MIGRATION, self, now, None, True)

    def downgrade(self, now: datetime) -> Result:
        """Always raises NoDirectDowngrade (S6): use plan_downgrade for the safe way down."""
        return _run(_CMD_DOWNGRADE, self, now, None, True)

    def plan_downgrade(self, now: datetime, mode: Union[PlanMode, str]) -> Result:
        """The commands that reach Standard Edition without deleting anything (X2).

        ``mode`` (``PlanMode.IMMEDIATE`` or ``PlanMode.AT_EXPIRY``) is
        required; an unknown name is refused in libedition's order (Released,
        ClockSkew, NotSubscription, Expired first, then InvalidArgument).
        Changes nothing: the result's ``instance`` is this snapshot and its
        ``plan`` lists the steps (PlanStep) in order.
        """
        code = _code(_MODE_C, PlanMode, mode)
        if code is None:
            if mode is None:
                return _run_missing(self, now, CommandKind.PLAN_DOWNGRADE)
            return _run_unknown(_CMD_PLAN_DOWNGRADE, self, now, "mode", mode)
        return _run(_CMD_PLAN_DOWNGRADE, self, now, code, True)

    def apply(self, now: datetime, command: Command) -> Result:
        """Run a Command value; the same as calling the matching method."""
        if not isinstance(command, Command):
            raise TypeError(f"command must be a Command, not {type(command).__name__}")
        cmd = command._to_c()  # alive until apply returns
        return _apply(self, now, cmd, True)

    def preview(self, now: datetime, command: Command) -> Union[Result, EditionError]:
        """Run a Command and return its Result or its refusal (an EditionError) as a value.

        Nothing is committed either way: snapshots are values. Keys in a
        preview are those the effects would have if this result were
        committed next.
        """
        if not isinstance(command, Command):
            raise TypeError(f"command must be a Command, not {type(command).__name__}")
        cmd = command._to_c()  # alive until apply returns
        return _apply(self, now, cmd, False)


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioStep:
    """One timed step of a scenario file: when, what, and its line in the file."""

    at: datetime
    command: Command
    line: int


@dataclass(frozen=True)
class StepRecord:
    """What one step of ``Scenario.simulate`` did.

    ``outcome`` is the Result or the refusal; ``instance`` is the current
    snapshot after the step (the previous one after a refusal); ``yaml`` is
    the step document ``edition simulate`` prints for it.
    """

    number: int
    at: datetime
    command: Command
    outcome: Union[Result, EditionError]
    instance: Instance
    yaml: str

    @property
    def status(self) -> Status:
        """``Status.OK`` or the refusal's code."""
        return self.outcome.code if isinstance(self.outcome, EditionError) else Status.OK

    @property
    def effects(self) -> tuple[Effect, ...]:
        """The effects of an accepted step (empty after a refusal)."""
        return self.outcome.effects if isinstance(self.outcome, Result) else ()

    @property
    def next_deadline(self) -> Optional[datetime]:
        """The next deadline of the current snapshot after the step."""
        return self.instance.next_deadline


class Scenario:
    """An initial snapshot and timed steps (docs/formats.md), for ``simulate``."""

    __slots__ = ("_ptr", "__weakref__")
    _ptr: Any

    def __init__(self) -> None:
        raise TypeError("use Scenario.load_yaml")

    @classmethod
    def load_yaml(cls, data: Union[str, bytes], *, max_document_size: Optional[int] = None) -> Scenario:
        """Loads and validates a whole scenario file from text or bytes."""
        ptr = _load(lib.ed_scenario_load_yaml, "ed_scenario", data, max_document_size)
        obj = object.__new__(cls)
        object.__setattr__(obj, "_ptr", ffi.gc(ptr, lib.ed_scenario_free))
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Scenario is immutable")

    @property
    def instance(self) -> Instance:
        """The initial snapshot."""
        return Instance._adopt(lib.ed_scenario_instance(self._ptr))

    @property
    def steps(self) -> tuple[ScenarioStep, ...]:
        """The steps, in file order."""
        p = self._ptr
        return tuple(ScenarioStep(from_ed_time(lib.ed_scenario_step_at(p, i)),
                                  Command._from_c(lib.ed_scenario_step_command(p, i)),
                                  int(lib.ed_scenario_step_line(p, i)))
                     for i in range(lib.ed_scenario_step_count(p)))

    def simulate(self) -> Iterator[StepRecord]:
        """Runs the steps in order from the initial snapshot, yielding one StepRecord per step.

        A refused step leaves the current snapshot as it was, as ``edition
        simulate`` does.
        """
        p = self._ptr
        current = self.instance
        for i in range(lib.ed_scenario_step_count(p)):
            cmd = lib.ed_scenario_step_command(p, i)
            at = lib.ed_scenario_step_at(p, i)
            r = lib.ed_command_apply(cmd, current._ptr, at)
            try:
                outcome = _outcome(r, current, free=False)
                after = outcome.instance if isinstance(outcome, Result) else current
                text = _buffer_text(lambda buf: lib.ed_step_dump_yaml(
                    buf, i + 1, at, cmd, r, after._ptr))
            finally:
                lib.ed_result_free(r)
            yield StepRecord(i + 1, from_ed_time(at), Command._from_c(cmd), outcome, after, text)
            current = after


# --------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """Parses an RFC 3339 time with whole seconds (``ed_time_parse``) into a UTC datetime."""
    raw = _bytes(text, "text")
    out = ffi.new("ed_time *")
    status = lib.ed_time_parse(raw, len(raw), out)
    if status != _OK:
        raise make_error(from_c(Status, status), f"{text!r} is not an RFC 3339 time with whole seconds")
    return from_ed_time(out[0])


def format_time(value: datetime) -> str:
    """Formats a timezone-aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (``ed_time_format``)."""
    buf = ffi.new("char[]", ED_TIME_BUFSIZE)
    lib.ed_time_format(to_ed_time(value, "value"), buf, ED_TIME_BUFSIZE)
    return _str(buf)


def add_months(value: datetime, months: int) -> datetime:
    """Calendar arithmetic in UTC, the day clamped to the month's end (``ed_time_add_months``)."""
    out = ffi.new("ed_time *")
    status = lib.ed_time_add_months(to_ed_time(value, "value"), _c_int(_int(months, "months")), out)
    if status != _OK:
        raise make_error(from_c(Status, status), "the result lies outside the years 0000..9999")
    return from_ed_time(out[0])


# --------------------------------------------------------------------------
# The hot path in C
# --------------------------------------------------------------------------


def _setup_fast() -> None:
    """Hands _fast the ffi whose pointer types it checks (libedition._cffi's),
    the classes it builds and the Python checks it defers to. _fast accepts
    this once."""
    _fast.setup(
        ffi, Effect, FieldMap, Result, Instance,
        {to_c(m): m for m in EffectKind}, {to_c(m): m for m in SubjectKind}, _FLAGS, _flags,
        tuple((f, to_c(f), FIELD_TYPE[f]) for f in Field), FieldMap(),
        to_ed_time, from_ed_time,
        lambda v: _c_int(_int(v, "period_months")), lambda v: _bytes(v, "name"),
        _slow,
    )


_setup_fast()
