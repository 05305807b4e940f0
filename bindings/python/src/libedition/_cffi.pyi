"""Types of libedition._cffi, the API-mode cffi module setup.py compiles from
include/libedition.h (cdef_from_header.py): its ffi and lib are typed Any,
as every C value is checked where the binding converts it."""

from typing import Any

ffi: Any
lib: Any
