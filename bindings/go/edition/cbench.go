package edition

/*
#include <string.h>
#include <libedition.h>

// Reads every effect of r as the binding copies them out: 16 at a time
// with ed_effect_list_read, every string's length taken (the binding
// copies them), every number summed.
static void ed_go_bench_read(const ed_result *r, size_t *sink)
{
    const ed_effect_list *list = ed_result_effects(r);
    ed_effect_record rec[16];
    for (size_t j = 0, c = ed_effect_list_count(list); j < c; j += 16) {
        size_t n = c - j < 16 ? c - j : 16;
        rec[0].size = sizeof rec[0];
        if (ed_effect_list_read(list, j, n, rec) != ED_OK)
            continue;
        for (size_t i = 0; i < n; i++) {
            const ed_effect_record *e = &rec[i];
            const char *s[] = {e->key, e->subject, e->text, e->from, e->to, e->refund, e->timer};
            for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
                *sink += s[k] ? strlen(s[k]) : 0;
            *sink += e->revision + e->index + e->flags + (size_t)e->kind + (size_t)e->subject_kind +
                     (size_t)e->at + (size_t)e->period_months + (size_t)e->expires_at +
                     (size_t)e->unused_from + (size_t)e->unused_until + (size_t)e->online;
        }
    }
}

// Times the C side alone: n runs of one transition on the same input, every
// effect read (ed_go_bench_read), each result freed. Used by the benchmarks
// to give the cgo share.
static int ed_go_bench_loop(const ed_instance *in, ed_time now, int kind, long n, size_t *sink)
{
    for (long i = 0; i < n; i++) {
        ed_result *r = kind == 0 ? ed_complete_migration(in, now) : ed_upgrade(in, now, 12);
        ed_status st = ed_result_status(r);
        ed_go_bench_read(r, sink);
        ed_result_free(r);
        if (st != ED_OK)
            return (int)st;
    }
    return 0;
}

// bench/gofsm's cycle in C alone: n transitions (set the action both ways,
// renew, add a topic, remove it), every effect read (ed_go_bench_read),
// each input freed; starts from and
// frees *in, leaves the last snapshot there.
static int ed_go_bench_cycle(ed_instance **in, ed_time *now, long n, size_t *sink)
{
    char name[32];
    for (long i = 0; i < n; i++) {
        ed_result *r = NULL;
        *now += 1;
        memcpy(name, "t-", 3);
        for (long v = i / 5, p = 2; p < 30; p++, v /= 10) {
            name[p] = (char)('0' + v % 10);
            name[p + 1] = 0;
            if (v < 10)
                break;
        }
        switch (i % 5) {
        case 0: r = ed_set_post_expiration_action(*in, *now, ED_ACTION_DOWNGRADE_TO_STANDARD); break;
        case 1: r = ed_set_post_expiration_action(*in, *now, ED_ACTION_DELETE_RESOURCE); break;
        case 2: r = ed_renew(*in, *now, 1); break;
        case 3: r = ed_add_topic(*in, *now, name); break;
        default: r = ed_remove_topic(*in, *now, name); break;
        }
        ed_status st = ed_result_status(r);
        if (st != ED_OK) {
            ed_result_free(r);
            return (int)st;
        }
        ed_go_bench_read(r, sink);
        ed_instance_free(*in);
        *in = ed_instance_ref(ed_result_instance(r));
        ed_result_free(r);
    }
    return 0;
}
*/
import "C"

import "time"

// cLoop runs n transitions entirely in C (kind 0: complete_migration, 1:
// upgrade for 12 months), every effect read, for the benchmarks' cgo share.
func cLoop(in *Instance, now time.Time, kind int, n int) error {
	t, err := cTime(now)
	if err != nil {
		return err
	}
	var st C.int
	var sink C.size_t
	if !in.read(func(p *C.ed_instance) { st = C.ed_go_bench_loop(p, t, C.int(kind), C.long(n), &sink) }) {
		return ErrClosed
	}
	if st != 0 {
		return Code(st)
	}
	return nil
}

// cCycle runs n transitions of bench/gofsm's cycle entirely in C on a new
// Enterprise Platinum instance, reading every effect; the C floor of
// BenchmarkCycle.
func cCycle(n int) error {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in, err := CreateEnterprisePlatinum("MQ_GO", "http://mq", now, 1)
	if err != nil {
		return err
	}
	p := in.ref()
	in.Close()
	t, _ := cTime(now)
	var sink C.size_t
	st := C.ed_go_bench_cycle(&p, &t, C.long(n), &sink)
	C.ed_instance_free(p)
	if st != 0 {
		return Code(st)
	}
	return nil
}

// cNoop is a trivial cgo call: the fixed cost of crossing into C.
func cNoop() { C.ed_version() }
