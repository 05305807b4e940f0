package edition_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

func TestVersion(t *testing.T) {
	v := edition.Version()
	if !strings.HasPrefix(v, "0.") || strings.Count(v, ".") != 2 {
		t.Fatalf("Version() = %q", v)
	}
	// written for the header it was compiled against: the library's own
	// release when built against it, and at least 0.4, whose
	// ed_effect_list_read it uses
	written := fmt.Sprintf("%d.%d", edition.WrittenForMajor, edition.WrittenForMinor)
	if !strings.HasPrefix(v, written+".") || edition.WrittenForMajor != 0 || edition.WrittenForMinor < 4 {
		t.Fatalf("written for %s, linked with %s", written, v)
	}
	msg := (&edition.VersionError{Library: "2.0.0"}).Error()
	if !strings.Contains(msg, "2.0.0") || !strings.Contains(msg, "needs "+written+" or a later 0.x release") {
		t.Fatalf("VersionError: %q", msg)
	}
}

func TestCodes(t *testing.T) {
	want := []string{"", "invalid_argument", "invalid_name", "invalid_period", "clock_skew",
		"already_enterprise_platinum", "not_subscription", "no_direct_downgrade", "expiry_due",
		"expired", "released", "migration_in_progress", "no_migration", "exists", "not_found",
		"data_loss_refused", "parse_error", "schema_error", "limit_exceeded", "no_memory", "io_error"}
	codes := []edition.Code{0, edition.ErrInvalidArgument, edition.ErrInvalidName, edition.ErrInvalidPeriod,
		edition.ErrClockSkew, edition.ErrAlreadyEnterprisePlatinum, edition.ErrNotSubscription,
		edition.ErrNoDirectDowngrade, edition.ErrExpiryDue, edition.ErrExpired, edition.ErrReleased,
		edition.ErrMigrationInProgress, edition.ErrNoMigration, edition.ErrExists, edition.ErrNotFound,
		edition.ErrDataLossRefused, edition.ErrParse, edition.ErrSchema, edition.ErrLimitExceeded,
		edition.ErrNoMemory, edition.ErrIO}
	for i := 1; i < len(codes); i++ {
		c := codes[i]
		if int(c) != i || c.String() != want[i] || c.Error() != "libedition: "+want[i] {
			t.Errorf("code %d: %d %q %q", i, int(c), c.String(), c.Error())
		}
		got, err := edition.ParseCode(want[i])
		if err != nil || got != c {
			t.Errorf("ParseCode(%q) = %v, %v", want[i], got, err)
		}
	}
	if s := edition.Code(0).String(); s != "ok" {
		t.Errorf("Code(0) = %q", s)
	}
	for _, c := range []edition.Code{-1, 21, 1000} {
		if s := c.String(); !strings.HasPrefix(s, "Code(") {
			t.Errorf("Code(%d).String() = %q", int(c), s)
		}
	}
	for _, bad := range []string{"", "nope", "ok\x00"} {
		if _, err := edition.ParseCode(bad); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParseCode(%q) = %v", bad, err)
		}
	}
}

func TestEnumNames(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{edition.Standard.String(), "standard"},
		{edition.EnterprisePlatinum.String(), "enterprise_platinum"},
		{edition.Edition(7).String(), "Edition(7)"},
		{edition.PayAsYouGo.String(), "pay_as_you_go"},
		{edition.Subscription.String(), "subscription"},
		{edition.Billing(-1).String(), "Billing(-1)"},
		{edition.Shared.String(), "shared"},
		{edition.Dedicated.String(), "dedicated"},
		{edition.Cluster(9).String(), "Cluster(9)"},
		{edition.Active.String(), "active"},
		{edition.Expired.String(), "expired"},
		{edition.Released.String(), "released"},
		{edition.Lifecycle(3).String(), "Lifecycle(3)"},
		{edition.DeleteResource.String(), "delete_resource"},
		{edition.DowngradeToStandard.String(), "downgrade_to_standard"},
		{edition.Action(3).String(), "Action(3)"},
		{edition.Action(0).String(), "Action(0)"},
		{edition.Immediate.String(), "immediate"},
		{edition.AtExpiry.String(), "at_expiry"},
		{edition.PlanMode(3).String(), "PlanMode(3)"},
		{edition.PlanMode(0).String(), "PlanMode(0)"},
		{edition.SubjectInstance.String(), "instance"},
		{edition.SubjectTopic.String(), "topic"},
		{edition.SubjectGroup.String(), "group"},
		{edition.SubjectKind(3).String(), "SubjectKind(3)"},
		{edition.CommandKind(0).String(), "CommandKind(0)"},
		{edition.EffectKind(0).String(), "EffectKind(0)"},
		{edition.Field(0).String(), "Field(0)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	commands := map[edition.CommandKind]string{
		edition.CmdUpgrade: "upgrade", edition.CmdSetPostExpirationAction: "set_post_expiration_action",
		edition.CmdRefund: "refund", edition.CmdRenew: "renew", edition.CmdTick: "tick",
		edition.CmdCompleteMigration: "complete_migration", edition.CmdAddTopic: "add_topic",
		edition.CmdRemoveTopic: "remove_topic", edition.CmdAddGroup: "add_group",
		edition.CmdRemoveGroup: "remove_group", edition.CmdDowngrade: "downgrade",
		edition.CmdPlanDowngrade: "plan_downgrade",
	}
	for k, name := range commands {
		if k.String() != name {
			t.Errorf("%d: %q, want %q", int(k), k.String(), name)
		}
		if got, err := edition.ParseCommandKind(name); err != nil || got != k {
			t.Errorf("ParseCommandKind(%q) = %v, %v", name, got, err)
		}
	}
	effects := map[edition.EffectKind]string{
		edition.EffectBillingConvert: "billing.convert", edition.EffectBillingRefund: "billing.refund",
		edition.EffectBillingRenew: "billing.renew", edition.EffectTopicMigrate: "topic.migrate",
		edition.EffectConsumersRebalance: "consumers.rebalance", edition.EffectTopicCreate: "topic.create",
		edition.EffectGroupCreate: "group.create", edition.EffectTopicDelete: "topic.delete",
		edition.EffectGroupDelete: "group.delete", edition.EffectInstanceSuspend: "instance.suspend",
		edition.EffectInstanceResume: "instance.resume", edition.EffectInstanceDelete: "instance.delete",
		edition.EffectTimerSchedule: "timer.schedule", edition.EffectTimerCancel: "timer.cancel",
		edition.EffectConfigPostExpirationAction:      "config.post_expiration_action",
		edition.EffectTicketExpertServices:            "ticket.expert_services",
		edition.EffectNoticeDeleteOnExpiry:            "notice.delete_on_expiry",
		edition.EffectNoticeReleasePending:            "notice.release_pending",
		edition.EffectNoticeIgnoreReleaseNotification: "notice.ignore_release_notification",
	}
	for k, name := range effects {
		if k.String() != name {
			t.Errorf("%d: %q, want %q", int(k), k.String(), name)
		}
	}
	fields := []string{"from", "to", "at", "period_months", "expires_at", "refund", "unused_from",
		"unused_until", "timer", "online"}
	for i, name := range fields {
		if f := edition.Field(i + 1); f.String() != name {
			t.Errorf("field %d: %q, want %q", i+1, f.String(), name)
		}
	}
	if edition.FieldFrom != 1 || edition.FieldTo != 2 || edition.FieldAt != 3 || edition.FieldPeriodMonths != 4 ||
		edition.FieldExpiresAt != 5 || edition.FieldRefund != 6 || edition.FieldUnusedFrom != 7 ||
		edition.FieldUnusedUntil != 8 || edition.FieldTimer != 9 || edition.FieldOnline != 10 {
		t.Error("field values differ from the header's")
	}
}

// TestEnumValuesBeyondCIntHaveNoName: a value too wide for a C int has no
// name, rather than the name of its lower 32 bits.
func TestEnumValuesBeyondCIntHaveNoName(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("int is a C int here: nothing to narrow")
	}
	wide := int64(1) << 32 // plus a value that has a name
	type named interface {
		fmt.Stringer
		MarshalText() ([]byte, error)
	}
	values := map[string]named{
		"Edition":     edition.Edition(wide + int64(edition.EnterprisePlatinum)),
		"Billing":     edition.Billing(wide + int64(edition.Subscription)),
		"Cluster":     edition.Cluster(wide + int64(edition.Dedicated)),
		"Lifecycle":   edition.Lifecycle(wide + int64(edition.Expired)),
		"Action":      edition.Action(wide + int64(edition.DowngradeToStandard)),
		"PlanMode":    edition.PlanMode(wide + int64(edition.AtExpiry)),
		"CommandKind": edition.CommandKind(wide + int64(edition.CmdTick)),
		"EffectKind":  edition.EffectKind(wide + int64(edition.EffectTopicMigrate)),
		"SubjectKind": edition.SubjectKind(wide + int64(edition.SubjectTopic)),
		"Field":       edition.Field(wide + int64(edition.FieldTimer)),
	}
	for typ, v := range values {
		n := reflect.ValueOf(v).Int()
		if want := typ + "(" + strconv.FormatInt(n, 10) + ")"; v.String() != want {
			t.Errorf("%s: String %q, want %q", typ, v.String(), want)
		}
		if text, err := v.MarshalText(); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("%s(%d): MarshalText %q, %v", typ, n, text, err)
		}
	}
	code := edition.Code(wide + int64(edition.ErrExpiryDue))
	if code.String() != "Code(4294967304)" || code.Error() != "libedition: Code(4294967304)" || errors.Is(code, edition.ErrExpiryDue) {
		t.Errorf("Code(%d): %q, %q", int(code), code.String(), code.Error())
	}
	flags := edition.Flags(wide | wide<<1 | int64(edition.FlagBilling))
	if text, err := flags.MarshalText(); flags.String() != "billing|0x100000000|0x200000000" || err == nil {
		t.Errorf("Flags(%#x): %q; MarshalText %q, %v", uint(flags), flags.String(), text, err)
	}
}

func TestParseNames(t *testing.T) {
	if a, err := edition.ParseAction("downgrade_to_standard"); err != nil || a != edition.DowngradeToStandard {
		t.Errorf("ParseAction: %v, %v", a, err)
	}
	if m, err := edition.ParsePlanMode("at_expiry"); err != nil || m != edition.AtExpiry {
		t.Errorf("ParsePlanMode: %v, %v", m, err)
	}
	for _, bad := range []string{"", "Delete", "delete_resource\x00x"} {
		if _, err := edition.ParseAction(bad); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParseAction(%q): %v", bad, err)
		}
		if _, err := edition.ParsePlanMode(bad); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParsePlanMode(%q): %v", bad, err)
		}
		if _, err := edition.ParseCommandKind(bad); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("ParseCommandKind(%q): %v", bad, err)
		}
	}
}

func TestFlags(t *testing.T) {
	f := edition.FlagIrreversible | edition.FlagBilling
	if !f.Has(edition.FlagIrreversible) || !f.Has(edition.FlagBilling) || f.Has(edition.FlagNotice) ||
		f.Has(edition.FlagDisruptive) || f.Has(0) || !f.Has(f) || f.Has(f|edition.FlagNotice) {
		t.Errorf("Has wrong for %v", f)
	}
	cases := map[edition.Flags]string{
		0:                         "",
		edition.FlagIrreversible:  "irreversible",
		edition.FlagDisruptive:    "disruptive",
		edition.FlagBilling:       "billing",
		edition.FlagNotice:        "notice",
		f:                         "irreversible|billing",
		edition.FlagNotice | 1<<6: "notice|0x40",
	}
	for flags, want := range cases {
		if flags.String() != want {
			t.Errorf("Flags(%d).String() = %q, want %q", uint(flags), flags.String(), want)
		}
	}
}

func TestCreateStandard(t *testing.T) {
	now := at(t, "2026-01-05T08:00:00+08:00")
	in, err := edition.CreateStandard(testID, testEndpoint, now,
		edition.WithRegion("cn-hangzhou"), edition.WithReleaseDelayDays(3))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if in.ID() != testID || in.Endpoint() != testEndpoint || in.Region() != "cn-hangzhou" ||
		in.Edition() != edition.Standard || in.Billing() != edition.PayAsYouGo ||
		in.Cluster() != edition.Shared || in.Lifecycle() != edition.Active || in.Revision() != 0 ||
		in.ReleaseDelayDays() != 3 {
		t.Fatalf("unexpected snapshot %v", in)
	}
	if !in.CreatedAt().Equal(now) || in.CreatedAt().Location() != time.UTC || !in.UpdatedAt().Equal(now) {
		t.Errorf("times: %v %v", in.CreatedAt(), in.UpdatedAt())
	}
	if _, ok := in.Subscription(); ok {
		t.Error("Subscription on standard")
	}
	if _, ok := in.ExpiresAt(); ok {
		t.Error("ExpiresAt on standard")
	}
	if _, ok := in.ReleaseAt(); ok {
		t.Error("ReleaseAt on active")
	}
	if _, ok := in.Migration(); ok {
		t.Error("Migration on a new instance")
	}
	if _, ok := in.NextDeadline(); ok {
		t.Error("NextDeadline on standard")
	}
	if len(in.Topics()) != 0 || len(in.Groups()) != 0 || in.HasTopic("orders") || in.HasGroup("GID_a") {
		t.Error("new instance has topics or groups")
	}
	if in.String() != testID+"@0" || in.Closed() {
		t.Errorf("String() = %q", in.String())
	}
}

func TestCreateEnterprisePlatinum(t *testing.T) {
	now := at(t, "2026-01-31T00:00:00Z")
	in, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sub, ok := in.Subscription()
	want := edition.SubscriptionInfo{StartedAt: now, ExpiresAt: at(t, "2026-02-28T00:00:00Z"),
		PeriodMonths: 1, PostExpirationAction: edition.DeleteResource}
	if !ok || sub != want {
		t.Fatalf("Subscription() = %+v, %v", sub, ok)
	}
	if exp, ok := in.ExpiresAt(); !ok || !exp.Equal(want.ExpiresAt) {
		t.Errorf("ExpiresAt() = %v", exp)
	}
	if d, ok := in.NextDeadline(); !ok || !d.Equal(want.ExpiresAt) {
		t.Errorf("NextDeadline() = %v, %v", d, ok)
	}
	if in.Edition() != edition.EnterprisePlatinum || in.Billing() != edition.Subscription ||
		in.Cluster() != edition.Dedicated || in.Region() != "" || in.ReleaseDelayDays() != 7 {
		t.Errorf("unexpected snapshot")
	}
	if _, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 37); !errors.Is(err, edition.ErrInvalidPeriod) {
		t.Errorf("period 37: %v", err)
	}
	if _, err := edition.CreateEnterprisePlatinum(testID, testEndpoint, now, 1<<40); !errors.Is(err, edition.ErrInvalidPeriod) {
		t.Errorf("period 2^40: %v", err)
	}
}

func TestCreateErrors(t *testing.T) {
	now := at(t, "2026-01-05T00:00:00Z")
	cases := []struct {
		id, endpoint string
		opts         []edition.Option
		want         error
	}{
		{"", testEndpoint, nil, edition.ErrInvalidName},
		{"has space", testEndpoint, nil, edition.ErrInvalidName},
		{"nul\x00id", testEndpoint, nil, edition.ErrInvalidName},
		{testID, "", nil, edition.ErrInvalidArgument},
		{testID, "nul\x00", nil, edition.ErrInvalidArgument},
		{testID, testEndpoint, []edition.Option{edition.WithReleaseDelayDays(31)}, edition.ErrInvalidArgument},
		{testID, testEndpoint, []edition.Option{edition.WithRegion("bad region")}, edition.ErrInvalidName},
		{testID, testEndpoint, []edition.Option{edition.WithRegion("x\x00")}, edition.ErrInvalidName},
	}
	for _, c := range cases {
		in, err := edition.CreateStandard(c.id, c.endpoint, now, c.opts...)
		if in != nil || !errors.Is(err, c.want) {
			t.Errorf("CreateStandard(%q, %q): %v, want %v", c.id, c.endpoint, err, c.want)
		}
	}
}

func TestTimeRange(t *testing.T) {
	in := standard(t, nil, nil)
	for _, bad := range []time.Time{
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if _, err := edition.CreateStandard(testID, testEndpoint, bad); !errors.Is(err, edition.ErrTimeRange) {
			t.Errorf("CreateStandard at %v: %v", bad, err)
		}
		if _, err := in.Tick(bad); !errors.Is(err, edition.ErrTimeRange) {
			t.Errorf("Tick at %v: %v", bad, err)
		}
		if _, err := in.Apply(bad, edition.Command{Kind: edition.CmdTick}); !errors.Is(err, edition.ErrTimeRange) {
			t.Errorf("Apply at %v: %v", bad, err)
		}
	}
	// The ends of the range are valid.
	first := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	a, err := edition.CreateStandard(testID, testEndpoint, first)
	if err != nil || !a.CreatedAt().Equal(first) {
		t.Fatalf("year 0000: %v", err)
	}
	a.Close()
	b, err := edition.CreateStandard(testID, testEndpoint, last)
	if err != nil || !b.CreatedAt().Equal(last) {
		t.Fatalf("year 9999: %v", err)
	}
	b.Close()
}

func TestLoadDump(t *testing.T) {
	for _, name := range []string{"standard.yaml", "platinum.yaml", "expired.yaml", "migrating.yaml"} {
		data := example(t, "states/"+name)
		in, err := edition.Load(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := in.Dump()
		if err != nil {
			t.Fatal(err)
		}
		again, err := edition.Load(out)
		if err != nil {
			t.Fatalf("%s: reload: %v", name, err)
		}
		if !in.Equal(again) || !again.Equal(in) {
			t.Errorf("%s: reloaded snapshot differs", name)
		}
		m, err := again.MarshalYAML()
		if err != nil || !bytes.Equal(m, out) {
			t.Errorf("%s: MarshalYAML differs from Dump", name)
		}
		in.Close()
		again.Close()
	}
	exp := load(t, "states/expired.yaml")
	if r, ok := exp.ReleaseAt(); !ok || !r.Equal(at(t, "2026-03-06T12:00:00Z")) || exp.Lifecycle() != edition.Expired {
		t.Errorf("expired: %v %v", r, ok)
	}
	mig := load(t, "states/migrating.yaml")
	m, ok := mig.Migration()
	if !ok || m != (edition.MigrationInfo{From: edition.Shared, To: edition.Dedicated, StartedAt: at(t, "2026-02-01T00:00:00Z")}) {
		t.Errorf("Migration() = %+v", m)
	}
	if !slices.Equal(mig.Topics(), []string{"orders", "payments"}) || !slices.Equal(mig.Groups(), []string{"GID_billing"}) ||
		!mig.HasTopic("payments") || !mig.HasGroup("GID_billing") || mig.HasTopic("GID_billing") ||
		mig.HasTopic("orders\x00") || mig.HasGroup("GID_billing\x00x") {
		t.Error("topics or groups")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		doc       string
		opts      []edition.Option
		code      edition.Code
		line, col int
	}{
		{"libedition: 1\ninstance: [\n", nil, edition.ErrParse, 3, 1},
		{"libedition: 1\ninstance:\n  id: x\n  colour: red\n", nil, edition.ErrSchema, 0, 0},
		{"", nil, edition.ErrSchema, 0, 0},
		{string(example(t, "states/standard.yaml")), []edition.Option{edition.WithMaxDocumentSize(10)}, edition.ErrLimitExceeded, 0, 0},
	}
	for _, c := range cases {
		in, err := edition.Load([]byte(c.doc), c.opts...)
		var le *edition.LoadError
		if in != nil || !errors.As(err, &le) || le.Code != c.code || !errors.Is(err, c.code) || le.Message == "" {
			t.Errorf("Load(%q): %v", c.doc, err)
			continue
		}
		if c.line != 0 && (le.Line != c.line || le.Column != c.col) {
			t.Errorf("Load(%q): at %d:%d, want %d:%d", c.doc, le.Line, le.Column, c.line, c.col)
		}
		if le.Line > 0 && !strings.Contains(err.Error(), "line ") {
			t.Errorf("Error() = %q", err.Error())
		}
	}
	if _, err := edition.Load(nil, edition.WithMaxDocumentSize(0)); !errors.Is(err, edition.ErrInvalidArgument) {
		t.Errorf("WithMaxDocumentSize(0): %v", err)
	}
	le := &edition.LoadError{Code: edition.ErrSchema, Message: "m"}
	if le.Error() != "edition: m" || le.Unwrap() != edition.ErrSchema {
		t.Errorf("LoadError without position: %q", le.Error())
	}
}

func TestDumpJSONLoadsBackEqual(t *testing.T) {
	for _, name := range []string{"standard.yaml", "platinum.yaml", "expired.yaml", "migrating.yaml"} {
		in := load(t, "states/"+name)
		out, err := in.DumpJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out) || bytes.Count(out, []byte("\n")) != 1 {
			t.Fatalf("%s: not one line of JSON: %s", name, out)
		}
		again, err := edition.Load(out)
		if err != nil {
			t.Fatalf("%s: reload: %v", name, err)
		}
		if !in.Equal(again) {
			t.Errorf("%s: reloaded snapshot differs", name)
		}
		// embedded in a larger JSON document through json.Marshaler
		doc, err := json.Marshal(map[string]*edition.Instance{"state": in})
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]json.RawMessage
		if err := json.Unmarshal(doc, &back); err != nil {
			t.Fatal(err)
		}
		embedded, err := edition.Load(back["state"])
		if err != nil || !embedded.Equal(in) {
			t.Errorf("%s: embedded snapshot: %v", name, err)
		}
		again.Close()
		embedded.Close()
	}
}

const effectsDoc = `libedition: 1
effects:
  - key: MQ_INST_1/4/0
    kind: billing.convert
    subject: {instance: MQ_INST_1}
    from: subscription
    to: pay_as_you_go
    at: 2026-03-01T00:00:00Z
    flags: [billing]
    text: switch billing from subscription to pay-as-you-go as of 2026-03-01T00:00:00Z
  - key: MQ_INST_1/4/1
    kind: topic.migrate
    subject: {topic: orders}
    from: dedicated
    to: shared
    online: true
    flags: []
    text: migrate topic orders from the dedicated cluster to the shared cluster
`

func TestLoadEffects(t *testing.T) {
	got, err := edition.LoadEffects([]byte(effectsDoc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d effects", len(got))
	}
	c, m := got[0], got[1]
	if c.Key != "MQ_INST_1/4/0" || c.Kind != edition.EffectBillingConvert || c.Revision != 4 || c.Index != 0 ||
		!c.Flags.Has(edition.FlagBilling) || !c.At.Equal(at(t, "2026-03-01T00:00:00Z")) || !c.Has(edition.FieldAt) {
		t.Errorf("billing.convert: %+v", c)
	}
	if m.SubjectKind != edition.SubjectTopic || m.Subject != "orders" || !m.Online || m.To != "shared" {
		t.Errorf("topic.migrate: %+v", m)
	}
	// the JSON twin reads back the same
	js, err := json.Marshal(effectsTwin())
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := edition.LoadEffects(js)
	if err != nil || !reflect.DeepEqual(fromJSON, got) {
		t.Errorf("JSON twin: %v\n%+v\n%+v", err, fromJSON, got)
	}
	// an empty list, and a bad document with its position
	if none, err := edition.LoadEffects([]byte("libedition: 1\neffects: []\n")); err != nil || none == nil || len(none) != 0 {
		t.Errorf("empty: %v %v", none, err)
	}
	_, err = edition.LoadEffects([]byte(strings.Replace(effectsDoc, "kind: topic.migrate", "kind: topic.teleport", 1)))
	var le *edition.LoadError
	if !errors.As(err, &le) || le.Code != edition.ErrSchema || le.Line != 12 {
		t.Errorf("bad kind: %v", err)
	}
}

// effectsTwin is effectsDoc as a JSON writer would hold it (the test module
// has no YAML dependency): the same effects, every word a JSON string.
func effectsTwin() map[string]any {
	return map[string]any{"libedition": 1, "effects": []any{
		map[string]any{"key": "MQ_INST_1/4/0", "kind": "billing.convert", "subject": map[string]any{"instance": "MQ_INST_1"},
			"from": "subscription", "to": "pay_as_you_go", "at": "2026-03-01T00:00:00Z", "flags": []any{"billing"},
			"text": "switch billing from subscription to pay-as-you-go as of 2026-03-01T00:00:00Z"},
		map[string]any{"key": "MQ_INST_1/4/1", "kind": "topic.migrate", "subject": map[string]any{"topic": "orders"},
			"from": "dedicated", "to": "shared", "online": true, "flags": []any{},
			"text": "migrate topic orders from the dedicated cluster to the shared cluster"},
	}}
}
