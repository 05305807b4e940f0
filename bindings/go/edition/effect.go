package edition

/*
#include <stdint.h>
#include <stdlib.h>
#include <libedition.h>

// One effect as read through the public getters. Reading a whole list in
// one call keeps the cgo crossings to one per list rather than about twenty
// per effect; the strings stay borrowed from the result until Go copies them.
typedef struct {
    const char *key, *subject, *text;
    uint64_t revision;
    size_t index;
    unsigned flags;
    int kind, subject_kind;
    uint32_t present;
    const char *str[ED_FIELD_LAST + 1];
    int64_t num[ED_FIELD_LAST + 1];
} ed_go_effect;

static void ed_go_effects_read(const ed_effect_list *list, ed_go_effect *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        ed_go_effect *g = &out[i];
        g->key = ed_effect_key(e);
        g->subject = ed_effect_subject(e);
        g->text = ed_effect_text(e);
        g->revision = ed_effect_revision(e);
        g->index = ed_effect_index(e);
        g->flags = ed_effect_flags(e);
        g->kind = (int)ed_effect_kind_of(e);
        g->subject_kind = (int)ed_effect_subject_kind(e);
        g->present = 0;
        for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
            g->str[f] = NULL;
            g->num[f] = 0;
            if (!ed_effect_has(e, (ed_field)f))
                continue;
            g->present |= 1u << f;
            switch (ed_field_type_of((ed_field)f)) {
            case ED_FIELD_TYPE_STRING:
                g->str[f] = ed_effect_string(e, (ed_field)f);
                break;
            case ED_FIELD_TYPE_TIME: {
                ed_time t = 0;
                ed_effect_time(e, (ed_field)f, &t);
                g->num[f] = t;
                break;
            }
            default: {
                int64_t v = 0;
                ed_effect_int(e, (ed_field)f, &v);
                g->num[f] = v;
            }
            }
        }
    }
}

#cgo noescape ed_go_effects_read
#cgo nocallback ed_go_effects_read
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Effect is one thing the host must carry out, copied into Go memory.
// Effects come in the order they must be carried out; each is recognised by
// its Key, for exactly-once execution.
type Effect struct {
	Key         string // "<instance id>/<revision>/<index>"
	Kind        EffectKind
	Revision    uint64 // the revision the effect's transition produced
	Index       int    // the effect's index within its revision, from 0
	Flags       Flags
	SubjectKind SubjectKind
	Subject     string // the instance ID, topic name or group ID
	Text        string // one line for people

	// The fields the effect carries; Has tells which are present.
	From         string    // billing or cluster or action it changes from
	To           string    // and to
	At           time.Time // when the change takes effect
	PeriodMonths int
	ExpiresAt    time.Time
	Refund       string    // "partial"
	UnusedFrom   time.Time // start of the refunded period
	UnusedUntil  time.Time // end of the refunded period
	Timer        string    // "expiry" or "release"
	Online       bool

	present uint32 // bit f set when field f is present
}

// Has reports whether the effect carries field f.
func (e *Effect) Has(f Field) bool {
	return f >= 0 && f < 32 && e.present&(1<<uint(f)) != 0
}

// Value returns field f as its typed value (string, time.Time, int or
// bool), or nil when the effect does not carry it.
func (e *Effect) Value(f Field) any {
	if !e.Has(f) {
		return nil
	}
	switch f {
	case FieldFrom:
		return e.From
	case FieldTo:
		return e.To
	case FieldAt:
		return e.At
	case FieldPeriodMonths:
		return e.PeriodMonths
	case FieldExpiresAt:
		return e.ExpiresAt
	case FieldRefund:
		return e.Refund
	case FieldUnusedFrom:
		return e.UnusedFrom
	case FieldUnusedUntil:
		return e.UnusedUntil
	case FieldTimer:
		return e.Timer
	case FieldOnline:
		return e.Online
	}
	return nil
}

// fieldTypes holds ed_field_type_of for every field the header lists, read
// once from the library.
var fieldTypes = sync.OnceValue(func() (types [C.ED_FIELD_LAST + 1]C.ed_field_type) {
	for f := C.ed_field(C.ED_FIELD_FIRST); f <= C.ED_FIELD_LAST; f++ {
		types[f] = C.ed_field_type_of(f)
	}
	return types
})

// interned holds the string field values seen so far, which come from a
// small set ("shared", "subscription", "expiry", ...): the same Go string
// serves every effect, instead of one allocation per field. At most
// maxInterned values are kept.
var (
	interned      sync.Map // string -> string
	internedCount atomic.Int32
)

const maxInterned = 256

// internString copies a borrowed C string, reusing an earlier copy of the
// same text. Values longer than 64 bytes are copied without interning.
func internString(p *C.char) string {
	if p == nil {
		return ""
	}
	n := 0
	for b := unsafe.Pointer(p); *(*byte)(unsafe.Add(b, n)) != 0; n++ {
		if n == 64 {
			return C.GoString(p)
		}
	}
	view := unsafe.String((*byte)(unsafe.Pointer(p)), n) // read-only, not kept
	if s, ok := interned.Load(view); ok {
		return s.(string)
	}
	s := C.GoStringN(p, C.int(n))
	if internedCount.Add(1) <= maxInterned {
		interned.Store(s, s)
	}
	return s
}

// set stores field f of g into its struct member, by the field's type.
func (e *Effect) set(f Field, g *C.ed_go_effect, typ C.ed_field_type) {
	e.present |= 1 << uint(f)
	var s string
	var t time.Time
	n := int64(g.num[f])
	switch typ {
	case C.ED_FIELD_TYPE_STRING:
		s = internString(g.str[f])
	case C.ED_FIELD_TYPE_TIME:
		t = time.Unix(n, 0).UTC()
	}
	switch f {
	case FieldFrom:
		e.From = s
	case FieldTo:
		e.To = s
	case FieldAt:
		e.At = t
	case FieldPeriodMonths:
		e.PeriodMonths = int(n)
	case FieldExpiresAt:
		e.ExpiresAt = t
	case FieldRefund:
		e.Refund = s
	case FieldUnusedFrom:
		e.UnusedFrom = t
	case FieldUnusedUntil:
		e.UnusedUntil = t
	case FieldTimer:
		e.Timer = s
	case FieldOnline:
		e.Online = n != 0
	}
}

// effects copies a borrowed C effect list of count effects into Go memory.
func effects(list *C.ed_effect_list, count C.size_t) ([]Effect, error) {
	n := int(count)
	if list == nil || n == 0 {
		return nil, nil
	}
	raw := (*C.ed_go_effect)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.ed_go_effect{}))))
	if raw == nil {
		return nil, ErrNoMemory
	}
	defer C.free(unsafe.Pointer(raw))
	C.ed_go_effects_read(list, raw, C.size_t(n))
	types := fieldTypes()
	out := make([]Effect, n)
	for i, g := range unsafe.Slice(raw, n) {
		e := &out[i]
		e.Key = goString(g.key)
		e.Kind = EffectKind(g.kind)
		e.Revision = uint64(g.revision)
		e.Index = int(g.index)
		e.Flags = Flags(g.flags)
		e.SubjectKind = SubjectKind(g.subject_kind)
		e.Subject = goString(g.subject)
		e.Text = goString(g.text)
		for f := C.ED_FIELD_FIRST; f <= C.ED_FIELD_LAST; f++ {
			if g.present&(1<<f) != 0 {
				e.set(Field(f), &g, types[f])
			}
		}
	}
	return out, nil
}
