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

// A string for Go's byte buffer: where it is in C (valid as long as the
// result; an integer, so that the records hold no pointers for Go to
// check or scan), its offset and length in the buffer.
typedef struct {
    uintptr_t src;
    uint64_t off, len;
} ed_go_span;

// One effect, as ed_effect_list_read gives it (ed_effect_record) but with
// its strings as spans of the byte buffer. A field absent (its bit clear
// in fields) has an empty span or 0.
typedef struct {
    uint64_t revision, index;
    uint32_t flags, fields;
    int32_t kind, subject_kind;
    ed_go_span key, subject, text;
    ed_go_span from, to, refund, timer;
    int64_t at, period_months, expires_at, unused_from, unused_until;
    int32_t online;
} ed_go_effect;

// What Go needs of a result: count effects (on a refusal, the would-have
// effects) and the message, and bytes, the size of all their strings once
// the effects are read. When they did not fit the space Go offered, or the
// result has a plan, result is left set and Go finishes and frees it.
typedef struct {
    ed_result *result;
    ed_instance *instance; // a new reference, on ED_OK
    int32_t status;
    uint64_t count, bytes, plan_count;
    ed_go_span message;
} ed_go_out;

// The space Go offers a result, reused from a pool: room for the effects
// of every command but an upgrade or a refund of many topics (whose effects
// Go then reads ED_GO_EFFECTS at a time, one crossing each), their strings
// (more take one crossing to copy them into a buffer of the exact size),
// and the name argument of a command. One Go pointer per call keeps cgo's
// pointer checks to one.
#define ED_GO_EFFECTS 16
#define ED_GO_BYTES 4096
#define ED_GO_NAME 128
typedef struct {
    ed_go_out out;
    uint64_t part_bytes; // what ed_go_fill_part read
    ed_go_effect recs[ED_GO_EFFECTS];
    char name[ED_GO_NAME];
    char buf[ED_GO_BYTES];
} ed_go_scratch;

// Copies s (NULL: empty) into buf at *used when it fits into cap bytes, and
// counts its bytes in *used either way; sp records where it came from.
static void ed_go_put(const char *s, ed_go_span *sp, char *buf, size_t cap, size_t *used)
{
    size_t n = s ? strlen(s) : 0;
    sp->src = (uintptr_t)s;
    sp->off = *used;
    sp->len = n;
    if (n > 0 && *used <= cap && n <= cap - *used)
        memcpy(buf + *used, s, n);
    *used += n;
}

// The fields an ed_effect_record of this header holds: bits
// ED_FIELD_FIRST..ED_FIELD_LAST (a later library may know more).
#define ED_GO_FIELDS (((1u << (ED_FIELD_LAST + 1)) - 1u) & ~((1u << ED_FIELD_FIRST) - 1u))

// Copies effects first..first+n-1 of list (n <= ED_GO_EFFECTS) into out
// with one ed_effect_list_read, their strings into buf as far as they fit;
// *used grows by the bytes of all their strings. ED_NO_MEMORY when the
// library could not write the list's keys and texts (out is then not
// written).
static ed_status ed_go_fill(const ed_effect_list *list, size_t first, size_t n, ed_go_effect *out,
                            char *buf, size_t cap, size_t *used)
{
    ed_effect_record rec[ED_GO_EFFECTS];
    if (n == 0)
        return ED_OK;
    if (n > ED_GO_EFFECTS)
        return ED_INVALID_ARGUMENT;
    rec[0].size = sizeof rec[0];
    ed_status st = ed_effect_list_read(list, first, n, rec);
    if (st != ED_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        const ed_effect_record *r = &rec[i];
        ed_go_effect *g = &out[i];
        g->revision = r->revision;
        g->index = r->index;
        g->flags = r->flags;
        g->fields = r->fields & ED_GO_FIELDS;
        g->kind = (int32_t)r->kind;
        g->subject_kind = (int32_t)r->subject_kind;
        ed_go_put(r->key, &g->key, buf, cap, used);
        ed_go_put(r->subject, &g->subject, buf, cap, used);
        ed_go_put(r->text, &g->text, buf, cap, used);
        ed_go_put(r->from, &g->from, buf, cap, used);
        ed_go_put(r->to, &g->to, buf, cap, used);
        ed_go_put(r->refund, &g->refund, buf, cap, used);
        ed_go_put(r->timer, &g->timer, buf, cap, used);
        g->at = r->at;
        g->period_months = r->period_months;
        g->expires_at = r->expires_at;
        g->unused_from = r->unused_from;
        g->unused_until = r->unused_until;
        g->online = r->online;
    }
    return ED_OK;
}

// The list of effects Go reads from r: the effects, or the would-have
// effects of a refusal.
static const ed_effect_list *ed_go_list(const ed_result *r, ed_status st)
{
    return st == ED_OK ? ed_result_effects(r) : ed_result_would_have(r);
}

// What a command that succeeded or was refused reads as when its effects
// could not be read: ED_NO_MEMORY with this message.
#define ED_GO_NO_MEMORY "out of memory reading the command's effects: nothing was changed"

// Reads r into o, its effects into out (room for cap_effects) and its
// strings into buf (cap bytes); frees r when everything fit and it has no
// plan, else leaves it in o->result (with more effects than out holds,
// having read none of them: ed_go_fill_part reads them). Effects that
// cannot be read make the result ED_NO_MEMORY, without a snapshot.
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
    if (n <= cap_effects && ed_go_fill(list, 0, n, out, buf, cap, &used) != ED_OK) {
        ed_instance_free(o->instance);
        o->instance = NULL;
        o->status = ED_NO_MEMORY;
        o->count = o->plan_count = n = used = 0;
        ed_go_put(ED_GO_NO_MEMORY, &o->message, buf, cap, &used);
    }
    o->bytes = used;
    if (n <= cap_effects && used <= cap && o->plan_count == 0) {
        ed_result_free(r);
        o->result = NULL;
    }
}

// Effects first..first+n-1 of the effects Go reads from r (r NULL: of
// list) into s's records, their strings into s's buffer as far as they
// fit, and the bytes of all their strings into s->part_bytes (see
// ed_go_fill).
static ed_status ed_go_fill_part(const ed_result *r, const ed_effect_list *list, size_t first, size_t n,
                                 ed_go_scratch *s)
{
    size_t used = 0;
    if (r != NULL)
        list = ed_go_list(r, ed_result_status(r));
    ed_status st = ed_go_fill(list, first, n, s->recs, s->buf, ED_GO_BYTES, &used);
    s->part_bytes = used;
    return st;
}

// Copies every string of message (NULL: none) and of the n effects of out
// from where it is in C to its place in buf, which holds all of them: the
// strings that did not fit the first buffer.
static void ed_go_copy(const ed_go_span *message, const ed_go_effect *out, size_t n, char *buf)
{
    if (message != NULL && message->len > 0)
        memcpy(buf + message->off, (const char *)message->src, message->len);
    for (size_t i = 0; i < n; i++) {
        const ed_go_effect *g = &out[i];
        const ed_go_span *sp[] = {&g->key, &g->subject, &g->text, &g->from, &g->to, &g->refund, &g->timer};
        for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++)
            if (sp[k]->len > 0)
                memcpy(buf + sp[k]->off, (const char *)sp[k]->src, sp[k]->len);
    }
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

#cgo noescape ed_go_read_into
#cgo nocallback ed_go_read_into
#cgo noescape ed_go_fill_part
#cgo nocallback ed_go_fill_part
#cgo noescape ed_go_copy
#cgo nocallback ed_go_copy
#cgo noescape ed_go_run
#cgo nocallback ed_go_run
*/
import "C"

import (
	"strings"
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
	n, r := int(o.count), o.result
	if r != nil {
		defer C.ed_result_free(r)
	}
	var list []Effect
	var msg string
	if n <= scratchEffects { // read already, with the message
		strs := sc.strings(int(o.bytes), &o.message, n)
		msg = span(strs, o.message)
		list = convert(sc.c.recs[:n], strs, make([]Effect, n))
	} else {
		msg = sc.strings(int(o.message.len), &o.message, 0)
		var err error
		if list, err = sc.effects(r, nil, n); err != nil {
			if o.instance != nil {
				C.ed_instance_free(o.instance)
			}
			scratchPool.Put(sc)
			return nil, &RefusedError{Code: ErrNoMemory, Message: noMemory}
		}
	}
	status, p := Code(o.status), o.instance
	scratchPool.Put(sc)
	if status != 0 {
		if status == ErrDataLossRefused {
			msg = strings.Replace(msg, libraryAllowDataLoss, goAllowDataLoss, 1)
		}
		return nil, &RefusedError{Code: status, Message: msg, WouldHave: list}
	}
	res := &Result{Instance: wrap(p), Effects: list}
	if n := int(o.plan_count); n > 0 {
		res.Plan = plan(r, n)
	}
	return res, nil
}

// strings returns the bytes strings that the message (nil: none) and the
// first k records of sc have in the buffer, as one Go string: copied from
// the buffer when they fitted it, else from C into one of the exact size.
func (sc *scratch) strings(bytes int, message *C.ed_go_span, k int) string {
	if bytes == 0 {
		return ""
	}
	if bytes <= scratchBytes {
		return string(unsafe.Slice((*byte)(unsafe.Pointer(&sc.c.buf[0])), bytes))
	}
	b := make([]byte, bytes)
	C.ed_go_copy(message, &sc.c.recs[0], C.size_t(k), (*C.char)(unsafe.Pointer(&b[0])))
	return unsafe.String(&b[0], len(b)) // b is not written again
}

// noMemory is the message of a result whose effects could not be read
// (ED_GO_NO_MEMORY, for those read in parts).
const noMemory = C.ED_GO_NO_MEMORY

// effects reads the n effects of r (r nil: of list) scratchEffects at a
// time, one crossing and one string allocation each; ErrNoMemory when the
// library could not write the list's keys and texts.
func (sc *scratch) effects(r *C.ed_result, list *C.ed_effect_list, n int) ([]Effect, error) {
	out := make([]Effect, n)
	for first := 0; first < n; first += scratchEffects {
		k := min(scratchEffects, n-first)
		if st := C.ed_go_fill_part(r, list, C.size_t(first), C.size_t(k), &sc.c); st != C.ED_OK {
			return nil, Code(st)
		}
		convert(sc.c.recs[:k], sc.strings(int(sc.c.part_bytes), nil, k), out[first:first+k])
	}
	return out, nil
}

// plan copies the n steps of a downgrade plan.
func plan(r *C.ed_result, n int) []PlanStep {
	steps := make([]PlanStep, n)
	for i := range steps {
		step := &steps[i]
		step.Command.Kind = CommandKind(C.ed_result_plan_command(r, C.size_t(i)))
		var action C.ed_action
		if C.ed_result_plan_action(r, C.size_t(i), &action) {
			step.Command.Action = actions.goValue(int64(action))
		}
		var at C.ed_time
		if C.ed_result_plan_at(r, C.size_t(i), &at) {
			step.At = goTime(at)
		}
	}
	return steps
}

// listEffects copies the count effects of a C list into Go memory.
func listEffects(list *C.ed_effect_list, count C.size_t) ([]Effect, error) {
	if list == nil || count == 0 {
		return nil, nil
	}
	sc := scratchPool.Get().(*scratch)
	out, err := sc.effects(nil, list, int(count))
	scratchPool.Put(sc)
	return out, err
}

// span is the string s of the buffer strs ("" for an empty one, so that
// no empty string holds on to the buffer).
func span(strs string, s C.ed_go_span) string {
	if s.len == 0 {
		return ""
	}
	return strs[s.off : s.off+s.len]
}

// convert fills out with the Effects of records whose strings are spans of
// strs, and returns it (nil when empty). The strings of up to
// scratchEffects effects share strs, a single allocation.
func convert(recs []C.ed_go_effect, strs string, out []Effect) []Effect {
	if len(recs) == 0 {
		return nil
	}
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
		// an absent field is an empty span or 0, as its zero value here,
		// but for times, whose zero value is not the Unix epoch
		e.From = span(strs, g.from)
		e.To = span(strs, g.to)
		e.Refund = span(strs, g.refund)
		e.Timer = span(strs, g.timer)
		e.PeriodMonths = int(g.period_months)
		e.Online = g.online != 0
		e.At = fieldTime(e, FieldAt, g.at)
		e.ExpiresAt = fieldTime(e, FieldExpiresAt, g.expires_at)
		e.UnusedFrom = fieldTime(e, FieldUnusedFrom, g.unused_from)
		e.UnusedUntil = fieldTime(e, FieldUnusedUntil, g.unused_until)
	}
	return out
}

// fieldTime is the time t of field f of e, the zero time.Time when e does
// not carry f.
func fieldTime(e *Effect, f Field, t C.int64_t) time.Time {
	if !e.Has(f) {
		return time.Time{}
	}
	return goTime(C.ed_time(t))
}

// goTime converts libedition's seconds to a UTC time.Time.
func goTime(t C.ed_time) time.Time { return time.Unix(int64(t), 0).UTC() }
