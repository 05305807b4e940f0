package edition

import (
	"errors"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

func TestVersionSupported(t *testing.T) {
	for v, ok := range map[string]bool{
		"0.2.0": true, "0.2.7": true, "0.3.0": true, "0.15.3": true,
		"0.1.0": false, "0.0.9": false, "1.0.0": false, "1.1.0": false, "": false, "0.1": false, "0.x.0": false, "a.1.0": false,
	} {
		err := versionSupported(v)
		var ve *VersionError
		if (err == nil) != ok || (err != nil && (!errors.As(err, &ve) || ve.Library != v)) {
			t.Errorf("versionSupported(%q) = %v", v, err)
		}
	}
	if err := checkVersion(); err != nil {
		t.Fatalf("the library linked in: %v", err)
	}
}

func TestCLoop(t *testing.T) {
	in, now := migrating(t, 2)
	if err := cLoop(in, now, 0, 3); err != nil {
		t.Fatal(err)
	}
	if err := cLoop(in, now, 1, 1); !errors.Is(err, ErrAlreadyEnterprisePlatinum) {
		t.Fatalf("upgrade of platinum: %v", err)
	}
	if err := cLoop(in, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 0, 1); !errors.Is(err, ErrTimeRange) {
		t.Fatal(err)
	}
	in.Close()
	if err := cLoop(in, now, 0, 1); err != ErrClosed {
		t.Fatal(err)
	}
	cNoop()
}

// standardWith is a Standard Edition snapshot with n topics and n/10 groups.
func standardWith(tb testing.TB, n int) (*Instance, time.Time) {
	tb.Helper()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	in, err := CreateStandard("MQ_INST_bench", "http://MQ_INST_bench.mq.example:8080", now)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		r, err := in.AddTopic(now, "topic-"+strconv.Itoa(i))
		if err != nil {
			tb.Fatal(err)
		}
		in.Close()
		in = r.Instance
		if i%10 == 0 {
			r, err := in.AddGroup(now, "GID_"+strconv.Itoa(i))
			if err != nil {
				tb.Fatal(err)
			}
			in.Close()
			in = r.Instance
		}
	}
	return in, now
}

// migrating is standardWith upgraded: a migration is in flight.
func migrating(tb testing.TB, n int) (*Instance, time.Time) {
	in, now := standardWith(tb, n)
	r, err := in.Upgrade(now, 12)
	if err != nil {
		tb.Fatal(err)
	}
	in.Close()
	return r.Instance, now
}

// BenchmarkCgoCall is the fixed cost of one trivial cgo call (ed_version).
func BenchmarkCgoCall(b *testing.B) {
	for b.Loop() {
		cNoop()
	}
}

// BenchmarkStateOnly is a state-only transition (complete_migration: a new
// snapshot, no effects) through the Go API, result closed.
func BenchmarkStateOnly(b *testing.B) {
	in, now := migrating(b, 1000)
	defer in.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := in.CompleteMigration(now)
		if err != nil {
			b.Fatal(err)
		}
		r.Instance.Close()
	}
}

// BenchmarkStateOnlyC is the same transition timed inside C.
func BenchmarkStateOnlyC(b *testing.B) {
	in, now := migrating(b, 1000)
	defer in.Close()
	b.ResetTimer()
	if err := cLoop(in, now, 0, b.N); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpgrade1000 upgrades a snapshot with 1,000 topics and 100
// groups through the Go API: 1,104 effects copied into Go.
func BenchmarkUpgrade1000(b *testing.B) {
	in, now := standardWith(b, 1000)
	defer in.Close()
	b.ResetTimer()
	for b.Loop() {
		r, err := in.Upgrade(now, 12)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Effects) != 1104 {
			b.Fatal(len(r.Effects))
		}
		r.Instance.Close()
	}
}

// BenchmarkUpgrade1000C is the same upgrade timed inside C.
func BenchmarkUpgrade1000C(b *testing.B) {
	in, now := standardWith(b, 1000)
	defer in.Close()
	b.ResetTimer()
	if err := cLoop(in, now, 1, b.N); err != nil {
		b.Fatal(err)
	}
}

// TestInternString: the string fields of effects share one Go string per
// value across results.
func TestInternString(t *testing.T) {
	in, now := standardWith(t, 2)
	defer in.Close()
	a, err := in.Upgrade(now, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := in.Upgrade(now, 2)
	if err != nil {
		t.Fatal(err)
	}
	from1, from2 := a.Effects[0].From, b.Effects[0].From
	if from1 != "pay_as_you_go" || unsafe.StringData(from1) != unsafe.StringData(from2) {
		t.Errorf("not interned: %q %q", from1, from2)
	}
	if key1, key2 := a.Effects[0].Key, b.Effects[0].Key; key1 != key2 || unsafe.StringData(key1) == unsafe.StringData(key2) {
		t.Errorf("keys: %q %q", key1, key2)
	}
	if internString(nil) != "" {
		t.Error("NULL")
	}
	a.Instance.Close()
	b.Instance.Close()
}
