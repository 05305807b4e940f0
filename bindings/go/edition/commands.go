package edition

/*
#include <stdlib.h>
#include <libedition.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Result is the outcome of an accepted command.
type Result struct {
	// Instance is the snapshot after the command: a new *Instance even when
	// the command changed nothing, closed independently of the input.
	Instance *Instance
	// Effects, in the order the host must carry them out.
	Effects []Effect
	// Plan holds the steps of PlanDowngrade, empty otherwise.
	Plan []PlanStep
}

// PlanStep is one command of a downgrade plan.
type PlanStep struct {
	// Command is CmdSetPostExpirationAction (with Action), CmdRefund or
	// CmdTick.
	Command Command
	// At is when to run it: the expiry for a tick; zero when the step
	// runs now.
	At time.Time
}

// Command is a command and its arguments as a value, for Instance.Apply.
// Only the arguments the kind takes are read. An Action or Mode left at its
// zero value is not given: the library refuses the command with
// ErrInvalidArgument ("plan_downgrade needs the argument mode") before any
// other check, as it refuses a scenario step without it; nothing is
// chosen for the caller. A PeriodMonths of 0 and an empty Name are given
// as they are, and refused as the library refuses those values
// (ErrInvalidPeriod, ErrInvalidName).
type Command struct {
	Kind          CommandKind
	PeriodMonths  int      // upgrade, renew
	Action        Action   // set_post_expiration_action; required
	AllowDataLoss bool     // refund
	Name          string   // add/remove topic/group
	Mode          PlanMode // plan_downgrade; required
}

// The command arguments (ed_arg).
const (
	argPeriodMonths  = C.ED_ARG_PERIOD_MONTHS
	argAction        = C.ED_ARG_ACTION
	argAllowDataLoss = C.ED_ARG_ALLOW_DATA_LOSS
	argName          = C.ED_ARG_NAME
	argMode          = C.ED_ARG_MODE
	argLast          = C.ED_ARG_MODE
)

// String renders the command as the scenario file would: "upgrade
// period_months=6", "add_topic name=orders"; an Action or Mode not given
// is left out, as its key is from the scenario step.
func (c Command) String() string {
	var b strings.Builder
	b.WriteString(c.Kind.String())
	kind := C.ed_command_kind(cInt(int(c.Kind)))
	for arg := C.ed_arg(1); arg <= argLast; arg++ {
		if !bool(C.ed_command_kind_takes(kind, arg)) || !c.gives(arg) {
			continue
		}
		b.WriteString(" ")
		b.WriteString(goString(C.ed_arg_name(arg)))
		b.WriteString("=")
		switch arg {
		case argPeriodMonths:
			fmt.Fprint(&b, c.PeriodMonths)
		case argAction:
			b.WriteString(c.Action.String())
		case argAllowDataLoss:
			fmt.Fprint(&b, c.AllowDataLoss)
		case argName:
			b.WriteString(c.Name)
		case argMode:
			b.WriteString(c.Mode.String())
		}
	}
	return b.String()
}

// gives reports whether c gives argument arg: every argument but an Action
// or Mode left at its zero value.
func (c Command) gives(arg C.ed_arg) bool {
	switch arg {
	case argAction:
		return c.Action != 0
	case argMode:
		return c.Mode != 0
	}
	return true
}

// newCommand builds the C command, without the arguments c does not give;
// the caller frees it.
func (c Command) newCommand() (*C.ed_command, error) {
	kind := C.ed_command_kind(cInt(int(c.Kind)))
	cmd := C.ed_command_new(kind)
	if cmd == nil {
		return nil, fmt.Errorf("edition: %v is not a command: %w", c.Kind, ErrInvalidArgument)
	}
	for arg := C.ed_arg(1); arg <= argLast; arg++ {
		if !bool(C.ed_command_kind_takes(kind, arg)) || !c.gives(arg) {
			continue
		}
		var st C.ed_status
		switch arg {
		case argPeriodMonths:
			st = C.ed_command_set_int(cmd, arg, C.int64_t(cInt(c.PeriodMonths)))
		case argAction:
			st = C.ed_command_set_int(cmd, arg, C.int64_t(actions.cValue(c.Action)))
		case argAllowDataLoss:
			v := 0
			if c.AllowDataLoss {
				v = 1
			}
			st = C.ed_command_set_int(cmd, arg, C.int64_t(v))
		case argName:
			cs, ok := cString(c.Name)
			if !ok {
				C.ed_command_free(cmd)
				return nil, nulName(c.Name)
			}
			st = C.ed_command_set_string(cmd, arg, cs)
			C.free(unsafe.Pointer(cs))
		case argMode:
			st = C.ed_command_set_int(cmd, arg, C.int64_t(planModes.cValue(c.Mode)))
		}
		if st != C.ED_OK {
			C.ed_command_free(cmd)
			return nil, fmt.Errorf("edition: %s: argument %s: %w", c.Kind, goString(C.ed_arg_name(arg)), Code(st))
		}
	}
	return cmd, nil
}

// asGiven makes a refusal of c name the arguments c gave, where
// newCommand passed a stand-in (see cInt and enum.cValue).
func (c Command) asGiven(err error) error {
	if err == nil {
		return nil
	}
	kind := C.ed_command_kind(cInt(int(c.Kind)))
	if C.ed_command_kind_takes(kind, argPeriodMonths) {
		err = asGiven(err, argPeriodMonths, c.PeriodMonths)
	}
	if C.ed_command_kind_takes(kind, argAction) && c.Action != 0 {
		err = enumGiven(err, argAction, actions.cValue(c.Action), c.Action)
	}
	if C.ed_command_kind_takes(kind, argMode) && c.Mode != 0 {
		err = enumGiven(err, argMode, planModes.cValue(c.Mode), c.Mode)
	}
	return err
}

// commandFromC copies a C command into a Command value.
func commandFromC(cmd *C.ed_command) Command {
	c := Command{Kind: CommandKind(C.ed_command_kind_of(cmd))}
	var v C.int64_t
	if C.ed_command_get_int(cmd, argPeriodMonths, &v) {
		c.PeriodMonths = int(v)
	}
	if C.ed_command_get_int(cmd, argAction, &v) {
		c.Action = actions.goValue(int64(v))
	}
	if C.ed_command_get_int(cmd, argAllowDataLoss, &v) {
		c.AllowDataLoss = v != 0
	}
	c.Name = goString(C.ed_command_get_string(cmd, argName))
	if C.ed_command_get_int(cmd, argMode, &v) {
		c.Mode = planModes.goValue(int64(v))
	}
	return c
}

// nulName is the refusal for a name holding a NUL byte, which C would cut.
func nulName(name string) error {
	return &RefusedError{Code: ErrInvalidName, Message: fmt.Sprintf("name %q holds a NUL byte", name)}
}

// run applies one command (a C command kind, see ed_go_call) to the
// snapshot under the read lock, in one cgo crossing. name is the name
// argument of the commands that take one, "" for the others.
func (in *Instance) run(now time.Time, kind C.int, arg int64, name string, o *C.ed_options) (*Result, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, nulName(name)
	}
	t, err := cTime(now)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, ErrClosed
	}
	in.mu.RLock()
	if in.h == nil {
		in.mu.RUnlock()
		return nil, ErrClosed
	}
	sc := runC(kind, in.h.ptr, t, arg, name, o)
	in.mu.RUnlock() // in, and so its handle, stays reachable until here
	return sc.result()
}

// Upgrade upgrades in place to Enterprise Platinum for 1..36 months (rules
// S2-S5, S7), starting a migration of every topic to the dedicated cluster.
func (in *Instance) Upgrade(now time.Time, periodMonths int) (*Result, error) {
	r, err := in.run(now, C.ED_CMD_UPGRADE, int64(cInt(periodMonths)), "", nil)
	return r, asGiven(err, argPeriodMonths, periodMonths)
}

// cInt narrows an int to the C int the library takes: an argument (a
// period, an action, a mode), a command kind or another enumeration value.
// A value that does not fit becomes -1, which none of them accepts or
// names: the library refuses it as any other invalid value, after the same
// checks of the snapshot, whereas cut to 32 bits it could become a valid
// value, and clamped it would be named as a number the caller never gave.
// asGiven puts the value given back into a refusal.
func cInt(v int) C.int {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return -1
	}
	return C.int(v)
}

// asGiven makes a refusal of a command whose argument arg was v, passed as
// cInt(v), name v instead of the stand-in. The library names an argument
// as "<name> <value>" ("period_months 37", "action 7").
func asGiven(err error, arg C.ed_arg, v int) error {
	if err != nil && int(cInt(v)) != v {
		nameGiven(err, arg, v)
	}
	return err
}

// nameGiven is asGiven's work, apart so that a transition that needs none
// allocates nothing for it.
func nameGiven(err error, arg C.ed_arg, v int) {
	var refused *RefusedError
	if errors.As(err, &refused) {
		name := goString(C.ed_arg_name(arg))
		refused.Message = strings.Replace(refused.Message, name+" -1", name+" "+strconv.Itoa(v), 1)
	}
}

// enumGiven makes the library's refusal of an Action or PlanMode it does
// not know, passed as its C value c (enum.cValue), name it as Go prints it
// ("action Action(7)") instead of the C value it was given.
func enumGiven(err error, arg C.ed_arg, c C.int, shown fmt.Stringer) error {
	if err != nil {
		enumNamed(err, arg, c, shown)
	}
	return err
}

// enumNamed is enumGiven's work, apart as nameGiven is.
func enumNamed(err error, arg C.ed_arg, c C.int, shown fmt.Stringer) {
	var refused *RefusedError
	if errors.As(err, &refused) && refused.Code == ErrInvalidArgument {
		name := goString(C.ed_arg_name(arg))
		refused.Message = strings.Replace(refused.Message,
			name+" "+strconv.Itoa(int(c)), name+" "+shown.String(), 1)
	}
}

// SetPostExpirationAction sets what happens at expiry (rules S8-S10).
// Setting the current value succeeds with no effects. The zero Action is
// no action: refused as a Command without one (ErrInvalidArgument, before
// any other check); a value that names no action is refused in the
// library's order, after the snapshot's checks.
func (in *Instance) SetPostExpirationAction(now time.Time, action Action) (*Result, error) {
	if action == 0 {
		return in.Apply(now, Command{Kind: CmdSetPostExpirationAction})
	}
	r, err := in.run(now, C.ED_CMD_SET_POST_EXPIRATION_ACTION, int64(actions.cValue(action)), "", nil)
	return r, enumGiven(err, argAction, actions.cValue(action), action)
}

// Tick applies every time-driven transition due at now (expire, release),
// one revision each (rule X6). Nothing due: no effects.
func (in *Instance) Tick(now time.Time) (*Result, error) {
	return in.run(now, C.ED_CMD_TICK, 0, "", nil)
}

// Refund unsubscribes now with a partial refund (rules S11-S13). With the
// action DeleteResource it deletes every topic and group and is refused
// with ErrDataLossRefused unless allowDataLoss is true (rule X3).
func (in *Instance) Refund(now time.Time, allowDataLoss bool) (*Result, error) {
	var o *C.ed_options
	if allowDataLoss {
		o = C.ed_options_new()
		if o == nil {
			return nil, ErrNoMemory
		}
		defer C.ed_options_free(o)
		if st := C.ed_options_set_int(o, C.ED_OPT_ALLOW_DATA_LOSS, 1); st != C.ED_OK {
			return nil, Code(st)
		}
	}
	return in.run(now, C.ED_CMD_REFUND, 0, "", o)
}

// Renew extends the subscription by 1..36 months, also from Expired before
// the release (rule X4).
func (in *Instance) Renew(now time.Time, periodMonths int) (*Result, error) {
	r, err := in.run(now, C.ED_CMD_RENEW, int64(cInt(periodMonths)), "", nil)
	return r, asGiven(err, argPeriodMonths, periodMonths)
}

// runName is run for the commands that take a name.
func (in *Instance) runName(now time.Time, kind C.int, name string) (*Result, error) {
	return in.run(now, kind, 0, name, nil)
}

// AddTopic adds a topic (3..64 of A-Z a-z 0-9 - _, rule X1).
func (in *Instance) AddTopic(now time.Time, name string) (*Result, error) {
	return in.runName(now, C.ED_CMD_ADD_TOPIC, name)
}

// RemoveTopic removes a topic the caller names: an irreversible topic.delete.
func (in *Instance) RemoveTopic(now time.Time, name string) (*Result, error) {
	return in.runName(now, C.ED_CMD_REMOVE_TOPIC, name)
}

// AddGroup adds a consumer group (2..64 characters, rule X1).
func (in *Instance) AddGroup(now time.Time, name string) (*Result, error) {
	return in.runName(now, C.ED_CMD_ADD_GROUP, name)
}

// RemoveGroup removes a group the caller names: an irreversible group.delete.
func (in *Instance) RemoveGroup(now time.Time, name string) (*Result, error) {
	return in.runName(now, C.ED_CMD_REMOVE_GROUP, name)
}

// CompleteMigration clears the migration in flight (no effects);
// ErrNoMigration without one.
func (in *Instance) CompleteMigration(now time.Time) (*Result, error) {
	return in.run(now, C.ED_CMD_COMPLETE_MIGRATION, 0, "", nil)
}

// Downgrade is always refused with ErrNoDirectDowngrade (rules S6, S8); the
// message names the safe workflow, which PlanDowngrade lists.
func (in *Instance) Downgrade(now time.Time) (*Result, error) {
	return in.run(now, C.ED_CMD_DOWNGRADE, 0, "", nil)
}

// PlanDowngrade lists in Result.Plan the commands that reach Standard
// Edition without deleting anything (rule X2); it changes nothing. The
// mode, Immediate or AtExpiry, is required: the zero PlanMode is refused
// as a Command without a mode (ErrInvalidArgument, before any other
// check); a value that names no mode is refused in the library's order.
func (in *Instance) PlanDowngrade(now time.Time, mode PlanMode) (*Result, error) {
	if mode == 0 {
		return in.Apply(now, Command{Kind: CmdPlanDowngrade})
	}
	r, err := in.run(now, C.ED_CMD_PLAN_DOWNGRADE, int64(planModes.cValue(mode)), "", nil)
	return r, enumGiven(err, argMode, planModes.cValue(mode), mode)
}

// Apply runs a command given as a value: the same as calling its method.
func (in *Instance) Apply(now time.Time, c Command) (*Result, error) {
	t, err := cTime(now)
	if err != nil {
		return nil, err
	}
	cmd, err := c.newCommand()
	if err != nil {
		return nil, err
	}
	defer C.ed_command_free(cmd)
	var r *C.ed_result
	if !in.read(func(p *C.ed_instance) { r = C.ed_command_apply(cmd, p, t) }) {
		return nil, ErrClosed
	}
	res, err := result(r)
	return res, c.asGiven(err)
}

// CreateStandard creates a Standard Edition instance: active, revision 0.
// The ID is 1..128 printable ASCII characters without spaces, the
// endpoint 1..1024 of the same. WithRegion and WithReleaseDelayDays apply.
func CreateStandard(id, endpoint string, now time.Time, opts ...Option) (*Instance, error) {
	return create(id, endpoint, now, opts, func(cid, cep *C.char, t C.ed_time, o *C.ed_options) *C.ed_result {
		return C.ed_create_standard(cid, cep, t, o)
	})
}

// CreateEnterprisePlatinum creates an Enterprise Platinum instance
// subscribed from now for 1..36 months, with the post-expiration action
// DeleteResource (rule S10).
func CreateEnterprisePlatinum(id, endpoint string, now time.Time, periodMonths int, opts ...Option) (*Instance, error) {
	m := cInt(periodMonths)
	in, err := create(id, endpoint, now, opts, func(cid, cep *C.char, t C.ed_time, o *C.ed_options) *C.ed_result {
		return C.ed_create_enterprise_platinum(cid, cep, t, m, o)
	})
	return in, asGiven(err, argPeriodMonths, periodMonths)
}

func create(id, endpoint string, now time.Time, opts []Option,
	f func(id, endpoint *C.char, t C.ed_time, o *C.ed_options) *C.ed_result) (*Instance, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	t, err := cTime(now)
	if err != nil {
		return nil, err
	}
	cid, ok := cString(id)
	if !ok {
		return nil, nulName(id)
	}
	defer C.free(unsafe.Pointer(cid))
	cep, ok := cString(endpoint)
	if !ok {
		return nil, &RefusedError{Code: ErrInvalidArgument, Message: fmt.Sprintf("endpoint %q holds a NUL byte", endpoint)}
	}
	defer C.free(unsafe.Pointer(cep))
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	defer C.ed_options_free(o)
	res, err := result(f(cid, cep, t, o))
	if err != nil {
		return nil, err
	}
	return res.Instance, nil
}
