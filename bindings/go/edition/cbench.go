package edition

/*
#include <libedition.h>

// Times the C side alone: n runs of one transition on the same input,
// each result freed. Used by the benchmarks to give the cgo share.
static int ed_go_bench_loop(const ed_instance *in, ed_time now, int kind, long n)
{
    for (long i = 0; i < n; i++) {
        ed_result *r = kind == 0 ? ed_complete_migration(in, now) : ed_upgrade(in, now, 12);
        ed_status st = ed_result_status(r);
        ed_result_free(r);
        if (st != ED_OK)
            return (int)st;
    }
    return 0;
}
*/
import "C"

import "time"

// cLoop runs n transitions entirely in C (kind 0: complete_migration, 1:
// upgrade for 12 months), for the benchmarks' cgo share.
func cLoop(in *Instance, now time.Time, kind int, n int) error {
	t, err := cTime(now)
	if err != nil {
		return err
	}
	var st C.int
	if !in.read(func(p *C.ed_instance) { st = C.ed_go_bench_loop(p, t, C.int(kind), C.long(n)) }) {
		return ErrClosed
	}
	if st != 0 {
		return Code(st)
	}
	return nil
}

// cNoop is a trivial cgo call: the fixed cost of crossing into C.
func cNoop() { C.ed_version() }
