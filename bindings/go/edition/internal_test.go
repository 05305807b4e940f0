package edition

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestVersionSupported: a library of the major the package was written
// for and at least its minor is accepted; an older minor, another major
// and a malformed version are not.
func TestVersionSupported(t *testing.T) {
	minor := WrittenForMinor
	v := func(major, minor, patch int) string { return fmt.Sprintf("%d.%d.%d", major, minor, patch) }
	for v, ok := range map[string]bool{
		v(0, minor, 0): true, v(0, minor, 7): true, v(0, minor+1, 0): true, v(0, minor+11, 3): true,
		v(0, minor-1, 0): false, v(0, minor-1, 9): false, "0.1.0": false, "0.0.9": false, "1.0.0": false,
		v(1, minor, 0): false, "": false, "0.1": false, "0.x.0": false, "a.1.0": false,
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

// BenchmarkUpgrade1000C is the same upgrade timed inside C, every effect
// read as the binding reads them (ed_effect_list_read).
func BenchmarkUpgrade1000C(b *testing.B) {
	in, now := standardWith(b, 1000)
	defer in.Close()
	b.ResetTimer()
	if err := cLoop(in, now, 1, b.N); err != nil {
		b.Fatal(err)
	}
}

// TestEffectStringsShareOneBuffer: the strings of a result's effects
// (keys, subjects, texts, string fields) are packed into one allocation per
// scratchEffects effects, for a list that fits the first read and for one
// read in parts.
func TestEffectStringsShareOneBuffer(t *testing.T) {
	for _, topics := range []int{2, 200} {
		in, now := standardWith(t, topics)
		r, err := in.Upgrade(now, 1)
		if err != nil {
			t.Fatal(err)
		}
		if topics == 200 && len(r.Effects) <= 2*scratchEffects {
			t.Fatalf("%d effects fit the first read", len(r.Effects))
		}
		for first := 0; first < len(r.Effects); first += scratchEffects {
			lo, hi, total := uintptr(0), uintptr(0), uintptr(0)
			for _, e := range r.Effects[first:min(first+scratchEffects, len(r.Effects))] {
				for _, s := range []string{e.Key, e.Subject, e.Text, e.From, e.To, e.Refund, e.Timer} {
					if s == "" {
						continue
					}
					p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
					if lo == 0 || p < lo {
						lo = p
					}
					hi = max(hi, p+uintptr(len(s)))
					total += uintptr(len(s))
				}
			}
			if total == 0 || hi-lo != total {
				t.Errorf("%d topics, effects from %d: strings span %d bytes, hold %d", topics, first, hi-lo, total)
			}
		}
		in.Close()
		r.Instance.Close()
	}
}

// TestTransitionAllocations: a transition with effects allocates the
// Result, the snapshot, the effects and one buffer for all their strings.
func TestTransitionAllocations(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in, err := CreateEnterprisePlatinum("MQ_GO", "http://mq", now, 1)
	if err != nil {
		t.Fatal(err)
	}
	action := DowngradeToStandard
	allocs := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Second)
		r, err := in.SetPostExpirationAction(now, action)
		if err != nil || len(r.Effects) == 0 {
			t.Fatal(err, r)
		}
		in.Close()
		in, action = r.Instance, DeleteResource+DowngradeToStandard-action
	})
	in.Close()
	if allocs > 4 {
		t.Errorf("%v allocations per transition", allocs)
	}
}

// BenchmarkCycle is bench/gofsm's command cycle on an Enterprise Platinum
// snapshot (set the action both ways, renew, add a topic, remove it: five
// transitions, seven effects), each input closed; per transition.
func BenchmarkCycle(b *testing.B) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cur, err := CreateEnterprisePlatinum("MQ_GO", "http://mq", now, 1)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if i == 10000 { // renewing further would pass the year 9999
			cur.Close()
			now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if cur, err = CreateEnterprisePlatinum("MQ_GO", "http://mq", now, 1); err != nil {
				b.Fatal(err)
			}
			i = 0
		}
		now = now.Add(time.Second)
		var r *Result
		switch i % 5 {
		case 0:
			r, err = cur.SetPostExpirationAction(now, DowngradeToStandard)
		case 1:
			r, err = cur.SetPostExpirationAction(now, DeleteResource)
		case 2:
			r, err = cur.Renew(now, 1)
		case 3:
			r, err = cur.AddTopic(now, "t-"+strconv.Itoa(i/5))
		case 4:
			r, err = cur.RemoveTopic(now, "t-"+strconv.Itoa(i/5))
		}
		if err != nil {
			b.Fatal(err)
		}
		cur.Close()
		cur = r.Instance
		i++
	}
	cur.Close()
}

// BenchmarkCycleC is BenchmarkCycle in C alone, every effect read as the
// binding reads them (ed_effect_list_read): the floor of the binding's cost.
func BenchmarkCycleC(b *testing.B) {
	for n := b.N; n > 0; n -= 10000 {
		if err := cCycle(min(n, 10000)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEffectsMatchTheGetters: what one crossing copies out of a result (or
// a loaded list) equals what the public getters give one call at a time
// (reference.go), every field of every effect, on every path: a result
// that fits the pooled space, one whose strings do not (a 128-character ID
// and 64-character topic names), one read in parts, a refusal with its
// message and would-have effects, a plan, and loaded effects documents.
func TestEffectsMatchTheGetters(t *testing.T) {
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	id := "MQ_" + strings.Repeat("x", 125)
	// withTopics is in with n more topics of 64 characters (in stays open)
	withTopics := func(in *Instance, n int, prefix string) *Instance {
		cur := in
		for i := range n {
			r, err := cur.AddTopic(now, prefix+strings.Repeat("t", 60)+strconv.Itoa(1000 + i)[1:])
			if err != nil {
				t.Fatal(err)
			}
			if cur != in {
				cur.Close()
			}
			cur = r.Instance
		}
		return cur
	}
	check := func(what string, in *Instance, at time.Time, c Command) (*Result, []Effect) {
		t.Helper()
		want, wantCode, wantMsg, err := referenceApply(in, at, c)
		if err != nil {
			t.Fatal(err)
		}
		r, err := in.Apply(at, c)
		var got []Effect
		var refused *RefusedError
		switch {
		case wantCode == 0 && err == nil:
			got = r.Effects
		case wantCode != 0 && errors.As(err, &refused) && refused.Code == wantCode:
			got = refused.WouldHave
			if wantCode == ErrDataLossRefused { // the binding names the option as Go spells it
				wantMsg = strings.Replace(wantMsg, "pass allow-data-loss", "pass allowDataLoss=true", 1)
			}
			if refused.Message != wantMsg || wantMsg == "" {
				t.Errorf("%s: message %q, want %q", what, refused.Message, wantMsg)
			}
		default:
			t.Fatalf("%s: %v, want code %v", what, err, wantCode)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: effects differ\n got %+v\nwant %+v", what, got, want)
		}
		return r, got
	}
	bytes := func(list []Effect) (n int) {
		for _, e := range list {
			n += len(e.Key) + len(e.Subject) + len(e.Text) + len(e.From) + len(e.To) + len(e.Refund) + len(e.Timer)
		}
		return n
	}

	base, err := CreateStandard(id, "http://mq", now)
	if err != nil {
		t.Fatal(err)
	}
	small := withTopics(base, 12, "a")
	r, list := check("upgrade of 12 long topics", small, now, Command{Kind: CmdUpgrade, PeriodMonths: 3})
	if len(list) > scratchEffects || bytes(list) <= scratchBytes {
		t.Fatalf("%d effects, %d bytes: not the path meant", len(list), bytes(list))
	}
	small.Close()
	plat := r.Instance
	check("a plan", plat, now, Command{Kind: CmdPlanDowngrade, Mode: AtExpiry})
	r, _ = check("complete the migration", plat, now, Command{Kind: CmdCompleteMigration})
	plat.Close()
	big := withTopics(r.Instance, 60, "b")
	r.Instance.Close()
	_, list = check("refund refused, with what it would have done", big, now, Command{Kind: CmdRefund})
	if len(list) <= 2*scratchEffects {
		t.Fatalf("%d would-have effects: not the path meant", len(list))
	}
	check("refund", big, now, Command{Kind: CmdRefund, AllowDataLoss: true})
	check("renew", big, now, Command{Kind: CmdRenew, PeriodMonths: 2})
	check("action", big, now, Command{Kind: CmdSetPostExpirationAction, Action: DowngradeToStandard})
	check("remove a topic", big, now, Command{Kind: CmdRemoveTopic, Name: big.Topics()[3]})
	check("expiry", big, now.AddDate(0, 5, 0), Command{Kind: CmdTick})
	big.Close()

	std := withTopics(base, 70, "c")
	_, list = check("upgrade of 70 long topics", std, now, Command{Kind: CmdUpgrade, PeriodMonths: 1})
	if len(list) <= 2*scratchEffects || bytes(list[:scratchEffects]) <= scratchBytes {
		t.Fatalf("%d effects: not the path meant", len(list))
	}
	std.Close()
	base.Close()

	for _, n := range []int{0, 1, scratchEffects, 3*scratchEffects + 1} {
		var doc strings.Builder
		doc.WriteString("libedition: 1\neffects:")
		if n == 0 {
			doc.WriteString(" []")
		}
		doc.WriteString("\n")
		for i := range n {
			fmt.Fprintf(&doc, "  - key: %s/4/%d\n    kind: topic.migrate\n    subject: {topic: %s}\n"+
				"    from: dedicated\n    to: shared\n    online: %v\n    flags: []\n    text: migrate topic %s\n",
				id, i, strings.Repeat("o", 60)+strconv.Itoa(1000+i), i%2 == 0, strings.Repeat("o", 60)+strconv.Itoa(1000+i))
		}
		got, err := LoadEffects([]byte(doc.String()))
		if err != nil {
			t.Fatalf("%d effects: %v", n, err)
		}
		want, err := referenceLoadEffects([]byte(doc.String()))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n || (n > 0 && !reflect.DeepEqual(got, want)) {
			t.Errorf("loaded %d effects: differ\n got %+v\nwant %+v", n, got, want)
		}
	}
}
