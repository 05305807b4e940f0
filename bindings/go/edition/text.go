package edition

/*
#include <stdlib.h>
#include <libedition.h>

// ed_go_from_name_<enum>: ed_<enum>_from_name with the value as an int,
// so that one Go signature fits every enumeration.
#define ED_GO_FROM_NAME(e)                                                 \
    static ed_status ed_go_from_name_##e(const char *name, int *out)       \
    {                                                                      \
        ed_##e v;                                                          \
        ed_status st = ed_##e##_from_name(name, &v);                       \
        if (st == ED_OK)                                                   \
            *out = (int)v;                                                 \
        return st;                                                         \
    }
ED_GO_FROM_NAME(status)
ED_GO_FROM_NAME(edition)
ED_GO_FROM_NAME(billing)
ED_GO_FROM_NAME(cluster)
ED_GO_FROM_NAME(lifecycle)
ED_GO_FROM_NAME(action)
ED_GO_FROM_NAME(plan_mode)
ED_GO_FROM_NAME(command_kind)
ED_GO_FROM_NAME(effect_kind)
ED_GO_FROM_NAME(subject_kind)
ED_GO_FROM_NAME(field)
ED_GO_FROM_NAME(effect_flag)
*/
import "C"

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// The enumerations' names are the library's, both ways: String and
// MarshalText ask its ed_<enum>_name function for a value's stable name,
// and UnmarshalText and the Parse functions ask its ed_<enum>_from_name
// function for a name's value. One generic helper, enum, does this for
// every enumeration, from the table below; the package holds no names of
// its own.

// enum is one enumeration of the library, as the Go type T.
type enum[T ~int] struct {
	typ    string // the Go type's name: a value without a name prints as "Edition(7)"
	noun   string // what a name of it is called in an error: "unknown edition"
	offset int    // the Go value of C value 0: 1 for Action and PlanMode, whose zero is "none"
	// name is ed_<enum>_name of the C value c (NULL: c names nothing)
	name func(c C.int) *C.char
	// fromName is ed_<enum>_from_name: ED_OK and the C value of name in *c
	fromName func(name *C.char, c *C.int) C.ed_status
}

// The table: every enumeration of the package and its library functions.
var (
	codes = &enum[Code]{"Code", "status name", 0,
		func(c C.int) *C.char { return C.ed_status_name(C.ed_status(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_status(p, o) }}
	editions = &enum[Edition]{"Edition", "edition", 0,
		func(c C.int) *C.char { return C.ed_edition_name(C.ed_edition(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_edition(p, o) }}
	billings = &enum[Billing]{"Billing", "billing", 0,
		func(c C.int) *C.char { return C.ed_billing_name(C.ed_billing(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_billing(p, o) }}
	clusters = &enum[Cluster]{"Cluster", "cluster", 0,
		func(c C.int) *C.char { return C.ed_cluster_name(C.ed_cluster(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_cluster(p, o) }}
	lifecycles = &enum[Lifecycle]{"Lifecycle", "lifecycle", 0,
		func(c C.int) *C.char { return C.ed_lifecycle_name(C.ed_lifecycle(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_lifecycle(p, o) }}
	actions = &enum[Action]{"Action", "action", 1,
		func(c C.int) *C.char { return C.ed_action_name(C.ed_action(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_action(p, o) }}
	planModes = &enum[PlanMode]{"PlanMode", "plan mode", 1,
		func(c C.int) *C.char { return C.ed_plan_mode_name(C.ed_plan_mode(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_plan_mode(p, o) }}
	commandKinds = &enum[CommandKind]{"CommandKind", "command", 0,
		func(c C.int) *C.char { return C.ed_command_kind_name(C.ed_command_kind(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_command_kind(p, o) }}
	effectKinds = &enum[EffectKind]{"EffectKind", "effect kind", 0,
		func(c C.int) *C.char { return C.ed_effect_kind_name(C.ed_effect_kind(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_effect_kind(p, o) }}
	subjectKinds = &enum[SubjectKind]{"SubjectKind", "subject kind", 0,
		func(c C.int) *C.char { return C.ed_subject_kind_name(C.ed_subject_kind(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_subject_kind(p, o) }}
	fields = &enum[Field]{"Field", "field", 0,
		func(c C.int) *C.char { return C.ed_field_name(C.ed_field(c)) },
		func(p *C.char, o *C.int) C.ed_status { return C.ed_go_from_name_field(p, o) }}
)

// cValue is the C value of v, or -1 when v has none: below the offset,
// or too wide for a C int (so that such a value names nothing rather than
// the value of its lower 32 bits).
func (e *enum[T]) cValue(v T) C.int {
	n := int(v)
	if n < e.offset || n-e.offset > math.MaxInt32 {
		return -1
	}
	return C.int(n - e.offset)
}

// goValue is the Go value of the C value c.
func (e *enum[T]) goValue(c int64) T { return T(c + int64(e.offset)) }

// cName is the library's name of the C value c; false when it names nothing.
func (e *enum[T]) cName(c int) (string, bool) {
	if c < 0 || c > math.MaxInt32 {
		return "", false
	}
	p := e.name(C.int(c))
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}

// String is the library's name of v, or "Type(n)" for a value without one.
func (e *enum[T]) String(v T) string {
	if s, ok := e.cName(int(e.cValue(v))); ok {
		return s
	}
	return e.typ + "(" + strconv.Itoa(int(v)) + ")"
}

// marshal is v's name as text; an error for a value without one.
func (e *enum[T]) marshal(v T) ([]byte, error) {
	s, ok := e.cName(int(e.cValue(v)))
	if !ok {
		return nil, fmt.Errorf("edition: %s(%d) has no name: %w", e.typ, int(v), ErrInvalidArgument)
	}
	return []byte(s), nil
}

// parse is the value the library gives the name s; an error matching
// ErrInvalidArgument for a name it does not know.
func (e *enum[T]) parse(s string) (T, error) {
	c, ok := fromName(s, e.fromName)
	if !ok {
		return 0, fmt.Errorf("edition: unknown %s %q: %w", e.noun, s, ErrInvalidArgument)
	}
	return e.goValue(int64(c)), nil
}

// unmarshal sets *v to the value of text, and leaves it as it was for a
// name the library does not know.
func (e *enum[T]) unmarshal(v *T, text []byte) error {
	x, err := e.parse(string(text))
	if err == nil {
		*v = x
	}
	return err
}

// fromName hands name to a library ed_<enum>_from_name function; false
// when the library knows no such name. A name holding a NUL byte is none,
// rather than the part of it before the NUL, which C would read.
func fromName(name string, f func(name *C.char, c *C.int) C.ed_status) (C.int, bool) {
	if strings.IndexByte(name, 0) >= 0 {
		return 0, false
	}
	p := C.CString(name)
	defer C.free(unsafe.Pointer(p))
	var c C.int
	ok := f(p, &c) == C.ED_OK
	return c, ok
}

// Flags, a bit set, names each bit with ed_effect_flag_name and parses
// each name with ed_effect_flag_from_name, joined by "|".

// flagName is the library's name of the single bit, false for none (or
// for a bit beyond a C unsigned int).
func flagName(bit Flags) (string, bool) {
	if bit > math.MaxUint32 {
		return "", false
	}
	p := C.ed_effect_flag_name(C.ed_effect_flag(bit))
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}

// flagFromName parses one flag's name.
func flagFromName(p *C.char, c *C.int) C.ed_status { return C.ed_go_from_name_effect_flag(p, c) }

// Has reports whether every flag of f is set in v (false for f == 0).
func (v Flags) Has(f Flags) bool { return f != 0 && v&f == f }

// String lists the flags' stable names joined by "|" ("irreversible|billing"),
// "" for none; bits the library does not name appear in hexadecimal.
func (v Flags) String() string {
	var parts []string
	for bit := Flags(1); bit != 0 && bit <= v; bit <<= 1 {
		if v&bit == 0 {
			continue
		}
		if s, ok := flagName(bit); ok {
			parts = append(parts, s)
		} else {
			parts = append(parts, "0x"+strconv.FormatUint(uint64(bit), 16))
		}
	}
	return strings.Join(parts, "|")
}

// MarshalText gives the names joined by "|" ("irreversible|billing"), ""
// for no flags; an error for a bit the library does not name.
func (v Flags) MarshalText() ([]byte, error) {
	for bit := Flags(1); bit != 0 && bit <= v; bit <<= 1 {
		if _, ok := flagName(bit); v&bit != 0 && !ok {
			return nil, fmt.Errorf("edition: flag 0x%x has no name: %w", uint(bit), ErrInvalidArgument)
		}
	}
	return []byte(v.String()), nil
}

// UnmarshalText parses names joined by "|"; "" is no flags. An unknown
// name leaves v unchanged.
func (v *Flags) UnmarshalText(text []byte) error {
	var f Flags
	if len(text) > 0 {
		for _, name := range strings.Split(string(text), "|") {
			bit, ok := fromName(name, flagFromName)
			if !ok {
				return fmt.Errorf("edition: unknown flag %q: %w", name, ErrInvalidArgument)
			}
			f |= Flags(uint32(bit))
		}
	}
	*v = f
	return nil
}

// argNameOf is the library's name of the command argument a (ed_arg_name);
// false when it names none.
func argNameOf(a int) (string, bool) {
	if a < 0 || a > math.MaxInt32 {
		return "", false
	}
	p := C.ed_arg_name(C.ed_arg(a))
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}
