package edition

/*
#include <stdlib.h>
#include <libedition.h>

// What Go needs of a result, read in one cgo call; the instance comes with
// a new reference, the lists and message stay borrowed from the result.
typedef struct {
    ed_status status;
    const char *message;
    ed_instance *instance;
    const ed_effect_list *effects, *would_have;
    size_t effect_count, would_have_count, plan_count;
} ed_go_result;

static void ed_go_result_read(const ed_result *r, ed_go_result *out)
{
    out->status = ed_result_status(r);
    out->message = ed_result_message(r);
    out->instance = out->status == ED_OK ? ed_instance_ref(ed_result_instance(r)) : NULL;
    out->effects = ed_result_effects(r);
    out->would_have = ed_result_would_have(r);
    out->effect_count = ed_effect_list_count(out->effects);
    out->would_have_count = ed_effect_list_count(out->would_have);
    out->plan_count = ed_result_plan_count(r);
}

#cgo noescape ed_go_result_read
#cgo nocallback ed_go_result_read
*/
import "C"

import (
	"fmt"
	"math"
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
// Only the arguments the kind takes are read.
type Command struct {
	Kind          CommandKind
	PeriodMonths  int      // upgrade, renew
	Action        Action   // set_post_expiration_action
	AllowDataLoss bool     // refund
	Name          string   // add/remove topic/group
	Mode          PlanMode // plan_downgrade
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
// period_months=6", "add_topic name=orders".
func (c Command) String() string {
	var b strings.Builder
	b.WriteString(c.Kind.String())
	for arg := C.ed_arg(1); arg <= argLast; arg++ {
		if !C.ed_command_kind_takes(C.ed_command_kind(c.Kind), arg) {
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

// newCommand builds the C command; the caller frees it.
func (c Command) newCommand() (*C.ed_command, error) {
	cmd := C.ed_command_new(C.ed_command_kind(c.Kind))
	if cmd == nil {
		return nil, fmt.Errorf("edition: %v is not a command: %w", c.Kind, ErrInvalidArgument)
	}
	kind := C.ed_command_kind(c.Kind)
	for arg := C.ed_arg(1); arg <= argLast; arg++ {
		if !C.ed_command_kind_takes(kind, arg) {
			continue
		}
		var st C.ed_status
		switch arg {
		case argPeriodMonths:
			st = C.ed_command_set_int(cmd, arg, C.int64_t(months(c.PeriodMonths)))
		case argAction:
			st = C.ed_command_set_int(cmd, arg, C.int64_t(c.Action))
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
			st = C.ed_command_set_int(cmd, arg, C.int64_t(c.Mode))
		}
		if st != C.ED_OK {
			C.ed_command_free(cmd)
			return nil, fmt.Errorf("edition: %s: argument %s: %w", c.Kind, goString(C.ed_arg_name(arg)), Code(st))
		}
	}
	return cmd, nil
}

// commandFromC copies a C command into a Command value.
func commandFromC(cmd *C.ed_command) Command {
	c := Command{Kind: CommandKind(C.ed_command_kind_of(cmd))}
	var v C.int64_t
	if C.ed_command_get_int(cmd, argPeriodMonths, &v) {
		c.PeriodMonths = int(v)
	}
	if C.ed_command_get_int(cmd, argAction, &v) {
		c.Action = Action(v)
	}
	if C.ed_command_get_int(cmd, argAllowDataLoss, &v) {
		c.AllowDataLoss = v != 0
	}
	c.Name = goString(C.ed_command_get_string(cmd, argName))
	if C.ed_command_get_int(cmd, argMode, &v) {
		c.Mode = PlanMode(v)
	}
	return c
}

// nulName is the refusal for a name holding a NUL byte, which C would cut.
func nulName(name string) error {
	return &RefusedError{Code: ErrInvalidName, Message: fmt.Sprintf("name %q holds a NUL byte", name)}
}

// result converts and frees a C result.
func result(r *C.ed_result) (*Result, error) {
	defer C.ed_result_free(r)
	var g C.ed_go_result
	C.ed_go_result_read(r, &g)
	if g.status != C.ED_OK {
		wouldHave, err := effects(g.would_have, g.would_have_count)
		if err != nil {
			return nil, err
		}
		return nil, &RefusedError{Code: Code(g.status), Message: goString(g.message), WouldHave: wouldHave}
	}
	list, err := effects(g.effects, g.effect_count)
	if err != nil {
		C.ed_instance_free(g.instance)
		return nil, err
	}
	res := &Result{Instance: wrap(g.instance), Effects: list}
	if n := int(g.plan_count); n > 0 {
		res.Plan = make([]PlanStep, n)
		for i := range res.Plan {
			step := &res.Plan[i]
			step.Command.Kind = CommandKind(C.ed_result_plan_command(r, C.size_t(i)))
			var action C.ed_action
			if C.ed_result_plan_action(r, C.size_t(i), &action) {
				step.Command.Action = Action(action)
			}
			var at C.ed_time
			if C.ed_result_plan_at(r, C.size_t(i), &at) {
				step.At = goTime(at)
			}
		}
	}
	return res, nil
}

// run applies one C transition to the snapshot under the read lock.
func (in *Instance) run(now time.Time, f func(p *C.ed_instance, t C.ed_time) *C.ed_result) (*Result, error) {
	t, err := cTime(now)
	if err != nil {
		return nil, err
	}
	var r *C.ed_result
	if !in.read(func(p *C.ed_instance) { r = f(p, t) }) {
		return nil, ErrClosed
	}
	return result(r)
}

// runName is run for the commands that take a name.
func (in *Instance) runName(now time.Time, name string,
	f func(p *C.ed_instance, t C.ed_time, name *C.char) *C.ed_result) (*Result, error) {
	cs, ok := cString(name)
	if !ok {
		return nil, nulName(name)
	}
	defer C.free(unsafe.Pointer(cs))
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return f(p, t, cs) })
}

// Upgrade upgrades in place to Enterprise Platinum for 1..36 months (rules
// S2-S5, S7), starting a migration of every topic to the dedicated cluster.
func (in *Instance) Upgrade(now time.Time, periodMonths int) (*Result, error) {
	m := months(periodMonths)
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return C.ed_upgrade(p, t, m) })
}

// months narrows a period to a C int, clamping a value that does not fit
// (the library refuses it with ErrInvalidPeriod either way).
func months(m int) C.int {
	return C.int(max(min(m, math.MaxInt32), math.MinInt32))
}

// SetPostExpirationAction sets what happens at expiry (rules S8-S10).
// Setting the current value succeeds with no effects.
func (in *Instance) SetPostExpirationAction(now time.Time, action Action) (*Result, error) {
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result {
		return C.ed_set_post_expiration_action(p, t, C.ed_action(action))
	})
}

// Tick applies every time-driven transition due at now (expire, release),
// one revision each (rule X6). Nothing due: no effects.
func (in *Instance) Tick(now time.Time) (*Result, error) {
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return C.ed_tick(p, t) })
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
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return C.ed_refund(p, t, o) })
}

// Renew extends the subscription by 1..36 months, also from Expired before
// the release (rule X4).
func (in *Instance) Renew(now time.Time, periodMonths int) (*Result, error) {
	m := months(periodMonths)
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return C.ed_renew(p, t, m) })
}

// AddTopic adds a topic (3..64 of A-Z a-z 0-9 - _, rule X1).
func (in *Instance) AddTopic(now time.Time, name string) (*Result, error) {
	return in.runName(now, name, func(p *C.ed_instance, t C.ed_time, n *C.char) *C.ed_result {
		return C.ed_add_topic(p, t, n)
	})
}

// RemoveTopic removes a topic the caller names: an irreversible topic.delete.
func (in *Instance) RemoveTopic(now time.Time, name string) (*Result, error) {
	return in.runName(now, name, func(p *C.ed_instance, t C.ed_time, n *C.char) *C.ed_result {
		return C.ed_remove_topic(p, t, n)
	})
}

// AddGroup adds a consumer group (2..64 characters, rule X1).
func (in *Instance) AddGroup(now time.Time, name string) (*Result, error) {
	return in.runName(now, name, func(p *C.ed_instance, t C.ed_time, n *C.char) *C.ed_result {
		return C.ed_add_group(p, t, n)
	})
}

// RemoveGroup removes a group the caller names: an irreversible group.delete.
func (in *Instance) RemoveGroup(now time.Time, name string) (*Result, error) {
	return in.runName(now, name, func(p *C.ed_instance, t C.ed_time, n *C.char) *C.ed_result {
		return C.ed_remove_group(p, t, n)
	})
}

// CompleteMigration clears the migration in flight (no effects);
// ErrNoMigration without one.
func (in *Instance) CompleteMigration(now time.Time) (*Result, error) {
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result {
		return C.ed_complete_migration(p, t)
	})
}

// Downgrade is always refused with ErrNoDirectDowngrade (rules S6, S8); the
// message names the safe workflow, which PlanDowngrade lists.
func (in *Instance) Downgrade(now time.Time) (*Result, error) {
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result { return C.ed_downgrade(p, t) })
}

// PlanDowngrade lists in Result.Plan the commands that reach Standard
// Edition without deleting anything (rule X2); it changes nothing.
func (in *Instance) PlanDowngrade(now time.Time, mode PlanMode) (*Result, error) {
	return in.run(now, func(p *C.ed_instance, t C.ed_time) *C.ed_result {
		return C.ed_plan_downgrade(p, t, C.ed_plan_mode(mode))
	})
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
	return result(r)
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
	m := months(periodMonths)
	return create(id, endpoint, now, opts, func(cid, cep *C.char, t C.ed_time, o *C.ed_options) *C.ed_result {
		return C.ed_create_enterprise_platinum(cid, cep, t, m, o)
	})
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
