// Transitions per second through the Go binding (bindings/go) ÷ an
// equivalent model written on github.com/looplab/fsm, on the same command
// sequence, producing the same effect values (checked before timing).
//
// A module of its own, so that looplab/fsm (fetched through the Go module
// proxy by scripts/bench) is a dependency of this benchmark only. Prints
// one RATIO line (target >= 1).
//
// The sequence repeats, on one Enterprise Platinum instance: set the
// post-expiration action to downgrade_to_standard, back to delete_resource
// (with its notice), renew by one month (with the expiry timer), add a
// topic, remove it: five commands, seven effects. The peer keeps the
// instance in a plain struct that an fsm.FSM drives, each command an event
// whose callback checks the time and builds the effects.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
	"github.com/looplab/fsm"
)

const (
	cycles = 2000
	rounds = 21
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// effect is what both sides are compared on.
type effect struct {
	Key, Kind, Subject, Text string
	Flags                    uint
	From, To, Timer          string
	At, ExpiresAt            time.Time
	PeriodMonths             int
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// ---- the peer model on looplab/fsm ------------------------------------------

type peer struct {
	id        string
	revision  uint64
	updatedAt time.Time
	expiresAt time.Time
	action    string
	topics    []string
	topicSet  map[string]bool
	effects   []effect
	machine   *fsm.FSM
}

func (p *peer) emit(kind, subject string, flags uint, e effect, text string) {
	e.Key = fmt.Sprintf("%s/%d/%d", p.id, p.revision, len(p.effects))
	e.Kind, e.Subject, e.Flags, e.Text = kind, subject, flags, text
	p.effects = append(p.effects, e)
}

func (p *peer) next(now time.Time) {
	p.revision++
	p.updatedAt = now
	p.effects = p.effects[:0]
}

func newPeer(id string, now time.Time) *peer {
	p := &peer{id: id, updatedAt: now, expiresAt: now.AddDate(0, 1, 0),
		action: "delete_resource", topicSet: map[string]bool{}}
	self := []string{"active"}
	p.machine = fsm.NewFSM("active", fsm.Events{
		{Name: "set_action", Src: self, Dst: "active"},
		{Name: "renew", Src: self, Dst: "active"},
		{Name: "add_topic", Src: self, Dst: "active"},
		{Name: "remove_topic", Src: self, Dst: "active"},
	}, fsm.Callbacks{
		// preconditions: a command never runs before the last change
		"before_event": func(_ context.Context, e *fsm.Event) {
			if e.Args[0].(time.Time).Before(p.updatedAt) {
				e.Cancel(errors.New("clock skew"))
			}
		},
		"set_action": func(_ context.Context, e *fsm.Event) {
			now, action := e.Args[0].(time.Time), e.Args[1].(string)
			if action == p.action {
				p.effects = p.effects[:0]
				return
			}
			p.next(now)
			old := p.action
			p.action = action
			p.emit("config.post_expiration_action", p.id, 0, effect{From: old, To: action},
				"set the post-expiration action from "+old+" to "+action)
			if action == "delete_resource" {
				p.emit("notice.delete_on_expiry", p.id, 8, effect{At: p.expiresAt},
					"notify: at "+stamp(p.expiresAt)+" the instance and all its topics and "+
						"groups will be deleted unless the post-expiration action is changed")
			}
		},
		"renew": func(_ context.Context, e *fsm.Event) {
			now, months := e.Args[0].(time.Time), e.Args[1].(int)
			p.next(now)
			p.expiresAt = p.expiresAt.AddDate(0, months, 0)
			unit := "months"
			if months == 1 {
				unit = "month"
			}
			p.emit("billing.renew", p.id, 4, effect{PeriodMonths: months, ExpiresAt: p.expiresAt},
				fmt.Sprintf("renew the subscription by %d %s, to %s", months, unit,
					stamp(p.expiresAt)))
			p.emit("timer.schedule", p.id, 0, effect{At: p.expiresAt, Timer: "expiry"},
				"schedule the expiry timer at "+stamp(p.expiresAt))
		},
		"add_topic": func(_ context.Context, e *fsm.Event) {
			now, name := e.Args[0].(time.Time), e.Args[1].(string)
			if p.topicSet[name] {
				e.Cancel(errors.New("exists"))
				return
			}
			p.next(now)
			p.topics = append(p.topics, name)
			p.topicSet[name] = true
			p.emit("topic.create", name, 0, effect{}, "create topic "+name)
		},
		"remove_topic": func(_ context.Context, e *fsm.Event) {
			now, name := e.Args[0].(time.Time), e.Args[1].(string)
			if !p.topicSet[name] {
				e.Cancel(errors.New("not found"))
				return
			}
			p.next(now)
			for i, t := range p.topics {
				if t == name {
					p.topics = append(p.topics[:i], p.topics[i+1:]...)
					break
				}
			}
			delete(p.topicSet, name)
			p.emit("topic.delete", name, 1, effect{}, "delete topic "+name+" and its messages")
		},
	})
	return p
}

func (p *peer) fire(event string, args ...interface{}) {
	err := p.machine.Event(context.Background(), event, args...)
	var same fsm.NoTransitionError
	if err != nil && !errors.As(err, &same) {
		panic(err)
	}
}

func runPeer(n int, check *[][]effect) int {
	p := newPeer("MQ_GO", start)
	now := start
	count := 0
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t-%d", i)
		for step := 0; step < 5; step++ {
			now = now.Add(time.Second)
			switch step {
			case 0:
				p.fire("set_action", now, "downgrade_to_standard")
			case 1:
				p.fire("set_action", now, "delete_resource")
			case 2:
				p.fire("renew", now, 1)
			case 3:
				p.fire("add_topic", now, name)
			case 4:
				p.fire("remove_topic", now, name)
			}
			if check != nil {
				*check = append(*check, append([]effect(nil), p.effects...))
			}
			count++
		}
	}
	return count
}

// ---- the same through the binding ----------------------------------------------

func norm(e edition.Effect) effect {
	return effect{Key: e.Key, Kind: e.Kind.String(), Subject: e.Subject, Text: e.Text,
		Flags: uint(e.Flags), From: e.From, To: e.To, Timer: e.Timer, At: e.At,
		ExpiresAt: e.ExpiresAt, PeriodMonths: e.PeriodMonths}
}

func runBinding(n int, check *[][]effect) int {
	cur, err := edition.CreateEnterprisePlatinum("MQ_GO", "http://mq", start, 1)
	if err != nil {
		panic(err)
	}
	now := start
	count := 0
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t-%d", i)
		for step := 0; step < 5; step++ {
			now = now.Add(time.Second)
			var r *edition.Result
			switch step {
			case 0:
				r, err = cur.SetPostExpirationAction(now, edition.DowngradeToStandard)
			case 1:
				r, err = cur.SetPostExpirationAction(now, edition.DeleteResource)
			case 2:
				r, err = cur.Renew(now, 1)
			case 3:
				r, err = cur.AddTopic(now, name)
			case 4:
				r, err = cur.RemoveTopic(now, name)
			}
			if err != nil {
				panic(err)
			}
			if check != nil {
				var got []effect
				for _, e := range r.Effects {
					got = append(got, norm(e))
				}
				*check = append(*check, got)
			}
			_ = cur.Close()
			cur = r.Instance
			count++
		}
	}
	_ = cur.Close()
	return count
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func main() {
	var mine, theirs [][]effect
	runBinding(20, &mine)
	runPeer(20, &theirs)
	if fmt.Sprint(mine) != fmt.Sprint(theirs) {
		for i := range mine {
			if fmt.Sprint(mine[i]) != fmt.Sprint(theirs[i]) {
				fmt.Fprintf(os.Stderr, "go_vs_looplab_fsm: effects differ:\n  %v\n  %v\n",
					mine[i], theirs[i])
				break
			}
		}
		os.Exit(2)
	}
	var lib, other []float64
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		n := runBinding(cycles, nil)
		t1 := time.Now()
		m := runPeer(cycles, nil)
		t2 := time.Now()
		lib = append(lib, float64(n)/t1.Sub(t0).Seconds())
		other = append(other, float64(m)/t2.Sub(t1).Seconds())
	}
	a, b := median(lib), median(other)
	fmt.Printf("go: %.0f transitions/s through the binding, %.0f on looplab/fsm (same effects)\n",
		a, b)
	fmt.Printf("RATIO go_vs_looplab_fsm %.2f 1 >=\n", a/b)
}
