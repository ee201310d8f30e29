package portalkit_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/rds"
	"github.com/portalkit/portalkit/wait"
)

// Every package follows one contract: New validates its options once and names every problem in
// an error matching the package's ErrInvalidOptions, and every wait that runs out of time returns
// a *wait.TimeoutError matching both wait.ErrTimeout and the package's ErrTimeout.
func Example() {
	_, err := rds.New(nil, func(o *rds.Options) { o.PollInterval = -time.Second })
	fmt.Println(errors.Is(err, rds.ErrInvalidOptions))
	fmt.Println(err)

	// What a caller sees when a wait ran out of time, whichever package waited.
	var timeout error = &wait.TimeoutError{
		Package: "elb", What: "2 target(s) healthy in tg-web", LastState: "initial 2", Observed: true,
		Waited: 5 * time.Minute, Sentinel: elb.ErrTimeout,
	}
	var te *wait.TimeoutError
	fmt.Println(errors.Is(timeout, elb.ErrTimeout), errors.Is(timeout, wait.ErrTimeout), errors.As(timeout, &te) && te.LastState == "initial 2")
	// Output:
	// true
	// rds: invalid options: PollInterval -1s is negative; api is nil
	// true true true
}
