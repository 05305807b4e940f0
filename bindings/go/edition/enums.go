package edition

/*
#include <libedition.h>
*/
import "C"

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Edition is Standard or Enterprise Platinum.
type Edition int

// Editions.
const (
	Standard           Edition = 0
	EnterprisePlatinum Edition = 1
)

// String returns the stable name: "standard", "enterprise_platinum".
func (v Edition) String() string {
	return name("Edition", int(v), C.ed_edition_name(C.ed_edition(cInt(int(v)))))
}

// Billing is derived from the edition (rule S1).
type Billing int

// Billing methods.
const (
	PayAsYouGo   Billing = 0
	Subscription Billing = 1
)

// String returns the stable name: "pay_as_you_go", "subscription".
func (v Billing) String() string {
	return name("Billing", int(v), C.ed_billing_name(C.ed_billing(cInt(int(v)))))
}

// Cluster is derived from the edition (rule S2).
type Cluster int

// Clusters.
const (
	Shared    Cluster = 0
	Dedicated Cluster = 1
)

// String returns the stable name: "shared", "dedicated".
func (v Cluster) String() string {
	return name("Cluster", int(v), C.ed_cluster_name(C.ed_cluster(cInt(int(v)))))
}

// Lifecycle is active, expired (platinum past expiry, waiting for release)
// or released.
type Lifecycle int

// Lifecycle states.
const (
	Active   Lifecycle = 0
	Expired  Lifecycle = 1
	Released Lifecycle = 2
)

// String returns the stable name: "active", "expired", "released".
func (v Lifecycle) String() string {
	return name("Lifecycle", int(v), C.ed_lifecycle_name(C.ed_lifecycle(cInt(int(v)))))
}

// Action is what happens when an Enterprise Platinum subscription expires.
// Its zero value is no action: a Command whose Action is zero lacks the
// argument, and is refused as a scenario step without it is (see
// docs/semantics.md, "Bindings' arguments"). The values are therefore not
// the C library's (ed_action): DeleteResource is 1.
type Action int

// Post-expiration actions.
const (
	DeleteResource      Action = 1
	DowngradeToStandard Action = 2
)

// String returns the stable name: "delete_resource", "downgrade_to_standard".
func (v Action) String() string {
	return name("Action", int(v), C.ed_action_name(C.ed_action(cEnum(int(v)))))
}

// ParseAction parses "delete_resource" or "downgrade_to_standard".
func ParseAction(s string) (Action, error) {
	var out C.ed_action
	if !parseName(s, func(p *C.char) C.ed_status { return C.ed_action_from_name(p, &out) }) {
		return 0, fmt.Errorf("edition: unknown action %q: %w", s, ErrInvalidArgument)
	}
	return actionOf(int64(out)), nil
}

// actionOf is the Action of a C ed_action value.
func actionOf(v int64) Action { return Action(v + 1) }

// PlanMode is the mode of a downgrade plan (rule X2). Its zero value is no
// mode: a Command whose Mode is zero lacks the argument, as Action's zero
// value does. Immediate is 1, not the C library's 0.
type PlanMode int

// Plan modes.
const (
	Immediate PlanMode = 1
	AtExpiry  PlanMode = 2
)

// String returns the stable name: "immediate", "at_expiry".
func (v PlanMode) String() string {
	return name("PlanMode", int(v), C.ed_plan_mode_name(C.ed_plan_mode(cEnum(int(v)))))
}

// ParsePlanMode parses "immediate" or "at_expiry".
func ParsePlanMode(s string) (PlanMode, error) {
	var out C.ed_plan_mode
	if !parseName(s, func(p *C.char) C.ed_status { return C.ed_plan_mode_from_name(p, &out) }) {
		return 0, fmt.Errorf("edition: unknown plan mode %q: %w", s, ErrInvalidArgument)
	}
	return planModeOf(int64(out)), nil
}

// planModeOf is the PlanMode of a C ed_plan_mode value.
func planModeOf(v int64) PlanMode { return PlanMode(v + 1) }

// cEnum is the C value of an Action or PlanMode (one less), as the C int
// the library takes: -1, which it names nothing, for the zero value and
// for any value whose C value does not fit (see cInt).
func cEnum(v int) C.int {
	if v < 1 || v-1 > math.MaxInt32 {
		return -1
	}
	return C.int(v - 1)
}

// CommandKind names a lifecycle command.
type CommandKind int

// Command kinds (values as in C).
const (
	CmdUpgrade                 CommandKind = 1
	CmdSetPostExpirationAction CommandKind = 2
	CmdRefund                  CommandKind = 3
	CmdRenew                   CommandKind = 4
	CmdTick                    CommandKind = 5
	CmdCompleteMigration       CommandKind = 6
	CmdAddTopic                CommandKind = 7
	CmdRemoveTopic             CommandKind = 8
	CmdAddGroup                CommandKind = 9
	CmdRemoveGroup             CommandKind = 10
	CmdDowngrade               CommandKind = 11
	CmdPlanDowngrade           CommandKind = 12
)

// String returns the scenario file's command name ("upgrade", "tick", ...).
func (v CommandKind) String() string {
	return name("CommandKind", int(v), C.ed_command_kind_name(C.ed_command_kind(cInt(int(v)))))
}

// ParseCommandKind parses a scenario command name ("upgrade", "tick", ...).
func ParseCommandKind(s string) (CommandKind, error) {
	var out C.ed_command_kind
	if !parseName(s, func(p *C.char) C.ed_status { return C.ed_command_kind_from_name(p, &out) }) {
		return 0, fmt.Errorf("edition: unknown command %q: %w", s, ErrInvalidArgument)
	}
	return CommandKind(out), nil
}

// EffectKind is the kind of an effect (docs/rules.md section 3).
type EffectKind int

// Effect kinds (values as in C).
const (
	EffectBillingConvert                  EffectKind = 1
	EffectBillingRefund                   EffectKind = 2
	EffectBillingRenew                    EffectKind = 3
	EffectTopicMigrate                    EffectKind = 4
	EffectConsumersRebalance              EffectKind = 5
	EffectTopicCreate                     EffectKind = 6
	EffectGroupCreate                     EffectKind = 7
	EffectTopicDelete                     EffectKind = 8
	EffectGroupDelete                     EffectKind = 9
	EffectInstanceSuspend                 EffectKind = 10
	EffectInstanceResume                  EffectKind = 11
	EffectInstanceDelete                  EffectKind = 12
	EffectTimerSchedule                   EffectKind = 13
	EffectTimerCancel                     EffectKind = 14
	EffectConfigPostExpirationAction      EffectKind = 15
	EffectTicketExpertServices            EffectKind = 16
	EffectNoticeDeleteOnExpiry            EffectKind = 17
	EffectNoticeReleasePending            EffectKind = 18
	EffectNoticeIgnoreReleaseNotification EffectKind = 19
)

// String returns the dotted name ("billing.convert").
func (v EffectKind) String() string {
	return name("EffectKind", int(v), C.ed_effect_kind_name(C.ed_effect_kind(cInt(int(v)))))
}

// SubjectKind says whether an effect names the instance, a topic or a group.
type SubjectKind int

// Subject kinds.
const (
	SubjectInstance SubjectKind = 0
	SubjectTopic    SubjectKind = 1
	SubjectGroup    SubjectKind = 2
)

// String returns the stable name: "instance", "topic", "group".
func (v SubjectKind) String() string {
	return name("SubjectKind", int(v), C.ed_subject_kind_name(C.ed_subject_kind(cInt(int(v)))))
}

// Flags is the bit set of an effect's flags.
type Flags uint

// Effect flags.
const (
	FlagIrreversible Flags = 1 << 0
	FlagDisruptive   Flags = 1 << 1
	FlagBilling      Flags = 1 << 2
	FlagNotice       Flags = 1 << 3
)

// Has reports whether every flag of f is set in v (false for f == 0).
func (v Flags) Has(f Flags) bool { return f != 0 && v&f == f }

// String lists the flags' stable names joined by "|" ("irreversible|billing"),
// "" for none; bits the library does not name appear in hexadecimal.
func (v Flags) String() string {
	var parts []string
	for bit := Flags(1); bit != 0 && bit <= v; bit <<= 1 {
		if v&bit == 0 {
			continue
		}
		if p := C.ed_effect_flag_name(C.ed_effect_flag(bit)); p != nil {
			parts = append(parts, C.GoString(p))
		} else {
			parts = append(parts, "0x"+strconv.FormatUint(uint64(bit), 16))
		}
	}
	return strings.Join(parts, "|")
}

// Field names a value an effect may carry.
type Field int

// Effect fields, in the order documents list them.
const (
	FieldFrom         Field = 1  // string
	FieldTo           Field = 2  // string
	FieldAt           Field = 3  // time
	FieldPeriodMonths Field = 4  // int
	FieldExpiresAt    Field = 5  // time
	FieldRefund       Field = 6  // string ("partial")
	FieldUnusedFrom   Field = 7  // time
	FieldUnusedUntil  Field = 8  // time
	FieldTimer        Field = 9  // string ("expiry", "release")
	FieldOnline       Field = 10 // bool
)

// String returns the stable name ("from", "period_months", ...).
func (v Field) String() string {
	return name("Field", int(v), C.ed_field_name(C.ed_field(cInt(int(v)))))
}

// name copies a static C name, or formats an unnamed value as Type(n).
// Callers look the value up as cInt(v), so that a value too wide for a C
// int has no name instead of the name of its lower 32 bits.
func name(typ string, v int, p *C.char) string {
	if p == nil || v < 0 {
		return typ + "(" + strconv.Itoa(v) + ")"
	}
	return C.GoString(p)
}
