package edition

/*
#include <libedition.h>
*/
import "C"

import (
	"iter"
	"time"
)

// Scenario is an initial snapshot and timed steps, as read from a scenario
// file (docs/formats.md), copied into Go values.
type Scenario struct {
	Instance *Instance // the initial snapshot
	Steps    []Step
}

// Step is one timed command of a scenario.
type Step struct {
	At      time.Time
	Command Command
	Line    int // 1-based line of the step in the file
}

// LoadScenario reads and validates a whole scenario file. A rejected
// document gives a *LoadError with its line and column.
func LoadScenario(data []byte, opts ...Option) (*Scenario, error) {
	var sc *C.ed_scenario
	err := load(data, opts, func(p *C.char, n C.size_t, o *C.ed_options, e **C.ed_error) C.ed_status {
		return C.ed_scenario_load_yaml(&sc, p, n, o, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.ed_scenario_free(sc)
	s := &Scenario{Instance: wrap(C.ed_instance_ref(C.ed_scenario_instance(sc)))}
	n := int(C.ed_scenario_step_count(sc))
	s.Steps = make([]Step, n)
	for i := range s.Steps {
		s.Steps[i] = Step{
			At:      goTime(C.ed_scenario_step_at(sc, C.size_t(i))),
			Command: commandFromC(C.ed_scenario_step_command(sc, C.size_t(i))),
			Line:    int(C.ed_scenario_step_line(sc, C.size_t(i))),
		}
	}
	return s, nil
}

// Close closes the initial snapshot. A simulation already running goes on
// (it holds references of its own); one started after Close yields
// ErrClosed for every step.
func (s *Scenario) Close() error { return s.Instance.Close() }

// StepRecord is what one step of a simulation did. Its snapshots are the
// caller's: Current and Result.Instance are references of their own, to
// close when done (or leave to the finalizer); closing them changes nothing
// for the simulation, the other records or the scenario.
type StepRecord struct {
	Step    int // 1-based
	At      time.Time
	Command Command
	// Result of an accepted step; nil when Err is set.
	Result *Result
	// Err is why the step changed nothing: a *RefusedError for a refusal
	// (errors.As), or ErrClosed for every step of a simulation started on
	// a closed scenario.
	Err error
	// Current is the snapshot after the step: the result's on success,
	// the last accepted one on refusal; nil with ErrClosed.
	Current *Instance
}

// Simulate runs the steps from the initial snapshot, each on the snapshot
// the last accepted step left, and yields a record per step; a refused step
// changes nothing. The simulation keeps references of its own to the
// snapshots it runs on, so the caller may close every snapshot it is given
// (see StepRecord), and the scenario itself, while the loop runs. Stopping
// the loop early stops the simulation. Each range over the sequence runs
// the simulation anew.
func (s *Scenario) Simulate() iter.Seq[StepRecord] {
	return func(yield func(StepRecord) bool) {
		current := s.Instance.clone() // nil when the scenario is closed
		defer func() { current.Close() }()
		for i, step := range s.Steps {
			rec := StepRecord{Step: i + 1, At: step.At, Command: step.Command}
			if current == nil {
				rec.Err = ErrClosed
			} else {
				rec.Result, rec.Err = current.Apply(step.At, step.Command)
				if rec.Err == nil {
					current.Close()
					current = rec.Result.Instance.clone()
				}
				rec.Current = current.clone()
			}
			if !yield(rec) {
				return
			}
		}
	}
}
