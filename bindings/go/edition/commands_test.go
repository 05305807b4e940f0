package edition_test

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// call runs c through the matching method, for comparison with Apply.
func call(in *edition.Instance, now time.Time, c edition.Command) (*edition.Result, error) {
	switch c.Kind {
	case edition.CmdUpgrade:
		return in.Upgrade(now, c.PeriodMonths)
	case edition.CmdSetPostExpirationAction:
		return in.SetPostExpirationAction(now, c.Action)
	case edition.CmdRefund:
		return in.Refund(now, c.AllowDataLoss)
	case edition.CmdRenew:
		return in.Renew(now, c.PeriodMonths)
	case edition.CmdTick:
		return in.Tick(now)
	case edition.CmdCompleteMigration:
		return in.CompleteMigration(now)
	case edition.CmdAddTopic:
		return in.AddTopic(now, c.Name)
	case edition.CmdRemoveTopic:
		return in.RemoveTopic(now, c.Name)
	case edition.CmdAddGroup:
		return in.AddGroup(now, c.Name)
	case edition.CmdRemoveGroup:
		return in.RemoveGroup(now, c.Name)
	case edition.CmdDowngrade:
		return in.Downgrade(now)
	case edition.CmdPlanDowngrade:
		return in.PlanDowngrade(now, c.Mode)
	}
	return in.Apply(now, c)
}

// fixtures are snapshots in each state the refusals need.
type fixtures struct {
	std, plat, platDelete, expired, migrating, released *edition.Instance
}

func newFixtures(t *testing.T) fixtures {
	t.Helper()
	ok := mustOf(t)
	f := fixtures{
		std:       standard(t, []string{"orders"}, []string{"GID_billing"}),
		plat:      load(t, "states/platinum.yaml"),
		expired:   load(t, "states/expired.yaml"),
		migrating: load(t, "states/migrating.yaml"),
	}
	var err error
	f.platDelete, err = edition.CreateEnterprisePlatinum(testID, testEndpoint, at(t, "2026-01-05T00:00:00Z"), 1)
	if err != nil {
		t.Fatal(err)
	}
	f.platDelete = ok(f.platDelete.AddTopic(at(t, "2026-01-06T00:00:00Z"), "orders"))
	f.released = ok(f.expired.Tick(at(t, "2026-03-07T00:00:00Z")))
	return f
}

// TestRefusals runs every refusal code through the method and through
// Apply: both refuse with the same code and message, and change nothing.
func TestRefusals(t *testing.T) {
	f := newFixtures(t)
	cases := []struct {
		name string
		in   *edition.Instance
		at   string
		cmd  edition.Command
		want edition.Code
	}{
		{"invalid action", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdSetPostExpirationAction, Action: 7}, edition.ErrInvalidArgument},
		{"invalid plan mode", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdPlanDowngrade, Mode: 9}, edition.ErrInvalidArgument},
		{"invalid topic name", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: "x!"}, edition.ErrInvalidName},
		{"topic name with NUL", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: "orders\x00x"}, edition.ErrInvalidName},
		{"invalid group name", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddGroup, Name: "G"}, edition.ErrInvalidName},
		{"empty topic name", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic}, edition.ErrInvalidName},
		// names of 127 and 128 bytes lie on either side of the space the
		// binding copies a name into; longer ones take another path
		{"topic name of 127 bytes", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: strings.Repeat("a", 127)}, edition.ErrInvalidName},
		{"topic name of 128 bytes", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdRemoveTopic, Name: strings.Repeat("b", 128)}, edition.ErrInvalidName},
		{"group name of 5000 bytes", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddGroup, Name: strings.Repeat("c", 5000)}, edition.ErrInvalidName},
		{"upgrade for 0 months", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdUpgrade}, edition.ErrInvalidPeriod},
		{"upgrade for -1 months", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdUpgrade, PeriodMonths: -1}, edition.ErrInvalidPeriod},
		{"renew for 37 months", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdRenew, PeriodMonths: 37}, edition.ErrInvalidPeriod},
		{"clock skew", f.std, "2026-01-04T23:59:59Z", edition.Command{Kind: edition.CmdTick}, edition.ErrClockSkew},
		{"upgrade twice", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdUpgrade, PeriodMonths: 1}, edition.ErrAlreadyEnterprisePlatinum},
		{"renew standard", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdRenew, PeriodMonths: 1}, edition.ErrNotSubscription},
		{"refund standard", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdRefund}, edition.ErrNotSubscription},
		{"action on standard", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdSetPostExpirationAction, Action: edition.DowngradeToStandard}, edition.ErrNotSubscription},
		{"plan on standard", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdPlanDowngrade, Mode: edition.Immediate}, edition.ErrNotSubscription},
		{"direct downgrade", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdDowngrade}, edition.ErrNoDirectDowngrade},
		{"topic after expiry", f.plat, "2026-03-02T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: "late"}, edition.ErrExpiryDue},
		{"refund after expiry", f.plat, "2026-03-01T00:00:00Z", edition.Command{Kind: edition.CmdRefund}, edition.ErrExpiryDue},
		{"action when expired", f.expired, "2026-02-21T00:00:00Z", edition.Command{Kind: edition.CmdSetPostExpirationAction, Action: edition.DowngradeToStandard}, edition.ErrExpired},
		{"refund when expired", f.expired, "2026-02-21T00:00:00Z", edition.Command{Kind: edition.CmdRefund, AllowDataLoss: true}, edition.ErrExpired},
		{"plan when expired", f.expired, "2026-02-21T00:00:00Z", edition.Command{Kind: edition.CmdPlanDowngrade, Mode: edition.AtExpiry}, edition.ErrExpired},
		{"action not given", f.plat, "2026-02-11T00:00:00Z", edition.Command{Kind: edition.CmdSetPostExpirationAction}, edition.ErrInvalidArgument},
		{"mode not given", f.released, "2026-03-08T00:00:00Z", edition.Command{Kind: edition.CmdPlanDowngrade}, edition.ErrInvalidArgument},
		{"tick when released", f.released, "2026-03-08T00:00:00Z", edition.Command{Kind: edition.CmdTick}, edition.ErrReleased},
		{"renew when released", f.released, "2026-03-08T00:00:00Z", edition.Command{Kind: edition.CmdRenew, PeriodMonths: 1}, edition.ErrReleased},
		{"topic while migrating", f.migrating, "2026-02-02T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: "audit"}, edition.ErrMigrationInProgress},
		{"group while migrating", f.migrating, "2026-02-02T00:00:00Z", edition.Command{Kind: edition.CmdRemoveGroup, Name: "GID_billing"}, edition.ErrMigrationInProgress},
		{"no migration", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdCompleteMigration}, edition.ErrNoMigration},
		{"topic exists", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddTopic, Name: "orders"}, edition.ErrExists},
		{"group named like a topic", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdAddGroup, Name: "orders"}, edition.ErrExists},
		{"topic not found", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdRemoveTopic, Name: "nope"}, edition.ErrNotFound},
		{"group not found", f.std, "2026-01-06T00:00:00Z", edition.Command{Kind: edition.CmdRemoveGroup, Name: "GID_nope"}, edition.ErrNotFound},
		{"refund with delete_resource", f.platDelete, "2026-01-20T00:00:00Z", edition.Command{Kind: edition.CmdRefund}, edition.ErrDataLossRefused},
	}
	seen := map[edition.Code]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := c.in.Dump()
			now := at(t, c.at)
			r1, err1 := call(c.in, now, c.cmd)
			r2, err2 := c.in.Apply(now, c.cmd)
			var e1, e2 *edition.RefusedError
			if r1 != nil || r2 != nil || !errors.As(err1, &e1) || !errors.As(err2, &e2) {
				t.Fatalf("%v: not refused: %v / %v", c.cmd, err1, err2)
			}
			if e1.Code != c.want || !errors.Is(err1, c.want) || !errors.Is(err2, c.want) {
				t.Fatalf("%v: %v, want %v", c.cmd, err1, c.want)
			}
			if e1.Message != e2.Message || e1.Message == "" || !strings.Contains(err1.Error(), c.want.String()) {
				t.Errorf("messages differ or empty: %q / %q", e1.Message, e2.Message)
			}
			if (c.want == edition.ErrDataLossRefused) != (len(e1.WouldHave) > 0) {
				t.Errorf("WouldHave: %d effects", len(e1.WouldHave))
			}
			for _, other := range []edition.Code{edition.ErrReleased, edition.ErrExists, edition.ErrParse} {
				if other != c.want && errors.Is(err1, other) {
					t.Errorf("%v also matches %v", err1, other)
				}
			}
			after, _ := c.in.Dump()
			if string(before) != string(after) {
				t.Error("a refusal changed the snapshot")
			}
			seen[c.want] = true
		})
	}
	for code := edition.ErrInvalidArgument; code <= edition.ErrDataLossRefused; code++ {
		if !seen[code] {
			t.Errorf("no case refuses with %v", code)
		}
	}
	guard := &edition.RefusedError{Code: edition.ErrExpiryDue}
	if guard.Error() != "edition: refused: expiry_due" || guard.Unwrap() != edition.ErrExpiryDue {
		t.Errorf("RefusedError without message: %q", guard.Error())
	}
}

// wideInts are ints that do not fit the C int the library takes: beyond
// it, or cut to 32 bits a valid value (1<<32 + 1 would be 1).
var wideInts = []int64{1 << 40, -1 << 40, 1<<32 + 1, 1 << 32, math.MaxInt32 + 1, math.MinInt32 - 1,
	math.MaxInt64, math.MinInt64}

// TestIntArgumentsBeyondCIntRefusedAsGiven: a period, action or plan mode
// too wide for a C int is refused through the method and through Apply
// exactly as a small invalid value is (same type, code and message, after
// the same checks of the snapshot), except that the message names the
// value given: neither clamped nor cut to 32 bits.
func TestIntArgumentsBeyondCIntRefusedAsGiven(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int is a C int here: nothing to narrow")
	}
	f := newFixtures(t)
	upgrade := func(v int) edition.Command { return edition.Command{Kind: edition.CmdUpgrade, PeriodMonths: v} }
	renew := func(v int) edition.Command { return edition.Command{Kind: edition.CmdRenew, PeriodMonths: v} }
	action := func(v int) edition.Command {
		return edition.Command{Kind: edition.CmdSetPostExpirationAction, Action: edition.Action(v)}
	}
	mode := func(v int) edition.Command {
		return edition.Command{Kind: edition.CmdPlanDowngrade, Mode: edition.PlanMode(v)}
	}
	number := strconv.Itoa
	actionShown := func(v int) string { return edition.Action(v).String() }
	modeShown := func(v int) string { return edition.PlanMode(v).String() }
	cases := []struct {
		name  string
		in    *edition.Instance
		at    string
		cmd   func(v int) edition.Command
		arg   string             // as the message names it
		shown func(v int) string // how the message shows a value
		small int                // an invalid value that fits
		want  edition.Code
	}{
		{"upgrade", f.std, "2026-01-06T00:00:00Z", upgrade, "period_months", number, 37, edition.ErrInvalidPeriod},
		{"renew", f.plat, "2026-02-11T00:00:00Z", renew, "period_months", number, 0, edition.ErrInvalidPeriod},
		{"set_post_expiration_action", f.plat, "2026-02-11T00:00:00Z", action, "action", actionShown, 7, edition.ErrInvalidArgument},
		{"plan_downgrade", f.plat, "2026-02-11T00:00:00Z", mode, "mode", modeShown, -1, edition.ErrInvalidArgument},
		// the snapshot's checks come first, whatever the value
		{"upgrade twice", f.plat, "2026-02-11T00:00:00Z", upgrade, "", number, 37, edition.ErrAlreadyEnterprisePlatinum},
		{"renew when released", f.released, "2026-03-08T00:00:00Z", renew, "", number, 37, edition.ErrReleased},
		{"action on standard", f.std, "2026-01-06T00:00:00Z", action, "", actionShown, 7, edition.ErrNotSubscription},
		{"plan when expired", f.expired, "2026-02-21T00:00:00Z", mode, "", modeShown, 9, edition.ErrExpired},
	}
	for _, c := range cases {
		now := at(t, c.at)
		_, err := c.in.Apply(now, c.cmd(c.small))
		var small *edition.RefusedError
		if !errors.As(err, &small) || small.Code != c.want {
			t.Fatalf("%s %d: %v, want %v", c.name, c.small, err, c.want)
		}
		for _, wide := range wideInts {
			v := int(wide)
			want := small.Message
			if c.arg != "" {
				given := c.arg + " " + c.shown(v)
				want = strings.Replace(want, c.arg+" "+c.shown(c.small), given, 1)
				if !strings.Contains(want, given) {
					t.Fatalf("%s: %q does not name %s", c.name, small.Message, c.arg)
				}
			}
			for path, run := range map[string]func() (*edition.Result, error){
				"method": func() (*edition.Result, error) { return call(c.in, now, c.cmd(v)) },
				"Apply":  func() (*edition.Result, error) { return c.in.Apply(now, c.cmd(v)) },
			} {
				r, err := run()
				var refused *edition.RefusedError
				if r != nil || !errors.As(err, &refused) || refused.Code != c.want || refused.Message != want {
					t.Errorf("%s %d (%s): %v, %v\nwant %v: %s", c.name, v, path, r, err, c.want, want)
				}
			}
		}
	}
}

// TestCreatePeriodBeyondCIntRefusedAsGiven: CreateEnterprisePlatinum
// refuses a period too wide for a C int as it refuses 37 months, naming the
// value given.
func TestCreatePeriodBeyondCIntRefusedAsGiven(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int is a C int here: nothing to narrow")
	}
	now := at(t, "2026-01-05T00:00:00Z")
	_, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 37)
	var small *edition.RefusedError
	if !errors.As(err, &small) || small.Code != edition.ErrInvalidPeriod {
		t.Fatalf("37 months: %v", err)
	}
	for _, wide := range wideInts {
		v := int(wide)
		want := strings.Replace(small.Message, "period_months 37", "period_months "+strconv.Itoa(v), 1)
		in, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, v)
		var refused *edition.RefusedError
		if in != nil || !errors.As(err, &refused) || refused.Code != edition.ErrInvalidPeriod || refused.Message != want {
			t.Errorf("%d months: %v, %v\nwant %s", v, in, err, want)
		}
	}
	// an ID the library refuses first is refused first, whatever the period
	if _, err := edition.CreateEnterprisePlatinum("bad id", testEndpoint, now, 1<<40); !errors.Is(err, edition.ErrInvalidName) {
		t.Errorf("bad ID and period: %v", err)
	}
}

// TestApplyKindBeyondCInt: a command kind too wide for a C int is no
// command, not the command its lower 32 bits name.
func TestApplyKindBeyondCInt(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int is a C int here: nothing to narrow")
	}
	in := standard(t, nil, nil)
	for _, wide := range []int64{1<<32 + int64(edition.CmdTick), 1<<32 + int64(edition.CmdUpgrade), math.MaxInt64} {
		kind := edition.CommandKind(wide)
		r, err := in.Apply(at(t, "2026-01-06T00:00:00Z"), edition.Command{Kind: kind, PeriodMonths: 1})
		if r != nil || !errors.Is(err, edition.ErrInvalidArgument) || !strings.Contains(err.Error(), strconv.FormatInt(wide, 10)) {
			t.Errorf("kind %d: %v, %v", wide, r, err)
		}
		if s := (edition.Command{Kind: kind, PeriodMonths: 1}).String(); s != "CommandKind("+strconv.FormatInt(wide, 10)+")" {
			t.Errorf("kind %d: String %q", wide, s)
		}
	}
}

func TestApplyInvalidCommand(t *testing.T) {
	in := standard(t, nil, nil)
	for _, kind := range []edition.CommandKind{0, 13, -1} {
		if _, err := in.Apply(at(t, "2026-01-06T00:00:00Z"), edition.Command{Kind: kind}); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("kind %d: %v", int(kind), err)
		}
	}
}

// TestUpgrade checks rule S7's effect order and the typed fields.
func TestUpgrade(t *testing.T) {
	in := standard(t, []string{"orders", "payments"}, []string{"GID_billing"})
	now := at(t, "2026-02-01T00:00:00Z")
	r, err := in.Upgrade(now, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Instance.Close()
	want := []string{"billing.convert", "topic.migrate", "topic.migrate", "consumers.rebalance",
		"timer.schedule expiry", "ticket.expert_services", "notice.delete_on_expiry"}
	if got := kinds(r.Effects); !slices.Equal(got, want) {
		t.Fatalf("effects %v, want %v", got, want)
	}
	expires := at(t, "2026-03-01T00:00:00Z")
	conv := r.Effects[0]
	rev := in.Revision() + 1
	if conv.Key != testID+"/"+strconv.FormatUint(rev, 10)+"/0" || conv.Revision != rev || conv.Index != 0 ||
		conv.Flags != edition.FlagBilling || conv.SubjectKind != edition.SubjectInstance || conv.Subject != testID ||
		conv.Text == "" || conv.From != "pay_as_you_go" || conv.To != "subscription" || !conv.At.Equal(now) ||
		conv.PeriodMonths != 1 || !conv.ExpiresAt.Equal(expires) {
		t.Errorf("billing.convert: %+v", conv)
	}
	for f, v := range map[edition.Field]any{edition.FieldFrom: "pay_as_you_go", edition.FieldTo: "subscription",
		edition.FieldAt: now, edition.FieldPeriodMonths: 1, edition.FieldExpiresAt: expires} {
		if !conv.Has(f) || conv.Value(f) != v {
			t.Errorf("billing.convert %v = %v, want %v", f, conv.Value(f), v)
		}
	}
	for _, f := range []edition.Field{edition.FieldRefund, edition.FieldTimer, edition.FieldOnline, 0, 11, 40, -1} {
		if conv.Has(f) || conv.Value(f) != nil {
			t.Errorf("billing.convert carries %v", f)
		}
	}
	mig := r.Effects[1]
	if mig.SubjectKind != edition.SubjectTopic || mig.Subject != "orders" || !mig.Has(edition.FieldOnline) ||
		!mig.Online || mig.Value(edition.FieldOnline) != true || mig.Flags.Has(edition.FlagDisruptive) ||
		mig.From != "shared" || mig.To != "dedicated" || mig.Index != 1 {
		t.Errorf("topic.migrate: %+v", mig)
	}
	if g := r.Effects[3]; g.SubjectKind != edition.SubjectGroup || g.Subject != "GID_billing" {
		t.Errorf("consumers.rebalance: %+v", g)
	}
	timer := r.Effects[4]
	if timer.Value(edition.FieldTimer) != "expiry" || !timer.At.Equal(expires) {
		t.Errorf("timer.schedule: %+v", timer)
	}
	if !r.Effects[5].Flags.Has(edition.FlagNotice) {
		t.Errorf("ticket flags %v", r.Effects[5].Flags)
	}
	up := r.Instance
	if up.Edition() != edition.EnterprisePlatinum || up.ID() != in.ID() || up.Endpoint() != in.Endpoint() ||
		up.Revision() != rev || !up.UpdatedAt().Equal(now) || in.Edition() != edition.Standard {
		t.Errorf("snapshot after upgrade: %v", up)
	}
	if d, ok := up.NextDeadline(); !ok || !d.Equal(expires) {
		t.Errorf("NextDeadline %v", d)
	}
	if _, ok := up.Migration(); !ok {
		t.Error("no migration after upgrade")
	}
	done, err := up.CompleteMigration(now.Add(time.Hour))
	if err != nil || len(done.Effects) != 0 || done.Instance.Revision() != rev+1 {
		t.Fatalf("CompleteMigration: %v", err)
	}
	defer done.Instance.Close()
	if _, ok := done.Instance.Migration(); ok {
		t.Error("migration after complete_migration")
	}
}

// TestSafeDowngrade follows PlanDowngrade's immediate plan to Standard
// Edition without deleting anything.
func TestSafeDowngrade(t *testing.T) {
	ok := mustOf(t)
	in := standard(t, []string{"orders"}, []string{"GID_billing"})
	plat := ok(in.Upgrade(at(t, "2026-02-01T00:00:00Z"), 6))
	plat = ok(plat.CompleteMigration(at(t, "2026-02-02T00:00:00Z")))
	now := at(t, "2026-04-01T00:00:00Z")
	_, err := plat.Downgrade(now)
	if !errors.Is(err, edition.ErrNoDirectDowngrade) {
		t.Fatalf("Downgrade: %v", err)
	}
	plan, err := plat.PlanDowngrade(now, edition.Immediate)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Effects) != 0 || plan.Instance.Revision() != plat.Revision() || !plan.Instance.Equal(plat) {
		t.Error("a plan changed something")
	}
	wantPlan := []edition.PlanStep{
		{Command: edition.Command{Kind: edition.CmdSetPostExpirationAction, Action: edition.DowngradeToStandard}},
		{Command: edition.Command{Kind: edition.CmdRefund}},
	}
	if !slices.Equal(plan.Plan, wantPlan) {
		t.Fatalf("immediate plan: %+v", plan.Plan)
	}
	atExpiry, err := plat.PlanDowngrade(now, edition.AtExpiry)
	expires, _ := plat.ExpiresAt()
	if err != nil || len(atExpiry.Plan) != 2 || atExpiry.Plan[1].Command.Kind != edition.CmdTick ||
		!atExpiry.Plan[1].At.Equal(expires) {
		t.Fatalf("at_expiry plan: %+v %v", atExpiry.Plan, err)
	}
	// Carry the immediate plan out.
	cur := plat
	for i, step := range plan.Plan {
		r, err := cur.Apply(now.Add(time.Duration(i+1)*time.Minute), step.Command)
		if err != nil {
			t.Fatalf("plan step %d: %v", i, err)
		}
		checkValues(t, r.Effects)
		for _, e := range r.Effects {
			if e.Flags.Has(edition.FlagIrreversible) {
				t.Errorf("the safe plan deletes: %s", e.Text)
			}
		}
		if step.Command.Kind == edition.CmdRefund {
			want := []string{"billing.refund", "timer.cancel expiry", "billing.convert", "topic.migrate",
				"consumers.rebalance", "notice.ignore_release_notification"}
			if got := kinds(r.Effects); !slices.Equal(got, want) {
				t.Errorf("refund effects %v, want %v", got, want)
			}
			refund := r.Effects[0]
			if refund.Refund != "partial" || !refund.UnusedFrom.Equal(now.Add(2*time.Minute)) || !refund.UnusedUntil.Equal(expires) {
				t.Errorf("billing.refund: %+v", refund)
			}
		}
		cur = r.Instance
	}
	if cur.Edition() != edition.Standard || !slices.Equal(cur.Topics(), []string{"orders"}) ||
		!slices.Equal(cur.Groups(), []string{"GID_billing"}) {
		t.Errorf("after the plan: %v %v %v", cur.Edition(), cur.Topics(), cur.Groups())
	}
	// Setting the action it already has changes nothing.
	same, err := plat.SetPostExpirationAction(now, edition.DeleteResource)
	if err != nil || len(same.Effects) != 0 || same.Instance.Revision() != plat.Revision() {
		t.Errorf("same action: %v", err)
	}
}

// TestDataLossGuard: refund with delete_resource is refused unless
// allowDataLoss, and the refusal shows what would have happened.
func TestDataLossGuard(t *testing.T) {
	f := newFixtures(t)
	now := at(t, "2026-01-20T00:00:00Z")
	_, err := f.platDelete.Refund(now, false)
	var refused *edition.RefusedError
	if !errors.As(err, &refused) || refused.Code != edition.ErrDataLossRefused {
		t.Fatalf("Refund: %v", err)
	}
	checkValues(t, refused.WouldHave)
	want := []string{"billing.refund", "timer.cancel expiry", "topic.delete", "instance.delete"}
	if got := kinds(refused.WouldHave); !slices.Equal(got, want) {
		t.Errorf("WouldHave %v, want %v", got, want)
	}
	r, err := f.platDelete.Refund(now, true)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Instance.Close()
	if got := kinds(r.Effects); !slices.Equal(got, want) {
		t.Errorf("effects %v, want %v", got, want)
	}
	last := r.Effects[len(r.Effects)-1]
	if !last.Flags.Has(edition.FlagIrreversible) || !last.At.Equal(now) || r.Instance.Lifecycle() != edition.Released {
		t.Errorf("instance.delete: %+v, lifecycle %v", last, r.Instance.Lifecycle())
	}
}

// TestExpiryAndRenewal: tick suspends, renew brings the instance back,
// tick after the release deletes everything.
func TestExpiryAndRenewal(t *testing.T) {
	ok := mustOf(t)
	f := newFixtures(t)
	due := at(t, "2026-02-06T00:00:00Z")
	if d, _ := f.platDelete.NextDeadline(); !d.Before(due) {
		t.Fatalf("deadline %v", d)
	}
	r, err := f.platDelete.Tick(due)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(r.Effects); !slices.Equal(got, []string{"instance.suspend", "timer.schedule release", "notice.release_pending"}) {
		t.Errorf("expiry effects %v", got)
	}
	if !r.Effects[0].Flags.Has(edition.FlagDisruptive) || !r.Effects[0].At.Equal(at(t, "2026-02-05T00:00:00Z")) {
		t.Errorf("instance.suspend: %+v", r.Effects[0])
	}
	expired := r.Instance
	rel, okRel := expired.ReleaseAt()
	if expired.Lifecycle() != edition.Expired || !okRel || !rel.Equal(at(t, "2026-02-12T00:00:00Z")) {
		t.Fatalf("after expiry: %v %v", expired.Lifecycle(), rel)
	}
	renewed, err := expired.Renew(due, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, r.Effects)
	checkValues(t, renewed.Effects)
	if got := kinds(renewed.Effects); !slices.Equal(got, []string{"billing.renew", "instance.resume", "timer.cancel release", "timer.schedule expiry"}) {
		t.Errorf("renew effects %v", got)
	}
	if renewed.Instance.Lifecycle() != edition.Active {
		t.Error("not active after renew")
	}
	gone := ok(expired.Tick(at(t, "2026-03-01T00:00:00Z")))
	if gone.Lifecycle() != edition.Released {
		t.Errorf("lifecycle %v", gone.Lifecycle())
	}
	nothing, err := f.std.Tick(at(t, "2026-05-01T00:00:00Z"))
	if err != nil || len(nothing.Effects) != 0 || nothing.Instance.Revision() != f.std.Revision() {
		t.Errorf("tick with nothing due: %v", err)
	}
}

func TestTopicsAndGroups(t *testing.T) {
	in := standard(t, nil, nil)
	now := at(t, "2026-01-06T00:00:00Z")
	steps := []struct {
		cmd  edition.Command
		kind edition.EffectKind
		subj edition.SubjectKind
	}{
		{edition.Command{Kind: edition.CmdAddTopic, Name: "orders"}, edition.EffectTopicCreate, edition.SubjectTopic},
		{edition.Command{Kind: edition.CmdAddGroup, Name: "GID_a"}, edition.EffectGroupCreate, edition.SubjectGroup},
		{edition.Command{Kind: edition.CmdRemoveGroup, Name: "GID_a"}, edition.EffectGroupDelete, edition.SubjectGroup},
		{edition.Command{Kind: edition.CmdRemoveTopic, Name: "orders"}, edition.EffectTopicDelete, edition.SubjectTopic},
	}
	for _, s := range steps {
		r, err := call(in, now, s.cmd)
		if err != nil {
			t.Fatalf("%v: %v", s.cmd, err)
		}
		if len(r.Effects) != 1 || r.Effects[0].Kind != s.kind || r.Effects[0].SubjectKind != s.subj ||
			r.Effects[0].Subject != s.cmd.Name {
			t.Fatalf("%v: effects %+v", s.cmd, r.Effects)
		}
		irreversible := s.kind == edition.EffectTopicDelete || s.kind == edition.EffectGroupDelete
		if r.Effects[0].Flags.Has(edition.FlagIrreversible) != irreversible {
			t.Errorf("%v: flags %v", s.cmd, r.Effects[0].Flags)
		}
		in.Close()
		in = r.Instance
	}
	if len(in.Topics()) != 0 || len(in.Groups()) != 0 || in.Revision() != 4 {
		t.Errorf("after add and remove: %v %v %d", in.Topics(), in.Groups(), in.Revision())
	}
	in.Close()
}

func TestCommandString(t *testing.T) {
	cases := map[string]edition.Command{
		"upgrade period_months=6":                           {Kind: edition.CmdUpgrade, PeriodMonths: 6, Name: "ignored"},
		"add_topic name=orders":                             {Kind: edition.CmdAddTopic, Name: "orders"},
		"refund allow_data_loss=true":                       {Kind: edition.CmdRefund, AllowDataLoss: true},
		"set_post_expiration_action action=delete_resource": {Kind: edition.CmdSetPostExpirationAction, Action: edition.DeleteResource},
		"set_post_expiration_action":                        {Kind: edition.CmdSetPostExpirationAction}, // no action given
		"plan_downgrade mode=at_expiry":                     {Kind: edition.CmdPlanDowngrade, Mode: edition.AtExpiry},
		"plan_downgrade":                                    {Kind: edition.CmdPlanDowngrade}, // no mode given
		"tick":                                              {Kind: edition.CmdTick},
	}
	for want, c := range cases {
		if c.String() != want {
			t.Errorf("%q, want %q", c.String(), want)
		}
	}
}

func TestClose(t *testing.T) {
	in := standard(t, []string{"orders"}, nil)
	other := standard(t, []string{"orders"}, nil)
	if !in.Equal(other) {
		t.Fatal("equal snapshots differ")
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if !in.Closed() || in.ID() != "" || in.Revision() != 0 || in.Topics() != nil || in.HasTopic("orders") ||
		in.String() != "<closed>" || in.Equal(other) || !in.Equal(nil) {
		t.Error("closed snapshot still answers")
	}
	if _, ok := in.NextDeadline(); ok {
		t.Error("closed snapshot has a deadline")
	}
	if _, err := in.Tick(at(t, "2026-02-01T00:00:00Z")); !errors.Is(err, edition.ErrClosed) {
		t.Errorf("Tick on closed: %v", err)
	}
	if _, err := in.Apply(at(t, "2026-02-01T00:00:00Z"), edition.Command{Kind: edition.CmdTick}); !errors.Is(err, edition.ErrClosed) {
		t.Errorf("Apply on closed: %v", err)
	}
	if _, err := in.Dump(); !errors.Is(err, edition.ErrClosed) {
		t.Errorf("Dump on closed: %v", err)
	}
	var none *edition.Instance
	if none.Close() != nil || !none.Closed() || none.ID() != "" {
		t.Error("nil *Instance")
	}
}
