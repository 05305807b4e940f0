package edition_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/libedition/libedition/bindings/go/edition"
)

func TestLoadScenario(t *testing.T) {
	var sc *edition.Scenario
	sc, err := edition.LoadScenario(example(t, "scenarios/wrong-order-caught-by-data-loss-guard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if sc.Instance.Edition() != edition.Standard || len(sc.Steps) != 4 {
		t.Fatalf("scenario: %v, %d steps", sc.Instance, len(sc.Steps))
	}
	first := sc.Steps[0]
	if first.Command != (edition.Command{Kind: edition.CmdUpgrade, PeriodMonths: 3}) ||
		!first.At.Equal(at(t, "2026-02-01T00:00:00Z")) || first.Line == 0 {
		t.Errorf("step 1: %+v", first)
	}
	if c := sc.Steps[2].Command; c.Kind != edition.CmdSetPostExpirationAction || c.Action != edition.DowngradeToStandard {
		t.Errorf("step 3: %+v", c)
	}
	if sc.Steps[1].Line <= first.Line {
		t.Error("lines do not increase")
	}
	var codes []error
	for rec := range sc.Simulate() {
		codes = append(codes, rec.Err)
		if (rec.Err == nil) != (rec.Result != nil) || rec.Current == nil || rec.Step < 1 {
			t.Errorf("record %+v", rec)
		}
	}
	if len(codes) != 4 || codes[0] != nil || !errors.Is(codes[1], edition.ErrDataLossRefused) || codes[2] != nil || codes[3] != nil {
		t.Errorf("outcomes %v", codes)
	}
	// Stopping early stops the simulation.
	n := 0
	for range sc.Simulate() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d records after break", n)
	}
	if err := sc.Close(); err != nil || !sc.Instance.Closed() {
		t.Error("Close")
	}
}

// TestSimulateExamples runs every example scenario: the final snapshot of
// upgrade-then-downgrade-at-expiry is Standard Edition with its topics.
func TestSimulateExamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "examples", "scenarios", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no example scenarios", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := edition.LoadScenario(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var last edition.StepRecord
		for rec := range sc.Simulate() {
			last = rec
		}
		if filepath.Base(p) == "upgrade-then-downgrade-at-expiry.yaml" {
			if last.Current.Edition() != edition.Standard || !slices.Equal(last.Current.Topics(), []string{"orders", "payments"}) {
				t.Errorf("%s: ends as %v with %v", p, last.Current.Edition(), last.Current.Topics())
			}
		}
		sc.Close()
	}
}

// outcome is what a test keeps of a step record: the refusal's code (0 for
// an accepted step), the keys of the effects and the current snapshot's
// state file.
type outcome struct {
	code    edition.Code
	keys    []string
	current string
}

// simulate runs every step of sc into outcomes; closing, when true, closes
// every snapshot of each record as soon as it is read. It fails the test
// on an error that is not a *RefusedError or a record that is inconsistent.
func simulate(t *testing.T, sc *edition.Scenario, closing bool) []outcome {
	t.Helper()
	var out []outcome
	for rec := range sc.Simulate() {
		var o outcome
		var refused *edition.RefusedError
		switch {
		case rec.Err == nil && rec.Result != nil:
			for _, e := range rec.Result.Effects {
				o.keys = append(o.keys, e.Key)
			}
		case errors.As(rec.Err, &refused) && rec.Result == nil:
			o.code = refused.Code
		default:
			t.Fatalf("step %d: result %v, error %#v", rec.Step, rec.Result, rec.Err)
		}
		dump, err := rec.Current.Dump()
		if err != nil {
			t.Fatalf("step %d: current: %v", rec.Step, err)
		}
		o.current = string(dump)
		out = append(out, o)
		if closing {
			rec.Current.Close()
			if rec.Result != nil {
				if rec.Result.Instance.Closed() {
					t.Errorf("step %d: closing Current closed Result.Instance", rec.Step)
				}
				rec.Result.Instance.Close()
			}
		}
	}
	if len(out) != len(sc.Steps) {
		t.Fatalf("%d records for %d steps", len(out), len(sc.Steps))
	}
	return out
}

// TestSimulateCallerMayCloseEverySnapshot: the snapshots a simulation
// yields are the caller's; closing every one of them in the loop leaves
// the simulation running to its end with the same records.
func TestSimulateCallerMayCloseEverySnapshot(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "examples", "scenarios", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no example scenarios", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := edition.LoadScenario(data)
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			want := simulate(t, sc, false)
			got := simulate(t, sc, true)
			if !slices.EqualFunc(got, want, func(a, b outcome) bool {
				return a.code == b.code && slices.Equal(a.keys, b.keys) && a.current == b.current
			}) {
				t.Errorf("closing the records' snapshots changed the simulation:\n got %v\nwant %v", got, want)
			}
			if sc.Instance.Closed() {
				t.Error("the scenario's snapshot was closed by the simulation")
			}
		})
	}
}

// TestSimulateOutlivesTheScenario: a simulation holds its own reference to
// the snapshot it runs on, so closing the scenario in the loop does not stop
// it; one started on a closed scenario yields ErrClosed for every step.
func TestSimulateOutlivesTheScenario(t *testing.T) {
	data := example(t, "scenarios/wrong-order-caught-by-data-loss-guard.yaml")
	sc, err := edition.LoadScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	want := simulate(t, sc, false)
	var got []error
	for rec := range sc.Simulate() {
		sc.Close()
		got = append(got, rec.Err)
		if rec.Current.Closed() {
			t.Errorf("step %d: current snapshot closed", rec.Step)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d records after closing the scenario, want %d", len(got), len(want))
	}
	for i, err := range got {
		if want[i].code == 0 && err != nil || want[i].code != 0 && !errors.Is(err, want[i].code) {
			t.Errorf("step %d: %v, want %v", i+1, err, want[i].code)
		}
	}
	n := 0
	for rec := range sc.Simulate() {
		n++
		if !errors.Is(rec.Err, edition.ErrClosed) || rec.Current != nil || rec.Result != nil {
			t.Errorf("closed scenario, step %d: %+v", rec.Step, rec)
		}
	}
	if n != len(sc.Steps) {
		t.Errorf("closed scenario: %d records for %d steps", n, len(sc.Steps))
	}
}

func TestLoadScenarioErrors(t *testing.T) {
	doc := "libedition: 1\ninstance:\n  id: a\n  endpoint: b\n  edition: standard\n  created_at: 2026-01-05T00:00:00Z\nsteps:\n  - at: 2026-02-01T00:00:00Z\n    command: upgrade\n"
	_, err := edition.LoadScenario([]byte(doc))
	var le *edition.LoadError
	if !errors.As(err, &le) || le.Code != edition.ErrSchema || le.Line == 0 {
		t.Fatalf("missing period_months: %v", err)
	}
	if _, err := edition.LoadScenario([]byte(doc), edition.WithReleaseDelayDays(99)); !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("bad option: %v", err)
	}
	if _, err := edition.LoadScenario(nil); !errors.Is(err, edition.ErrSchema) {
		t.Errorf("empty: %v", err)
	}
}
