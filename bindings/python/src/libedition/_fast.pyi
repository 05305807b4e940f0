"""Types of the compiled module _fast.c (the binding's hot path)."""

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
    def _ptr(self) -> Any: ...

@overload
def run(op: int, instance: Snapshot, now: Any, arg: object, checked: Literal[True]) -> Result: ...
@overload
def run(op: int, instance: Snapshot, now: Any, arg: object,
        checked: Literal[False]) -> Union[Result, EditionError]: ...
def effects(address: int) -> tuple[Effect, ...]: ...
def adopt(address: int) -> Instance: ...
def setup(*args: Any) -> None: ...
