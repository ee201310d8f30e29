package autoscale

import "errors"

var (
	// ErrInvalidOptions is matched by the error of New, or of a method given per-call options,
	// when the options are invalid; the message names every invalid field.
	ErrInvalidOptions = errors.New("autoscale: invalid options")
	// ErrInvalidSpec is matched by the error of a call whose input (an image query, a template,
	// group, hook or policy spec) is invalid; the message names every problem.
	ErrInvalidSpec = errors.New("autoscale: invalid spec")
	// ErrSingleAZ is matched (as well as ErrInvalidSpec) when a group's subnets lie in fewer than
	// two Availability Zones; the message names the zones.
	ErrSingleAZ = errors.New("autoscale: a group needs subnets in at least two Availability Zones")
	// ErrUserDataTooLarge is matched (as well as ErrInvalidSpec) when user data is over
	// MaxUserData bytes before base64 encoding; the message gives the size.
	ErrUserDataTooLarge = errors.New("autoscale: user data over 16 KB")
	// ErrImageNotFound is matched when an image query finds nothing; the message says what was
	// searched.
	ErrImageNotFound = errors.New("autoscale: no image matches")
	// ErrDrift is matched by the error of Ensure under FailOnDrift when the existing group
	// differs from the spec.
	ErrDrift = errors.New("autoscale: existing group differs from the spec")
	// ErrNotFound is matched when the named group or launch template does not exist.
	ErrNotFound = errors.New("autoscale: not found")
	// ErrTimeout is matched by a wait's error when its time ran out (as is wait.ErrTimeout); the
	// error is a *wait.TimeoutError naming the last state observed.
	ErrTimeout = errors.New("autoscale: timed out")
	// ErrActivityFailed is matched by WaitInService's error when the group's latest scaling
	// activity failed; the error is a *wait.FailedError whose Reason is the activity's
	// StatusMessage (an AMI that does not exist, no capacity, ...).
	ErrActivityFailed = errors.New("autoscale: scaling activity failed")
	// ErrRefreshFailed is matched by a refresh wait's error when the instance refresh ended
	// Failed, Cancelled, RollbackSuccessful or RollbackFailed; the error is a *wait.FailedError
	// whose State is the status and Reason the refresh's StatusReason.
	ErrRefreshFailed = errors.New("autoscale: instance refresh did not succeed")
	// ErrRefreshInProgress is matched by StartRefresh's error under RefreshConflictFail when the
	// group already has an active instance refresh.
	ErrRefreshInProgress = errors.New("autoscale: an instance refresh is already in progress")
	// ErrNoActiveRefresh is matched by CancelRefresh and RollbackRefresh when the group has no
	// active instance refresh to act on.
	ErrNoActiveRefresh = errors.New("autoscale: no active instance refresh")
	// ErrNoLifecycleAction is matched by CompleteLifecycleAction and RecordHeartbeat when Auto
	// Scaling still reports "No active Lifecycle Action found" after LifecycleActionTimeout.
	ErrNoLifecycleAction = errors.New("autoscale: no active lifecycle action")
)

// alsoError is an error that also matches further sentinels.
type alsoError struct {
	error
	also error
}

// Unwrap returns the error itself, so it matches its own sentinels.
func (e *alsoError) Unwrap() error { return e.error }

// Is matches the further sentinel.
func (e *alsoError) Is(target error) bool { return target == e.also }

// also makes err match sentinel as well, when cond holds.
func also(err error, cond bool, sentinel error) error {
	if err == nil || !cond {
		return err
	}
	return &alsoError{error: err, also: sentinel}
}
