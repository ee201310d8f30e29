// Package wait holds the error types every portalkit wait returns, so callers can branch on them
// with errors.As whichever package waited.
//
// A wait that runs out of time returns a [*TimeoutError] that names the package, what was awaited
// and the last state observed; it matches both [ErrTimeout] and the waiting package's own
// ErrTimeout (elb.ErrTimeout, rds.ErrTimeout, ...). A wait that observes a state from which
// success is impossible returns a [*FailedError] at once, with the state and the service's reason.
package wait
