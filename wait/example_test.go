package wait_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/wait"
)

// A caller that must tell a timeout from other failures, whichever package waited.
func ExampleTimeoutError() {
	errPkgTimeout := errors.New("rds: timed out")
	var err error = fmt.Errorf("ensure db: %w", &wait.TimeoutError{
		Package: "rds", What: "db-1 available", LastState: "modifying", Observed: true,
		Waited: 40 * time.Minute, Sentinel: errPkgTimeout,
	})

	var te *wait.TimeoutError
	if errors.As(err, &te) {
		fmt.Println("last state:", te.LastState)
	}
	fmt.Println(errors.Is(err, wait.ErrTimeout), errors.Is(err, errPkgTimeout))
	fmt.Println(err)
	// Output:
	// last state: modifying
	// true true
	// ensure db: rds: timed out after 40m0s waiting for db-1 available: last state "modifying"
}
