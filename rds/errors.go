package rds

import (
	"errors"

	"github.com/portalkit/portalkit/wait"
)

var (
	// ErrInvalidOptions is matched by the error of New or of a call whose Options are invalid;
	// the message names every invalid field.
	ErrInvalidOptions = errors.New("rds: invalid options")
	// ErrInvalidSpec is matched by the error of a call whose input (a Spec, a ConnOptions, a copy
	// target, a prune policy, an instance or snapshot identifier) is invalid; the message names
	// every problem and never quotes a password.
	ErrInvalidSpec = errors.New("rds: invalid spec")
	// ErrSingleAZ is matched when a DB subnet group would cover fewer than two Availability
	// Zones; the message names the zones covered.
	ErrSingleAZ = errors.New("rds: DB subnet group covers fewer than two Availability Zones")
	// ErrTimeout is matched by the error of a wait that ran out of time; the error is a
	// *wait.TimeoutError naming the last status observed.
	ErrTimeout = errors.New("rds: timed out")
	// ErrFailed is matched by the error of a wait that observed a terminal failure status
	// (failed, incompatible-parameters, storage-full, ...); the error is a *wait.FailedError
	// naming the status, returned as soon as it was observed.
	ErrFailed = errors.New("rds: failure status")
	// ErrDrift is matched by the error of Ensure under FailOnDrift when the existing instance
	// or subnet group differs from the spec.
	ErrDrift = errors.New("rds: existing resource differs from the spec")
	// ErrNotMultiAZ is matched by the error of Failover on a Single-AZ instance, which has no
	// standby to fail over to.
	ErrNotMultiAZ = errors.New("rds: not a Multi-AZ DB instance")
	// ErrNotAvailable is matched when an operation needs an available instance (a failover, a
	// snapshot) and the instance is in another status; the message names it.
	ErrNotAvailable = errors.New("rds: DB instance is not available")
	// ErrFailoverNotConfirmed is matched by the error of Failover when the instance became
	// available again without its primary moving to the former secondary Availability Zone.
	ErrFailoverNotConfirmed = errors.New("rds: failover not confirmed")
	// ErrNotFound is matched when the DB instance or snapshot named does not exist (RDS answered
	// DBInstanceNotFound or DBSnapshotNotFound). Other errors are never reported as not found.
	ErrNotFound = errors.New("rds: not found")
)

// The errors waits return, re-exported for callers that only import this package.
type (
	// TimeoutError is [wait.TimeoutError]: a wait ran out of time; LastState is the last status.
	TimeoutError = wait.TimeoutError
	// FailedError is [wait.FailedError]: a wait observed a failure status; State names it.
	FailedError = wait.FailedError
)
