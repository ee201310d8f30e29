package autoscale

import (
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Options]; a zero field means the matching default.
const (
	// DefaultPollInterval is the first delay between polls of a wait, and the delay after the
	// observed state changed.
	DefaultPollInterval = 5 * time.Second
	// DefaultMaxPollInterval caps the delay between polls while nothing changes: a wait reports
	// completion at most this long after it happened.
	DefaultMaxPollInterval = 15 * time.Second
	// DefaultInServiceTimeout bounds WaitInService.
	DefaultInServiceTimeout = 15 * time.Minute
	// DefaultRefreshTimeout bounds a wait for an instance refresh. A refresh replaces instances
	// in batches, each waiting for launch, lifecycle hooks and warmup, so it is long.
	DefaultRefreshTimeout = 2 * time.Hour
	// DefaultRetryTimeout bounds the retries of one call on throttling or eventual-consistency
	// errors.
	DefaultRetryTimeout = 2 * time.Minute
	// DefaultLifecycleActionTimeout is how long CompleteLifecycleAction and RecordHeartbeat keep
	// retrying while Auto Scaling answers "No active Lifecycle Action found", which it does for a
	// short while after an instance enters a wait state.
	DefaultLifecycleActionTimeout = time.Minute
)

// RefreshConflict says what StartRefresh does when the group already has an active instance
// refresh. It never starts a new refresh over a running one without saying so.
type RefreshConflict int

const (
	// RefreshConflictFail returns an error matching ErrRefreshInProgress. It is the default.
	RefreshConflictFail RefreshConflict = iota
	// RefreshConflictWait waits for the running refresh to end (any way), then starts the new one.
	RefreshConflictWait
	// RefreshConflictCancel cancels the running refresh, waits until it is Cancelled, then
	// starts the new one.
	RefreshConflictCancel
)

// Options configure a [Client]. Methods take further func(*Options) that apply to a copy for
// that call only.
type Options struct {
	// Parameters is the Systems Manager client for image lookup by public parameter. Nil means
	// ImageQuery.Parameter is refused.
	Parameters ParameterAPI
	// TargetHealth is the ELBv2 client WaitInService uses to see instances healthy in the
	// group's target groups (one DescribeTargetHealth per target group per poll). Nil means
	// WaitInService relies on the group's own health status only.
	TargetHealth TargetHealthAPI
	// PollInterval is the first delay between polls and the delay after a change. Zero means
	// DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between polls while nothing changes. Zero means
	// DefaultMaxPollInterval (or PollInterval, when that is larger).
	MaxPollInterval time.Duration
	// InServiceTimeout bounds WaitInService, in addition to ctx. Zero means
	// DefaultInServiceTimeout.
	InServiceTimeout time.Duration
	// RefreshTimeout bounds a wait for an instance refresh, in addition to ctx. Zero means
	// DefaultRefreshTimeout.
	RefreshTimeout time.Duration
	// RetryTimeout bounds the retries of one call on throttling and eventual-consistency
	// errors. Zero means DefaultRetryTimeout.
	RetryTimeout time.Duration
	// LifecycleActionTimeout bounds how long lifecycle action calls retry "No active Lifecycle
	// Action found". Zero means DefaultLifecycleActionTimeout.
	LifecycleActionTimeout time.Duration
	// RefreshConflict says what StartRefresh does about an instance refresh already running.
	// The zero value is RefreshConflictFail.
	RefreshConflict RefreshConflict
	// FailOnDrift makes Ensure fail with ErrDrift when the existing group differs from the
	// spec. False (the default) reports the differences in Group.Drift and leaves them.
	FailOnDrift bool
	// OnProgress, if not nil, is called synchronously whenever a wait observes a new state.
	OnProgress func(Progress)
	// Logger receives debug and warning messages. Nil means discard.
	Logger *slog.Logger
	// Clock is the time source for waits and retries. Nil means the wall clock.
	Clock clock.Clock
	// AutoScalingOptions are passed to every Auto Scaling call, for example to set a retryer.
	AutoScalingOptions []func(*autoscaling.Options)
}

// Progress is what a wait reports on each change.
type Progress struct {
	// Group is the Auto Scaling group.
	Group string
	// What is "in-service" for WaitInService, "refresh" for an instance refresh wait.
	What string
	// Desired, InService and Healthy count the group's instances: the desired capacity, those
	// InService, and those InService, healthy and (when target groups are checked) healthy in
	// every target group. Set by WaitInService.
	Desired, InService, Healthy int
	// RefreshID is the instance refresh. Set by refresh waits, as are the fields below.
	RefreshID string
	// Status is the refresh status (Pending, InProgress, Successful, ...).
	Status string
	// Percent is the share of instances replaced.
	Percent int
	// InstancesToUpdate is how many instances are left to replace.
	InstancesToUpdate int
	// StatusReason is Auto Scaling's explanation of the status.
	StatusReason string
	// Elapsed is the time since the wait started.
	Elapsed time.Duration
}

// apply returns a copy of o with optFns applied.
func (o Options) apply(optFns []func(*Options)) Options {
	o.AutoScalingOptions = append([]func(*autoscaling.Options){}, o.AutoScalingOptions...)
	for _, fn := range optFns {
		fn(&o)
	}
	return o
}

// resolve applies per-call overrides to a copy of o, validates it and fills in defaults.
func (o Options) resolve(optFns []func(*Options)) (Options, error) {
	o = o.apply(optFns)
	var p check.Problems
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PollInterval", o.PollInterval}, {"MaxPollInterval", o.MaxPollInterval}, {"InServiceTimeout", o.InServiceTimeout},
		{"RefreshTimeout", o.RefreshTimeout}, {"RetryTimeout", o.RetryTimeout}, {"LifecycleActionTimeout", o.LifecycleActionTimeout}} {
		p.If(d.v < 0, "%s %s is negative", d.name, d.v)
	}
	p.If(o.PollInterval > 0 && o.MaxPollInterval > 0 && o.MaxPollInterval < o.PollInterval,
		"MaxPollInterval %s is below PollInterval %s", o.MaxPollInterval, o.PollInterval)
	p.If(o.RefreshConflict < RefreshConflictFail || o.RefreshConflict > RefreshConflictCancel, "RefreshConflict %d is not a RefreshConflict", o.RefreshConflict)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return o, err
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = max(DefaultMaxPollInterval, o.PollInterval)
	}
	if o.InServiceTimeout == 0 {
		o.InServiceTimeout = DefaultInServiceTimeout
	}
	if o.RefreshTimeout == 0 {
		o.RefreshTimeout = DefaultRefreshTimeout
	}
	if o.RetryTimeout == 0 {
		o.RetryTimeout = DefaultRetryTimeout
	}
	if o.LifecycleActionTimeout == 0 {
		o.LifecycleActionTimeout = DefaultLifecycleActionTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Clock = clock.Or(o.Clock)
	return o, nil
}
