package poll_test

import (
	"context"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/poll"
)

// A database that becomes available after a few checks, waited for on a virtual clock.
func ExampleWait() {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	states := []string{"creating", "creating", "backing-up", "available"}
	i := 0
	check := func(ctx context.Context) (poll.Result, error) {
		s := states[min(i, len(states)-1)]
		i++
		if s == "available" {
			return poll.Result{Status: poll.Done, State: s}, nil
		}
		return poll.Result{Status: poll.Pending, State: s}, nil
	}
	res, err := poll.Wait(context.Background(), check, poll.Options{
		What:     "db-1 available",
		MinDelay: 30 * time.Second, MaxDelay: 2 * time.Minute, Jitter: -1,
		Clock: clk,
		OnProgress: func(p poll.Progress) {
			fmt.Printf("%s: %s after %s\n", p.What, p.State, p.Elapsed)
		},
	})
	fmt.Println(res.State, err)
	// Output:
	// db-1 available: creating after 0s
	// db-1 available: backing-up after 1m30s
	// db-1 available: available after 2m0s
	// available <nil>
}

// A failure state ends the wait at once, with the reason.
func ExampleWait_failed() {
	check := func(ctx context.Context) (poll.Result, error) {
		return poll.Result{Status: poll.Failed, State: "unhealthy", Reason: "Target.Timeout"}, nil
	}
	_, err := poll.Wait(context.Background(), check, poll.Options{What: "i-1 healthy", Clock: clock.NewFake(time.Time{})})
	fmt.Println(err)
	// Output:
	// i-1 healthy failed: state "unhealthy": Target.Timeout
}
