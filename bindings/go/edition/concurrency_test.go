package edition_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/libedition/libedition/bindings/go/edition"
)

// TestConcurrentTransitions shares one snapshot across many goroutines that
// transition it, read it and dump it at once; transitions are pure, so
// every goroutine sees the same answers. Run with -race.
func TestConcurrentTransitions(t *testing.T) {
	base := standard(t, []string{"orders", "payments"}, []string{"GID_billing"})
	want, err := base.Dump()
	if err != nil {
		t.Fatal(err)
	}
	start := at(t, "2026-02-01T00:00:00Z")
	const workers, rounds = 8, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				now := start.Add(time.Duration(i) * time.Minute)
				r, err := base.AddTopic(now, fmt.Sprintf("t-%d-%d", w, i))
				if err != nil {
					errs <- err
					return
				}
				if r.Instance.Revision() != base.Revision()+1 || len(r.Effects) != 1 {
					errs <- fmt.Errorf("worker %d: revision %d", w, r.Instance.Revision())
				}
				up, err := base.Upgrade(now, 1+i%36)
				if err != nil || len(up.Effects) != 7 || up.Effects[0].Key != r.Effects[0].Key {
					errs <- fmt.Errorf("worker %d: upgrade %v", w, err)
					return
				}
				if got, _ := base.Dump(); string(got) != string(want) {
					errs <- fmt.Errorf("worker %d: the shared snapshot changed", w)
				}
				_ = base.Topics()
				r.Instance.Close()
				if i%2 == 0 {
					up.Instance.Close() // the others are left to the finalizer
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrentClose closes a snapshot while other goroutines use it:
// each call either completes or sees a closed snapshot, never a freed one.
func TestConcurrentClose(t *testing.T) {
	in, err := edition.CreateStandard(testID, testEndpoint, at(t, "2026-01-05T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	now := at(t, "2026-01-06T00:00:00Z")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if r, err := in.AddTopic(now, "orders"); err == nil {
					r.Instance.Close()
				} else if err != edition.ErrClosed {
					t.Error(err)
					return
				}
				_ = in.ID()
			}
		}()
	}
	time.Sleep(time.Millisecond)
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); in.Close() }()
	}
	wg.Wait()
	if !in.Closed() {
		t.Error("not closed")
	}
}
