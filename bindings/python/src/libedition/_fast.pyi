"""Types of the compiled module _fast.c (the binding's hot path).

Pointers go in and out as cffi pointers (``Any`` here, as everywhere in the
binding) of exactly the type named: never as integers.
"""

from typing import Any, Literal, Union, overload

from ._core import Effect, Instance, Result
from ._errors import EditionError

class Snapshot:
    @property
    def _ptr(self) -> Any: ...  # cffi `ed_instance *`, valid as long as this object

# kind: an ed_command_kind (lib.ED_CMD_*); arg: period_months, an action or
# mode code, a name, the cffi `ed_options *` of refund (or None), or None.
def run(kind: int, instance: Snapshot, now: Any, arg: object, checked: Literal[True]) -> Result: ...
# command: a cffi `ed_command *`
@overload
def apply(instance: Snapshot, now: Any, command: Any, checked: Literal[True]) -> Result: ...
@overload
def apply(instance: Snapshot, now: Any, command: Any,
          checked: Literal[False]) -> Union[Result, EditionError]: ...
def effects(effect_list: Any) -> tuple[Effect, ...]: ...  # cffi `ed_effect_list *`
def adopt(snapshot: Any) -> Instance: ...  # cffi `ed_instance *`, borrowed
def setup(ffi: Any, *args: Any) -> None: ...  # once, at import
