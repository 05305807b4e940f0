package edition_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// A host's store of effects already carried out, by key. In production this
// is a table with a unique key, written in the same transaction as the
// snapshot (compare-and-set on its revision).
type doneStore map[string]bool

// carryOut performs each effect once, recognised by its key.
func (done doneStore) carryOut(effects []edition.Effect) {
	for _, e := range effects {
		if done[e.Key] {
			continue // already carried out before a crash: skip it
		}
		fmt.Printf("%s %s\n", e.Key, e.Text)
		done[e.Key] = true
	}
}

// Upgrade a Standard Edition instance, then carry out its effects exactly
// once by key: running the same effects again does nothing.
func Example() {
	created := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	in, err := edition.CreateStandard("MQ_INST_demo", "http://MQ_INST_demo.mq.example:8080", created)
	if err != nil {
		panic(err)
	}
	defer in.Close()
	r, err := in.AddTopic(created, "orders")
	if err != nil {
		panic(err)
	}
	defer r.Instance.Close()

	up, err := r.Instance.Upgrade(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 1)
	if err != nil {
		panic(err)
	}
	defer up.Instance.Close()
	done := doneStore{}
	done.carryOut(up.Effects)
	done.carryOut(up.Effects) // a retry after a crash: nothing twice
	deadline, _ := up.Instance.NextDeadline()
	fmt.Println("next tick at", deadline.Format(time.RFC3339))
	// Output:
	// MQ_INST_demo/2/0 switch billing from pay-as-you-go to a 1-month subscription from 2026-02-01T00:00:00Z, expiring 2026-03-01T00:00:00Z
	// MQ_INST_demo/2/1 migrate topic orders from the shared cluster to the dedicated cluster
	// MQ_INST_demo/2/2 schedule the expiry timer at 2026-03-01T00:00:00Z
	// MQ_INST_demo/2/3 open a ticket with expert services for the upgraded instance
	// MQ_INST_demo/2/4 notify: at 2026-03-01T00:00:00Z the instance and all its topics and groups will be deleted unless the post-expiration action is changed
	// next tick at 2026-03-01T00:00:00Z
}

// The safe way down to Standard Edition: the direct downgrade is refused,
// and PlanDowngrade lists the commands that delete nothing.
func ExampleInstance_PlanDowngrade() {
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	in, err := edition.CreateEnterprisePlatinum("MQ_INST_demo", "http://MQ_INST_demo.mq.example:8080", now, 6)
	if err != nil {
		panic(err)
	}
	defer in.Close()
	later := now.Add(24 * time.Hour)
	if _, err := in.Downgrade(later); errors.Is(err, edition.ErrNoDirectDowngrade) {
		fmt.Println("downgrade refused:", edition.ErrNoDirectDowngrade.String())
	}
	plan, err := in.PlanDowngrade(later, edition.Immediate)
	if err != nil {
		panic(err)
	}
	defer plan.Instance.Close()
	cur := in
	for i, step := range plan.Plan {
		fmt.Println("step:", step.Command)
		r, err := cur.Apply(later.Add(time.Duration(i+1)*time.Minute), step.Command)
		if err != nil {
			panic(err)
		}
		defer r.Instance.Close()
		cur = r.Instance
	}
	fmt.Println("now:", cur.Edition(), cur.Billing(), cur.Cluster())
	// Output:
	// downgrade refused: no_direct_downgrade
	// step: set_post_expiration_action action=downgrade_to_standard
	// step: refund allow_data_loss=false
	// now: standard pay_as_you_go shared
}

// The data-loss guard: a refund with the default action delete_resource is
// refused, and the refusal lists what would have been deleted.
func ExampleInstance_Refund() {
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	in, err := edition.CreateEnterprisePlatinum("MQ_INST_demo", "http://MQ_INST_demo.mq.example:8080", now, 3)
	if err != nil {
		panic(err)
	}
	defer in.Close()
	_, err = in.Refund(now.Add(time.Hour), false)
	var refused *edition.RefusedError
	if errors.As(err, &refused) && errors.Is(err, edition.ErrDataLossRefused) {
		for _, e := range refused.WouldHave {
			fmt.Printf("would have: %s [%s]\n", e.Kind, e.Flags)
		}
	}
	// Output:
	// would have: billing.refund [billing]
	// would have: timer.cancel []
	// would have: instance.delete [irreversible]
}

// Load a state file, inspect it and write it back.
func ExampleLoad() {
	in, err := edition.Load([]byte(`libedition: 1
instance:
  id: MQ_INST_demo
  endpoint: http://MQ_INST_demo.mq.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
  topics: [orders]
`))
	if err != nil {
		panic(err)
	}
	defer in.Close()
	fmt.Println(in.ID(), in.Edition(), in.Lifecycle(), in.Topics())

	_, err = edition.Load([]byte("libedition: 1\ninstance:\n  colour: red\n"))
	var le *edition.LoadError
	if errors.As(err, &le) {
		fmt.Println(le.Code.String(), "at line", le.Line)
	}
	// Output:
	// MQ_INST_demo standard active [orders]
	// schema_error at line 3
}

// Run a scenario step by step.
func ExampleScenario_Simulate() {
	sc, err := edition.LoadScenario([]byte(`libedition: 1
instance:
  id: MQ_INST_demo
  endpoint: http://MQ_INST_demo.mq.example:8080
  edition: standard
  created_at: 2026-01-05T00:00:00Z
steps:
  - at: 2026-02-01T00:00:00Z
    command: upgrade
    period_months: 1
  - at: 2026-03-01T00:00:00Z
    command: add_topic
    name: orders
  - at: 2026-03-01T00:00:00Z
    command: tick
`))
	if err != nil {
		panic(err)
	}
	defer sc.Close()
	for rec := range sc.Simulate() {
		status := "ok"
		var refused *edition.RefusedError
		if errors.As(rec.Err, &refused) {
			status = refused.Code.String()
		} else if rec.Err != nil {
			status = rec.Err.Error()
		}
		fmt.Println(rec.Step, rec.Command.Kind, status, rec.Current.Lifecycle())
		// The record's snapshots are the caller's, to close at will.
		rec.Current.Close()
		if rec.Result != nil {
			rec.Result.Instance.Close()
		}
	}
	// Output:
	// 1 upgrade ok active
	// 2 add_topic expiry_due active
	// 3 tick ok expired
}

// Matching refusals with errors.Is.
func ExampleCode() {
	in, err := edition.CreateStandard("MQ_INST_demo", "http://MQ_INST_demo.mq.example:8080",
		time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	defer in.Close()
	_, err = in.Renew(time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), 1)
	fmt.Println(errors.Is(err, edition.ErrNotSubscription), errors.Is(err, edition.ErrExpired))
	// Output:
	// true false
}
