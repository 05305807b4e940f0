package edition

import (
	"encoding"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// scanLimit is how far the tests look for values the library names: well
// past the last value of every enumeration (the largest is 20).
const scanLimit = 256

// declared is every exported constant of the package's (non-test) source,
// by the name of its type, with the expression of its value.
func declared(t *testing.T) map[string]map[string]ast.Expr {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string]map[string]ast.Expr{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := entry.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for i, id := range vs.Names {
					if !id.IsExported() {
						continue
					}
					if out[typ.Name] == nil {
						out[typ.Name] = map[string]ast.Expr{}
					}
					var value ast.Expr
					if i < len(vs.Values) {
						value = vs.Values[i]
					}
					out[typ.Name][id.Name] = value
				}
			}
		}
	}
	return out
}

// fromHeader tells whether expr is the header's constant C.ED_..., plus
// offset when offset is not 0 (C.ED_ACTION_DELETE_RESOURCE + 1).
func fromHeader(expr ast.Expr, offset int) bool {
	if offset != 0 {
		bin, ok := expr.(*ast.BinaryExpr)
		if !ok || bin.Op != token.ADD {
			return false
		}
		lit, ok := bin.Y.(*ast.BasicLit)
		if !ok || lit.Kind != token.INT || lit.Value != fmt.Sprint(offset) {
			return false
		}
		expr = bin.X
	}
	sel, ok := expr.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "C" && strings.HasPrefix(sel.Sel.Name, "ED_")
}

// checkEnum compares the Go enumeration of e with the library: consts is
// every exported constant of type T by name (the test checks that the
// source declares exactly these, each as the header's C.ED_ constant),
// unnamed the values the library names that have no constant (Code's ok).
// Every value the library names, scanning C values 0..scanLimit, is a
// constant (or in unnamed) whose String and MarshalText are that name and
// which UnmarshalText and parse give back from it; every constant is such
// a value.
func checkEnum[T ~int](t *testing.T, decls map[string]map[string]ast.Expr, e *enum[T], consts map[string]T, unnamed ...T) {
	t.Helper()
	names := make([]string, 0, len(consts))
	for name := range consts {
		names = append(names, name)
	}
	var inSource []string
	for name, expr := range decls[e.typ] {
		inSource = append(inSource, name)
		if !fromHeader(expr, e.offset) {
			t.Errorf("%s: %s is not written as the header's constant (C.ED_...%s)", e.typ, name,
				map[bool]string{true: fmt.Sprintf(" + %d", e.offset)}[e.offset != 0])
		}
	}
	slices.Sort(names)
	slices.Sort(inSource)
	if !slices.Equal(names, inSource) {
		t.Errorf("%s: the source declares %v, the test knows %v", e.typ, inSource, names)
	}

	known := map[T]bool{}
	for _, v := range consts {
		known[v] = true
	}
	for _, v := range unnamed {
		known[v] = true
	}
	named := map[T]bool{}
	for c := 0; c < scanLimit; c++ {
		name, ok := e.cName(c)
		if !ok {
			continue
		}
		v := e.goValue(int64(c))
		named[v] = true
		if !known[v] {
			t.Errorf("%s: the library names C value %d %q, which is %s(%d), a value the package has no constant for",
				e.typ, c, name, e.typ, int(v))
		}
		if got := any(v).(fmt.Stringer).String(); got != name {
			t.Errorf("%s(%d).String() = %q, the library's name of C value %d is %q", e.typ, int(v), got, c, name)
		}
		if m, ok := any(v).(encoding.TextMarshaler); ok {
			if text, err := m.MarshalText(); err != nil || string(text) != name {
				t.Errorf("%s(%d).MarshalText() = %q, %v; want %q", e.typ, int(v), text, err, name)
			}
			var back T
			if err := any(&back).(encoding.TextUnmarshaler).UnmarshalText([]byte(name)); err != nil || back != v {
				t.Errorf("%s.UnmarshalText(%q) = %d, %v; want %d", e.typ, name, int(back), err, int(v))
			}
		}
		if got, err := e.parse(name); err != nil || got != v {
			t.Errorf("parsing the %s %q: %d, %v; want %d", e.noun, name, int(got), err, int(v))
		}
	}
	for name, v := range consts {
		if !named[v] {
			t.Errorf("%s = %d is C value %d, which the library names nothing", name, int(v), int(e.cValue(v)))
		}
	}
	if len(named) == 0 {
		t.Errorf("%s: the library names no value", e.typ)
	}
}

// TestEnumsAreTheLibrarys: every constant of every enumeration is the
// header's (C.ED_..., plus one for Action and PlanMode, whose zero is
// "none"), and names and parses as the library does; the library names no
// value the package lacks.
func TestEnumsAreTheLibrarys(t *testing.T) {
	decls := declared(t)
	checkEnum(t, decls, codes, map[string]Code{
		"ErrInvalidArgument": ErrInvalidArgument, "ErrInvalidName": ErrInvalidName,
		"ErrInvalidPeriod": ErrInvalidPeriod, "ErrClockSkew": ErrClockSkew,
		"ErrAlreadyEnterprisePlatinum": ErrAlreadyEnterprisePlatinum,
		"ErrNotSubscription":           ErrNotSubscription, "ErrNoDirectDowngrade": ErrNoDirectDowngrade,
		"ErrExpiryDue": ErrExpiryDue, "ErrExpired": ErrExpired, "ErrReleased": ErrReleased,
		"ErrMigrationInProgress": ErrMigrationInProgress, "ErrNoMigration": ErrNoMigration,
		"ErrExists": ErrExists, "ErrNotFound": ErrNotFound, "ErrDataLossRefused": ErrDataLossRefused,
		"ErrParse": ErrParse, "ErrSchema": ErrSchema, "ErrLimitExceeded": ErrLimitExceeded,
		"ErrNoMemory": ErrNoMemory, "ErrIO": ErrIO,
	}, 0) // ok: a status, not an error
	checkEnum(t, decls, editions, map[string]Edition{"Standard": Standard, "EnterprisePlatinum": EnterprisePlatinum})
	checkEnum(t, decls, billings, map[string]Billing{"PayAsYouGo": PayAsYouGo, "Subscription": Subscription})
	checkEnum(t, decls, clusters, map[string]Cluster{"Shared": Shared, "Dedicated": Dedicated})
	checkEnum(t, decls, lifecycles, map[string]Lifecycle{"Active": Active, "Expired": Expired, "Released": Released})
	checkEnum(t, decls, actions, map[string]Action{"DeleteResource": DeleteResource, "DowngradeToStandard": DowngradeToStandard})
	checkEnum(t, decls, planModes, map[string]PlanMode{"Immediate": Immediate, "AtExpiry": AtExpiry})
	checkEnum(t, decls, commandKinds, map[string]CommandKind{
		"CmdUpgrade": CmdUpgrade, "CmdSetPostExpirationAction": CmdSetPostExpirationAction,
		"CmdRefund": CmdRefund, "CmdRenew": CmdRenew, "CmdTick": CmdTick,
		"CmdCompleteMigration": CmdCompleteMigration, "CmdAddTopic": CmdAddTopic,
		"CmdRemoveTopic": CmdRemoveTopic, "CmdAddGroup": CmdAddGroup, "CmdRemoveGroup": CmdRemoveGroup,
		"CmdDowngrade": CmdDowngrade, "CmdPlanDowngrade": CmdPlanDowngrade,
	})
	checkEnum(t, decls, effectKinds, map[string]EffectKind{
		"EffectBillingConvert": EffectBillingConvert, "EffectBillingRefund": EffectBillingRefund,
		"EffectBillingRenew": EffectBillingRenew, "EffectTopicMigrate": EffectTopicMigrate,
		"EffectConsumersRebalance": EffectConsumersRebalance, "EffectTopicCreate": EffectTopicCreate,
		"EffectGroupCreate": EffectGroupCreate, "EffectTopicDelete": EffectTopicDelete,
		"EffectGroupDelete": EffectGroupDelete, "EffectInstanceSuspend": EffectInstanceSuspend,
		"EffectInstanceResume": EffectInstanceResume, "EffectInstanceDelete": EffectInstanceDelete,
		"EffectTimerSchedule": EffectTimerSchedule, "EffectTimerCancel": EffectTimerCancel,
		"EffectConfigPostExpirationAction":      EffectConfigPostExpirationAction,
		"EffectTicketExpertServices":            EffectTicketExpertServices,
		"EffectNoticeDeleteOnExpiry":            EffectNoticeDeleteOnExpiry,
		"EffectNoticeReleasePending":            EffectNoticeReleasePending,
		"EffectNoticeIgnoreReleaseNotification": EffectNoticeIgnoreReleaseNotification,
	})
	checkEnum(t, decls, subjectKinds, map[string]SubjectKind{
		"SubjectInstance": SubjectInstance, "SubjectTopic": SubjectTopic, "SubjectGroup": SubjectGroup,
	})
	checkEnum(t, decls, fields, map[string]Field{
		"FieldFrom": FieldFrom, "FieldTo": FieldTo, "FieldAt": FieldAt, "FieldPeriodMonths": FieldPeriodMonths,
		"FieldExpiresAt": FieldExpiresAt, "FieldRefund": FieldRefund, "FieldUnusedFrom": FieldUnusedFrom,
		"FieldUnusedUntil": FieldUnusedUntil, "FieldTimer": FieldTimer, "FieldOnline": FieldOnline,
	})
	// every type of the source's typed constants is covered above or below
	for typ := range decls {
		switch typ {
		case "Code", "Edition", "Billing", "Cluster", "Lifecycle", "Action", "PlanMode", "CommandKind",
			"EffectKind", "SubjectKind", "Field", "Flags":
		default:
			t.Errorf("constants of type %s are compared with nothing", typ)
		}
	}
}

// TestActionAndPlanModeAreTheCValuePlusOne: the Go value of an action or
// plan mode is its C value plus one (zero is "none"), both ways: the
// library's name of C value c is the String of Go value c+1, and the C
// value of Go value v is v-1; zero and negative Go values have none.
func TestActionAndPlanModeAreTheCValuePlusOne(t *testing.T) {
	for c := range scanLimit {
		if name, ok := actions.cName(c); ok {
			if v := Action(c + 1); v.String() != name || int(actions.cValue(v)) != c {
				t.Errorf("C action %d %q: Go %d is %q, C value %d", c, name, int(v), v.String(), int(actions.cValue(v)))
			}
		}
		if name, ok := planModes.cName(c); ok {
			if v := PlanMode(c + 1); v.String() != name || int(planModes.cValue(v)) != c {
				t.Errorf("C plan mode %d %q: Go %d is %q, C value %d", c, name, int(v), v.String(), int(planModes.cValue(v)))
			}
		}
	}
	for _, v := range []int{0, -1} {
		if actions.cValue(Action(v)) != -1 || planModes.cValue(PlanMode(v)) != -1 {
			t.Errorf("Go value %d has a C value", v)
		}
	}
	if a, err := ParseAction("delete_resource"); err != nil || actions.cValue(a) != 0 {
		t.Errorf("ParseAction(delete_resource) = %d, %v: not C value 0", int(a), err)
	}
	if m, err := ParsePlanMode("immediate"); err != nil || planModes.cValue(m) != 0 {
		t.Errorf("ParsePlanMode(immediate) = %d, %v: not C value 0", int(m), err)
	}
}

// TestFlagsAreTheLibrarys: every Flags constant is the header's bit
// (C.ED_FLAG_...), named and parsed as the library does, and the library
// names no bit the package lacks.
func TestFlagsAreTheLibrarys(t *testing.T) {
	consts := map[string]Flags{"FlagIrreversible": FlagIrreversible, "FlagDisruptive": FlagDisruptive,
		"FlagBilling": FlagBilling, "FlagNotice": FlagNotice}
	decls := declared(t)
	var names, inSource []string
	for name := range consts {
		names = append(names, name)
	}
	for name, expr := range decls["Flags"] {
		inSource = append(inSource, name)
		if !fromHeader(expr, 0) {
			t.Errorf("%s is not written as the header's constant (C.ED_FLAG_...)", name)
		}
	}
	slices.Sort(names)
	slices.Sort(inSource)
	if !slices.Equal(names, inSource) {
		t.Errorf("the source declares %v, the test knows %v", inSource, names)
	}
	known := map[Flags]bool{}
	for _, f := range consts {
		known[f] = true
	}
	named := 0
	for b := range 32 {
		bit := Flags(1) << b
		name, ok := flagName(bit)
		if !ok {
			continue
		}
		named++
		if !known[bit] {
			t.Errorf("the library names bit %#x %q, which the package has no constant for", uint(bit), name)
		}
		if bit.String() != name {
			t.Errorf("Flags(%#x).String() = %q, want %q", uint(bit), bit.String(), name)
		}
		var back Flags
		if err := back.UnmarshalText([]byte(name)); err != nil || back != bit {
			t.Errorf("Flags.UnmarshalText(%q) = %#x, %v", name, uint(back), err)
		}
	}
	if named != len(consts) {
		t.Errorf("the library names %d bits, the package has %d constants", named, len(consts))
	}
}

// TestCommandArgumentsAreTheLibrarys: the arguments the binding reads and
// writes (argPeriodMonths..argLast, the header's C.ED_ARG_) are every
// argument the library names, so no argument of a command is left out.
func TestCommandArgumentsAreTheLibrarys(t *testing.T) {
	want := map[int]string{argPeriodMonths: "period_months", argAction: "action",
		argAllowDataLoss: "allow_data_loss", argName: "name", argMode: "mode"}
	for a := range scanLimit {
		name, ok := argNameOf(a)
		switch {
		case ok && a > argLast:
			t.Errorf("the library names argument %d %q, past the binding's last (%d)", a, name, argLast)
		case ok && want[a] != name:
			t.Errorf("argument %d is %q, the binding reads it as %q", a, name, want[a])
		case !ok && want[a] != "":
			t.Errorf("argument %d (%q) has no name in the library", a, want[a])
		}
	}
}
