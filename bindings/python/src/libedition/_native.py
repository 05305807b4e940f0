"""Loading libedition.so.1 through cffi in ABI mode, and checking its version.

The declarations below restate the public header ``include/libedition.h`` of
libedition 0.1 (enums as ``int``, opaque types as incomplete structs), then
the functions 0.2 and 0.3 added (symbol versions LIBEDITION_1.1 and 1.2).
Only the public API is declared. In ABI mode a declared function is looked up when first used,
so the binding still loads a 0.1 library; the 0.2 functions are used through
``require``, which names the release a missing one needs.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

# Imported as a module object typed Any: the binding needs no cffi stubs to
# type-check, and every C value is checked where it is converted.
cffi: Any = importlib.import_module("cffi")

#: The release this binding was written for: the library's major must be
#: equal and its minor at least this one.
WRITTEN_FOR = (0, 1)

_CDEF = """
typedef int64_t ed_time;
typedef struct ed_options ed_options;
typedef struct ed_instance ed_instance;
typedef struct ed_effect ed_effect;
typedef struct ed_effect_list ed_effect_list;
typedef struct ed_result ed_result;
typedef struct ed_command ed_command;
typedef struct ed_buffer ed_buffer;
typedef struct ed_error ed_error;
typedef struct ed_scenario ed_scenario;

const char *ed_version(void);
const char *ed_status_name(int status);
int ed_status_from_name(const char *name, int *out);

const char *ed_edition_name(int v);
const char *ed_billing_name(int v);
const char *ed_cluster_name(int v);
const char *ed_lifecycle_name(int v);
const char *ed_action_name(int v);
const char *ed_plan_mode_name(int v);
const char *ed_command_kind_name(int v);
const char *ed_effect_kind_name(int kind);
const char *ed_effect_flag_name(unsigned flag);
const char *ed_subject_kind_name(int kind);
const char *ed_field_name(int field);
int ed_field_type_of(int field);
const char *ed_arg_name(int arg);
bool ed_command_kind_takes(int kind, int arg);
bool ed_command_kind_requires(int kind, int arg);

int ed_time_parse(const char *text, size_t len, ed_time *out);
int ed_time_format(ed_time t, char *buf, size_t size);
int ed_time_add_months(ed_time t, int months, ed_time *out);

ed_options *ed_options_new(void);
void ed_options_free(ed_options *opts);
int ed_options_set_int(ed_options *opts, int key, int64_t value);
int ed_options_set_string(ed_options *opts, int key, const char *value);

ed_instance *ed_instance_ref(const ed_instance *inst);
void ed_instance_free(ed_instance *inst);
const char *ed_instance_id(const ed_instance *inst);
const char *ed_instance_endpoint(const ed_instance *inst);
const char *ed_instance_region(const ed_instance *inst);
int ed_instance_edition(const ed_instance *inst);
int ed_instance_billing(const ed_instance *inst);
int ed_instance_cluster(const ed_instance *inst);
int ed_instance_lifecycle(const ed_instance *inst);
uint64_t ed_instance_revision(const ed_instance *inst);
ed_time ed_instance_created_at(const ed_instance *inst);
ed_time ed_instance_updated_at(const ed_instance *inst);
int ed_instance_release_delay_days(const ed_instance *inst);
bool ed_instance_subscription(const ed_instance *inst, ed_time *started_at,
                              ed_time *expires_at, int *period_months, int *action);
bool ed_instance_release_at(const ed_instance *inst, ed_time *release_at);
bool ed_instance_migration(const ed_instance *inst, int *from, int *to, ed_time *started_at);
size_t ed_instance_topic_count(const ed_instance *inst);
const char *ed_instance_topic(const ed_instance *inst, size_t i);
bool ed_instance_has_topic(const ed_instance *inst, const char *name);
size_t ed_instance_group_count(const ed_instance *inst);
const char *ed_instance_group(const ed_instance *inst, size_t i);
bool ed_instance_has_group(const ed_instance *inst, const char *name);
bool ed_instance_equal(const ed_instance *a, const ed_instance *b);
bool ed_instance_next_deadline(const ed_instance *inst, ed_time *deadline);

size_t ed_effect_list_count(const ed_effect_list *list);
const ed_effect *ed_effect_list_get(const ed_effect_list *list, size_t i);
int ed_effect_kind_of(const ed_effect *e);
const char *ed_effect_key(const ed_effect *e);
uint64_t ed_effect_revision(const ed_effect *e);
size_t ed_effect_index(const ed_effect *e);
unsigned ed_effect_flags(const ed_effect *e);
int ed_effect_subject_kind(const ed_effect *e);
const char *ed_effect_subject(const ed_effect *e);
const char *ed_effect_text(const ed_effect *e);
bool ed_effect_has(const ed_effect *e, int field);
const char *ed_effect_string(const ed_effect *e, int field);
bool ed_effect_time(const ed_effect *e, int field, ed_time *out);
bool ed_effect_int(const ed_effect *e, int field, int64_t *out);

void ed_result_free(ed_result *r);
int ed_result_status(const ed_result *r);
const char *ed_result_message(const ed_result *r);
const ed_instance *ed_result_instance(const ed_result *r);
const ed_effect_list *ed_result_effects(const ed_result *r);
const ed_effect_list *ed_result_would_have(const ed_result *r);
size_t ed_result_plan_count(const ed_result *r);
int ed_result_plan_command(const ed_result *r, size_t i);
bool ed_result_plan_action(const ed_result *r, size_t i, int *out);
bool ed_result_plan_at(const ed_result *r, size_t i, ed_time *out);

ed_result *ed_create_standard(const char *id, const char *endpoint, ed_time now,
                              const ed_options *opts);
ed_result *ed_create_enterprise_platinum(const char *id, const char *endpoint, ed_time now,
                                         int period_months, const ed_options *opts);
ed_result *ed_upgrade(const ed_instance *in, ed_time now, int period_months);
ed_result *ed_set_post_expiration_action(const ed_instance *in, ed_time now, int action);
ed_result *ed_tick(const ed_instance *in, ed_time now);
ed_result *ed_refund(const ed_instance *in, ed_time now, const ed_options *opts);
ed_result *ed_renew(const ed_instance *in, ed_time now, int period_months);
ed_result *ed_add_topic(const ed_instance *in, ed_time now, const char *name);
ed_result *ed_remove_topic(const ed_instance *in, ed_time now, const char *name);
ed_result *ed_add_group(const ed_instance *in, ed_time now, const char *name);
ed_result *ed_remove_group(const ed_instance *in, ed_time now, const char *name);
ed_result *ed_complete_migration(const ed_instance *in, ed_time now);
ed_result *ed_downgrade(const ed_instance *in, ed_time now);
ed_result *ed_plan_downgrade(const ed_instance *in, ed_time now, int mode);

ed_command *ed_command_new(int kind);
void ed_command_free(ed_command *cmd);
int ed_command_kind_of(const ed_command *cmd);
int ed_command_set_int(ed_command *cmd, int arg, int64_t value);
int ed_command_set_string(ed_command *cmd, int arg, const char *value);
bool ed_command_get_int(const ed_command *cmd, int arg, int64_t *out);
const char *ed_command_get_string(const ed_command *cmd, int arg);
ed_result *ed_command_apply(const ed_command *cmd, const ed_instance *in, ed_time now);

ed_buffer *ed_buffer_new(void);
void ed_buffer_free(ed_buffer *buf);
const char *ed_buffer_data(const ed_buffer *buf);
size_t ed_buffer_len(const ed_buffer *buf);
void ed_buffer_clear(ed_buffer *buf);

void ed_error_free(ed_error *err);
int ed_error_status(const ed_error *err);
const char *ed_error_message(const ed_error *err);
size_t ed_error_line(const ed_error *err);
size_t ed_error_column(const ed_error *err);

int ed_instance_load_yaml(ed_instance **out, const char *data, size_t len,
                          const ed_options *opts, ed_error **err);
int ed_instance_dump_yaml(const ed_instance *inst, ed_buffer *buf);
int ed_effects_dump_yaml(const ed_effect_list *list, ed_buffer *buf);

int ed_scenario_load_yaml(ed_scenario **out, const char *data, size_t len,
                          const ed_options *opts, ed_error **err);
void ed_scenario_free(ed_scenario *sc);
const ed_instance *ed_scenario_instance(const ed_scenario *sc);
size_t ed_scenario_step_count(const ed_scenario *sc);
const ed_command *ed_scenario_step_command(const ed_scenario *sc, size_t i);
ed_time ed_scenario_step_at(const ed_scenario *sc, size_t i);
size_t ed_scenario_step_line(const ed_scenario *sc, size_t i);
int ed_step_dump_yaml(ed_buffer *buf, size_t step, ed_time at, const ed_command *cmd,
                      const ed_result *r, const ed_instance *current);
int ed_result_dump_yaml(ed_buffer *buf, const ed_command *cmd, ed_time now,
                        const ed_result *r, const ed_instance *current);

/* 0.2 (LIBEDITION_1.1) */
int ed_instance_dump_json(const ed_instance *inst, ed_buffer *buf);
int ed_effects_load_yaml(ed_effect_list **out, const char *data, size_t len,
                         const ed_options *opts, ed_error **err);
void ed_effects_free(ed_effect_list *list);

/* 0.3 (LIBEDITION_1.2) */
unsigned ed_effect_fields(const ed_effect *e);
"""

# Constants of the header that are not enumerations the binding reflects.
ED_OPT_ALLOW_DATA_LOSS = 1
ED_OPT_RELEASE_DELAY_DAYS = 2
ED_OPT_REGION = 3
ED_OPT_MAX_DOCUMENT_SIZE = 4
ED_TIME_MIN = -62167219200
ED_TIME_MAX = 253402300799
ED_TIME_BUFSIZE = 21

_HOW_TO_FIX = (
    "Install the binding with `pip install ./bindings/python` from a libedition source tree "
    "(it builds and bundles libedition.so.1; needs a C compiler and libyaml-dev), or install "
    "libedition {major}.x (>= {major}.{minor}) so that the dynamic loader finds libedition.so.1, "
    "or set LIBEDITION_LIBRARY=/path/to/libedition.so.1."
)


def _how_to_fix() -> str:
    return _HOW_TO_FIX.format(major=WRITTEN_FOR[0], minor=WRITTEN_FOR[1])


def parse_version(text: str) -> tuple[int, int, int]:
    """Splits "MAJOR.MINOR.PATCH" (anything after a '-' or '+' ignored)."""
    core = text.split("-", 1)[0].split("+", 1)[0]
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def version_acceptable(version: tuple[int, int, int]) -> bool:
    """Same major as WRITTEN_FOR and at least its minor: later minors add, never break."""
    return version[0] == WRITTEN_FOR[0] and version[1] >= WRITTEN_FOR[1]


def _candidates() -> tuple[list[str], str]:
    override = os.environ.get("LIBEDITION_LIBRARY")
    if override:
        return [override], "LIBEDITION_LIBRARY"
    bundled = Path(__file__).resolve().parent / "libedition.so.1"
    if bundled.exists():
        return [str(bundled)], "the copy bundled with this package"
    return ["libedition.so.1"], "the dynamic loader's search path"


def _load() -> tuple[Any, Any, str, str]:
    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    paths, origin = _candidates()
    path = paths[0]
    try:
        lib = ffi.dlopen(path)
    except OSError as exc:
        raise ImportError(
            f"libedition: cannot load {path} (from {origin}): {exc}. {_how_to_fix()}"
        ) from None
    try:
        version_text = ffi.string(lib.ed_version()).decode("ascii")
    except AttributeError:
        raise ImportError(f"libedition: {path} is not libedition (no ed_version). {_how_to_fix()}") from None
    try:
        version = parse_version(version_text)
    except ValueError:
        raise ImportError(f"libedition: {path} reports an unreadable version {version_text!r}") from None
    if not version_acceptable(version):
        raise ImportError(
            f"libedition: {path} is version {version_text}, but this binding was written for "
            f"{WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} and accepts {WRITTEN_FOR[0]}.x releases from "
            f"{WRITTEN_FOR[0]}.{WRITTEN_FOR[1]} on. {_how_to_fix()}"
        )
    return ffi, lib, path, version_text


ffi: Any
lib: Any
library_path: str
library_version: str
ffi, lib, library_path, library_version = _load()


def require(name: str, release: tuple[int, int]) -> Any:
    """The library function ``name``, which libedition ``release`` added; an
    explanatory RuntimeError when the loaded library is older."""
    try:
        return getattr(lib, name)
    except AttributeError:
        raise RuntimeError(
            f"libedition: {name} needs libedition {release[0]}.{release[1]} or later; "
            f"the library loaded ({library_path}) does not have it") from None
