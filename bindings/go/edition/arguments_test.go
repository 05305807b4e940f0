package edition_test

// The binding's arguments agree with libedition (docs/semantics.md,
// "Bindings' arguments"): one test per rule there.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// refusedWith fails the test unless err is a *RefusedError of code, and
// returns it.
func refusedWith(tb testing.TB, what string, r *edition.Result, err error, code edition.Code) *edition.RefusedError {
	tb.Helper()
	var refused *edition.RefusedError
	if r != nil || !errors.As(err, &refused) || refused.Code != code || !errors.Is(err, code) {
		tb.Fatalf("%s: %v, %v; want a refusal %v", what, r, err, code)
	}
	return refused
}

// state is a fixture snapshot and a time at which it is the current one.
type state struct {
	name string
	in   *edition.Instance
	at   string
}

func states(f fixtures) []state {
	return []state{
		{"platinum", f.plat, "2026-02-11T00:00:00Z"},
		{"platinum with delete_resource", f.platDelete, "2026-01-20T00:00:00Z"},
		{"standard", f.std, "2026-01-06T00:00:00Z"},
		{"expired", f.expired, "2026-02-21T00:00:00Z"},
		{"released", f.released, "2026-03-08T00:00:00Z"},
	}
}

// TestZeroActionOrModeIsNotGiven: the zero Action and PlanMode name
// nothing. A Command that leaves one at zero lacks the argument, and the
// method given zero does the same: ErrInvalidArgument "<command> needs the
// argument <arg>" before any other check (even on a released snapshot), as
// the library refuses a scenario step without it. Neither chooses a mode or
// an action for the caller.
func TestZeroActionOrModeIsNotGiven(t *testing.T) {
	f := newFixtures(t)
	cases := []struct {
		cmd  edition.Command
		want string
	}{
		{edition.Command{Kind: edition.CmdPlanDowngrade}, "plan_downgrade needs the argument mode"},
		{edition.Command{Kind: edition.CmdSetPostExpirationAction}, "set_post_expiration_action needs the argument action"},
	}
	for _, s := range states(f) {
		for _, c := range cases {
			now := at(t, s.at)
			r, err := call(s.in, now, c.cmd)
			byMethod := refusedWith(t, s.name+": method", r, err, edition.ErrInvalidArgument)
			r, err = s.in.Apply(now, c.cmd)
			byCommand := refusedWith(t, s.name+": Apply", r, err, edition.ErrInvalidArgument)
			if byMethod.Message != c.want || byCommand.Message != c.want {
				t.Errorf("%s: %q / %q, want %q", s.name, byMethod.Message, byCommand.Message, c.want)
			}
		}
	}
	var zero edition.PlanMode
	if text, err := zero.MarshalText(); !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("the zero PlanMode marshals as %q, %v", text, err)
	}
	var action edition.Action
	if text, err := action.MarshalText(); !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("the zero Action marshals as %q, %v", text, err)
	}
}

// TestZeroPeriodIsRefusedNotDefaulted: a period of 0 months (the zero
// value of Command.PeriodMonths) is a value the library refuses, through
// the method and through Apply alike: it never becomes a period.
func TestZeroPeriodIsRefusedNotDefaulted(t *testing.T) {
	f := newFixtures(t)
	now := at(t, "2026-01-06T00:00:00Z")
	for _, c := range []edition.Command{{Kind: edition.CmdUpgrade}, {Kind: edition.CmdRenew}} {
		in := f.std
		if c.Kind == edition.CmdRenew {
			in = f.platDelete
		}
		r, err := call(in, now, c)
		byMethod := refusedWith(t, c.String()+": method", r, err, edition.ErrInvalidPeriod)
		r, err = in.Apply(now, c)
		byCommand := refusedWith(t, c.String()+": Apply", r, err, edition.ErrInvalidPeriod)
		if byMethod.Message != byCommand.Message || !strings.Contains(byMethod.Message, "period_months 0") {
			t.Errorf("%v: %q / %q", c, byMethod.Message, byCommand.Message)
		}
	}
	if in, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 0); in != nil || !errors.Is(err, edition.ErrInvalidPeriod) {
		t.Errorf("CreateEnterprisePlatinum for 0 months: %v, %v", in, err)
	}
}

// TestUnknownActionOrModeIsRefusedInTheLibrarysOrder: an Action or
// PlanMode that names nothing reaches the library as a value it does not
// know, so released, clock_skew and the edition and lifecycle checks come
// first, as for any argument; then ErrInvalidArgument, naming the value as
// Go prints it.
func TestUnknownActionOrModeIsRefusedInTheLibrarysOrder(t *testing.T) {
	f := newFixtures(t)
	want := map[string]struct{ action, mode edition.Code }{
		"platinum":                      {edition.ErrInvalidArgument, edition.ErrInvalidArgument},
		"platinum with delete_resource": {edition.ErrInvalidArgument, edition.ErrInvalidArgument},
		"standard":                      {edition.ErrNotSubscription, edition.ErrNotSubscription},
		"expired":                       {edition.ErrExpired, edition.ErrExpired},
		"released":                      {edition.ErrReleased, edition.ErrReleased},
	}
	for _, s := range states(f) {
		now := at(t, s.at)
		for _, v := range []int{3, 9, -1} {
			a, m := edition.Action(v), edition.PlanMode(v)
			for _, c := range []edition.Command{
				{Kind: edition.CmdSetPostExpirationAction, Action: a},
				{Kind: edition.CmdPlanDowngrade, Mode: m},
			} {
				code, shown := want[s.name].action, "action "+a.String()
				if c.Kind == edition.CmdPlanDowngrade {
					code, shown = want[s.name].mode, "mode "+m.String()
				}
				r, err := call(s.in, now, c)
				byMethod := refusedWith(t, s.name+": "+c.String(), r, err, code)
				r, err = s.in.Apply(now, c)
				byCommand := refusedWith(t, s.name+": Apply "+c.String(), r, err, code)
				if byMethod.Message != byCommand.Message {
					t.Errorf("%s: %q / %q", s.name, byMethod.Message, byCommand.Message)
				}
				if code == edition.ErrInvalidArgument && !strings.Contains(byMethod.Message, shown+" is neither") {
					t.Errorf("%s: %q does not name %s", s.name, byMethod.Message, shown)
				}
			}
		}
	}
	// clock skew comes before the value too
	before := f.plat.UpdatedAt().Add(-time.Second)
	r, err := f.plat.PlanDowngrade(before, edition.PlanMode(9))
	refusedWith(t, "clock skew", r, err, edition.ErrClockSkew)
	r, err = f.plat.SetPostExpirationAction(before, edition.Action(9))
	refusedWith(t, "clock skew", r, err, edition.ErrClockSkew)
}

// TestUnknownActionOrModeNameIsInvalidArgument: a name that is not an
// action or mode is ErrInvalidArgument where names are read, and leaves
// the value it was read into as it was.
func TestUnknownActionOrModeNameIsInvalidArgument(t *testing.T) {
	for _, bad := range []string{"sideways", "AT_EXPIRY", "", "immediate\x00"} {
		if m, err := edition.ParsePlanMode(bad); m != 0 || !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParsePlanMode(%q): %v, %v", bad, m, err)
		}
		if a, err := edition.ParseAction(bad); a != 0 || !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParseAction(%q): %v, %v", bad, a, err)
		}
		m := edition.AtExpiry
		if err := m.UnmarshalText([]byte(bad)); m != edition.AtExpiry || !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("PlanMode.UnmarshalText(%q): %v, %v", bad, m, err)
		}
		a := edition.DowngradeToStandard
		if err := a.UnmarshalText([]byte(bad)); a != edition.DowngradeToStandard || !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("Action.UnmarshalText(%q): %v, %v", bad, a, err)
		}
	}
	if m, err := edition.ParsePlanMode("immediate"); m != edition.Immediate || err != nil {
		t.Errorf("ParsePlanMode(immediate): %v, %v", m, err)
	}
	if a, err := edition.ParseAction("delete_resource"); a != edition.DeleteResource || err != nil {
		t.Errorf("ParseAction(delete_resource): %v, %v", a, err)
	}
}

// TestSubSecondNowIsRefusedAsTheCLIRefusesIt: a time with a fraction of a
// second is ErrInvalidArgument with the CLI's words ("fractional seconds
// are not supported"), before any rule (a released snapshot says so too),
// whatever its location; the binding does not round it.
func TestSubSecondNowIsRefusedAsTheCLIRefusesIt(t *testing.T) {
	f := newFixtures(t)
	plus8 := time.FixedZone("+08:00", 8*3600)
	for _, s := range states(f) {
		for _, frac := range []time.Duration{time.Nanosecond, 500 * time.Millisecond, time.Second - 1} {
			now := at(t, s.at).Add(frac).In(plus8)
			runs := map[string]func() (*edition.Result, error){
				"Tick":          func() (*edition.Result, error) { return s.in.Tick(now) },
				"AddTopic":      func() (*edition.Result, error) { return s.in.AddTopic(now, "late") },
				"Renew":         func() (*edition.Result, error) { return s.in.Renew(now, 1) },
				"Apply":         func() (*edition.Result, error) { return s.in.Apply(now, edition.Command{Kind: edition.CmdTick}) },
				"Refund":        func() (*edition.Result, error) { return s.in.Refund(now, true) },
				"PlanDowngrade": func() (*edition.Result, error) { return s.in.PlanDowngrade(now, edition.Immediate) },
			}
			for name, run := range runs {
				r, err := run()
				refused := refusedWith(t, s.name+": "+name, r, err, edition.ErrInvalidArgument)
				if !strings.Contains(refused.Message, "fractional seconds are not supported") {
					t.Errorf("%s: %s: %q", s.name, name, refused.Message)
				}
			}
		}
	}
	now := at(t, "2026-01-05T00:00:00Z").Add(time.Microsecond)
	if in, err := edition.CreateStandard(testID, testEndpoint, now); in != nil || !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("CreateStandard: %v, %v", in, err)
	}
	if in, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 1); in != nil || !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("CreateEnterprisePlatinum: %v, %v", in, err)
	}
	// whole seconds in any location are accepted, and mean the instant
	whole := at(t, "2026-01-06T00:00:00Z").In(plus8)
	r, err := f.std.AddTopic(whole, "later")
	if err != nil || !r.Instance.UpdatedAt().Equal(whole) {
		t.Fatalf("whole seconds at +08:00: %v, %v", r, err)
	}
	r.Instance.Close()
}

// TestDataLossRefusalNamesAllowDataLossAsGoSpellsIt: the refusal of a
// refund that would delete everything tells a Go caller to pass
// allowDataLoss=true, through Refund, Apply and a simulation alike, and
// never the CLI's spelling.
func TestDataLossRefusalNamesAllowDataLossAsGoSpellsIt(t *testing.T) {
	f := newFixtures(t)
	now := at(t, "2026-01-20T00:00:00Z")
	check := func(what string, err error) {
		t.Helper()
		var refused *edition.RefusedError
		if !errors.As(err, &refused) || refused.Code != edition.ErrDataLossRefused || len(refused.WouldHave) == 0 {
			t.Fatalf("%s: %v", what, err)
		}
		if !strings.Contains(refused.Message, "or pass allowDataLoss=true to delete them") ||
			strings.Contains(refused.Message, "allow-data-loss") {
			t.Errorf("%s: %q", what, refused.Message)
		}
	}
	_, err := f.platDelete.Refund(now, false)
	check("Refund", err)
	_, err = f.platDelete.Apply(now, edition.Command{Kind: edition.CmdRefund})
	check("Apply", err)
	sc, err := edition.LoadScenario(example(t, "scenarios/wrong-order-caught-by-data-loss-guard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	seen := 0
	for rec := range sc.Simulate() {
		if errors.Is(rec.Err, edition.ErrDataLossRefused) {
			check("Simulate", rec.Err)
			seen++
		}
		rec.Current.Close()
		if rec.Result != nil {
			rec.Result.Instance.Close()
		}
	}
	if seen == 0 {
		t.Error("the scenario has no data_loss_refused step")
	}
}

// TestPlanStepsRunThroughApply: a plan's steps are Commands that give
// their arguments, so running them with Apply performs the downgrade the
// plan describes (the tutorial's loop).
func TestPlanStepsRunThroughApply(t *testing.T) {
	f := newFixtures(t)
	now := at(t, "2026-01-20T00:00:00Z")
	plan, err := f.platDelete.PlanDowngrade(now, edition.Immediate)
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Instance.Close()
	cur := f.platDelete
	for _, step := range plan.Plan {
		if step.Command.Kind == edition.CmdSetPostExpirationAction && step.Command.Action != edition.DowngradeToStandard {
			t.Fatalf("step %v", step.Command)
		}
		r, err := cur.Apply(now, step.Command)
		if err != nil {
			t.Fatalf("%v: %v", step.Command, err)
		}
		if cur != f.platDelete {
			cur.Close()
		}
		cur = r.Instance
	}
	defer cur.Close()
	if cur.Edition() != edition.Standard || len(cur.Topics()) != 1 {
		t.Errorf("after the plan: %v %v", cur.Edition(), cur.Topics())
	}
}
