package wait

import (
	"errors"
	"fmt"
	"time"
)

// ErrTimeout is matched by every [*TimeoutError], from any package.
var ErrTimeout = errors.New("wait: timed out")

// ErrFailed is matched by every [*FailedError], from any package.
var ErrFailed = errors.New("wait: failure state")

// TimeoutError is returned when a wait ran out of time (its budget, or ctx's deadline) before the
// awaited condition held.
type TimeoutError struct {
	// Package is the portalkit package that waited, for example "elb"; it prefixes the message.
	Package string
	// What names what was awaited, for example "targets healthy in tg-web".
	What string
	// LastState is the last state observed, "" if none was.
	LastState string
	// Observed reports whether any check observed a state.
	Observed bool
	// Waited is how long the wait lasted.
	Waited time.Duration
	// LastErr is the transient error of the last check, if that check failed.
	LastErr error
	// Sentinel is the waiting package's ErrTimeout; errors.Is matches it as well as [ErrTimeout].
	Sentinel error
	// Cause is context.DeadlineExceeded when ctx's deadline ended the wait, nil otherwise.
	Cause error
}

// Error names the package, what was awaited, how long and the last state.
func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("timed out after %s waiting for %s", e.Waited, e.What)
	if e.Package != "" {
		msg = e.Package + ": " + msg
	}
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

// Is makes errors.Is true for [ErrTimeout] and for the package's Sentinel.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || (e.Sentinel != nil && target == e.Sentinel)
}

// Unwrap returns Cause when ctx's deadline ended the wait, else LastErr, else nil.
func (e *TimeoutError) Unwrap() error {
	if e.Cause != nil {
		return e.Cause
	}
	return e.LastErr
}

// FailedError is returned as soon as a wait observes a failure state.
type FailedError struct {
	// Package is the portalkit package that waited; it prefixes the message.
	Package string
	// What names what was awaited.
	What string
	// State is the failure state observed, for example "incompatible-parameters".
	State string
	// Reason says why, in the service's words, when it gave one.
	Reason string
	// Sentinel is the waiting package's error for this failure, if it has one; errors.Is
	// matches it as well as [ErrFailed].
	Sentinel error
}

// Error names the package, what was awaited, the state and the reason.
func (e *FailedError) Error() string {
	msg := fmt.Sprintf("%s failed: state %q", e.What, e.State)
	if e.Package != "" {
		msg = e.Package + ": " + msg
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is makes errors.Is true for [ErrFailed] and for the package's Sentinel.
func (e *FailedError) Is(target error) bool {
	return target == ErrFailed || (e.Sentinel != nil && target == e.Sentinel)
}
