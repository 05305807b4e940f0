package edition_test

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// rss returns the process's resident set size in bytes (/proc/self/statm).
func rss(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	fields := bytes.Fields(data)
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// leakTransitions is the number of transitions TestLeakRSS runs: 1,000,000,
// or EDITION_LEAK_TRANSITIONS. Under the race detector (about ten times
// slower) the default is 100,000; scripts/test runs the full count
// without it.
func leakTransitions(t *testing.T) int {
	if s := os.Getenv("EDITION_LEAK_TRANSITIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 20000 {
			t.Fatalf("EDITION_LEAK_TRANSITIONS=%q: want a number >= 20000", s)
		}
		return n
	}
	if raceEnabled {
		return 100_000
	}
	return 1_000_000
}

// TestLeakRSS runs many transitions, every kind of snapshot, effect and
// refusal conversion included, and checks that the C allocations stay
// flat: the RSS after the run is within 8 MiB (32 MiB under the race
// detector) of the RSS after a warm-up.
// A leak of one snapshot (a few hundred bytes) per transition would grow
// it by hundreds of MiB. A quarter of the snapshots are never closed, so the
// finalizers' path is measured too.
func TestLeakRSS(t *testing.T) {
	total := leakTransitions(t)
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	base, err := edition.CreateStandard(testID, testEndpoint, now.Add(-time.Hour), edition.WithRegion("cn-hangzhou"))
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	names := []string{"orders", "payments", "audit", "clicks"}
	for _, n := range names {
		r, err := base.AddTopic(now, n)
		if err != nil {
			t.Fatal(err)
		}
		base.Close()
		base = r.Instance
	}
	plat, err := base.Upgrade(now, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer plat.Instance.Close()
	// Each round: 4 transitions (add topic, upgrade with 6 effects, a
	// refusal, complete migration) and a dump.
	round := func(i int) {
		r, err := base.AddTopic(now, "t-"+strconv.Itoa(i%1000))
		if err != nil {
			t.Fatal(err)
		}
		u, err := base.Upgrade(now, 1+i%36)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := base.RemoveTopic(now, "missing"); err == nil {
			t.Fatal("not refused")
		}
		c, err := plat.Instance.CompleteMigration(now)
		if err != nil {
			t.Fatal(err)
		}
		if i%4 != 0 {
			r.Instance.Close()
			u.Instance.Close()
			c.Instance.Close()
		}
	}
	warm := total / 10 / 4
	for i := range warm {
		round(i)
	}
	before := rss(t)
	start := time.Now()
	for i := warm; i < total/4; i++ {
		round(i)
	}
	after := rss(t)
	t.Logf("%d transitions in %v; RSS %d KiB after warm-up, %d KiB after (%+d KiB)",
		total, time.Since(start).Round(time.Millisecond), before>>10, after>>10, (after-before)>>10)
	limit := int64(8 << 20)
	if raceEnabled {
		limit = 32 << 20 // the race detector's own shadow memory grows too
	}
	if after-before > limit {
		t.Errorf("RSS grew by %d KiB over %d transitions", (after-before)>>10, total)
	}
}
