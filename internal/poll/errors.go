package poll

import (
	"fmt"
	"time"
)

// ErrTimeout is matched by every *TimeoutError with errors.Is.
var ErrTimeout = fmt.Errorf("poll: timed out")

// TimeoutError is returned when a wait ran out of time before the awaited condition held.
type TimeoutError struct {
	What      string        // what was waited for
	LastState string        // the last state observed, "" if none was
	Observed  bool          // whether any check succeeded in observing a state
	Waited    time.Duration // how long the wait lasted
	LastErr   error         // the transient error of the last check, if it failed
	cause     error         // context.DeadlineExceeded when ctx's deadline ended the wait
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("timed out after %s waiting for %s", e.Waited, e.What)
	if e.Observed {
		msg += fmt.Sprintf(": last state %q", e.LastState)
	} else {
		msg += ": no state observed"
	}
	if e.LastErr != nil {
		msg += fmt.Sprintf(" (last check failed: %v)", e.LastErr)
	}
	return msg
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns context.DeadlineExceeded when ctx's deadline ended the wait, else the last transient
// error, else nil.
func (e *TimeoutError) Unwrap() error {
	if e.cause != nil {
		return e.cause
	}
	return e.LastErr
}

// FailedError is returned as soon as a check reports a failure state.
type FailedError struct {
	What   string // what was waited for
	State  string // the failure state observed
	Reason string // why, in the service's words
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("%s failed: state %q", e.What, e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}
