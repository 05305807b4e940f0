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
