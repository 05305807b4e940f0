package edition

/*
#include <stdlib.h>
#include <libedition.h>
*/
import "C"

import "time"

// The tests' reference for what the binding copies out of C: every value
// read with its own cgo call of the public getter, fields probed one by one
// with ed_effect_has, as the binding did up to 0.2. The binding itself
// reads a whole result in one crossing (convert.go); TestEffectsMatchTheGetters
// checks that both give the same Effects.

// referenceApply runs c on in through ed_command_apply and reads the result
// with the getters: the effects, or for a refusal its code, message and
// would-have effects.
func referenceApply(in *Instance, now time.Time, c Command) (effects []Effect, code Code, msg string, err error) {
	t, err := cTime(now)
	if err != nil {
		return nil, 0, "", err
	}
	cmd, err := c.newCommand()
	if err != nil {
		return nil, 0, "", err
	}
	defer C.ed_command_free(cmd)
	var r *C.ed_result
	if !in.read(func(p *C.ed_instance) { r = C.ed_command_apply(cmd, p, t) }) {
		return nil, 0, "", ErrClosed
	}
	defer C.ed_result_free(r)
	code = Code(C.ed_result_status(r))
	if code != 0 {
		return referenceEffects(C.ed_result_would_have(r)), code, goString(C.ed_result_message(r)), nil
	}
	return referenceEffects(C.ed_result_effects(r)), 0, "", nil
}

// referenceLoadEffects reads an effects document with the getters.
func referenceLoadEffects(data []byte) ([]Effect, error) {
	var list *C.ed_effect_list
	p := C.CBytes(data)
	defer C.free(p)
	if st := C.ed_effects_load_yaml(&list, (*C.char)(p), C.size_t(len(data)), nil, nil); st != C.ED_OK {
		return nil, Code(st)
	}
	defer C.ed_effects_free(list)
	return referenceEffects(list), nil
}

// referenceEffects reads a C list with one cgo call per getter.
func referenceEffects(list *C.ed_effect_list) []Effect {
	n := int(C.ed_effect_list_count(list))
	if n == 0 {
		return nil
	}
	out := make([]Effect, n)
	for i := range out {
		e, o := C.ed_effect_list_get(list, C.size_t(i)), &out[i]
		o.Key = goString(C.ed_effect_key(e))
		o.Kind = EffectKind(C.ed_effect_kind_of(e))
		o.Revision = uint64(C.ed_effect_revision(e))
		o.Index = int(C.ed_effect_index(e))
		o.Flags = Flags(C.ed_effect_flags(e))
		o.SubjectKind = SubjectKind(C.ed_effect_subject_kind(e))
		o.Subject = goString(C.ed_effect_subject(e))
		o.Text = goString(C.ed_effect_text(e))
		for f := C.ed_field(C.ED_FIELD_FIRST); f <= C.ED_FIELD_LAST; f++ {
			if !C.ed_effect_has(e, f) {
				continue
			}
			o.present |= 1 << uint(f)
			var s string
			var tm time.Time
			var v C.int64_t
			switch C.ed_field_type_of(f) {
			case C.ED_FIELD_TYPE_STRING:
				s = goString(C.ed_effect_string(e, f))
			case C.ED_FIELD_TYPE_TIME:
				var at C.ed_time
				C.ed_effect_time(e, f, &at)
				tm = time.Unix(int64(at), 0).UTC()
			default:
				C.ed_effect_int(e, f, &v)
			}
			switch Field(f) {
			case FieldFrom:
				o.From = s
			case FieldTo:
				o.To = s
			case FieldAt:
				o.At = tm
			case FieldPeriodMonths:
				o.PeriodMonths = int(v)
			case FieldExpiresAt:
				o.ExpiresAt = tm
			case FieldRefund:
				o.Refund = s
			case FieldUnusedFrom:
				o.UnusedFrom = tm
			case FieldUnusedUntil:
				o.UnusedUntil = tm
			case FieldTimer:
				o.Timer = s
			case FieldOnline:
				o.Online = v != 0
			}
		}
	}
	return out
}
