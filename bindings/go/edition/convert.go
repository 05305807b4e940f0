package edition

/*
#include <stdint.h>
#include <string.h>
#include <libedition.h>

// The C side of a transition, as few cgo crossings as possible: one call
// runs the command, reads the whole result (status, a new reference to the
// snapshot, every effect with its strings, or the refusal's message and
// would-have effects) into memory Go provides, and frees the result. Only
// public functions of libedition are called.

// A string copied into Go's byte buffer: its offset and length there.
typedef struct {
    uint64_t off, len;
} ed_go_span;

// One effect. Strings are spans of the byte buffer; for each field present
// (bit f of fields) str[f] and num[f] hold its value by the field's type
// (the other one empty), and nothing is written for an absent field.
typedef struct {
    uint64_t revision, index;
    uint32_t flags, fields;
    int32_t kind, subject_kind;
    ed_go_span key, subject, text;
    ed_go_span str[ED_FIELD_LAST + 1];
    int64_t num[ED_FIELD_LAST + 1];
} ed_go_effect;

// What Go needs of a result. count and bytes are always exact: the effects
// (on a refusal, the would-have effects) and the bytes of all their
// strings and the message. When they did not fit the space Go offered, or
// the result has a plan, result is left set and Go finishes and frees it.
typedef struct {
    ed_result *result;
    ed_instance *instance; // a new reference, on ED_OK
    int32_t status;
    uint64_t count, bytes, plan_count;
    ed_go_span message;
} ed_go_out;

// The space Go offers a result, reused from a pool: room for the effects
// of every command but an upgrade or a refund of many topics (which take a
// second crossing into space of the exact size), and for the name argument
// of a command. One Go pointer per call keeps cgo's pointer checks to one.
#define ED_GO_EFFECTS 16
#define ED_GO_BYTES 4096
#define ED_GO_NAME 128
typedef struct {
    ed_go_out out;
    ed_go_effect recs[ED_GO_EFFECTS];
    char name[ED_GO_NAME];
    char buf[ED_GO_BYTES];
} ed_go_scratch;

// Copies s (NULL: empty) into buf at *used when it fits into cap bytes, and
// counts its bytes in *used either way.
static void ed_go_put(const char *s, ed_go_span *sp, char *buf, size_t cap, size_t *used)
{
    size_t n = s ? strlen(s) : 0;
    sp->off = *used;
    sp->len = n;
    if (n > 0 && *used <= cap && n <= cap - *used)
        memcpy(buf + *used, s, n);
    *used += n;
}

// The fields a record can hold: bits ED_FIELD_FIRST..ED_FIELD_LAST.
#define ED_GO_FIELDS (((1u << (ED_FIELD_LAST + 1)) - 1u) & ~((1u << ED_FIELD_FIRST) - 1u))

// Copies the n effects of list into out (out NULL: only counts), their
// strings into buf as far as they fit; returns *used plus their bytes.
static size_t ed_go_fill(const ed_effect_list *list, size_t n, ed_go_effect *out, char *buf,
                         size_t cap, size_t used)
{
    ed_go_effect scratch;
    for (size_t i = 0; i < n; i++) {
        const ed_effect *e = ed_effect_list_get(list, i);
        ed_go_effect *g = out ? &out[i] : &scratch;
        unsigned fields = ed_effect_fields(e) & ED_GO_FIELDS;
        g->revision = ed_effect_revision(e);
        g->index = ed_effect_index(e);
        g->flags = ed_effect_flags(e);
        g->fields = fields;
        g->kind = (int32_t)ed_effect_kind_of(e);
        g->subject_kind = (int32_t)ed_effect_subject_kind(e);
        ed_go_put(ed_effect_key(e), &g->key, buf, cap, &used);
        ed_go_put(ed_effect_subject(e), &g->subject, buf, cap, &used);
        ed_go_put(ed_effect_text(e), &g->text, buf, cap, &used);
        for (int f = ED_FIELD_FIRST; fields >> f != 0; f++) {
            if (!(fields & (1u << f)))
                continue;
            g->num[f] = 0;
            g->str[f].off = g->str[f].len = 0;
            switch (ed_field_type_of((ed_field)f)) {
            case ED_FIELD_TYPE_STRING:
                ed_go_put(ed_effect_string(e, (ed_field)f), &g->str[f], buf, cap, &used);
                break;
            case ED_FIELD_TYPE_TIME: {
                ed_time t = 0;
                (void)ed_effect_time(e, (ed_field)f, &t);
                g->num[f] = t;
                break;
            }
            default: {
                int64_t v = 0;
                (void)ed_effect_int(e, (ed_field)f, &v);
                g->num[f] = v;
            }
            }
        }
    }
    return used;
}

// The list of effects Go reads from r: the effects, or the would-have
// effects of a refusal.
static const ed_effect_list *ed_go_list(const ed_result *r, ed_status st)
{
    return st == ED_OK ? ed_result_effects(r) : ed_result_would_have(r);
}

// Reads r into o, its effects into out (room for cap_effects) and its
// strings into buf (cap bytes); frees r when everything fit and it has no
// plan, else leaves it in o->result.
static void ed_go_read(ed_result *r, ed_go_out *o, ed_go_effect *out, size_t cap_effects, char *buf,
                       size_t cap)
{
    ed_status st = ed_result_status(r);
    const ed_effect_list *list = ed_go_list(r, st);
    size_t n = ed_effect_list_count(list), used = 0;
    o->result = r;
    o->status = (int32_t)st;
    o->instance = st == ED_OK ? ed_instance_ref(ed_result_instance(r)) : NULL;
    o->count = n;
    o->plan_count = ed_result_plan_count(r);
    ed_go_put(st == ED_OK ? NULL : ed_result_message(r), &o->message, buf, cap, &used);
    used = ed_go_fill(list, n, n <= cap_effects ? out : NULL, buf, cap, used);
    o->bytes = used;
    if (n <= cap_effects && used <= cap && o->plan_count == 0) {
        ed_result_free(r);
        o->result = NULL;
    }
}

// ed_go_read again, for a result it left to Go, into space of the sizes
// it reported (o->count effects, o->bytes bytes); r stays Go's to free.
static void ed_go_reread(const ed_result *r, ed_go_out *o, ed_go_effect *out, char *buf)
{
    ed_status st = (ed_status)o->status;
    size_t used = 0;
    ed_go_put(st == ED_OK ? NULL : ed_result_message(r), &o->message, buf, o->bytes, &used);
    (void)ed_go_fill(ed_go_list(r, st), o->count, out, buf, o->bytes, used);
}

// Runs a command on in: kind 0 is cmd (ed_command_apply), any other kind
// the command of that kind, with arg (months, action or mode), name or o.
static ed_result *ed_go_call(int kind, const ed_instance *in, ed_time t, int64_t arg, const char *name,
                             const ed_options *o, const ed_command *cmd)
{
    switch (kind) {
    case ED_CMD_UPGRADE:
        return ed_upgrade(in, t, (int)arg);
    case ED_CMD_SET_POST_EXPIRATION_ACTION:
        return ed_set_post_expiration_action(in, t, (ed_action)arg);
    case ED_CMD_REFUND:
        return ed_refund(in, t, o);
    case ED_CMD_RENEW:
        return ed_renew(in, t, (int)arg);
    case ED_CMD_TICK:
        return ed_tick(in, t);
    case ED_CMD_COMPLETE_MIGRATION:
        return ed_complete_migration(in, t);
    case ED_CMD_ADD_TOPIC:
        return ed_add_topic(in, t, name);
    case ED_CMD_REMOVE_TOPIC:
        return ed_remove_topic(in, t, name);
    case ED_CMD_ADD_GROUP:
        return ed_add_group(in, t, name);
    case ED_CMD_REMOVE_GROUP:
        return ed_remove_group(in, t, name);
    case ED_CMD_DOWNGRADE:
        return ed_downgrade(in, t);
    case ED_CMD_PLAN_DOWNGRADE:
        return ed_plan_downgrade(in, t, (ed_plan_mode)arg);
    default:
        return ed_command_apply(cmd, in, t);
    }
}

// One transition in one crossing: ed_go_call (with the name in s->name
// unless name is given), then ed_go_read into s.
static void ed_go_run(int kind, const ed_instance *in, ed_time t, int64_t arg, const char *name,
                      const ed_options *opts, ed_go_scratch *s)
{
    ed_result *r = ed_go_call(kind, in, t, arg, name ? name : s->name, opts, NULL);
    ed_go_read(r, &s->out, s->recs, ED_GO_EFFECTS, s->buf, ED_GO_BYTES);
}

// A result made elsewhere, read into s.
static void ed_go_read_into(ed_result *r, ed_go_scratch *s)
{
    ed_go_read(r, &s->out, s->recs, ED_GO_EFFECTS, s->buf, ED_GO_BYTES);
}

// The bytes the strings of list's n effects take.
static size_t ed_go_list_bytes(const ed_effect_list *list, size_t n)
{
    return ed_go_fill(list, n, NULL, NULL, 0, 0);
}

#cgo noescape ed_go_read_into
#cgo nocallback ed_go_read_into
#cgo noescape ed_go_reread
#cgo nocallback ed_go_reread
#cgo noescape ed_go_run
#cgo nocallback ed_go_run
#cgo noescape ed_go_fill
#cgo nocallback ed_go_fill
#cgo nocallback ed_go_list_bytes
*/
import "C"

import (
	"math/bits"
	"sync"
	"time"
	"unsafe"
)

const (
	scratchEffects = C.ED_GO_EFFECTS
	scratchBytes   = C.ED_GO_BYTES
	scratchName    = C.ED_GO_NAME
)

// scratch is the space a result is read into first (ed_go_scratch), reused
// through scratchPool: it holds no Go pointers, so C may write it.
type scratch struct {
	c C.ed_go_scratch
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// runC runs one command on the C snapshot p (see ed_go_call) in one cgo
// crossing, into space from the pool; sc.result converts it. name is the
// name argument of the commands that take one.
func runC(kind C.int, p *C.ed_instance, t C.ed_time, arg int64, name string, o *C.ed_options) *scratch {
	sc := scratchPool.Get().(*scratch)
	var long *C.char
	if len(name) < scratchName {
		b := unsafe.Slice((*byte)(unsafe.Pointer(&sc.c.name[0])), scratchName)
		b[copy(b, name)] = 0
	} else { // longer than any valid name: refused, but with the name in the message
		b := make([]byte, len(name)+1)
		copy(b, name)
		long = (*C.char)(unsafe.Pointer(&b[0]))
	}
	C.ed_go_run(kind, p, t, C.int64_t(arg), long, o, &sc.c)
	return sc
}

// result converts and frees a C result.
func result(r *C.ed_result) (*Result, error) {
	sc := scratchPool.Get().(*scratch)
	C.ed_go_read_into(r, &sc.c)
	return sc.result()
}

// result converts what ed_go_read left in sc, finishing and freeing the
// result when it left that to Go, and puts sc back into the pool.
func (sc *scratch) result() (*Result, error) {
	o := &sc.c.out
	n := int(o.count)
	recs := sc.c.recs[:min(n, scratchEffects)]
	var strs string
	if r := o.result; r != nil {
		defer C.ed_result_free(r)
		if n > scratchEffects || int(o.bytes) > scratchBytes {
			recs = make([]C.ed_go_effect, n)
			var b []byte
			if o.bytes > 0 {
				b = make([]byte, int(o.bytes))
			}
			C.ed_go_reread(r, o, unsafe.SliceData(recs), (*C.char)(unsafe.Pointer(unsafe.SliceData(b))))
			strs = unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
		}
	}
	if strs == "" && o.bytes > 0 {
		strs = string(unsafe.Slice((*byte)(unsafe.Pointer(&sc.c.buf[0])), o.bytes))
	}
	list := convert(recs, strs)
	status, msg, p, r := Code(o.status), span(strs, o.message), o.instance, o.result
	scratchPool.Put(sc)
	if status != 0 {
		return nil, &RefusedError{Code: status, Message: msg, WouldHave: list}
	}
	res := &Result{Instance: wrap(p), Effects: list}
	if n := int(o.plan_count); n > 0 {
		res.Plan = plan(r, n)
	}
	return res, nil
}

// plan copies the n steps of a downgrade plan.
func plan(r *C.ed_result, n int) []PlanStep {
	steps := make([]PlanStep, n)
	for i := range steps {
		step := &steps[i]
		step.Command.Kind = CommandKind(C.ed_result_plan_command(r, C.size_t(i)))
		var action C.ed_action
		if C.ed_result_plan_action(r, C.size_t(i), &action) {
			step.Command.Action = Action(action)
		}
		var at C.ed_time
		if C.ed_result_plan_at(r, C.size_t(i), &at) {
			step.At = goTime(at)
		}
	}
	return steps
}

// listEffects copies the count effects of a C list into Go memory.
func listEffects(list *C.ed_effect_list, count C.size_t) []Effect {
	n := int(count)
	if list == nil || n == 0 {
		return nil
	}
	recs := make([]C.ed_go_effect, n)
	var b []byte
	if size := int(C.ed_go_list_bytes(list, count)); size > 0 {
		b = make([]byte, size)
	}
	C.ed_go_fill(list, count, unsafe.SliceData(recs), (*C.char)(unsafe.Pointer(unsafe.SliceData(b))),
		C.size_t(len(b)), 0)
	return convert(recs, unsafe.String(unsafe.SliceData(b), len(b)))
}

// span is the string s of the buffer strs ("" for an empty one, so that
// no empty string holds on to the buffer).
func span(strs string, s C.ed_go_span) string {
	if s.len == 0 {
		return ""
	}
	return strs[s.off : s.off+s.len]
}

// convert builds the Effects of records whose strings are spans of strs.
// All strings of one list share strs, a single allocation.
func convert(recs []C.ed_go_effect, strs string) []Effect {
	if len(recs) == 0 {
		return nil
	}
	out := make([]Effect, len(recs))
	for i := range recs {
		g, e := &recs[i], &out[i]
		e.Key = span(strs, g.key)
		e.Kind = EffectKind(g.kind)
		e.Revision = uint64(g.revision)
		e.Index = int(g.index)
		e.Flags = Flags(g.flags)
		e.SubjectKind = SubjectKind(g.subject_kind)
		e.Subject = span(strs, g.subject)
		e.Text = span(strs, g.text)
		e.present = uint32(g.fields)
		for f := e.present; f != 0; f &= f - 1 {
			i := bits.TrailingZeros32(f)
			switch Field(i) {
			case FieldFrom:
				e.From = span(strs, g.str[i])
			case FieldTo:
				e.To = span(strs, g.str[i])
			case FieldAt:
				e.At = goTime(C.ed_time(g.num[i]))
			case FieldPeriodMonths:
				e.PeriodMonths = int(g.num[i])
			case FieldExpiresAt:
				e.ExpiresAt = goTime(C.ed_time(g.num[i]))
			case FieldRefund:
				e.Refund = span(strs, g.str[i])
			case FieldUnusedFrom:
				e.UnusedFrom = goTime(C.ed_time(g.num[i]))
			case FieldUnusedUntil:
				e.UnusedUntil = goTime(C.ed_time(g.num[i]))
			case FieldTimer:
				e.Timer = span(strs, g.str[i])
			case FieldOnline:
				e.Online = g.num[i] != 0
			}
		}
	}
	return out
}

// goTime converts libedition's seconds to a UTC time.Time.
func goTime(t C.ed_time) time.Time { return time.Unix(int64(t), 0).UTC() }
