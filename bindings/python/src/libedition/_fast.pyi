"""Types of the compiled module _fast.c (the binding's hot path).

Pointers go in and out as cffi pointers (``Any`` here, as everywhere in the
binding) of exactly the type named: never as integers.
"""

from typing import Any, Literal, Union, overload

from ._core import Effect, Instance, Result
from ._errors import EditionError

OP_UPGRADE: int
OP_SET_POST_EXPIRATION_ACTION: int
OP_TICK: int
OP_REFUND: int
OP_RENEW: int
OP_ADD_TOPIC: int
OP_REMOVE_TOPIC: int
OP_ADD_GROUP: int
OP_REMOVE_GROUP: int
OP_COMPLETE_MIGRATION: int
OP_DOWNGRADE: int
OP_PLAN_DOWNGRADE: int
OP_APPLY: int

class Snapshot:
    @property
    def _ptr(self) -> Any: ...  # cffi `ed_instance *`, valid as long as this object

# arg: period_months, an action or mode code, a name, the cffi `ed_options *`
# of refund (or None), the cffi `ed_command *` of apply, or None.
@overload
def run(op: int, instance: Snapshot, now: Any, arg: object, checked: Literal[True]) -> Result: ...
@overload
def run(op: int, instance: Snapshot, now: Any, arg: object,
        checked: Literal[False]) -> Union[Result, EditionError]: ...
def effects(effect_list: Any) -> tuple[Effect, ...]: ...  # cffi `ed_effect_list *`
def adopt(snapshot: Any) -> Instance: ...  # cffi `ed_instance *`, borrowed
def setup(library: str, ffi: Any, *args: Any) -> None: ...  # once, at import
