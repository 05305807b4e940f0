"""Every enumeration's members are the header's and the library's, both ways.

_enums.py builds its classes at run time from the library's stable names,
and restates them under TYPE_CHECKING for type checkers. Nothing there is
taken on trust: for each of the thirteen classes this compares the
restatement (read from the source), the class built at run time, the
header's ED_* names and values (libedition._cffi's, which the C compiler
gave), and the library's ``ed_*_name`` and ``ed_*_from_name`` of every value.
"""

from __future__ import annotations

import ast
import enum
from pathlib import Path
from typing import Any

import pytest

import libedition as le
from libedition import _enums
from libedition._native import ffi, lib

#: Each class, its C type, the prefix of its ED_* names, and the name of its
#: pair of reflection functions (ed_<name>_name, ed_<name>_from_name).
CLASSES = {
    "Status": ("ed_status", "ED_", "status"),
    "Edition": ("ed_edition", "ED_EDITION_", "edition"),
    "Billing": ("ed_billing", "ED_BILLING_", "billing"),
    "Cluster": ("ed_cluster", "ED_CLUSTER_", "cluster"),
    "Lifecycle": ("ed_lifecycle", "ED_LIFECYCLE_", "lifecycle"),
    "Action": ("ed_action", "ED_ACTION_", "action"),
    "PlanMode": ("ed_plan_mode", "ED_PLAN_", "plan_mode"),
    "CommandKind": ("ed_command_kind", "ED_CMD_", "command_kind"),
    "EffectKind": ("ed_effect_kind", "ED_EFFECT_", "effect_kind"),
    "SubjectKind": ("ed_subject_kind", "ED_SUBJECT_", "subject_kind"),
    "Field": ("ed_field", "ED_FIELD_", "field"),
    "Arg": ("ed_arg", "ED_ARG_", "arg"),
    "EffectFlag": ("ed_effect_flag", "ED_FLAG_", "effect_flag"),
}


def declared_for_type_checkers() -> dict[str, dict[str, object]]:
    """{class: {member: value}} of the classes under ``if TYPE_CHECKING:``."""
    tree = ast.parse(Path(_enums.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    out: dict[str, dict[str, object]] = {}
    for cls in block.body:
        assert isinstance(cls, ast.ClassDef)
        out[cls.name] = {
            stmt.targets[0].id: ast.literal_eval(stmt.value)
            for stmt in cls.body
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
        }
    return out


def header_members(c_type: str, prefix: str) -> dict[str, int]:
    """{ED_* name without its prefix: value} of the header's enumeration."""
    names = ffi.typeof(c_type).relements
    assert names and all(n.startswith(prefix) for n in names), (c_type, sorted(names))
    return {n[len(prefix):]: int(v) for n, v in names.items()}


def c_value(cls: Any, m: enum.Enum) -> int:
    return int(m.value) if cls is le.EffectFlag else _enums.to_c(m)


def stable_name(cls: Any, m: enum.Enum) -> str:
    return str(m.stable_name) if cls is le.EffectFlag else str(m.value)  # type: ignore[attr-defined]


def test_the_type_checkers_view_declares_all_thirteen_classes() -> None:
    assert set(declared_for_type_checkers()) == set(CLASSES) == set(_enums.C_TYPES)
    assert {name: c for name, (c, _, _) in CLASSES.items()} == _enums.C_TYPES


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_the_type_checkers_view_is_the_class_built_at_run_time(name: str) -> None:
    cls = getattr(le, name)
    declared = declared_for_type_checkers()[name]
    assert declared == {m.name: m.value for m in cls}, name
    assert list(declared) == [m.name for m in cls], f"{name}: the order differs"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_member_is_the_headers_name_and_value(name: str) -> None:
    cls = getattr(le, name)
    c_type, prefix, _ = CLASSES[name]
    header = header_members(c_type, prefix)
    built = {m.name: c_value(cls, m) for m in cls}
    # the bundled library is the header's release: the same members exactly
    # (a later library may add members, never change or drop one)
    if le.version().split(".")[:2] == [str(n) for n in le.WRITTEN_FOR]:
        assert built == header, name
    else:
        assert {k: built.get(k) for k in header} == header, name


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_stable_name_is_the_librarys_both_ways(name: str) -> None:
    cls = getattr(le, name)
    c_type, _, fn = CLASSES[name]
    name_of = getattr(lib, f"ed_{fn}_name")
    from_name = getattr(lib, f"ed_{fn}_from_name")
    for m in cls:
        value, stable = c_value(cls, m), stable_name(cls, m)
        assert ffi.string(name_of(value)).decode("ascii") == stable, (name, m)
        out = ffi.new(f"{c_type} *")
        assert from_name(stable.encode("ascii"), out) == lib.ED_OK, (name, stable)
        assert int(out[0]) == value, (name, stable)
    out = ffi.new(f"{c_type} *")
    assert from_name(b"no_such_name", out) == lib.ED_INVALID_ARGUMENT, name
