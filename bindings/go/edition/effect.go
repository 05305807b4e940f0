package edition

/*
#include <libedition.h>
*/
import "C"

import (
	"sync"
	"time"
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

// fieldValue is a field read from C by its type (ed_field_type_of).
type fieldValue struct {
	s string
	t time.Time
	i int64
}

// fieldTypes holds ed_field_type_of for every field the header lists, read
// once from the library.
var fieldTypes = sync.OnceValue(func() (types [C.ED_FIELD_LAST + 1]C.ed_field_type) {
	for f := C.ed_field(C.ED_FIELD_FIRST); f <= C.ED_FIELD_LAST; f++ {
		types[f] = C.ed_field_type_of(f)
	}
	return types
})

// set stores a field read from C into its struct member.
func (e *Effect) set(f Field, v fieldValue) {
	e.present |= 1 << uint(f)
	switch f {
	case FieldFrom:
		e.From = v.s
	case FieldTo:
		e.To = v.s
	case FieldAt:
		e.At = v.t
	case FieldPeriodMonths:
		e.PeriodMonths = int(v.i)
	case FieldExpiresAt:
		e.ExpiresAt = v.t
	case FieldRefund:
		e.Refund = v.s
	case FieldUnusedFrom:
		e.UnusedFrom = v.t
	case FieldUnusedUntil:
		e.UnusedUntil = v.t
	case FieldTimer:
		e.Timer = v.s
	case FieldOnline:
		e.Online = v.i != 0
	}
}

// effects copies a borrowed C effect list into Go memory.
func effects(list *C.ed_effect_list) []Effect {
	n := int(C.ed_effect_list_count(list))
	if n == 0 {
		return nil
	}
	types := fieldTypes()
	out := make([]Effect, n)
	for i := range out {
		ce := C.ed_effect_list_get(list, C.size_t(i))
		e := &out[i]
		e.Key = goString(C.ed_effect_key(ce))
		e.Kind = EffectKind(C.ed_effect_kind_of(ce))
		e.Revision = uint64(C.ed_effect_revision(ce))
		e.Index = int(C.ed_effect_index(ce))
		e.Flags = Flags(C.ed_effect_flags(ce))
		e.SubjectKind = SubjectKind(C.ed_effect_subject_kind(ce))
		e.Subject = goString(C.ed_effect_subject(ce))
		e.Text = goString(C.ed_effect_text(ce))
		for f := C.ed_field(C.ED_FIELD_FIRST); f <= C.ED_FIELD_LAST; f++ {
			if !C.ed_effect_has(ce, f) {
				continue
			}
			var v fieldValue
			switch types[f] {
			case C.ED_FIELD_TYPE_STRING:
				v.s = goString(C.ed_effect_string(ce, f))
			case C.ED_FIELD_TYPE_TIME:
				var t C.ed_time
				C.ed_effect_time(ce, f, &t)
				v.t = goTime(t)
			default: // int and bool
				var x C.int64_t
				C.ed_effect_int(ce, f, &x)
				v.i = int64(x)
			}
			e.set(Field(f), v)
		}
	}
	return out
}
