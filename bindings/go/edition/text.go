package edition

/*
#include <libedition.h>
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
)

// The enumerations' text form is their stable name, so that they read well
// in JSON, YAML and flags: MarshalText gives the name and UnmarshalText
// parses it. The tables of names are read once from the library's name
// functions (values 0..maxEnum).

const maxEnum = 64

// names maps every name a C name function knows to its value.
func names(name func(v int) *C.char) map[string]int {
	m := make(map[string]int)
	for v := 0; v < maxEnum; v++ {
		if p := name(v); p != nil {
			m[C.GoString(p)] = v
		}
	}
	return m
}

var (
	editionNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_edition_name(C.ed_edition(v)) })
	})
	billingNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_billing_name(C.ed_billing(v)) })
	})
	clusterNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_cluster_name(C.ed_cluster(v)) })
	})
	lifecycleNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_lifecycle_name(C.ed_lifecycle(v)) })
	})
	actionNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_action_name(C.ed_action(v)) })
	})
	planModeNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_plan_mode_name(C.ed_plan_mode(v)) })
	})
	commandKindNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_command_kind_name(C.ed_command_kind(v)) })
	})
	effectKindNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_effect_kind_name(C.ed_effect_kind(v)) })
	})
	subjectKindNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_subject_kind_name(C.ed_subject_kind(v)) })
	})
	fieldNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char { return C.ed_field_name(C.ed_field(v)) })
	})
	// flagNames maps each single flag's name to its bit.
	flagNames = sync.OnceValue(func() map[string]int {
		return names(func(v int) *C.char {
			if v >= 32 {
				return nil
			}
			return C.ed_effect_flag_name(C.ed_effect_flag(uint32(1) << uint(v)))
		})
	})
)

// marshalName gives the name of a value, or an error for a value without one.
func marshalName(typ string, v int, p *C.char) ([]byte, error) {
	if p == nil || v < 0 {
		return nil, fmt.Errorf("edition: %s(%d) has no name: %w", typ, v, ErrInvalidArgument)
	}
	return []byte(C.GoString(p)), nil
}

// unmarshalName looks a name up in its table.
func unmarshalName(typ string, table map[string]int, text []byte) (int, error) {
	v, ok := table[string(text)]
	if !ok {
		return 0, fmt.Errorf("edition: unknown %s %q: %w", typ, text, ErrInvalidArgument)
	}
	return v, nil
}

// MarshalText gives the stable name ("enterprise_platinum").
func (v Edition) MarshalText() ([]byte, error) {
	return marshalName("Edition", int(v), C.ed_edition_name(C.ed_edition(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *Edition) UnmarshalText(text []byte) error {
	n, err := unmarshalName("edition", editionNames(), text)
	*v = Edition(n)
	return err
}

// MarshalText gives the stable name ("subscription").
func (v Billing) MarshalText() ([]byte, error) {
	return marshalName("Billing", int(v), C.ed_billing_name(C.ed_billing(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *Billing) UnmarshalText(text []byte) error {
	n, err := unmarshalName("billing", billingNames(), text)
	*v = Billing(n)
	return err
}

// MarshalText gives the stable name ("dedicated").
func (v Cluster) MarshalText() ([]byte, error) {
	return marshalName("Cluster", int(v), C.ed_cluster_name(C.ed_cluster(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *Cluster) UnmarshalText(text []byte) error {
	n, err := unmarshalName("cluster", clusterNames(), text)
	*v = Cluster(n)
	return err
}

// MarshalText gives the stable name ("expired").
func (v Lifecycle) MarshalText() ([]byte, error) {
	return marshalName("Lifecycle", int(v), C.ed_lifecycle_name(C.ed_lifecycle(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *Lifecycle) UnmarshalText(text []byte) error {
	n, err := unmarshalName("lifecycle", lifecycleNames(), text)
	*v = Lifecycle(n)
	return err
}

// MarshalText gives the stable name ("downgrade_to_standard"); an error
// for the zero value, which names no action.
func (v Action) MarshalText() ([]byte, error) {
	return marshalName("Action", int(v), C.ed_action_name(C.ed_action(cEnum(int(v)))))
}

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Action) UnmarshalText(text []byte) error {
	n, err := unmarshalName("action", actionNames(), text)
	if err == nil {
		*v = actionOf(int64(n))
	}
	return err
}

// MarshalText gives the stable name ("at_expiry"); an error for the zero
// value, which names no mode.
func (v PlanMode) MarshalText() ([]byte, error) {
	return marshalName("PlanMode", int(v), C.ed_plan_mode_name(C.ed_plan_mode(cEnum(int(v)))))
}

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *PlanMode) UnmarshalText(text []byte) error {
	n, err := unmarshalName("plan mode", planModeNames(), text)
	if err == nil {
		*v = planModeOf(int64(n))
	}
	return err
}

// MarshalText gives the scenario file's command name ("add_topic").
func (v CommandKind) MarshalText() ([]byte, error) {
	return marshalName("CommandKind", int(v), C.ed_command_kind_name(C.ed_command_kind(cInt(int(v)))))
}

// UnmarshalText parses a command name.
func (v *CommandKind) UnmarshalText(text []byte) error {
	n, err := unmarshalName("command", commandKindNames(), text)
	*v = CommandKind(n)
	return err
}

// MarshalText gives the dotted name ("topic.migrate").
func (v EffectKind) MarshalText() ([]byte, error) {
	return marshalName("EffectKind", int(v), C.ed_effect_kind_name(C.ed_effect_kind(cInt(int(v)))))
}

// UnmarshalText parses a dotted name.
func (v *EffectKind) UnmarshalText(text []byte) error {
	n, err := unmarshalName("effect kind", effectKindNames(), text)
	*v = EffectKind(n)
	return err
}

// MarshalText gives the stable name ("topic").
func (v SubjectKind) MarshalText() ([]byte, error) {
	return marshalName("SubjectKind", int(v), C.ed_subject_kind_name(C.ed_subject_kind(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *SubjectKind) UnmarshalText(text []byte) error {
	n, err := unmarshalName("subject kind", subjectKindNames(), text)
	*v = SubjectKind(n)
	return err
}

// MarshalText gives the stable name ("unused_from").
func (v Field) MarshalText() ([]byte, error) {
	return marshalName("Field", int(v), C.ed_field_name(C.ed_field(cInt(int(v)))))
}

// UnmarshalText parses a stable name.
func (v *Field) UnmarshalText(text []byte) error {
	n, err := unmarshalName("field", fieldNames(), text)
	*v = Field(n)
	return err
}

// MarshalText gives the names joined by "|" ("irreversible|billing"), ""
// for no flags; an error for a bit the library does not name.
func (v Flags) MarshalText() ([]byte, error) {
	for bit := Flags(1); bit != 0 && bit <= v; bit <<= 1 {
		if v&bit != 0 && C.ed_effect_flag_name(C.ed_effect_flag(bit)) == nil {
			return nil, fmt.Errorf("edition: flag 0x%x has no name: %w", uint(bit), ErrInvalidArgument)
		}
	}
	return []byte(v.String()), nil
}

// UnmarshalText parses names joined by "|"; "" is no flags.
func (v *Flags) UnmarshalText(text []byte) error {
	var f Flags
	if len(text) > 0 {
		for _, name := range strings.Split(string(text), "|") {
			bit, err := unmarshalName("flag", flagNames(), []byte(name))
			if err != nil {
				return err
			}
			f |= 1 << uint(bit)
		}
	}
	*v = f
	return nil
}
