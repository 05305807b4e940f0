"""Unit tests of every public name of the libedition package."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import libedition as le
from libedition import _native

REPO = Path(__file__).resolve().parents[3]
UTC = timezone.utc
T0 = datetime(2026, 1, 5, tzinfo=UTC)
ID, ENDPOINT = "MQ_INST_1", "http://mq.example.com:8080"


def standard(**kw: object) -> le.Instance:
    return le.Instance.create_standard(ID, ENDPOINT, T0, **kw)  # type: ignore[arg-type]


def platinum(months: int = 1) -> le.Instance:
    return le.Instance.create_enterprise_platinum(ID, ENDPOINT, T0, months)


def populated() -> le.Instance:
    i = standard()
    i = i.add_topic(T0, "orders").instance
    i = i.add_topic(T0, "payments").instance
    return i.add_group(T0, "GID_billing").instance


# -- loading and version ------------------------------------------------------


def test_version_and_library_path() -> None:
    assert le.version() == _native.library_version
    major, minor, _ = _native.parse_version(le.version())
    assert (major, minor) >= le.WRITTEN_FOR and major == le.WRITTEN_FOR[0]
    assert Path(le.library_path).name.startswith("libedition.so.1") or "libedition" in le.library_path


def test_version_check_accepts_later_minors_only() -> None:
    major, minor = le.WRITTEN_FOR
    assert _native.version_acceptable((major, minor, 0))
    assert _native.version_acceptable((major, minor + 3, 7))
    assert not _native.version_acceptable((major + 1, 0, 0))
    if minor > 0:
        assert not _native.version_acceptable((major, minor - 1, 9))
    assert _native.parse_version("0.2.1-rc1") == (0, 2, 1)
    with pytest.raises(ValueError):
        _native.parse_version("one.two")


# -- enumerations -------------------------------------------------------------


@pytest.mark.parametrize("cls, names", [
    (le.Edition, {"standard", "enterprise_platinum"}),
    (le.Billing, {"pay_as_you_go", "subscription"}),
    (le.Cluster, {"shared", "dedicated"}),
    (le.Lifecycle, {"active", "expired", "released"}),
    (le.Action, {"delete_resource", "downgrade_to_standard"}),
    (le.PlanMode, {"immediate", "at_expiry"}),
    (le.SubjectKind, {"instance", "topic", "group"}),
    (le.Arg, {"period_months", "action", "allow_data_loss", "name", "mode"}),
])
def test_enum_values_are_the_stable_names(cls: type, names: set[str]) -> None:
    assert {m.value for m in cls} == names
    for n in names:
        member = cls(n)
        assert member == n and str(member) == n
        assert member.name == n.upper()


def test_status_command_kind_effect_kind_and_field_names() -> None:
    assert len(le.Status) == 21 and le.Status("data_loss_refused") is le.Status.DATA_LOSS_REFUSED
    assert le.Status.OK.value == "ok"
    assert le.CommandKind("set_post_expiration_action") is le.CommandKind.SET_POST_EXPIRATION_ACTION
    assert len(le.CommandKind) == 12
    assert le.EffectKind("billing.convert") is le.EffectKind.BILLING_CONVERT
    assert len(le.EffectKind) == 19
    assert [f.value for f in le.Field] == ["from", "to", "at", "period_months", "expires_at",
                                           "refund", "unused_from", "unused_until", "timer",
                                           "online"]


def test_effect_flag_is_a_flag() -> None:
    both = le.EffectFlag.IRREVERSIBLE | le.EffectFlag.BILLING
    assert le.EffectFlag.IRREVERSIBLE in both and le.EffectFlag.NOTICE not in both
    assert [f.name for f in (le.EffectFlag.IRREVERSIBLE, le.EffectFlag.DISRUPTIVE,
                             le.EffectFlag.BILLING, le.EffectFlag.NOTICE)] == \
        ["IRREVERSIBLE", "DISRUPTIVE", "BILLING", "NOTICE"]
    assert le.EffectFlag.NOTICE.stable_name == "notice"
    assert not le.EffectFlag(0)


# -- time ---------------------------------------------------------------------


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        le.Instance.create_standard(ID, ENDPOINT, datetime(2026, 1, 5))
    with pytest.raises(ValueError, match="naive"):
        standard().tick(datetime(2026, 1, 6))
    with pytest.raises(TypeError):
        standard().tick("2026-01-06T00:00:00Z")  # type: ignore[arg-type]


def test_times_are_utc_and_offsets_are_applied() -> None:
    plus8 = timezone(timedelta(hours=8))
    i = le.Instance.create_standard(ID, ENDPOINT, datetime(2026, 1, 5, 8, tzinfo=plus8))
    assert i.created_at == T0 and i.created_at.tzinfo is UTC


def test_parse_format_add_months() -> None:
    assert le.parse_time("2026-02-01T08:00:00+08:00") == datetime(2026, 2, 1, tzinfo=UTC)
    assert le.format_time(datetime(2026, 2, 1, tzinfo=UTC)) == "2026-02-01T00:00:00Z"
    assert le.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert le.add_months(datetime(2028, 1, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert le.add_months(datetime(2026, 3, 31, 5, tzinfo=UTC), -1) == datetime(2026, 2, 28, 5, tzinfo=UTC)
    with pytest.raises(le.ParseError):
        le.parse_time("2026-02-01T00:00:00.5Z")
    with pytest.raises(le.InvalidArgument):
        le.add_months(datetime(9999, 12, 1, tzinfo=UTC), 1)


# -- snapshots ----------------------------------------------------------------


def test_create_standard_properties() -> None:
    i = standard(region="cn-hangzhou", release_delay_days=3)
    assert (i.id, i.endpoint, i.region) == (ID, ENDPOINT, "cn-hangzhou")
    assert i.edition is le.Edition.STANDARD and i.billing is le.Billing.PAY_AS_YOU_GO
    assert i.cluster is le.Cluster.SHARED and i.lifecycle is le.Lifecycle.ACTIVE
    assert i.revision == 0 and i.created_at == i.updated_at == T0
    assert i.release_delay_days == 3
    assert i.subscription is None and i.release_at is None and i.migration is None
    assert i.topics == () and i.groups == () and i.next_deadline is None
    assert standard().region is None and standard().release_delay_days == 7


def test_create_enterprise_platinum_properties() -> None:
    i = platinum(2)
    assert i.edition is le.Edition.ENTERPRISE_PLATINUM and i.billing is le.Billing.SUBSCRIPTION
    assert i.cluster is le.Cluster.DEDICATED
    assert i.subscription == le.Subscription(T0, datetime(2026, 3, 5, tzinfo=UTC), 2,
                                             le.Action.DELETE_RESOURCE)
    assert i.next_deadline == datetime(2026, 3, 5, tzinfo=UTC)


def test_create_refusals() -> None:
    with pytest.raises(le.InvalidName) as e:
        le.Instance.create_standard("bad id", ENDPOINT, T0)
    assert isinstance(e.value, ValueError) and e.value.code is le.Status.INVALID_NAME
    with pytest.raises(le.InvalidArgument):
        le.Instance.create_standard(ID, "", T0)
    with pytest.raises(le.InvalidArgument):
        standard(release_delay_days=31)
    with pytest.raises(le.InvalidName):
        standard(region="has space")
    with pytest.raises(le.InvalidPeriod):
        le.Instance.create_enterprise_platinum(ID, ENDPOINT, T0, 37)
    with pytest.raises(le.InvalidArgument):
        le.Instance.create_standard("a\0b", ENDPOINT, T0)
    with pytest.raises(TypeError):
        le.Instance()


def test_instances_are_immutable_values() -> None:
    a, b = populated(), populated()
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != standard() and a != "not an instance"
    with pytest.raises(AttributeError):
        a.revision = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a.id  # type: ignore[misc]
    assert copy.copy(a) is a and copy.deepcopy(a) is a
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.has_topic("orders") and not a.has_topic("GID_billing") and a.has_group("GID_billing")


def test_repr_is_readable() -> None:
    r = repr(populated().upgrade(T0, 1).instance)
    assert r.startswith("<Instance MQ_INST_1 enterprise_platinum active rev 4")
    assert "expires 2026-02-05T00:00:00Z then delete_resource" in r
    assert "migrating shared->dedicated" in r and "['orders', 'payments']" in r


@pytest.mark.parametrize("path", sorted((REPO / "examples" / "states").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_load_dump_round_trip(path: Path) -> None:
    text = path.read_text()
    i = le.Instance.load_yaml(text)
    assert i.dump_yaml() == text
    assert le.Instance.load_yaml(text.encode()) == i


def test_load_errors_carry_status_line_and_column() -> None:
    lines = [ln.split(maxsplit=4) for ln in (REPO / "tests/data/bad/EXPECTED").read_text().splitlines()
             if ln and not ln.startswith("#") and not ln.startswith("scenario-")]
    assert len(lines) > 10
    for name, status, line, column, text in lines:
        with pytest.raises(le.EditionError) as e:
            le.Instance.load_yaml((REPO / "tests/data/bad" / name).read_bytes())
        assert e.value.code.value == status, name
        assert (e.value.line, e.value.column) == (int(line), int(column)), name
        assert text in e.value.message, name
        assert isinstance(e.value, le.error_class(e.value.code))
    with pytest.raises(le.ParseError) as p:
        le.Instance.load_yaml("libedition: [")
    assert isinstance(p.value, ValueError) and "line" in str(p.value)
    with pytest.raises(le.LimitExceeded):
        le.Instance.load_yaml((REPO / "examples/states/standard.yaml").read_text(), max_document_size=10)
    with pytest.raises(TypeError):
        le.Instance.load_yaml(12)  # type: ignore[arg-type]


# -- commands -----------------------------------------------------------------


def test_upgrade_effects_in_order_s7() -> None:
    r = populated().upgrade(T0, period_months=1)
    assert [e.kind for e in r.effects] == [
        le.EffectKind.BILLING_CONVERT, le.EffectKind.TOPIC_MIGRATE, le.EffectKind.TOPIC_MIGRATE,
        le.EffectKind.CONSUMERS_REBALANCE, le.EffectKind.TIMER_SCHEDULE,
        le.EffectKind.TICKET_EXPERT_SERVICES, le.EffectKind.NOTICE_DELETE_ON_EXPIRY]
    convert = r.effects[0]
    assert convert.key == f"{ID}/4/0" and convert.revision == 4 and convert.index == 0
    assert convert.subject_kind is le.SubjectKind.INSTANCE and convert.subject == ID
    assert convert.from_ == "pay_as_you_go" and convert.to == "subscription"
    assert convert.at == T0 and convert.period_months == 1
    assert convert.expires_at == datetime(2026, 2, 5, tzinfo=UTC)
    assert convert.flags == le.EffectFlag.BILLING and convert.text
    assert convert.refund is None and convert.timer is None and convert.online is None
    assert convert.unused_from is None and convert.unused_until is None
    migrate = r.effects[1]
    assert migrate.subject_kind is le.SubjectKind.TOPIC and migrate.subject == "orders"
    assert migrate.online is True and dict(migrate.fields) == {
        "from": "shared", "to": "dedicated", "online": True}
    assert not any(le.EffectFlag.DISRUPTIVE in e.flags for e in r.effects)  # S4
    assert r.plan == ()
    assert r.instance.migration == le.Migration(le.Cluster.SHARED, le.Cluster.DEDICATED, T0)


def test_upgrade_period_and_refusals() -> None:
    assert standard().upgrade(T0, 12).instance.subscription.period_months == 12  # type: ignore[union-attr]
    with pytest.raises(le.AlreadyEnterprisePlatinum):
        platinum().upgrade(T0, 1)
    with pytest.raises(le.InvalidPeriod):
        standard().upgrade(T0, 0)
    down = platinum().set_post_expiration_action(T0, "downgrade_to_standard").instance.refund(T0)
    assert down.instance.migration == le.Migration(le.Cluster.DEDICATED, le.Cluster.SHARED, T0)
    with pytest.raises(le.MigrationInProgress):
        down.instance.upgrade(T0, 1)


def test_effect_is_frozen_and_hashable() -> None:
    e = populated().remove_topic(T0, "orders").effects[0]
    assert e.kind is le.EffectKind.TOPIC_DELETE and e.flags == le.EffectFlag.IRREVERSIBLE
    assert len(e.fields) == 0 and e.fields == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.key = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        e.fields["at"] = T0  # type: ignore[index]
    assert hash(e) == hash(dataclasses.replace(e)) and "topic.delete" in repr(e)


def test_field_map_by_enum_or_name() -> None:
    e = platinum().set_post_expiration_action(T0, "downgrade_to_standard").effects[0]
    assert e.fields[le.Field.FROM] == e.fields["from"] == "delete_resource"  # type: ignore[index]
    assert list(e.fields) == [le.Field.FROM, le.Field.TO] and len(e.fields) == 2
    assert isinstance(e.fields, le.FieldMap) and "from=" in repr(e.fields)


def test_set_post_expiration_action() -> None:
    i = platinum()
    same = i.set_post_expiration_action(T0, le.Action.DELETE_RESOURCE)
    assert same.instance is i and same.effects == ()
    r = i.set_post_expiration_action(T0, "downgrade_to_standard")
    assert [e.kind for e in r.effects] == [le.EffectKind.CONFIG_POST_EXPIRATION_ACTION]
    back = r.instance.set_post_expiration_action(T0, "delete_resource")
    assert [e.kind for e in back.effects] == [le.EffectKind.CONFIG_POST_EXPIRATION_ACTION,
                                             le.EffectKind.NOTICE_DELETE_ON_EXPIRY]
    with pytest.raises(le.InvalidArgument, match="action 'explode' is neither"):
        i.set_post_expiration_action(T0, "explode")
    with pytest.raises(le.NotSubscription):
        standard().set_post_expiration_action(T0, "delete_resource")
    with pytest.raises(le.ExpiryDue):
        i.set_post_expiration_action(T0 + timedelta(days=40), "downgrade_to_standard")


def test_refund_data_loss_guard_x3() -> None:
    i = populated().upgrade(T0, 1).instance.complete_migration(T0).instance
    with pytest.raises(le.DataLossRefused) as e:
        i.refund(T0)
    assert e.value.code is le.Status.DATA_LOSS_REFUSED and "S11" in e.value.message
    kinds = [x.kind.value for x in e.value.would_have]
    assert kinds == ["billing.refund", "timer.cancel", "group.delete", "topic.delete",
                     "topic.delete", "instance.delete"]
    r = i.refund(T0, allow_data_loss=True)
    assert [effect.key for effect in r.effects] == [x.key for x in e.value.would_have]
    assert r.instance.lifecycle is le.Lifecycle.RELEASED and r.instance.topics == ()
    with pytest.raises(le.Released):
        r.instance.tick(T0)


def test_refund_after_downgrade_action_keeps_data() -> None:
    i = populated().upgrade(T0, 1).instance.complete_migration(T0).instance
    i = i.set_post_expiration_action(T0, "downgrade_to_standard").instance
    r = i.refund(T0 + timedelta(days=1))
    assert r.instance.edition is le.Edition.STANDARD and r.instance.topics == ("orders", "payments")
    refund = r.effects[0]
    assert refund.refund == "partial" and refund.unused_from == T0 + timedelta(days=1)
    assert refund.unused_until == datetime(2026, 2, 5, tzinfo=UTC)
    assert r.effects[1].timer == "expiry"


def test_renew_tick_and_expiry() -> None:
    i = platinum()
    r = i.renew(T0, 2)
    assert r.instance.subscription.expires_at == datetime(2026, 4, 5, tzinfo=UTC)  # type: ignore[union-attr]
    assert [e.kind.value for e in r.effects] == ["billing.renew", "timer.schedule"]
    assert i.renew(T0, 12).instance.subscription.period_months == 12  # type: ignore[union-attr]
    nothing = i.tick(T0)
    assert nothing.instance is i and nothing.effects == ()
    expired = i.tick(i.next_deadline).instance  # type: ignore[arg-type]
    assert expired.lifecycle is le.Lifecycle.EXPIRED
    assert expired.release_at == datetime(2026, 2, 12, tzinfo=UTC)
    with pytest.raises(le.Expired):
        expired.add_topic(T0 + timedelta(days=32), "orders")
    with pytest.raises(le.ExpiryDue):
        expired.renew(datetime(2026, 2, 12, tzinfo=UTC), 1)
    with pytest.raises(le.ClockSkew) as skew:
        expired.tick(T0)
    assert isinstance(skew.value, ValueError)
    revived = expired.renew(datetime(2026, 2, 6, tzinfo=UTC), 1)
    assert [e.kind.value for e in revived.effects] == [
        "billing.renew", "instance.resume", "timer.cancel", "timer.schedule"]


def test_topics_and_groups() -> None:
    i = populated()
    assert i.topics == ("orders", "payments") and i.groups == ("GID_billing",)
    r = i.add_group(T0, "GID-2")
    assert r.effects[0].kind is le.EffectKind.GROUP_CREATE and r.effects[0].subject == "GID-2"
    assert r.effects[0].subject_kind is le.SubjectKind.GROUP
    with pytest.raises(le.Exists):
        i.add_topic(T0, "GID_billing")
    with pytest.raises(le.NotFound) as nf:
        i.remove_group(T0, "GID_none")
    assert isinstance(nf.value, LookupError)
    with pytest.raises(le.InvalidName):
        i.add_topic(T0, "ab")
    g = i.remove_group(T0, "GID_billing")
    assert g.effects[0].kind is le.EffectKind.GROUP_DELETE and g.instance.groups == ()
    t = i.remove_topic(T0, "orders")
    assert t.instance.topics == ("payments",)
    with pytest.raises(TypeError):
        i.add_topic(T0, b"orders")  # type: ignore[arg-type]


def test_migration_downgrade_and_plan() -> None:
    up = standard().upgrade(T0, 1).instance
    with pytest.raises(le.MigrationInProgress):
        up.add_topic(T0, "orders")
    done = up.complete_migration(T0)
    assert done.effects == () and done.instance.migration is None
    with pytest.raises(le.NoMigration):
        done.instance.complete_migration(T0)
    with pytest.raises(le.NoDirectDowngrade) as nd:
        done.instance.downgrade(T0)
    assert "plan_downgrade" in nd.value.message
    plan = done.instance.plan_downgrade(T0, le.PlanMode.AT_EXPIRY)
    assert plan.instance is done.instance and plan.effects == ()
    assert plan.plan == (
        le.PlanStep(le.CommandKind.SET_POST_EXPIRATION_ACTION, le.Action.DOWNGRADE_TO_STANDARD),
        le.PlanStep(le.CommandKind.TICK, at=datetime(2026, 2, 5, tzinfo=UTC)))
    assert done.instance.plan_downgrade(T0, "immediate").plan[-1] == le.PlanStep(le.CommandKind.REFUND)
    with pytest.raises(le.NotSubscription):
        standard().plan_downgrade(T0, "immediate")


def test_command_apply_and_preview() -> None:
    i = populated()
    cmd = le.Command("upgrade", period_months=1)
    assert cmd.kind is le.CommandKind.UPGRADE and repr(cmd) == "Command('upgrade', period_months=1)"
    assert i.apply(T0, cmd) == i.upgrade(T0, 1)
    outcome = i.preview(T0, le.Command(le.CommandKind.DOWNGRADE))
    assert isinstance(outcome, le.NoDirectDowngrade)
    ok = i.preview(T0, le.Command("add_topic", name="t-2"))
    assert isinstance(ok, le.Result) and ok.instance.topics[-1] == "t-2"
    assert le.Command("refund", allow_data_loss=True).allow_data_loss is True
    assert le.Command("plan_downgrade", mode="immediate").mode is le.PlanMode.IMMEDIATE
    assert le.Command("set_post_expiration_action", action="delete_resource").action is \
        le.Action.DELETE_RESOURCE
    with pytest.raises(le.InvalidArgument):
        le.Command("tick", name="orders")
    with pytest.raises(ValueError):
        le.Command("fly")
    with pytest.raises(le.InvalidArgument):
        i.apply(T0, le.Command("upgrade"))  # the required period is missing
    with pytest.raises(TypeError):
        i.apply(T0, "tick")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        i.preview(T0, "tick")  # type: ignore[arg-type]


def test_result_is_frozen() -> None:
    r = standard().tick(T0)
    assert isinstance(r, le.Result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.effects = ()  # type: ignore[misc]


# -- errors -------------------------------------------------------------------

ERRORS = {
    le.InvalidArgument: ValueError, le.InvalidName: ValueError, le.InvalidPeriod: ValueError,
    le.ClockSkew: ValueError, le.AlreadyEnterprisePlatinum: None, le.NotSubscription: None,
    le.NoDirectDowngrade: None, le.ExpiryDue: None, le.Expired: None, le.Released: None,
    le.MigrationInProgress: None, le.NoMigration: None, le.Exists: None, le.NotFound: LookupError,
    le.DataLossRefused: None, le.ParseError: ValueError, le.SchemaError: ValueError,
    le.LimitExceeded: ValueError, le.NoMemory: MemoryError, le.IoError: OSError,
}


def test_one_error_class_per_status() -> None:
    assert {cls.code for cls in ERRORS} == set(le.Status) - {le.Status.OK}
    for cls, builtin in ERRORS.items():
        assert issubclass(cls, le.EditionError)
        if builtin is not None:
            assert issubclass(cls, builtin)
        assert le.error_class(cls.code) is cls
        err = cls("message text")
        assert err.message == "message text" and err.line == 0 and err.column == 0
        assert str(err) == f"{cls.code.value}: message text" and cls.__name__ in repr(err)
        assert cls.__doc__
    assert le.error_class(le.Status.OK) is le.EditionError
    assert le.DataLossRefused("m").would_have == ()


# -- scenarios ----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((REPO / "examples" / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_simulate_matches_the_golden_output(path: Path) -> None:
    sc = le.Scenario.load_yaml(path.read_text())
    records = list(sc.simulate())
    assert len(records) == len(sc.steps) > 0
    golden = (REPO / "tests" / "cli" / "golden" / path.name).read_text()
    assert "".join(r.yaml for r in records) == golden
    for n, (rec, step) in enumerate(zip(records, sc.steps), 1):
        assert rec.number == n and rec.at == step.at and rec.command == step.command
        assert step.line > 0 and isinstance(step, le.ScenarioStep)
        assert isinstance(rec, le.StepRecord)
        assert rec.status is (le.Status.OK if isinstance(rec.outcome, le.Result) else rec.outcome.code)
        assert rec.next_deadline == rec.instance.next_deadline
        if rec.status is not le.Status.OK:
            assert rec.effects == ()
    assert sc.instance == le.Scenario.load_yaml(path.read_bytes()).instance


def test_scenario_errors() -> None:
    with pytest.raises(le.SchemaError) as e:
        le.Scenario.load_yaml("libedition: 1\ninstance: {}\n")
    assert e.value.line >= 1
    with pytest.raises(TypeError):
        le.Scenario()
    sc = le.Scenario.load_yaml((REPO / "examples/scenarios/renewal-after-expiry.yaml").read_text())
    with pytest.raises(AttributeError):
        sc.steps = ()  # type: ignore[misc]


# -- documentation and typing -------------------------------------------------


def test_every_public_name_has_a_docstring() -> None:
    import enum
    import inspect
    import typing

    missing = []
    for name in le.__all__:
        obj = getattr(le, name)
        if name in ("WRITTEN_FOR", "library_path") or typing.get_origin(obj) is typing.Union:
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, enum.Enum):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                target = member.fget if isinstance(member, property) else member
                if isinstance(target, (classmethod, staticmethod)):
                    target = target.__func__
                if callable(target) and not inspect.getdoc(target):
                    missing.append(f"{name}.{attr}")
    assert missing == []


def test_field_value_and_typed_package() -> None:
    values: list[le.FieldValue] = [T0, 1, True, "partial"]
    assert all(isinstance(v, typing_args()) for v in values)
    assert (Path(le.__file__).parent / "py.typed").exists()


def typing_args() -> tuple[type, ...]:
    import typing

    return typing.get_args(le.FieldValue)


# -- hostile arguments never crash --------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200)
@given(name=st.text(max_size=300), period=st.integers(-(2**70), 2**70),
       seconds=st.integers(-(2**40), 2**40))
def test_any_argument_is_a_result_or_an_exception(name: str, period: int, seconds: int) -> None:
    i = populated()
    now = T0 + timedelta(seconds=seconds) if -(2**35) < seconds < 2**37 else T0
    calls = [
        lambda: i.add_topic(now, name), lambda: i.remove_group(now, name),
        lambda: i.upgrade(now, period), lambda: i.renew(now, period),
        lambda: i.apply(now, le.Command("add_group", name=name)),
        lambda: i.preview(now, le.Command("upgrade", period_months=period)),
        lambda: le.Instance.create_standard(name, ENDPOINT, now),
        lambda: le.Instance.create_enterprise_platinum(ID, name, now, period),
        lambda: le.Instance.load_yaml(name), lambda: le.Scenario.load_yaml(name.encode()),
        lambda: le.parse_time(name),
    ]
    for call in calls:
        try:
            call()
        except (le.EditionError, ValueError, OverflowError):
            pass
