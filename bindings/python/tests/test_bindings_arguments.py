"""The binding's arguments agree with libedition (docs/semantics.md,
"Bindings' arguments"): one test per rule there."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

import libedition as le
from libedition._native import ffi, lib

REPO = Path(__file__).resolve().parents[3]
UTC = timezone.utc
T0 = datetime(2026, 1, 5, tzinfo=UTC)
ID, ENDPOINT = "MQ_INST_ARGS", "http://mq.example.com:8080"


def standard() -> le.Instance:
    return le.Instance.create_standard(ID, ENDPOINT, T0).add_topic(T0, "orders").instance


def platinum() -> le.Instance:
    """Enterprise Platinum for one month from T0, action delete_resource, one topic."""
    return le.Instance.create_enterprise_platinum(ID, ENDPOINT, T0, 1).add_topic(T0, "orders").instance


def expired() -> le.Instance:
    p = platinum()
    return p.tick(p.next_deadline).instance  # type: ignore[arg-type]


def released() -> le.Instance:
    e = expired()
    return e.tick(e.release_at).instance  # type: ignore[arg-type]


def refusal(call: Callable[[], object]) -> le.EditionError:
    with pytest.raises(le.EditionError) as e:
        call()
    return e.value


# -- rule 1: no default for an argument the library requires ---------------------


@pytest.mark.parametrize("method, required", [
    (le.Instance.upgrade, "period_months"),
    (le.Instance.renew, "period_months"),
    (le.Instance.plan_downgrade, "mode"),
    (le.Instance.set_post_expiration_action, "action"),
    (le.Instance.add_topic, "name"),
    (le.Instance.remove_topic, "name"),
    (le.Instance.add_group, "name"),
    (le.Instance.remove_group, "name"),
    (le.Instance.create_enterprise_platinum, "period_months"),
])
def test_required_arguments_have_no_default(method: Callable[..., Any], required: str) -> None:
    param = inspect.signature(method).parameters[required]
    assert param.default is inspect.Parameter.empty, f"{method.__name__}: {param}"


def test_period_months_left_out_is_a_type_error_not_twelve_months() -> None:
    with pytest.raises(TypeError, match="period_months"):
        standard().upgrade(T0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="period_months"):
        platinum().renew(T0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="period_months"):
        le.Instance.create_enterprise_platinum(ID, ENDPOINT, T0)  # type: ignore[call-arg]


def test_plan_mode_left_out_is_a_type_error_not_at_expiry() -> None:
    with pytest.raises(TypeError, match="mode"):
        platinum().plan_downgrade(T0)  # type: ignore[call-arg]


# -- rule 2: None is the argument not given, refused as a Command without it ----


@pytest.mark.parametrize("kind, call", [
    ("upgrade", lambda i, t: i.upgrade(t, None)),
    ("renew", lambda i, t: i.renew(t, None)),
    ("set_post_expiration_action", lambda i, t: i.set_post_expiration_action(t, None)),
    ("plan_downgrade", lambda i, t: i.plan_downgrade(t, None)),
    ("add_topic", lambda i, t: i.add_topic(t, None)),
    ("remove_topic", lambda i, t: i.remove_topic(t, None)),
    ("add_group", lambda i, t: i.add_group(t, None)),
    ("remove_group", lambda i, t: i.remove_group(t, None)),
])
@pytest.mark.parametrize("state", [standard, platinum, released])
def test_none_for_a_required_argument_is_refused_as_a_command_without_it(
        kind: str, call: Callable[[le.Instance, datetime], object],
        state: Callable[[], le.Instance]) -> None:
    inst = state()
    now = inst.updated_at
    by_method = refusal(lambda: call(inst, now))
    by_command = inst.preview(now, le.Command(kind))
    assert isinstance(by_method, le.InvalidArgument) and by_method.code is le.Status.INVALID_ARGUMENT
    assert isinstance(by_command, le.InvalidArgument) and by_method.message == by_command.message
    assert by_method.message.startswith(f"{kind} needs the argument ")


def test_none_period_of_a_new_platinum_instance_is_invalid_argument() -> None:
    e = refusal(lambda: le.Instance.create_enterprise_platinum(ID, ENDPOINT, T0, None))  # type: ignore[arg-type]
    assert isinstance(e, le.InvalidArgument) and "period_months" in e.message


# -- rule 3: an unknown action or mode name is refused in the library's order ----


@pytest.mark.parametrize("state, at, code", [
    (released, None, le.Status.RELEASED),
    (platinum, T0 - timedelta(seconds=1), le.Status.CLOCK_SKEW),
    (standard, None, le.Status.NOT_SUBSCRIPTION),
    (expired, None, le.Status.EXPIRED),
])
@pytest.mark.parametrize("run", [
    lambda i, t, v: i.plan_downgrade(t, v),
    lambda i, t, v: i.set_post_expiration_action(t, v),
])
def test_unknown_action_or_mode_is_refused_after_the_snapshot_checks(
        state: Callable[[], le.Instance], at: datetime | None, code: le.Status,
        run: Callable[[le.Instance, datetime, object], object]) -> None:
    inst = state()
    now = at if at is not None else inst.updated_at
    for bad in ("sideways", "AT_EXPIRY", "", 3, ["immediate"]):
        assert refusal(lambda: run(inst, now, bad)).code is code, bad


def test_unknown_action_or_mode_is_invalid_argument_with_code_naming_the_value() -> None:
    inst = platinum()
    e = refusal(lambda: inst.plan_downgrade(T0, "sideways"))
    assert isinstance(e, le.InvalidArgument) and e.code is le.Status.INVALID_ARGUMENT
    assert "mode 'sideways' is neither immediate nor at_expiry" in e.message
    e = refusal(lambda: inst.set_post_expiration_action(T0, "keep"))
    assert isinstance(e, le.InvalidArgument) and e.code is le.Status.INVALID_ARGUMENT
    assert "action 'keep' is neither delete_resource nor downgrade_to_standard" in e.message
    assert "-1" not in e.message


def test_unknown_mode_is_refused_where_the_c_library_refuses_an_unknown_value() -> None:
    # the same states through the C function with a value it does not know
    for inst in (released(), standard(), expired(), platinum()):
        r = lib.ed_plan_downgrade(inst._ptr, int((inst.updated_at - datetime(1970, 1, 1, tzinfo=UTC))
                                                 .total_seconds()), 7)
        try:
            c_code = ffi.string(lib.ed_status_name(lib.ed_result_status(r))).decode()
        finally:
            lib.ed_result_free(r)
        assert refusal(lambda: inst.plan_downgrade(inst.updated_at, "seven")).code.value == c_code


def test_unknown_name_in_a_command_value_raises_invalid_argument_with_code() -> None:
    for make in (lambda: le.Command("plan_downgrade", mode="sideways"),
                 lambda: le.Command("set_post_expiration_action", action="keep"),
                 lambda: le.Command("dowgrade")):
        e = refusal(make)
        assert isinstance(e, le.InvalidArgument) and isinstance(e, ValueError)
        assert e.code is le.Status.INVALID_ARGUMENT and "must be one of" in e.message


# -- rule 4: a fraction of a second is refused as the CLI refuses --now ----------


@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
def test_sub_second_now_is_refused_as_the_cli_refuses_it(zone: timezone) -> None:
    now = (T0 + timedelta(days=1, microseconds=1)).astimezone(zone)
    for inst in (standard(), platinum(), released()):  # before any rule: released too
        for call in (lambda: inst.tick(now), lambda: inst.add_topic(now, "late"),
                     lambda: inst.upgrade(now, 1), lambda: inst.apply(now, le.Command("tick")),
                     lambda: inst.preview(now, le.Command("tick"))):
            e = refusal(call)
            assert isinstance(e, le.InvalidArgument) and e.code is le.Status.INVALID_ARGUMENT
            # docs/cli.md: "fractions of a second are refused, with the message
            # 'fractional seconds are not supported'"
            assert "fractional seconds are not supported" in e.message
    for create in (lambda: le.Instance.create_standard(ID, ENDPOINT, now),
                   lambda: le.Instance.create_enterprise_platinum(ID, ENDPOINT, now, 1)):
        assert "fractional seconds" in refusal(create).message


def test_sub_second_offset_is_refused_too() -> None:
    odd = timezone(timedelta(hours=1, microseconds=500))
    e = refusal(lambda: standard().tick(datetime(2026, 1, 6, tzinfo=odd)))
    assert isinstance(e, le.InvalidArgument) and "fractional seconds" in e.message


def test_whole_second_now_in_any_zone_is_accepted() -> None:
    now = (T0 + timedelta(days=1)).astimezone(timezone(timedelta(hours=8)))
    assert standard().add_topic(now, "later").instance.updated_at == T0 + timedelta(days=1)


# -- rule 5: refusal messages name the option as Python spells it --------------


def test_data_loss_refusal_names_allow_data_loss_as_python_spells_it() -> None:
    inst = platinum()
    e = refusal(lambda: inst.refund(T0))
    assert isinstance(e, le.DataLossRefused)
    assert "pass allow_data_loss=True to delete them" in e.message
    assert "allow-data-loss" not in e.message and e.would_have
    previewed = inst.preview(T0, le.Command("refund"))
    assert isinstance(previewed, le.DataLossRefused) and previewed.message == e.message
    scenario = le.Scenario.load_yaml(
        (REPO / "examples/scenarios/wrong-order-caught-by-data-loss-guard.yaml").read_text())
    refused = [s.outcome for s in scenario.simulate() if s.status is le.Status.DATA_LOSS_REFUSED]
    assert refused and all(isinstance(o, le.EditionError) and "allow_data_loss=True" in o.message
                           and "allow-data-loss" not in o.message for o in refused)
