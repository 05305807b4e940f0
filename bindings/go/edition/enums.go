package edition

/*
#include <libedition.h>
*/
import "C"

// Edition is Standard or Enterprise Platinum.
type Edition int

// Editions.
const (
	Standard           Edition = C.ED_EDITION_STANDARD
	EnterprisePlatinum Edition = C.ED_EDITION_ENTERPRISE_PLATINUM
)

// String returns the stable name: "standard", "enterprise_platinum".
func (v Edition) String() string { return editions.String(v) }

// MarshalText gives the stable name ("enterprise_platinum"); an error for a value without one.
func (v Edition) MarshalText() ([]byte, error) { return editions.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Edition) UnmarshalText(text []byte) error { return editions.unmarshal(v, text) }

// Billing is derived from the edition (rule S1).
type Billing int

// Billing methods.
const (
	PayAsYouGo   Billing = C.ED_BILLING_PAY_AS_YOU_GO
	Subscription Billing = C.ED_BILLING_SUBSCRIPTION
)

// String returns the stable name: "pay_as_you_go", "subscription".
func (v Billing) String() string { return billings.String(v) }

// MarshalText gives the stable name ("subscription"); an error for a value without one.
func (v Billing) MarshalText() ([]byte, error) { return billings.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Billing) UnmarshalText(text []byte) error { return billings.unmarshal(v, text) }

// Cluster is derived from the edition (rule S2).
type Cluster int

// Clusters.
const (
	Shared    Cluster = C.ED_CLUSTER_SHARED
	Dedicated Cluster = C.ED_CLUSTER_DEDICATED
)

// String returns the stable name: "shared", "dedicated".
func (v Cluster) String() string { return clusters.String(v) }

// MarshalText gives the stable name ("dedicated"); an error for a value without one.
func (v Cluster) MarshalText() ([]byte, error) { return clusters.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Cluster) UnmarshalText(text []byte) error { return clusters.unmarshal(v, text) }

// Lifecycle is active, expired (platinum past expiry, waiting for release)
// or released.
type Lifecycle int

// Lifecycle states.
const (
	Active   Lifecycle = C.ED_LIFECYCLE_ACTIVE
	Expired  Lifecycle = C.ED_LIFECYCLE_EXPIRED
	Released Lifecycle = C.ED_LIFECYCLE_RELEASED
)

// String returns the stable name: "active", "expired", "released".
func (v Lifecycle) String() string { return lifecycles.String(v) }

// MarshalText gives the stable name ("expired"); an error for a value without one.
func (v Lifecycle) MarshalText() ([]byte, error) { return lifecycles.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Lifecycle) UnmarshalText(text []byte) error { return lifecycles.unmarshal(v, text) }

// Action is what happens when an Enterprise Platinum subscription expires.
// Its zero value is no action: a Command whose Action is zero lacks the
// argument, and is refused as a scenario step without it is (see
// docs/semantics.md, "Bindings' arguments"). The values are therefore not
// the C library's (ed_action): DeleteResource is 1.
type Action int

// Post-expiration actions.
const (
	DeleteResource      Action = C.ED_ACTION_DELETE_RESOURCE + 1
	DowngradeToStandard Action = C.ED_ACTION_DOWNGRADE_TO_STANDARD + 1
)

// String returns the stable name: "delete_resource", "downgrade_to_standard".
func (v Action) String() string { return actions.String(v) }

// MarshalText gives the stable name ("downgrade_to_standard"); an error for the zero value, which names no action.
func (v Action) MarshalText() ([]byte, error) { return actions.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Action) UnmarshalText(text []byte) error { return actions.unmarshal(v, text) }

// ParseAction parses "delete_resource" or "downgrade_to_standard".
func ParseAction(s string) (Action, error) { return actions.parse(s) }

// PlanMode is the mode of a downgrade plan (rule X2). Its zero value is no
// mode: a Command whose Mode is zero lacks the argument, as Action's zero
// value does. Immediate is 1, not the C library's 0.
type PlanMode int

// Plan modes.
const (
	Immediate PlanMode = C.ED_PLAN_IMMEDIATE + 1
	AtExpiry  PlanMode = C.ED_PLAN_AT_EXPIRY + 1
)

// String returns the stable name: "immediate", "at_expiry".
func (v PlanMode) String() string { return planModes.String(v) }

// MarshalText gives the stable name ("at_expiry"); an error for the zero value, which names no mode.
func (v PlanMode) MarshalText() ([]byte, error) { return planModes.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *PlanMode) UnmarshalText(text []byte) error { return planModes.unmarshal(v, text) }

// ParsePlanMode parses "immediate" or "at_expiry".
func ParsePlanMode(s string) (PlanMode, error) { return planModes.parse(s) }

// CommandKind names a lifecycle command.
type CommandKind int

// Command kinds (values as in C).
const (
	CmdUpgrade                 CommandKind = C.ED_CMD_UPGRADE
	CmdSetPostExpirationAction CommandKind = C.ED_CMD_SET_POST_EXPIRATION_ACTION
	CmdRefund                  CommandKind = C.ED_CMD_REFUND
	CmdRenew                   CommandKind = C.ED_CMD_RENEW
	CmdTick                    CommandKind = C.ED_CMD_TICK
	CmdCompleteMigration       CommandKind = C.ED_CMD_COMPLETE_MIGRATION
	CmdAddTopic                CommandKind = C.ED_CMD_ADD_TOPIC
	CmdRemoveTopic             CommandKind = C.ED_CMD_REMOVE_TOPIC
	CmdAddGroup                CommandKind = C.ED_CMD_ADD_GROUP
	CmdRemoveGroup             CommandKind = C.ED_CMD_REMOVE_GROUP
	CmdDowngrade               CommandKind = C.ED_CMD_DOWNGRADE
	CmdPlanDowngrade           CommandKind = C.ED_CMD_PLAN_DOWNGRADE
)

// String returns the stable name, the scenario file's command name ("upgrade", "tick", ...).
func (v CommandKind) String() string { return commandKinds.String(v) }

// MarshalText gives the stable name ("add_topic"); an error for a value without one.
func (v CommandKind) MarshalText() ([]byte, error) { return commandKinds.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *CommandKind) UnmarshalText(text []byte) error { return commandKinds.unmarshal(v, text) }

// ParseCommandKind parses a scenario command name ("upgrade", "tick", ...).
func ParseCommandKind(s string) (CommandKind, error) { return commandKinds.parse(s) }

// EffectKind is the kind of an effect (docs/rules.md section 3).
type EffectKind int

// Effect kinds (values as in C).
const (
	EffectBillingConvert                  EffectKind = C.ED_EFFECT_BILLING_CONVERT
	EffectBillingRefund                   EffectKind = C.ED_EFFECT_BILLING_REFUND
	EffectBillingRenew                    EffectKind = C.ED_EFFECT_BILLING_RENEW
	EffectTopicMigrate                    EffectKind = C.ED_EFFECT_TOPIC_MIGRATE
	EffectConsumersRebalance              EffectKind = C.ED_EFFECT_CONSUMERS_REBALANCE
	EffectTopicCreate                     EffectKind = C.ED_EFFECT_TOPIC_CREATE
	EffectGroupCreate                     EffectKind = C.ED_EFFECT_GROUP_CREATE
	EffectTopicDelete                     EffectKind = C.ED_EFFECT_TOPIC_DELETE
	EffectGroupDelete                     EffectKind = C.ED_EFFECT_GROUP_DELETE
	EffectInstanceSuspend                 EffectKind = C.ED_EFFECT_INSTANCE_SUSPEND
	EffectInstanceResume                  EffectKind = C.ED_EFFECT_INSTANCE_RESUME
	EffectInstanceDelete                  EffectKind = C.ED_EFFECT_INSTANCE_DELETE
	EffectTimerSchedule                   EffectKind = C.ED_EFFECT_TIMER_SCHEDULE
	EffectTimerCancel                     EffectKind = C.ED_EFFECT_TIMER_CANCEL
	EffectConfigPostExpirationAction      EffectKind = C.ED_EFFECT_CONFIG_POST_EXPIRATION_ACTION
	EffectTicketExpertServices            EffectKind = C.ED_EFFECT_TICKET_EXPERT_SERVICES
	EffectNoticeDeleteOnExpiry            EffectKind = C.ED_EFFECT_NOTICE_DELETE_ON_EXPIRY
	EffectNoticeReleasePending            EffectKind = C.ED_EFFECT_NOTICE_RELEASE_PENDING
	EffectNoticeIgnoreReleaseNotification EffectKind = C.ED_EFFECT_NOTICE_IGNORE_RELEASE_NOTIFICATION
)

// String returns the stable name, the dotted name ("billing.convert").
func (v EffectKind) String() string { return effectKinds.String(v) }

// MarshalText gives the stable name ("topic.migrate"); an error for a value without one.
func (v EffectKind) MarshalText() ([]byte, error) { return effectKinds.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *EffectKind) UnmarshalText(text []byte) error { return effectKinds.unmarshal(v, text) }

// SubjectKind says whether an effect names the instance, a topic or a group.
type SubjectKind int

// Subject kinds.
const (
	SubjectInstance SubjectKind = C.ED_SUBJECT_INSTANCE
	SubjectTopic    SubjectKind = C.ED_SUBJECT_TOPIC
	SubjectGroup    SubjectKind = C.ED_SUBJECT_GROUP
)

// String returns the stable name: "instance", "topic", "group".
func (v SubjectKind) String() string { return subjectKinds.String(v) }

// MarshalText gives the stable name ("topic"); an error for a value without one.
func (v SubjectKind) MarshalText() ([]byte, error) { return subjectKinds.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *SubjectKind) UnmarshalText(text []byte) error { return subjectKinds.unmarshal(v, text) }

// Flags is the bit set of an effect's flags.
type Flags uint

// Effect flags.
const (
	FlagIrreversible Flags = C.ED_FLAG_IRREVERSIBLE
	FlagDisruptive   Flags = C.ED_FLAG_DISRUPTIVE
	FlagBilling      Flags = C.ED_FLAG_BILLING
	FlagNotice       Flags = C.ED_FLAG_NOTICE
)

// Field names a value an effect may carry.
type Field int

// Effect fields, in the order documents list them.
const (
	FieldFrom         Field = C.ED_FIELD_FROM          // string
	FieldTo           Field = C.ED_FIELD_TO            // string
	FieldAt           Field = C.ED_FIELD_AT            // time
	FieldPeriodMonths Field = C.ED_FIELD_PERIOD_MONTHS // int
	FieldExpiresAt    Field = C.ED_FIELD_EXPIRES_AT    // time
	FieldRefund       Field = C.ED_FIELD_REFUND        // string ("partial")
	FieldUnusedFrom   Field = C.ED_FIELD_UNUSED_FROM   // time
	FieldUnusedUntil  Field = C.ED_FIELD_UNUSED_UNTIL  // time
	FieldTimer        Field = C.ED_FIELD_TIMER         // string ("expiry", "release")
	FieldOnline       Field = C.ED_FIELD_ONLINE        // bool
)

// String returns the stable name ("from", "period_months", ...).
func (v Field) String() string { return fields.String(v) }

// MarshalText gives the stable name ("unused_from"); an error for a value without one.
func (v Field) MarshalText() ([]byte, error) { return fields.marshal(v) }

// UnmarshalText parses a stable name; an unknown one leaves v unchanged.
func (v *Field) UnmarshalText(text []byte) error { return fields.unmarshal(v, text) }
