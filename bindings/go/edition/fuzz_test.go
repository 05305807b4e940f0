package edition_test

import (
	"errors"
	"testing"

	"github.com/libedition/libedition/bindings/go/edition"
)

// FuzzLoad feeds the state-file and scenario loaders arbitrary bytes: they
// either reject the input with a *LoadError or give a snapshot whose every
// getter answers, whose dump loads back equal, and which accepts a tick.
// The seed corpus is testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("libedition: 1\ninstance:\n  id: a\n  endpoint: b\n  edition: standard\n  created_at: 2026-01-05T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := edition.Load(data, edition.WithMaxDocumentSize(1<<20))
		if err != nil {
			var le *edition.LoadError
			if !errors.As(err, &le) || le.Message == "" || le.Line < 0 || le.Column < 0 {
				t.Fatalf("not a LoadError: %#v", err)
			}
		} else {
			checkSnapshot(t, in)
			in.Close()
		}
		sc, err := edition.LoadScenario(data, edition.WithMaxDocumentSize(1<<20))
		if err != nil {
			var le *edition.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("scenario: not a LoadError: %#v", err)
			}
			return
		}
		for rec := range sc.Simulate() {
			if rec.Err != nil && !errors.As(rec.Err, new(*edition.RefusedError)) {
				t.Fatalf("step %d: %v", rec.Step, rec.Err)
			}
		}
		sc.Close()
	})
}

func checkSnapshot(t *testing.T, in *edition.Instance) {
	t.Helper()
	_ = in.ID() + in.Endpoint() + in.Region() + in.Edition().String() + in.Billing().String() +
		in.Cluster().String() + in.Lifecycle().String()
	_, _ = in.Subscription()
	_, _ = in.ReleaseAt()
	_, _ = in.Migration()
	_, _ = in.NextDeadline()
	for _, name := range in.Topics() {
		if !in.HasTopic(name) {
			t.Fatalf("topic %q listed but not found", name)
		}
	}
	for _, name := range in.Groups() {
		if !in.HasGroup(name) {
			t.Fatalf("group %q listed but not found", name)
		}
	}
	out, err := in.Dump()
	if err != nil {
		t.Fatal(err)
	}
	again, err := edition.Load(out)
	if err != nil {
		t.Fatalf("the dump does not load: %v\n%s", err, out)
	}
	defer again.Close()
	if !again.Equal(in) {
		t.Fatalf("the dump loads as another snapshot:\n%s", out)
	}
	if r, err := in.Tick(in.UpdatedAt()); err == nil {
		r.Instance.Close()
	} else if !errors.As(err, new(*edition.RefusedError)) {
		t.Fatal(err)
	}
}
