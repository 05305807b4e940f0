package edition_test

import (
	"encoding"
	"encoding/json"
	"errors"
	"testing"

	"github.com/libedition/libedition/bindings/go/edition"
)

// TestText round-trips every named value of every enumeration through
// MarshalText and UnmarshalText, and refuses unknown names and values; an
// unknown name leaves the value it was read into as it was.
func TestText(t *testing.T) {
	type textual interface {
		encoding.TextMarshaler
		String() string
	}
	cases := []struct {
		values []textual
		fresh  func() encoding.TextUnmarshaler
		bad    textual
	}{
		{[]textual{edition.Standard, edition.EnterprisePlatinum}, func() encoding.TextUnmarshaler { return new(edition.Edition) }, edition.Edition(5)},
		{[]textual{edition.PayAsYouGo, edition.Subscription}, func() encoding.TextUnmarshaler { return new(edition.Billing) }, edition.Billing(-1)},
		{[]textual{edition.Shared, edition.Dedicated}, func() encoding.TextUnmarshaler { return new(edition.Cluster) }, edition.Cluster(2)},
		{[]textual{edition.Active, edition.Expired, edition.Released}, func() encoding.TextUnmarshaler { return new(edition.Lifecycle) }, edition.Lifecycle(3)},
		{[]textual{edition.DeleteResource, edition.DowngradeToStandard}, func() encoding.TextUnmarshaler { return new(edition.Action) }, edition.Action(0)},
		{[]textual{edition.Immediate, edition.AtExpiry}, func() encoding.TextUnmarshaler { return new(edition.PlanMode) }, edition.PlanMode(0)},
		{[]textual{edition.CmdUpgrade, edition.CmdPlanDowngrade, edition.CmdRemoveGroup}, func() encoding.TextUnmarshaler { return new(edition.CommandKind) }, edition.CommandKind(0)},
		{[]textual{edition.EffectBillingConvert, edition.EffectNoticeIgnoreReleaseNotification, edition.EffectTimerCancel}, func() encoding.TextUnmarshaler { return new(edition.EffectKind) }, edition.EffectKind(20)},
		{[]textual{edition.SubjectInstance, edition.SubjectTopic, edition.SubjectGroup}, func() encoding.TextUnmarshaler { return new(edition.SubjectKind) }, edition.SubjectKind(3)},
		{[]textual{edition.FieldFrom, edition.FieldOnline, edition.FieldUnusedFrom}, func() encoding.TextUnmarshaler { return new(edition.Field) }, edition.Field(0)},
		{[]textual{edition.Flags(0), edition.FlagNotice, edition.FlagIrreversible | edition.FlagDisruptive | edition.FlagBilling}, func() encoding.TextUnmarshaler { return new(edition.Flags) }, edition.Flags(1 << 9)},
	}
	for _, c := range cases {
		for _, v := range c.values {
			text, err := v.MarshalText()
			if err != nil || string(text) != v.String() {
				t.Errorf("%v: MarshalText = %q, %v", v, text, err)
				continue
			}
			back := c.fresh()
			if err := back.UnmarshalText(text); err != nil {
				t.Errorf("%v: UnmarshalText(%q): %v", v, text, err)
				continue
			}
			if got := back.(textual).String(); got != v.String() {
				t.Errorf("%v: round trip gives %v", v, got)
			}
			if err := back.UnmarshalText([]byte("nope")); !errors.Is(err, edition.ErrInvalidArgument) ||
				back.(textual).String() != v.String() {
				t.Errorf("%v: UnmarshalText(nope) = %v, and leaves %v", v, err, back)
			}
		}
		if text, err := c.bad.MarshalText(); !errors.Is(err, edition.ErrInvalidArgument) {
			t.Errorf("%v: MarshalText = %q, %v", c.bad, text, err)
		}
		for _, bad := range []string{"nope", "STANDARD", "billing|nope"} {
			if err := c.fresh().UnmarshalText([]byte(bad)); !errors.Is(err, edition.ErrInvalidArgument) {
				t.Errorf("%T: UnmarshalText(%q) = %v", c.fresh(), bad, err)
			}
		}
	}
}

// TestEffectJSON: effects encode with names, for an outbox table.
func TestEffectJSON(t *testing.T) {
	in := standard(t, []string{"orders"}, nil)
	r, err := in.Upgrade(at(t, "2026-02-01T00:00:00Z"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Instance.Close()
	data, err := json.Marshal(r.Effects[1])
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Kind        edition.EffectKind
		Flags       edition.Flags
		SubjectKind edition.SubjectKind
		Subject     string
	}
	if err := json.Unmarshal(data, &back); err != nil || back.Kind != edition.EffectTopicMigrate ||
		back.SubjectKind != edition.SubjectTopic || back.Subject != "orders" || back.Flags != 0 {
		t.Errorf("%s: %+v, %v", data, back, err)
	}
}
