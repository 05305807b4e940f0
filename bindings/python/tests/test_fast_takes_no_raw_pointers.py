"""_fast, the binding's private C module, takes no Python value for a pointer
but a cffi pointer of exactly the type the binding declares: any code may
import the module, so every callable refuses integers, None, capsules and
cffi pointers of another type with a TypeError (a NULL of the right type
with a ValueError) instead of crashing the interpreter, and setup() runs
once. Each case runs in a child interpreter, so that a crash fails the test
(with the output up to the call that crashed) instead of killing pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libedition as le

SRC = str(Path(le.__file__).resolve().parent.parent)

PRELUDE = r'''
import ctypes, datetime, gc, sys
import cffi

def attempt(label, call):
    """Prints the exception `call` raises, or what it returned."""
    try:
        value = call()
    except Exception as exc:
        print(f"{label}: {type(exc).__name__}: {exc}", flush=True)
    else:
        print(f"{label}: returned {value!r}", flush=True)

def capsule(name):
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(12345, name, None)

NOW = datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc)
other = cffi.FFI()  # declares the same struct names: its types are still not the binding's
other.cdef("typedef struct ed_instance ed_instance; typedef struct ed_effect_list ed_effect_list;"
           "typedef struct ed_command ed_command; typedef struct ed_options ed_options;")

def bogus(ffi, lib):
    """Values that are no pointer _fast may take, by name."""
    return {
        "int": 12345, "negative int": -1, "zero": 0, "huge int": 2**64 - 1, "None": None,
        "str": "0x3039", "float": 12345.0, "foreign capsule": datetime.datetime_CAPI,
        "capsule named like a snapshot": capsule(b"libedition._fast.ed_instance"),
        "cffi int pointer": ffi.new("int *"), "cffi void NULL": ffi.NULL,
        "cffi result pointer": ffi.cast("ed_result *", 12345),
        "cffi function": lib.ed_version,
        "other ffi's snapshot": other.cast("ed_instance *", 12345),
        "other ffi's effect list": other.cast("ed_effect_list *", 12345),
        "other ffi's command": other.cast("ed_command *", 12345),
        "other ffi's options": other.cast("ed_options *", 12345),
    }
'''

BOUND = PRELUDE + r'''
import libedition as le
from libedition import _fast
from libedition._native import ffi, lib
STD = le.Instance.create_standard("MQ_INST_1", "http://mq", NOW)
PLAT = le.Instance.create_enterprise_platinum("MQ_INST_2", "http://mq", NOW, 12)
BOGUS = bogus(ffi, lib)
'''


def child(script: str) -> dict[str, str]:
    """Runs `script` in a new interpreter; its lines "label: outcome" by label."""
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, (f"the child exited with {out.returncode}\n"
                                 f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}")
    lines = [line.split(": ", 1) for line in out.stdout.splitlines()]
    assert all(len(parts) == 2 for parts in lines), out.stdout
    return {label: outcome for label, outcome in lines}


def raised(outcomes: dict[str, str], label: str) -> str:
    """The name of the exception the call labelled `label` raised."""
    return outcomes[label].split(":", 1)[0]


BOGUS_NAMES = ["int", "negative int", "zero", "huge int", "None", "str", "float",
               "foreign capsule", "capsule named like a snapshot", "cffi int pointer",
               "cffi void NULL", "cffi result pointer", "cffi function", "other ffi's snapshot",
               "other ffi's effect list", "other ffi's command", "other ffi's options"]


def test_adopt_refuses_anything_but_a_cffi_snapshot_pointer() -> None:
    got = child(BOUND + r'''
for name, value in BOGUS.items():
    attempt(name, lambda: _fast.adopt(value))
attempt("typed NULL", lambda: _fast.adopt(ffi.cast("ed_instance *", 0)))
attempt("an Instance", lambda: _fast.adopt(STD))
# a pointer the binding hands out: adopt takes a reference of its own, so
# dropping both objects frees nothing twice
copy = _fast.adopt(STD._ptr)
attempt("copy equals", lambda: copy == STD and copy is not STD)
del copy
gc.collect()
attempt("original still whole", lambda: STD.add_topic(NOW, "orders").instance.topics)
''')
    for name in BOGUS_NAMES + ["an Instance"]:
        assert raised(got, name) == "TypeError", (name, got[name])
    assert "must be a cffi 'ed_instance *'" in got["int"]
    assert raised(got, "typed NULL") == "ValueError"
    assert got["copy equals"] == "returned True"
    assert got["original still whole"] == "returned ('orders',)"


def test_effects_refuses_anything_but_a_cffi_effect_list_pointer() -> None:
    got = child(BOUND + r'''
for name, value in BOGUS.items():
    attempt(name, lambda: _fast.effects(value))
attempt("snapshot pointer", lambda: _fast.effects(STD._ptr))
attempt("typed NULL", lambda: _fast.effects(ffi.cast("ed_effect_list *", 0)))
r = lib.ed_add_topic(STD._ptr, lib.ed_instance_updated_at(STD._ptr), b"orders")
attempt("a real list", lambda: _fast.effects(lib.ed_result_effects(r)))
lib.ed_result_free(r)
''')
    for name in BOGUS_NAMES + ["snapshot pointer"]:
        assert raised(got, name) == "TypeError", (name, got[name])
    assert "must be a cffi 'ed_effect_list *'" in got["int"]
    assert raised(got, "typed NULL") == "ValueError"
    assert got["a real list"].startswith("returned (<Effect MQ_INST_1/1/0 topic.create")


def test_run_refuses_addresses_for_the_options_and_the_command() -> None:
    got = child(BOUND + r'''
for name, value in BOGUS.items():
    attempt("apply " + name, lambda: _fast.apply(STD, NOW, value, True))
    if value is not None:
        attempt("refund " + name, lambda: _fast.run(lib.ED_CMD_REFUND, PLAT, NOW, value, True))
attempt("apply typed NULL",
        lambda: _fast.apply(STD, NOW, ffi.cast("ed_command *", 0), True))
attempt("refund typed NULL",
        lambda: _fast.run(lib.ED_CMD_REFUND, PLAT, NOW, ffi.cast("ed_options *", 0), True))
attempt("apply options", lambda: _fast.apply(STD, NOW, le._core._options(), True))
attempt("refund command",
        lambda: _fast.run(lib.ED_CMD_REFUND, PLAT, NOW, le.Command("tick")._to_c(), True))
attempt("apply a command",
        lambda: _fast.apply(STD, NOW, le.Command("tick")._to_c(), True))
attempt("refund without options", lambda: _fast.run(lib.ED_CMD_REFUND, PLAT, NOW, None, True))
''')
    for name in BOGUS_NAMES:
        assert raised(got, "apply " + name) == "TypeError", (name, got["apply " + name])
        if name != "None":
            assert raised(got, "refund " + name) == "TypeError", (name, got["refund " + name])
    assert "must be a cffi 'ed_command *'" in got["apply int"]
    assert "must be a cffi 'ed_options *'" in got["refund int"]
    assert raised(got, "apply typed NULL") == raised(got, "refund typed NULL") == "ValueError"
    assert raised(got, "apply options") == raised(got, "refund command") == "TypeError"
    assert got["apply a command"].startswith("returned Result(instance=<Instance MQ_INST_1")
    assert raised(got, "refund without options") == "DataLossRefused"  # as Instance.refund


def test_run_refuses_bogus_command_kinds_snapshots_and_arguments() -> None:
    got = child(BOUND + r'''
Snapshot = _fast.Snapshot
for name, kind in [("kind -1", -1), ("kind 0", 0), ("kind 99", 99), ("kind 2**70", 2**70),
                   ("kind None", None), ("kind str", "tick"), ("kind address", 12345)]:
    attempt(name, lambda: _fast.run(kind, STD, NOW, None, True))
attempt("apply instance int", lambda: _fast.apply(12345, NOW, le.Command("tick")._to_c(), True))
attempt("apply too few arguments", lambda: _fast.apply(STD, NOW))
for name, inst in [("instance int", 12345), ("instance None", None),
                   ("instance pointer", STD._ptr), ("empty Snapshot", Snapshot()),
                   ("instance capsule", datetime.datetime_CAPI)]:
    attempt(name, lambda: _fast.run(lib.ED_CMD_TICK, inst, NOW, None, True))
attempt("now int", lambda: _fast.run(lib.ED_CMD_TICK, STD, 12345, None, True))
attempt("now None", lambda: _fast.run(lib.ED_CMD_TICK, STD, None, None, True))
for name, code in [("action 2**70", 2**70), ("action -5", -5), ("action 12345", 12345),
                   ("action None", None), ("action pointer", PLAT._ptr)]:
    attempt(name, lambda: _fast.run(lib.ED_CMD_SET_POST_EXPIRATION_ACTION, PLAT, NOW, code, True))
    attempt("mode " + name, lambda: _fast.run(lib.ED_CMD_PLAN_DOWNGRADE, PLAT, NOW, code, True))
attempt("months address", lambda: _fast.run(lib.ED_CMD_UPGRADE, STD, NOW, 2**64 - 1, True))
attempt("months None", lambda: _fast.run(lib.ED_CMD_RENEW, PLAT, NOW, None, True))
attempt("name int", lambda: _fast.run(lib.ED_CMD_ADD_TOPIC, STD, NOW, 12345, True))
attempt("name pointer",
        lambda: _fast.run(lib.ED_CMD_ADD_GROUP, STD, NOW, ffi.new("char[]", b"GID_a"), True))
attempt("too few arguments", lambda: _fast.run(lib.ED_CMD_TICK, STD, NOW))
attempt("Snapshot _ptr", lambda: Snapshot()._ptr)
''')
    expected = {
        "kind -1": "ValueError", "kind 0": "ValueError", "kind 99": "ValueError",
        "kind 2**70": "ValueError", "kind None": "TypeError", "kind str": "TypeError",
        "kind address": "ValueError", "apply instance int": "TypeError",
        "apply too few arguments": "TypeError",
        "instance int": "TypeError", "instance None": "TypeError",
        "instance pointer": "TypeError", "empty Snapshot": "TypeError",
        "instance capsule": "TypeError", "now int": "TypeError", "now None": "TypeError",
        "action 2**70": "InvalidArgument", "action -5": "InvalidArgument",
        "action 12345": "InvalidArgument", "action None": "TypeError",
        "action pointer": "TypeError", "mode action 2**70": "InvalidArgument",
        "mode action -5": "InvalidArgument", "mode action 12345": "InvalidArgument",
        "mode action None": "TypeError", "mode action pointer": "TypeError",
        "months address": "InvalidPeriod", "months None": "TypeError",
        "name int": "TypeError", "name pointer": "TypeError",
        "too few arguments": "TypeError", "Snapshot _ptr": "AttributeError",
    }
    assert {label: raised(got, label) for label in expected} == expected


def test_setup_runs_once_and_a_second_call_changes_nothing() -> None:
    got = child(BOUND + r'''
from libedition import _core
rest = (le.Effect, le.FieldMap, le.Result, le.Instance, {}, {}, {}, lambda b: b, (), le.FieldMap(),
        lambda t: 0, lambda s: NOW, lambda v: v, lambda v: b"x", lambda *a: None)
attempt("the same setup again", _core._setup_fast)
attempt("setup with the ffi",
        lambda: _fast.setup(ffi, *rest))
# the interface _fast had before: a table of function addresses
table = {name: 12345 for name in dir(lib) if name.startswith("ed_")}
attempt("setup with a table of addresses", lambda: _fast.setup(table, *rest))
attempt("setup with no arguments", lambda: _fast.setup())
attempt("setup with an int", lambda: _fast.setup(12345))
attempt("a command after them", lambda: STD.add_topic(NOW, "orders").effects[0].kind.value)
attempt("a refusal after them", lambda: STD.downgrade(NOW))
''')
    for label in ["the same setup again", "setup with the ffi",
                  "setup with a table of addresses", "setup with no arguments",
                  "setup with an int"]:
        assert raised(got, label) == "RuntimeError", (label, got[label])
    assert "runs once" in got["setup with an int"]
    assert got["a command after them"] == "returned 'topic.create'"
    assert raised(got, "a refusal after them") == "NoDirectDowngrade"


def test_setup_refuses_bogus_arguments_before_the_first_call() -> None:
    # The module loaded on its own, before the package's import has set it
    # up: nothing runs until a setup succeeds, and a bogus one is refused
    # without leaving anything half set up for the package's own.
    got = child(PRELUDE + r'''
import importlib.util
from pathlib import Path
package = importlib.util.find_spec("libedition")  # finds it, imports nothing
path = next(Path(package.submodule_search_locations[0]).glob("_fast*.so"))
spec = importlib.util.spec_from_file_location("libedition._fast", path)
fast = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fast)
assert "libedition" not in sys.modules

# the compiled cffi module the same way: its ffi is the one setup takes
path = next(Path(package.submodule_search_locations[0]).glob("_cffi.*.so"))
spec = importlib.util.spec_from_file_location("libedition._cffi", path)
compiled = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compiled)
assert "libedition" not in sys.modules
good, TICK = compiled.ffi, compiled.lib.ED_CMD_TICK
same_names = cffi.FFI()  # ABI mode, declaring the same types: not the compiled ffi
same_names.cdef("typedef struct ed_instance ed_instance; typedef struct ed_effect_list ed_effect_list;"
                "typedef struct ed_result ed_result; typedef struct ed_command ed_command;"
                "typedef struct ed_options ed_options; const char *ed_version(void);")
aliased = cffi.FFI()
aliased.cdef("typedef int ed_instance; typedef struct ed_effect_list ed_effect_list;"
             "typedef struct ed_result ed_result; typedef struct ed_command ed_command;"
             "typedef struct ed_options ed_options;")
class Snap(fast.Snapshot):
    pass
rest = (object, object, object, Snap, {}, {}, {}, lambda b: b, (), None,
        lambda t: 0, lambda s: NOW, lambda v: v, lambda v: b"x", lambda *a: None)

attempt("adopt before setup", lambda: fast.adopt(12345))
attempt("effects before setup", lambda: fast.effects(12345))
attempt("run before setup", lambda: fast.run(TICK, Snap(), NOW, None, True))
attempt("apply before setup", lambda: fast.apply(Snap(), NOW, None, True))
attempt("setup with an int", lambda: fast.setup(12345, *rest))
attempt("setup with a table of addresses", lambda: fast.setup({"ed_tick": 12345}, *rest))
attempt("setup with a path before the ffi", lambda: fast.setup("libedition.so.1", good, *rest))
attempt("setup with an empty ffi", lambda: fast.setup(cffi.FFI(), *rest))
attempt("setup with an ABI-mode ffi of the same types", lambda: fast.setup(same_names, *rest))
attempt("setup with an ffi of other types", lambda: fast.setup(aliased, *rest))
attempt("setup with a class that is not an Instance",
        lambda: fast.setup(good, *rest[:3], object, *rest[4:]))
attempt("setup with a field that is an address",
        lambda: fast.setup(good, *rest[:8], (12345,), *rest[9:]))
attempt("adopt after them", lambda: fast.adopt(12345))
attempt("run after them", lambda: fast.run(TICK, Snap(), NOW, None, True))

import libedition as le  # its own setup still succeeds
fresh = lambda: le.Instance.create_standard("MQ_INST_1", "http://mq", NOW)
attempt("the package after them", lambda: fresh().add_topic(NOW, "orders").instance.revision)
''')
    expected = {
        "adopt before setup": "RuntimeError", "effects before setup": "RuntimeError",
        "run before setup": "RuntimeError", "apply before setup": "RuntimeError",
        "setup with an int": "TypeError", "setup with a table of addresses": "TypeError",
        "setup with a path before the ffi": "TypeError", "setup with an empty ffi": "TypeError",
        "setup with an ABI-mode ffi of the same types": "TypeError",
        "setup with an ffi of other types": "TypeError",
        "setup with a class that is not an Instance": "TypeError",
        "setup with a field that is an address": "TypeError",
        "adopt after them": "RuntimeError", "run after them": "RuntimeError",
    }
    assert {label: raised(got, label) for label in expected} == expected
    assert "must be the ffi of libedition._cffi" in got["setup with an ABI-mode ffi of the same types"]
    assert got["the package after them"] == "returned 1"
