package edition_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

const (
	testID       = "MQ_INST_1_test"
	testEndpoint = "http://MQ_INST_1_test.cn-hangzhou.mq-internal.aliyuncs.com:8080"
)

// at parses an RFC 3339 time or fails the test.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// example reads a file of the repository's examples/ directory.
func example(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// load loads an example state file.
func load(tb testing.TB, rel string) *edition.Instance {
	tb.Helper()
	in, err := edition.Load(example(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { in.Close() })
	return in
}

// standard is a Standard Edition instance with topics and groups, created
// at 2026-01-05.
func standard(tb testing.TB, topics, groups []string) *edition.Instance {
	tb.Helper()
	now := at(tb, "2026-01-05T00:00:00Z")
	in, err := edition.CreateStandard(testID, testEndpoint, now, edition.WithRegion("cn-hangzhou"))
	if err != nil {
		tb.Fatal(err)
	}
	ok := mustOf(tb)
	for _, name := range topics {
		old := in
		in = ok(in.AddTopic(now, name))
		old.Close()
	}
	for _, name := range groups {
		old := in
		in = ok(in.AddGroup(now, name))
		old.Close()
	}
	tb.Cleanup(func() { in.Close() })
	return in
}

// mustOf returns a function that gives a result's snapshot or fails the
// test: ok := mustOf(t); next := ok(in.Tick(now)).
func mustOf(tb testing.TB) func(*edition.Result, error) *edition.Instance {
	return func(r *edition.Result, err error) *edition.Instance {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return r.Instance
	}
}

// kinds lists the kinds of effects.
func kinds(effects []edition.Effect) []string {
	out := make([]string, len(effects))
	for i, e := range effects {
		out[i] = e.Kind.String()
		if e.Has(edition.FieldTimer) {
			out[i] += " " + e.Timer
		}
	}
	return out
}

// checkValues checks that every field an effect carries has a Value of the
// field's documented type, and that the fields it lacks have none.
func checkValues(tb testing.TB, effects []edition.Effect) {
	tb.Helper()
	for _, e := range effects {
		for f := edition.FieldFrom; f <= edition.FieldOnline; f++ {
			v := e.Value(f)
			if !e.Has(f) {
				if v != nil {
					tb.Errorf("%s: %v absent but has value %v", e.Kind, f, v)
				}
				continue
			}
			var ok bool
			switch f {
			case edition.FieldFrom, edition.FieldTo, edition.FieldRefund, edition.FieldTimer:
				_, ok = v.(string)
			case edition.FieldAt, edition.FieldExpiresAt, edition.FieldUnusedFrom, edition.FieldUnusedUntil:
				var t time.Time
				t, ok = v.(time.Time)
				ok = ok && !t.IsZero() && t.Location() == time.UTC
			case edition.FieldPeriodMonths:
				_, ok = v.(int)
			case edition.FieldOnline:
				_, ok = v.(bool)
			}
			if !ok {
				tb.Errorf("%s: %v = %#v, not of its type", e.Kind, f, v)
			}
		}
	}
}
