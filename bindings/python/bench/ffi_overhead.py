"""Per-call cost of cffi (API and ABI mode) and ctypes on state-only transitions.

Run: python bench/ffi_overhead.py [/path/to/libedition.so.1]

With the binding installed, the library is the one it loads (the bundled
copy, or LIBEDITION_LIBRARY) and API mode is the binding's own module
(libedition._cffi); ABI mode and ctypes load the same file. Measures two
raw calls through each FFI, with no binding code around them:
``ed_set_post_expiration_action`` setting the action a snapshot already has
(libedition returns the input snapshot, no effects, nothing allocated but the
result) and ``ed_add_topic`` on a small snapshot (a new snapshot and one
effect), each followed by ``ed_result_free``. A ``pass`` loop is subtracted.
"""

from __future__ import annotations

import ctypes
import sys
import time

import cffi

N = 100_000
REPEAT = 15
NOW = 1_770_000_000  # 2026-02-02


def timed(fn: "object") -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - t0) / N * 1e9


def main(path: str) -> None:
    try:
        from libedition._native import ffi as api_ffi, lib as api, library_path
    except ImportError:
        api = None
    else:
        path = library_path
    ffi = cffi.FFI()
    ffi.cdef(
        """
        typedef struct ed_instance ed_instance; typedef struct ed_result ed_result;
        ed_result *ed_create_enterprise_platinum(const char *, const char *, int64_t, int, const void *);
        const ed_instance *ed_result_instance(const ed_result *);
        ed_instance *ed_instance_ref(const ed_instance *);
        void ed_result_free(ed_result *);
        ed_result *ed_set_post_expiration_action(const ed_instance *, int64_t, int);
        ed_result *ed_add_topic(const ed_instance *, int64_t, const char *);
        """
    )
    c = ffi.dlopen(path)
    r = c.ed_create_enterprise_platinum(b"MQ_BENCH", b"http://mq", NOW - 10, 12, ffi.NULL)
    inst = c.ed_instance_ref(c.ed_result_instance(r))
    c.ed_result_free(r)

    cset, cadd, cfree = c.ed_set_post_expiration_action, c.ed_add_topic, c.ed_result_free

    def cffi_set() -> None:
        for _ in range(N):
            cfree(cset(inst, NOW, 0))

    def cffi_add() -> None:
        for _ in range(N):
            cfree(cadd(inst, NOW, b"orders"))

    t = ctypes.CDLL(path)
    for name in ("ed_set_post_expiration_action", "ed_add_topic"):
        getattr(t, name).restype = ctypes.c_void_p
    t.ed_set_post_expiration_action.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int]
    t.ed_add_topic.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_char_p]
    t.ed_result_free.argtypes = [ctypes.c_void_p]
    t.ed_result_free.restype = None
    tinst = ctypes.c_void_p(int(ffi.cast("uintptr_t", inst)))
    tset, tadd, tfree = t.ed_set_post_expiration_action, t.ed_add_topic, t.ed_result_free

    def ctypes_set() -> None:
        for _ in range(N):
            tfree(tset(tinst, NOW, 0))

    def ctypes_add() -> None:
        for _ in range(N):
            tfree(tadd(tinst, NOW, b"orders"))

    def empty() -> None:
        for _ in range(N):
            pass

    cases: tuple[tuple[str, object], ...] = (
        ("cffi ABI set_post_expiration_action + result_free", cffi_set),
        ("ctypes   set_post_expiration_action + result_free", ctypes_set),
        ("cffi ABI add_topic + result_free", cffi_add),
        ("ctypes   add_topic + result_free", ctypes_add),
    )
    if api is not None:
        r = api.ed_create_enterprise_platinum(b"MQ_BENCH", b"http://mq", NOW - 10, 12, api_ffi.NULL)
        ainst = api.ed_instance_ref(api.ed_result_instance(r))
        api.ed_result_free(r)
        aset, aadd, afree = api.ed_set_post_expiration_action, api.ed_add_topic, api.ed_result_free

        def api_set() -> None:
            for _ in range(N):
                afree(aset(ainst, NOW, 0))

        def api_add() -> None:
            for _ in range(N):
                afree(aadd(ainst, NOW, b"orders"))

        cases = (("cffi API set_post_expiration_action + result_free", api_set),
                 *cases[:2],
                 ("cffi API add_topic + result_free", api_add),
                 *cases[2:])
    # Interleaved, best of REPEAT: on a shared machine the best run is the
    # one least disturbed by other processes.
    best = {label: float("inf") for label, _ in cases}
    base = float("inf")
    for _ in range(REPEAT):
        base = min(base, timed(empty))
        for label, fn in cases:
            best[label] = min(best[label], timed(fn))
    for label, _ in cases:
        print(f"{label}: {best[label] - base:7.0f} ns per pair of calls")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "libedition.so.1")
