package edition_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// tutorial is the Tutorial of bindings/go/README.md: the README's go blocks
// of that section, in order and separated by one blank line, are this
// function's body, line for line (tests/docs/test_go_readme.py checks it).
// Change the two together.
func tutorial() error {
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) // whole seconds; the clock: time.Now().Truncate(time.Second)
	in, err := edition.CreateStandard("MQ_INST_demo", "http://MQ_INST_demo.mq.example:8080", now)
	if err != nil {
		return err
	}
	defer in.Close()
	r, err := in.AddTopic(now, "orders")
	if err != nil {
		return err
	}
	defer r.Instance.Close()

	up, err := r.Instance.Upgrade(now, 6) // six months of Enterprise Platinum: the period is required
	if err != nil {
		return err
	}
	cur := up.Instance // the current snapshot; in and r.Instance stay Standard Edition
	defer func() { cur.Close() }()
	for _, e := range up.Effects { // billing.convert, topic.migrate, timer.schedule, ...
		fmt.Println(e.Key, e.Kind, e.Text)
	}
	deadline, _ := cur.NextDeadline() // call Tick then
	fmt.Println("next tick at", deadline.Format(time.RFC3339))

	done, err := cur.CompleteMigration(now)
	if err != nil {
		return err
	}
	cur.Close()
	cur = done.Instance

	plan, err := cur.PlanDowngrade(now, edition.Immediate) // or edition.AtExpiry
	if err != nil {
		return err
	}
	plan.Instance.Close() // the same snapshot as cur: a plan changes nothing
	for _, step := range plan.Plan {
		// set_post_expiration_action action=downgrade_to_standard, then refund
		// (Immediate) or tick at step.At, the expiry (AtExpiry)
		next, err := cur.Apply(now, step.Command)
		if err != nil {
			return err
		}
		cur.Close()
		cur = next.Instance
	}
	fmt.Println(cur.Edition(), cur.Topics()) // standard [orders]: nothing deleted

	plat, err := edition.CreateEnterprisePlatinum("MQ_INST_demo2", "http://MQ_INST_demo2.mq.example:8080", now, 12)
	if err != nil {
		return err
	}
	defer plat.Close()
	added, err := plat.AddTopic(now, "audit")
	if err != nil {
		return err
	}
	defer added.Instance.Close()

	_, err = added.Instance.Refund(now, false)
	var refused *edition.RefusedError
	if !errors.As(err, &refused) || !errors.Is(err, edition.ErrDataLossRefused) {
		return fmt.Errorf("expected the data-loss guard, got %v", err)
	}
	fmt.Println(refused.Message)          // ... or pass allowDataLoss=true to delete them
	for _, e := range refused.WouldHave { // billing.refund, timer.cancel, topic.delete, instance.delete
		fmt.Println("would", e.Text)
	}

	data, err := os.ReadFile("examples/scenarios/plan-a-safe-downgrade.yaml")
	if err != nil {
		return err
	}
	sc, err := edition.LoadScenario(data)
	if err != nil {
		return err
	}
	defer sc.Close()
	for rec := range sc.Simulate() {
		fmt.Println(rec.Step, rec.Command, rec.Err, rec.Current.Lifecycle())
		rec.Current.Close() // and rec.Result.Instance, on an accepted step
	}
	return nil
}

// The README's tutorial, run from the top of the repository as the README
// says.
func Example_tutorial() {
	if err := os.Chdir("../../.."); err != nil {
		panic(err)
	}
	defer func() {
		if err := os.Chdir("bindings/go/edition"); err != nil {
			panic(err)
		}
	}()
	if err := tutorial(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// MQ_INST_demo/2/0 billing.convert switch billing from pay-as-you-go to a 6-month subscription from 2026-02-01T00:00:00Z, expiring 2026-08-01T00:00:00Z
	// MQ_INST_demo/2/1 topic.migrate migrate topic orders from the shared cluster to the dedicated cluster
	// MQ_INST_demo/2/2 timer.schedule schedule the expiry timer at 2026-08-01T00:00:00Z
	// MQ_INST_demo/2/3 ticket.expert_services open a ticket with expert services for the upgraded instance
	// MQ_INST_demo/2/4 notice.delete_on_expiry notify: at 2026-08-01T00:00:00Z the instance and all its topics and groups will be deleted unless the post-expiration action is changed
	// next tick at 2026-08-01T00:00:00Z
	// standard [orders]
	// refund refused on instance MQ_INST_demo2: its post-expiration action is delete_resource, so unsubscribing now would delete 1 topic and 0 groups (S11). Set the action to downgrade_to_standard first to keep them, or pass allowDataLoss=true to delete them
	// would refund the unused subscription time until 2027-02-01T00:00:00Z
	// would cancel the expiry timer
	// would delete topic audit and its messages
	// would delete instance MQ_INST_demo2 as of 2026-02-01T00:00:00Z
	// 1 upgrade period_months=6 <nil> active
	// 2 complete_migration <nil> active
	// 3 downgrade edition: refused (no_direct_downgrade): downgrade refused on instance MQ_INST_1380156306793859_BXq3ZzKs: Enterprise Platinum Edition cannot be downgraded directly. Set the post-expiration action to downgrade_to_standard, then let the subscription expire or unsubscribe with refund; plan_downgrade lists the steps active
	// 4 plan_downgrade mode=immediate <nil> active
	// 5 plan_downgrade mode=at_expiry <nil> active
	// 6 set_post_expiration_action action=downgrade_to_standard <nil> active
	// 7 refund allow_data_loss=false <nil> active
}
