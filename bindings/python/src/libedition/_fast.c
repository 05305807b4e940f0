/* The binding's hot path in C: a transition and its Result built in one call.
 *
 * The rest of the binding reaches libedition through cffi (the API-mode
 * module libedition._cffi), one crossing per C call. Reading a result that
 * way cost about twenty crossings per effect, which made a transition
 * through Python 30 to 130 times dearer than the library's own. This module
 * runs a command and builds everything the Python API returns for it (the
 * Result, its new Instance, every Effect with its FieldMap and datetimes) in
 * one call, copying the effects out with ed_effect_list_read: one library
 * call per run of records, not one getter per field.
 *
 * It calls only libedition's public API and links against the library like
 * libedition._cffi (DT_NEEDED libedition.so.1, run path $ORIGIN): both
 * modules bind to the one copy the dynamic loader has loaded, which
 * libedition._native loads first (the bundled copy, or LIBEDITION_LIBRARY)
 * after checking its version (the dynamic loader matches DT_NEEDED by
 * soname), and tests/test_oldest_library.py checks that no other copy is
 * mapped.
 * Commands are named by their ed_command_kind (ED_CMD_*), the header's own
 * values; the header is the one the library was built from, so every
 * declaration used here is the compiler's.
 *
 * No Python integer is ever taken for a pointer: importing this private
 * module must not be a way to crash the interpreter. Pointers come in only
 * as cffi pointers of exactly the type the binding's cffi declarations give
 * them (`ed_instance *`, `ed_effect_list *`, ...), which is what cffi itself
 * would demand of the same argument of `lib`; an int, None, a capsule or a
 * pointer of any other type is a TypeError, NULL a ValueError. (A cffi
 * pointer forged with ffi.cast is cffi's own unsafety, outside this module.)
 * setup() runs once, at import; a second call is refused, so the types
 * pointers are checked against cannot be replaced.
 *
 * Anything but an accepted command without a plan (a refusal, a downgrade
 * plan, a NULL result) goes back to the Python code that handled every
 * result before, with the result as a cffi pointer: errors, would_have and
 * plans are built in one place only. Invalid arguments are handed to the
 * same Python checks, so their exceptions and messages are unchanged.
 *
 * Everything here runs with the GIL held; the only state is set once by
 * setup() at import. A snapshot is owned by its Instance object (a subclass
 * of Snapshot below), which releases its reference when it is deallocated.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "libedition.h"

/* ------------------------------------------------------------------------ */
/* What setup() receives from the Python side                                 */
/* ------------------------------------------------------------------------ */

static int ready;
static PyTypeObject *effect_type;    /* libedition.Effect (a frozen dataclass) */
static PyTypeObject *field_map_type; /* libedition.FieldMap */
static PyTypeObject *result_type;    /* libedition.Result (a frozen dataclass) */
static PyTypeObject *instance_type;  /* libedition.Instance, a subclass of Snapshot */
static PyObject *effect_kinds;       /* {C value: EffectKind} */
static PyObject *subject_kinds;      /* {C value: SubjectKind} */
static PyObject *flags_cache;        /* {bits: EffectFlag}, filled by flag_of */
static PyObject *flag_of;            /* bits -> EffectFlag (and caches it) */
static PyObject *empty_fields;       /* the FieldMap of an effect without fields */
static PyObject *to_seconds;         /* datetime -> ed_time, or the binding's exception */
static PyObject *from_seconds;       /* ed_time -> datetime, or OverflowError */
static PyObject *int_arg;            /* period_months -> a C int, or TypeError */
static PyObject *name_arg;           /* name -> bytes, or TypeError/InvalidArgument */
static PyObject *slow_result;        /* (cffi ed_result *, base, checked) -> Result or error */
static PyObject *empty_tuple;

/* cffi, for pointers in and out: _cffi_backend's own functions (not the
 * ffi object's methods, which Python code could replace), and the types of
 * the binding's declarations, which a pointer must have exactly. */
static PyTypeObject *cdata_type; /* _cffi_backend._CDataBase, the base of every cdata */
static PyObject *cffi_typeof;    /* _cffi_backend.typeof: cdata -> its ctype */
static PyObject *cffi_cast;      /* _cffi_backend.cast: (ctype, value) -> cdata */
static PyObject *ct_instance, *ct_effect_list, *ct_result, *ct_command, *ct_options, *ct_uintptr;

enum { MAX_FIELDS = 32 };
static struct {
    PyObject *member; /* the Field */
    int code;         /* its ed_field */
    int type;         /* its ed_field_type */
} fields[MAX_FIELDS];
static Py_ssize_t field_count;

/* interned attribute names */
static PyObject *s_key, *s_kind, *s_revision, *s_index, *s_flags, *s_subject_kind, *s_subject,
    *s_text, *s_fields, *s_items, *s_dict, *s_instance, *s_effects, *s_plan;

/* ------------------------------------------------------------------------ */
/* Pointers in and out, as cffi pointers only                                 */
/* ------------------------------------------------------------------------ */

/* A cffi pointer of type `ctype` holding `p`, for the binding's cffi calls. */
static PyObject *cdata_of(PyObject *ctype, const void *p) {
    PyObject *address = PyLong_FromVoidPtr((void *)p);
    if (address == NULL)
        return NULL;
    PyObject *cdata = PyObject_CallFunctionObjArgs(cffi_cast, ctype, address, NULL);
    Py_DECREF(address);
    return cdata;
}

/* The pointer `v` holds, when `v` is a cffi pointer of exactly `ctype`
 * (`what` names it in errors): a TypeError for anything else, a ValueError
 * for NULL. */
static int pointer_of(PyObject *v, PyObject *ctype, const char *what, void **out) {
    *out = NULL;
    int typed = 0;
    if (PyObject_TypeCheck(v, cdata_type)) {
        PyObject *t = PyObject_CallOneArg(cffi_typeof, v);
        if (t == NULL)
            return -1;
        typed = t == ctype;
        Py_DECREF(t);
    }
    if (!typed) {
        /* named as the header declares it (cffi in API mode says "struct ...") */
        const char *decl = ctype == ct_instance       ? "ed_instance *"
                           : ctype == ct_effect_list  ? "ed_effect_list *"
                           : ctype == ct_result       ? "ed_result *"
                           : ctype == ct_command      ? "ed_command *"
                           : ctype == ct_options      ? "ed_options *"
                                                      : "pointer";
        PyErr_Format(PyExc_TypeError, "%s must be a cffi '%s' of libedition's own ffi, not %R",
                     what, decl, v);
        return -1;
    }
    PyObject *word = PyObject_CallFunctionObjArgs(cffi_cast, ct_uintptr, v, NULL);
    if (word == NULL)
        return -1;
    PyObject *address = PyNumber_Long(word);
    Py_DECREF(word);
    if (address == NULL)
        return -1;
    *out = PyLong_AsVoidPtr(address);
    Py_DECREF(address);
    if (*out == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "%s is NULL", what);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Snapshot: the C part of libedition.Instance                                */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    ed_instance *ptr; /* one reference, owned; NULL only before adoption */
    PyObject *cdata;  /* cffi `ed_instance *` for the ABI-mode calls, made on first use */
} Snapshot;

static PyObject *snapshot_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    (void)args;
    (void)kwds;
    return type->tp_alloc(type, 0);
}

static void snapshot_dealloc(PyObject *self) {
    Snapshot *s = (Snapshot *)self;
    if (s->ptr != NULL)
        ed_instance_free(s->ptr);
    s->ptr = NULL;
    Py_CLEAR(s->cdata);
    Py_TYPE(self)->tp_free(self);
}

/* The snapshot as a cffi pointer, valid as long as this object: every
 * ABI-mode call passes self._ptr, so the object outlives the call. */
static PyObject *snapshot_ptr(PyObject *self, void *closure) {
    (void)closure;
    Snapshot *s = (Snapshot *)self;
    if (s->ptr == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_ptr: this Instance holds no snapshot");
        return NULL;
    }
    if (s->cdata == NULL) {
        PyObject *made = cdata_of(ct_instance, s->ptr);
        if (made == NULL)
            return NULL;
        if (s->cdata == NULL) /* another thread may have made one meanwhile */
            s->cdata = made;
        else
            Py_DECREF(made);
    }
    Py_INCREF(s->cdata);
    return s->cdata;
}

static PyGetSetDef snapshot_getset[] = {
    {"_ptr", snapshot_ptr, NULL, "The C snapshot (cffi `ed_instance *`), owned by this object.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SnapshotType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "libedition._fast.Snapshot",
    .tp_basicsize = sizeof(Snapshot),
    .tp_dealloc = snapshot_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Owns one reference to a C snapshot; the base of libedition.Instance.",
    .tp_getset = snapshot_getset,
    .tp_new = snapshot_new,
};

/* A new Instance owning `ptr` (a reference the caller hands over). */
static PyObject *adopt_pointer(ed_instance *ptr) {
    if (ptr == NULL)
        return PyErr_NoMemory();
    PyObject *o = instance_type->tp_alloc(instance_type, 0);
    if (o == NULL) {
        ed_instance_free(ptr);
        return NULL;
    }
    ((Snapshot *)o)->ptr = ptr;
    return o;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                     */
/* ------------------------------------------------------------------------ */

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * civil_from_days, in 64-bit arithmetic). */
static void civil_from_days(int64_t z, int *year, int *month, int *day) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

/* The inverse: days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The UTC datetime of libedition's seconds, as _time.from_ed_time makes it. */
static PyObject *datetime_of(ed_time t) {
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1) /* year 0000: the Python code raises its OverflowError */
        return PyObject_CallFunction(from_seconds, "L", (long long)t);
    return PyDateTimeAPI->DateTime_FromDateAndTime(y, m, d, (int)(rem / 3600),
                                                   (int)(rem / 60 % 60), (int)(rem % 60), 0,
                                                   PyDateTime_TimeZone_UTC,
                                                   PyDateTimeAPI->DateTimeType);
}

/* `now` as ed_time: UTC datetimes of whole seconds directly, everything
 * else through _time.to_ed_time (other zones, naive values, fractions of a
 * second, which it refuses, and wrong types). */
static int seconds_of(PyObject *now, ed_time *out) {
    if (PyDateTime_CheckExact(now)) {
        PyDateTime_DateTime *dt = (PyDateTime_DateTime *)now;
        if (dt->hastzinfo && dt->tzinfo == PyDateTime_TimeZone_UTC &&
            PyDateTime_DATE_GET_MICROSECOND(now) == 0) {
            int64_t days = days_from_civil(PyDateTime_GET_YEAR(now), PyDateTime_GET_MONTH(now),
                                           PyDateTime_GET_DAY(now));
            *out = days * 86400 + PyDateTime_DATE_GET_HOUR(now) * 3600 +
                   PyDateTime_DATE_GET_MINUTE(now) * 60 + PyDateTime_DATE_GET_SECOND(now);
            return 0;
        }
    }
    PyObject *v = PyObject_CallOneArg(to_seconds, now);
    if (v == NULL)
        return -1;
    long long s = PyLong_AsLongLong(v);
    Py_DECREF(v);
    if (s == -1 && PyErr_Occurred())
        return -1;
    *out = (ed_time)s;
    return 0;
}

/* An int clamped to the C int range, so that the library's range checks see
 * out-of-range values and none of them aliases a valid one; used as it is
 * for action and mode codes, which the library refuses when it does not
 * know them. */
static int clamped_int(PyObject *v, int *out) {
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (n == -1 && PyErr_Occurred())
        return -1;
    if (overflow != 0)
        n = overflow > 0 ? INT_MAX : INT_MIN;
    *out = n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : (int)n;
    return 0;
}

/* period_months as a C int; anything but an int goes to the Python check. */
static int months_of(PyObject *v, int *out) {
    if (PyLong_CheckExact(v))
        return clamped_int(v, out);
    PyObject *checked = PyObject_CallOneArg(int_arg, v);
    if (checked == NULL)
        return -1;
    int rc = clamped_int(checked, out);
    Py_DECREF(checked);
    return rc;
}

/* A name as NUL-terminated UTF-8 in *out; *keep holds whatever owns it.
 * A str without NUL is used as it is; anything else goes to _core._bytes,
 * which raises the binding's errors or returns the bytes. */
static int name_of(PyObject *v, const char **out, PyObject **keep) {
    if (PyUnicode_CheckExact(v)) {
        Py_ssize_t n;
        const char *p = PyUnicode_AsUTF8AndSize(v, &n);
        if (p != NULL && memchr(p, 0, (size_t)n) == NULL) {
            Py_INCREF(v);
            *keep = v;
            *out = p;
            return 0;
        }
        PyErr_Clear();
    }
    PyObject *b = PyObject_CallOneArg(name_arg, v);
    if (b == NULL)
        return -1;
    if (!PyBytes_Check(b)) {
        Py_DECREF(b);
        PyErr_SetString(PyExc_TypeError, "libedition: the name check returned no bytes");
        return -1;
    }
    *keep = b;
    *out = PyBytes_AS_STRING(b);
    return 0;
}

static PyObject *str_of(const char *p) {
    /* NULL only when the library could not allocate the list's texts */
    return p != NULL ? PyUnicode_FromString(p) : PyErr_NoMemory();
}

static PyObject *member_of(PyObject *table, long value, const char *class_name) {
    PyObject *key = PyLong_FromLong(value);
    if (key == NULL)
        return NULL;
    PyObject *m = PyDict_GetItemWithError(table, key);
    Py_DECREF(key);
    if (m == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "libedition returned %ld, which is not a %s", value,
                         class_name);
        return NULL;
    }
    Py_INCREF(m);
    return m;
}

static PyObject *flag_value(unsigned bits) {
    PyObject *key = PyLong_FromUnsignedLong(bits);
    if (key == NULL)
        return NULL;
    PyObject *f = PyDict_GetItemWithError(flags_cache, key);
    if (f != NULL)
        Py_INCREF(f);
    else if (!PyErr_Occurred())
        f = PyObject_CallOneArg(flag_of, key);
    Py_DECREF(key);
    return f;
}

/* One field's value through the getters, or NULL with *present false when
 * the effect has none: for a field of a later library than the header this
 * module was compiled against, which ed_effect_record does not hold. */
static PyObject *field_by_getter(const ed_effect *e, int code, int type, bool *present) {
    *present = true;
    if (type == ED_FIELD_TYPE_TIME) {
        ed_time t;
        if (ed_effect_time(e, (ed_field)code, &t))
            return datetime_of(t);
    } else if (type == ED_FIELD_TYPE_INT || type == ED_FIELD_TYPE_BOOL) {
        int64_t n;
        if (ed_effect_int(e, (ed_field)code, &n))
            return type == ED_FIELD_TYPE_BOOL ? PyBool_FromLong(n != 0) : PyLong_FromLongLong(n);
    } else {
        const char *p = ed_effect_string(e, (ed_field)code);
        if (p != NULL)
            return PyUnicode_FromString(p);
    }
    *present = false;
    return NULL;
}

/* One field's value from the record (the effect carries it: `fields` said
 * so); effect `index` of `list` is the record's effect, for the getters. */
static PyObject *field_value(const ed_effect_record *r, int code, int type,
                             const ed_effect_list *list, size_t index, bool *present) {
    *present = true;
    switch (code) {
    case ED_FIELD_FROM:
        return str_of(r->from);
    case ED_FIELD_TO:
        return str_of(r->to);
    case ED_FIELD_AT:
        return datetime_of(r->at);
    case ED_FIELD_PERIOD_MONTHS:
        return PyLong_FromLongLong(r->period_months);
    case ED_FIELD_EXPIRES_AT:
        return datetime_of(r->expires_at);
    case ED_FIELD_REFUND:
        return str_of(r->refund);
    case ED_FIELD_UNUSED_FROM:
        return datetime_of(r->unused_from);
    case ED_FIELD_UNUSED_UNTIL:
        return datetime_of(r->unused_until);
    case ED_FIELD_TIMER:
        return str_of(r->timer);
    case ED_FIELD_ONLINE:
        return PyBool_FromLong(r->online);
    default:
        return field_by_getter(ed_effect_list_get(list, index), code, type, present);
    }
}

/* The FieldMap of an effect: (Field, value) pairs in document order. */
static PyObject *field_map_of(const ed_effect_record *r, const ed_effect_list *list,
                              size_t index) {
    unsigned bits = r->fields;
    PyObject *pairs[MAX_FIELDS];
    Py_ssize_t n = 0;
    PyObject *items = NULL, *dict = NULL, *map = NULL;
    for (Py_ssize_t i = 0; i < field_count; i++) {
        /* a field code past the bit set's width is probed through the getters */
        if (fields[i].code < 32 && !(bits & (1u << fields[i].code)))
            continue;
        bool present;
        PyObject *v = field_value(r, fields[i].code, fields[i].type, list, index, &present);
        if (!present)
            continue;
        if (v == NULL)
            goto fail;
        PyObject *pair = PyTuple_Pack(2, fields[i].member, v);
        Py_DECREF(v);
        if (pair == NULL)
            goto fail;
        pairs[n++] = pair;
    }
    if (n == 0) {
        Py_INCREF(empty_fields);
        return empty_fields;
    }
    items = PyTuple_New(n);
    dict = PyDict_New();
    if (items == NULL || dict == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyDict_SetItem(dict, PyTuple_GET_ITEM(pairs[i], 0), PyTuple_GET_ITEM(pairs[i], 1)))
            goto fail;
        PyTuple_SET_ITEM(items, i, pairs[i]);
        pairs[i] = NULL;
    }
    n = 0;
    map = field_map_type->tp_new(field_map_type, empty_tuple, NULL);
    if (map == NULL || PyObject_GenericSetAttr(map, s_items, items) ||
        PyObject_GenericSetAttr(map, s_dict, dict))
        Py_CLEAR(map);
fail:
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(pairs[i]);
    Py_XDECREF(items);
    Py_XDECREF(dict);
    return map;
}

/* Sets one attribute and drops the caller's reference to the value. */
static int put(PyObject *obj, PyObject *name, PyObject *value) {
    if (value == NULL)
        return -1;
    int rc = PyObject_GenericSetAttr(obj, name, value);
    Py_DECREF(value);
    return rc;
}

/* One Effect, every attribute copied out of its record. */
static PyObject *effect_of(const ed_effect_record *r, const ed_effect_list *list, size_t index) {
    PyObject *o = effect_type->tp_new(effect_type, empty_tuple, NULL);
    if (o == NULL)
        return NULL;
    if (put(o, s_key, str_of(r->key)) ||
        put(o, s_kind, member_of(effect_kinds, (long)r->kind, "EffectKind")) ||
        put(o, s_revision, PyLong_FromUnsignedLongLong(r->revision)) ||
        put(o, s_index, PyLong_FromSize_t(r->index)) || put(o, s_flags, flag_value(r->flags)) ||
        put(o, s_subject_kind, member_of(subject_kinds, (long)r->subject_kind, "SubjectKind")) ||
        put(o, s_subject, str_of(r->subject)) || put(o, s_text, str_of(r->text)) ||
        put(o, s_fields, field_map_of(r, list, index))) {
        Py_DECREF(o);
        return NULL;
    }
    return o;
}

/* Records read per ed_effect_list_read call: a result's list (seven effects
 * in the benchmark's cycle, a few dozen at most) takes one or two. */
enum { RECORDS_PER_READ = 16 };

static PyObject *effects_of(const ed_effect_list *list) {
    size_t count = ed_effect_list_count(list);
    if (count == 0) {
        Py_INCREF(empty_tuple);
        return empty_tuple;
    }
    PyObject *t = PyTuple_New((Py_ssize_t)count);
    if (t == NULL)
        return NULL;
    ed_effect_record records[RECORDS_PER_READ];
    for (size_t first = 0; first < count; first += RECORDS_PER_READ) {
        size_t n = count - first < RECORDS_PER_READ ? count - first : RECORDS_PER_READ;
        records[0].size = sizeof records[0];
        ed_status status = ed_effect_list_read(list, first, n, records);
        if (status != ED_OK) {
            Py_DECREF(t);
            if (status == ED_NO_MEMORY)
                return PyErr_NoMemory();
            const char *name = ed_status_name(status);
            PyErr_Format(PyExc_RuntimeError,
                         "libedition: ed_effect_list_read of effects %zu..%zu of %zu: %s", first,
                         first + n - 1, count, name != NULL ? name : "unknown status");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            PyObject *e = effect_of(&records[i], list, first + i);
            if (e == NULL) {
                Py_DECREF(t);
                return NULL;
            }
            PyTuple_SET_ITEM(t, (Py_ssize_t)(first + i), e);
        }
    }
    return t;
}

/* ------------------------------------------------------------------------ */
/* Module functions                                                           */
/* ------------------------------------------------------------------------ */

static int not_ready(void) {
    if (ready)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "libedition._fast: setup() has not run");
    return 1;
}

/* The snapshot of `self`, an Instance that holds one; NULL with a TypeError
 * otherwise (`what` names the caller). */
static const ed_instance *snapshot_of(PyObject *self, const char *what) {
    if (!PyObject_TypeCheck(self, &SnapshotType) || ((Snapshot *)self)->ptr == NULL) {
        PyErr_Format(PyExc_TypeError, "%s needs an Instance that holds a snapshot", what);
        return NULL;
    }
    return ((Snapshot *)self)->ptr;
}

/* The outcome of a command run on the snapshot of `self` (`in`): a Result
 * built here for an accepted command without a plan; any other result goes
 * to the Python code (slow_result), which raises the refusal when `checked`
 * is true or returns it. Frees `r`. */
static PyObject *outcome_of(ed_result *r, PyObject *self, const ed_instance *in,
                            PyObject *checked) {
    if (r == NULL || ed_result_status(r) != ED_OK || ed_result_plan_count(r) != 0) {
        /* the Python code reads the result and frees it */
        PyObject *result_cdata = cdata_of(ct_result, r);
        if (result_cdata == NULL) {
            ed_result_free(r);
            return NULL;
        }
        PyObject *out = PyObject_CallFunctionObjArgs(slow_result, result_cdata, self, checked, NULL);
        Py_DECREF(result_cdata);
        return out;
    }
    PyObject *inst = NULL, *effects = NULL, *result = NULL;
    const ed_instance *p = ed_result_instance(r);
    if (p == in) {
        Py_INCREF(self);
        inst = self;
    } else {
        inst = adopt_pointer(ed_instance_ref(p));
    }
    if (inst != NULL)
        effects = effects_of(ed_result_effects(r));
    ed_result_free(r);
    if (effects != NULL)
        result = result_type->tp_new(result_type, empty_tuple, NULL);
    if (result != NULL) {
        Py_INCREF(inst);
        Py_INCREF(effects);
        Py_INCREF(empty_tuple);
        if (put(result, s_instance, inst) || put(result, s_effects, effects) ||
            put(result, s_plan, empty_tuple))
            Py_CLEAR(result);
    }
    Py_XDECREF(inst);
    Py_XDECREF(effects);
    return result;
}

/* run(kind, instance, now, arg, checked): runs the command of ed_command_kind
 * `kind` (an ED_CMD_* value) on the instance's snapshot; see outcome_of for
 * what comes back. `arg` is the command's argument: period_months, an
 * action or mode code, a name, or the cffi `ed_options *` of refund (None
 * for none), which the caller keeps alive; None for commands without one. */
static PyObject *fast_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (not_ready())
        return NULL;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "run() takes 5 arguments");
        return NULL;
    }
    int overflow = 0;
    long kind = PyLong_AsLongAndOverflow(args[0], &overflow);
    if (kind == -1 && PyErr_Occurred())
        return NULL;
    PyObject *self = args[1], *arg = args[3];
    const ed_instance *in = snapshot_of(self, "run()");
    if (in == NULL)
        return NULL;
    ed_time now;
    if (seconds_of(args[2], &now))
        return NULL;
    int n = 0;
    const char *name = NULL;
    PyObject *keep = NULL;
    void *pointer = NULL;
    ed_result *r = NULL;
    switch (overflow != 0 ? 0 : kind) {
    case ED_CMD_UPGRADE:
    case ED_CMD_RENEW:
        if (months_of(arg, &n))
            return NULL;
        r = kind == ED_CMD_UPGRADE ? ed_upgrade(in, now, n) : ed_renew(in, now, n);
        break;
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
    case ED_CMD_PLAN_DOWNGRADE:
        if (clamped_int(arg, &n))
            return NULL;
        r = kind == ED_CMD_PLAN_DOWNGRADE
                ? ed_plan_downgrade(in, now, (ed_plan_mode)n)
                : ed_set_post_expiration_action(in, now, (ed_action)n);
        break;
    case ED_CMD_TICK:
        r = ed_tick(in, now);
        break;
    case ED_CMD_COMPLETE_MIGRATION:
        r = ed_complete_migration(in, now);
        break;
    case ED_CMD_DOWNGRADE:
        r = ed_downgrade(in, now);
        break;
    case ED_CMD_REFUND:
        if (arg != Py_None && pointer_of(arg, ct_options, "run(): the refund's options", &pointer))
            return NULL;
        r = ed_refund(in, now, (const ed_options *)pointer);
        break;
    case ED_CMD_ADD_TOPIC:
    case ED_CMD_REMOVE_TOPIC:
    case ED_CMD_ADD_GROUP:
    case ED_CMD_REMOVE_GROUP:
        if (name_of(arg, &name, &keep))
            return NULL;
        r = kind == ED_CMD_ADD_TOPIC      ? ed_add_topic(in, now, name)
            : kind == ED_CMD_REMOVE_TOPIC ? ed_remove_topic(in, now, name)
            : kind == ED_CMD_ADD_GROUP    ? ed_add_group(in, now, name)
                                          : ed_remove_group(in, now, name);
        Py_DECREF(keep);
        break;
    default:
        PyErr_Format(PyExc_ValueError, "run(): %R is no command kind (ED_CMD_*) of libedition.h",
                     args[0]);
        return NULL;
    }
    return outcome_of(r, self, in, args[4]);
}

/* apply(instance, now, command, checked): runs the cffi `ed_command *`
 * `command` (which the caller keeps alive) on the instance's snapshot; see
 * outcome_of for what comes back. */
static PyObject *fast_apply(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (not_ready())
        return NULL;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "apply() takes 4 arguments");
        return NULL;
    }
    PyObject *self = args[0];
    const ed_instance *in = snapshot_of(self, "apply()");
    if (in == NULL)
        return NULL;
    ed_time now;
    if (seconds_of(args[1], &now))
        return NULL;
    void *command;
    if (pointer_of(args[2], ct_command, "apply(): the command", &command))
        return NULL;
    return outcome_of(ed_command_apply((const ed_command *)command, in, now), self, in, args[3]);
}

/* effects(effect_list): the Effects of a cffi `ed_effect_list *`, which
 * the caller keeps alive. */
static PyObject *fast_effects(PyObject *module, PyObject *arg) {
    (void)module;
    void *list;
    if (not_ready() || pointer_of(arg, ct_effect_list, "effects(): the effect list", &list))
        return NULL;
    return effects_of((const ed_effect_list *)list);
}

/* adopt(snapshot): a new Instance holding its own reference to the snapshot
 * of a cffi `ed_instance *` (borrowed: the caller keeps its own, so that
 * no pointer the binding hands out, such as an Instance's _ptr, can be
 * freed twice through here). */
static PyObject *fast_adopt(PyObject *module, PyObject *arg) {
    (void)module;
    void *snapshot;
    if (not_ready() || pointer_of(arg, ct_instance, "adopt(): the snapshot", &snapshot))
        return NULL;
    return adopt_pointer(ed_instance_ref((const ed_instance *)snapshot));
}

static int is_class(PyObject *o, const char *what) {
    if (PyType_Check(o))
        return 1;
    PyErr_Format(PyExc_TypeError, "setup(): %s must be a class", what);
    return 0;
}

static void keep_ref(PyObject **slot, PyObject *value) {
    Py_INCREF(value);
    Py_XSETREF(*slot, value);
}

/* An attribute of a module, as a new reference. */
static PyObject *imported(const char *module, const char *name) {
    PyObject *m = PyImport_ImportModule(module);
    if (m == NULL)
        return NULL;
    PyObject *v = PyObject_GetAttrString(m, name);
    Py_DECREF(m);
    return v;
}

/* Whether the string attribute `name` of `o` equals `expected`; -1 with an
 * exception when it cannot be read. */
static int attr_is(PyObject *o, const char *name, const char *expected) {
    PyObject *v = PyObject_GetAttrString(o, name);
    if (v == NULL)
        return -1;
    int same = PyUnicode_Check(v) && PyUnicode_CompareWithASCIIString(v, expected) == 0;
    Py_DECREF(v);
    return same;
}

/* ffi.typeof(decl) as a new reference, checked to be the type the header
 * declares: a pointer to the struct `pointee`, or (pointee NULL) the
 * primitive `decl` itself. (Whether the struct is opaque is not asked: cffi
 * 2.x aborts on `fields` of an opaque struct of a compiled ffi.) */
static PyObject *ctype_of(PyObject *ffi, PyObject *ctype_type, const char *decl,
                          const char *pointee) {
    PyObject *t = PyObject_CallMethod(ffi, "typeof", "s", decl);
    if (t == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "setup(): the ffi does not declare %s", decl);
        return NULL;
    }
    int ok = PyObject_TypeCheck(t, (PyTypeObject *)ctype_type);
    if (ok && pointee != NULL) {
        ok = attr_is(t, "kind", "pointer");
        PyObject *item = ok == 1 ? PyObject_GetAttrString(t, "item") : NULL;
        if (ok == 1 && item == NULL)
            ok = -1;
        if (ok == 1)
            ok = attr_is(item, "kind", "struct");
        if (ok == 1)
            ok = attr_is(item, "cname", pointee);
        Py_XDECREF(item);
    } else if (ok) {
        ok = attr_is(t, "kind", "primitive");
        if (ok == 1)
            ok = attr_is(t, "cname", decl);
    }
    if (ok != 1) {
        if (ok == 0)
            PyErr_Format(PyExc_TypeError, "setup(): the ffi declares %s as %R", decl, t);
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

/* setup(ffi, effect, field_map, result, instance, effect_kinds,
 *       subject_kinds, flags_cache, flag_of, fields, empty_fields,
 *       to_seconds, from_seconds, int_arg, name_arg, slow_result)
 *
 * `ffi` (libedition._cffi's) gives the types of the pointers this module
 * takes and makes. Runs once: the binding's import calls it, and any later
 * call is refused. */
static PyObject *fast_setup(PyObject *module, PyObject *args) {
    (void)module;
    if (ready) {
        PyErr_SetString(PyExc_RuntimeError,
                        "libedition._fast: setup() has run already (it runs once, at import)");
        return NULL;
    }
    PyObject *ffi, *effect, *field_map, *result, *instance, *kinds, *subjects, *cache,
        *flag_fn, *field_table, *empty, *to_s, *from_s, *int_fn, *name_fn, *slow;
    if (!PyArg_ParseTuple(args, "OOOOOO!O!O!OO!OOOOOO:setup", &ffi,
                          &effect, &field_map, &result, &instance, &PyDict_Type, &kinds,
                          &PyDict_Type, &subjects, &PyDict_Type, &cache, &flag_fn, &PyTuple_Type,
                          &field_table, &empty, &to_s, &from_s, &int_fn, &name_fn, &slow))
        return NULL;
    if (!is_class(effect, "effect") || !is_class(field_map, "field_map") ||
        !is_class(result, "result") || !is_class(instance, "instance"))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)instance, &SnapshotType)) {
        PyErr_SetString(PyExc_TypeError, "setup(): instance must subclass Snapshot");
        return NULL;
    }
    Py_ssize_t nfields = PyTuple_GET_SIZE(field_table);
    if (nfields > MAX_FIELDS) {
        PyErr_SetString(PyExc_ValueError, "setup(): too many fields");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nfields; i++) {
        PyObject *row = PyTuple_GET_ITEM(field_table, i), *member;
        int code, type;
        if (!PyTuple_Check(row)) {
            PyErr_SetString(PyExc_TypeError, "setup(): each field is a (Field, code, type) tuple");
            return NULL;
        }
        if (!PyArg_ParseTuple(row, "Oii:field", &member, &code, &type))
            return NULL;
        if (code < 0) {
            PyErr_SetString(PyExc_ValueError, "setup(): a field code is negative");
            return NULL;
        }
    }

    /* cffi: its backend's own functions, and the binding's types from its ffi */
    PyObject *ffi_class = imported("_cffi_backend", "FFI"), *backend = NULL, *ctype_type = NULL;
    PyObject *cdata = NULL, *typeof_fn = NULL, *cast_fn = NULL;
    PyObject *ctypes[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    PyObject *out = NULL;
    int is_ffi;
    if (ffi_class == NULL)
        goto done;
    /* the ffi of a compiled module (libedition._cffi's), not an ABI-mode cffi.FFI */
    is_ffi = PyObject_IsInstance(ffi, ffi_class);
    if (is_ffi != 1) {
        if (is_ffi == 0)
            PyErr_Format(PyExc_TypeError,
                         "setup(): ffi must be the ffi of libedition._cffi, not %R", ffi);
        goto done;
    }
    if ((backend = PyImport_ImportModule("_cffi_backend")) == NULL ||
        (ctype_type = PyObject_GetAttrString(backend, "CType")) == NULL ||
        (cdata = PyObject_GetAttrString(backend, "_CDataBase")) == NULL ||
        (typeof_fn = PyObject_GetAttrString(backend, "typeof")) == NULL ||
        (cast_fn = PyObject_GetAttrString(backend, "cast")) == NULL)
        goto done;
    if (!PyType_Check(cdata) || !PyType_Check(ctype_type)) {
        PyErr_SetString(PyExc_ImportError, "libedition._fast: _cffi_backend is not cffi's");
        goto done;
    }
    static const struct {
        const char *decl, *pointee;
    } declared[6] = {
        {"ed_instance *", "struct ed_instance"}, {"ed_effect_list *", "struct ed_effect_list"},
        {"ed_result *", "struct ed_result"},     {"ed_command *", "struct ed_command"},
        {"ed_options *", "struct ed_options"},   {"uintptr_t", NULL},
    };
    for (int i = 0; i < 6; i++) {
        ctypes[i] = ctype_of(ffi, ctype_type, declared[i].decl, declared[i].pointee);
        if (ctypes[i] == NULL)
            goto done;
    }

    /* everything checked: nothing below fails */
    for (Py_ssize_t i = 0; i < nfields; i++) {
        PyObject *row = PyTuple_GET_ITEM(field_table, i);
        keep_ref(&fields[i].member, PyTuple_GET_ITEM(row, 0));
        fields[i].code = (int)PyLong_AsLong(PyTuple_GET_ITEM(row, 1));
        fields[i].type = (int)PyLong_AsLong(PyTuple_GET_ITEM(row, 2));
    }
    field_count = nfields;
    keep_ref((PyObject **)&cdata_type, cdata);
    keep_ref(&cffi_typeof, typeof_fn);
    keep_ref(&cffi_cast, cast_fn);
    PyObject **slots[6] = {&ct_instance, &ct_effect_list, &ct_result,
                           &ct_command,  &ct_options,     &ct_uintptr};
    for (int i = 0; i < 6; i++)
        keep_ref(slots[i], ctypes[i]);
    keep_ref((PyObject **)&effect_type, effect);
    keep_ref((PyObject **)&field_map_type, field_map);
    keep_ref((PyObject **)&result_type, result);
    keep_ref((PyObject **)&instance_type, instance);
    keep_ref(&effect_kinds, kinds);
    keep_ref(&subject_kinds, subjects);
    keep_ref(&flags_cache, cache);
    keep_ref(&flag_of, flag_fn);
    keep_ref(&empty_fields, empty);
    keep_ref(&to_seconds, to_s);
    keep_ref(&from_seconds, from_s);
    keep_ref(&int_arg, int_fn);
    keep_ref(&name_arg, name_fn);
    keep_ref(&slow_result, slow);
    ready = 1;
    out = Py_None;
    Py_INCREF(out);
done:
    for (int i = 0; i < 6; i++)
        Py_XDECREF(ctypes[i]);
    Py_XDECREF(cast_fn);
    Py_XDECREF(typeof_fn);
    Py_XDECREF(cdata);
    Py_XDECREF(ctype_type);
    Py_XDECREF(backend);
    Py_XDECREF(ffi_class);
    return out;
}

static PyMethodDef fast_methods[] = {
    {"setup", fast_setup, METH_VARARGS,
     "Hands over the ffi and the classes; runs once, at import."},
    {"run", (PyCFunction)(void (*)(void))fast_run, METH_FASTCALL,
     "run(kind, instance, now, arg, checked): the command of ed_command_kind `kind`, its "
     "Result built in C."},
    {"apply", (PyCFunction)(void (*)(void))fast_apply, METH_FASTCALL,
     "apply(instance, now, command, checked): a cffi `ed_command *`, its Result built in C."},
    {"effects", fast_effects, METH_O,
     "effects(effect_list): the Effects of a cffi `ed_effect_list *`."},
    {"adopt", fast_adopt, METH_O,
     "adopt(snapshot): an Instance with its own reference to a cffi `ed_instance *`."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fast_module = {
    PyModuleDef_HEAD_INIT, "libedition._fast",
    "The binding's hot path: a transition and its Result built in one call.", -1, fast_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fast(void) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    if (PyType_Ready(&SnapshotType) < 0)
        return NULL;
    empty_tuple = PyTuple_New(0);
    if (empty_tuple == NULL)
        return NULL;
#define INTERN(var, text)                                                                      \
    if ((var = PyUnicode_InternFromString(text)) == NULL)                                      \
        return NULL;
    INTERN(s_key, "key")
    INTERN(s_kind, "kind")
    INTERN(s_revision, "revision")
    INTERN(s_index, "index")
    INTERN(s_flags, "flags")
    INTERN(s_subject_kind, "subject_kind")
    INTERN(s_subject, "subject")
    INTERN(s_text, "text")
    INTERN(s_fields, "fields")
    INTERN(s_items, "_items")
    INTERN(s_dict, "_dict")
    INTERN(s_instance, "instance")
    INTERN(s_effects, "effects")
    INTERN(s_plan, "plan")
#undef INTERN
    PyObject *m = PyModule_Create(&fast_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SnapshotType);
    if (PyModule_AddObject(m, "Snapshot", (PyObject *)&SnapshotType) < 0) {
        Py_DECREF(&SnapshotType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
