package elb

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Options]; a zero field means the matching default.
const (
	// DefaultBatchSize is how many targets one RegisterTargets or DeregisterTargets call carries.
	// The API documents no per-request cap, but large requests are what quotas and throttling
	// punish, so registrations go in chunks.
	DefaultBatchSize = 100
	// DefaultPollInterval is the first delay between health polls, and the delay after any target
	// changed state.
	DefaultPollInterval = 5 * time.Second
	// DefaultMaxPollInterval caps the delay between health polls while nothing changes.
	DefaultMaxPollInterval = 15 * time.Second
	// DefaultActiveTimeout bounds Ensure's wait for a new load balancer to leave provisioning,
	// which AWS usually finishes within a few minutes.
	DefaultActiveTimeout = 10 * time.Minute
	// DefaultRetryTimeout bounds the retries of one call that fails with throttling or with an
	// eventual-consistency error such as TargetGroupNotFound right after CreateTargetGroup.
	DefaultRetryTimeout = 2 * time.Minute
	// DefaultMinHealthyPercent is the share of instances a roll keeps in service, as CodeDeploy's
	// HalfAtATime configuration does.
	DefaultMinHealthyPercent = 50
)

// ZonePolicy says what to do when the in-service targets do not span two Availability Zones.
type ZonePolicy int

const (
	// ZoneWarn logs a warning and carries on. It is the default.
	ZoneWarn ZonePolicy = iota
	// ZoneError fails with an error matching [ErrSingleZone].
	ZoneError
	// ZoneIgnore skips the check.
	ZoneIgnore
)

// Options configure a [Client] or a [Classic]. [New] and [NewClassic] validate them once and
// fail with an error matching [ErrInvalidOptions] that names every invalid field. Methods, pools
// and [Roll] take further func(*Options) that apply to a copy for that call only and are
// validated the same way.
type Options struct {
	// Certificates is the ACM client used to find a certificate by domain. Nil means an HTTPS
	// listener needs an explicit certificate ARN.
	Certificates CertificateAPI
	// Instances is the EC2 client used to learn Availability Zones: of instances for the zone
	// spread check, and of LoadBalancer.Subnets, which Ensure checks before any ELB call. Nil
	// means zone spread checks are skipped (logged at debug level) and Ensure counts distinct
	// subnets only, leaving two subnets in one zone to AWS's refusal.
	Instances InstancesAPI
	// BatchSize is the number of targets per register or deregister call. Zero means
	// DefaultBatchSize.
	BatchSize int
	// PollInterval is the first delay between health polls and the delay after a change. Zero
	// means DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between polls while nothing changes; a wait notices a change
	// at most this long after it happened. Zero means DefaultMaxPollInterval.
	MaxPollInterval time.Duration
	// HealthyTimeout bounds a wait for targets to become healthy. Zero means derived from the
	// target group's health check: HealthyGrace + (HealthyThreshold+1) x Interval + 2 x
	// MaxPollInterval, the time a target that was unhealthy needs to come back.
	HealthyTimeout time.Duration
	// HealthyGrace lets a wait for healthy targets (WaitHealthy, and so Roll) accept failed
	// health checks (Target.FailedHealthChecks, Target.Timeout, Target.ResponseCodeMismatch;
	// Classic: failed checks) for this long from its start, for an application that boots
	// slowly; a target still failing after it fails the wait at the next poll. Draining, not in
	// use or not registered targets fail as without it. Zero (the default) fails fast at the
	// first unhealthy reading.
	HealthyGrace time.Duration
	// DrainTimeout bounds a wait for targets to drain. Zero means the target group's
	// deregistration delay (Classic: the connection draining timeout) + 2 x MaxPollInterval.
	DrainTimeout time.Duration
	// RetryTimeout bounds the retries of one call on throttling or eventual-consistency errors,
	// and how long a wait tolerates such errors (TargetGroupNotFound, InvalidInstance) or a
	// target reported as not registered. Zero means DefaultRetryTimeout.
	RetryTimeout time.Duration
	// ZoneSpread says what happens when the in-service targets span fewer than two Availability
	// Zones. The zero value is ZoneWarn.
	ZoneSpread ZonePolicy
	// FailOnDrift makes Ensure fail with [ErrDrift] when an existing resource differs from the
	// spec. False (the default) reports drift in [Stack.Drift] and leaves the resource as it is.
	FailOnDrift bool
	// NoWait makes Ensure return without waiting for a new load balancer to become active. False
	// (the default) waits, for up to ActiveTimeout.
	NoWait bool
	// ActiveTimeout bounds Ensure's wait for a new load balancer to become active. Zero means
	// DefaultActiveTimeout.
	ActiveTimeout time.Duration
	// OnTargetChange, if not nil, is called synchronously for every target state change a wait
	// observes, including the first observation of each target.
	OnTargetChange func(TargetChange)
	// MinHealthyPercent is the share of the instances, 1 to 99 and rounded up to whole instances,
	// that [Roll] keeps in service while a batch is out. Zero means DefaultMinHealthyPercent;
	// there is no all-at-once roll, which would take the site down.
	MinHealthyPercent int
	// RollBatchSize caps the instances per batch of a [Roll]. Zero means as many as
	// MinHealthyPercent allows.
	RollBatchSize int
	// RollHook runs for each batch of a [Roll] after it drained and before it is registered
	// again: the place to deploy code, or to replace the instances. It returns the instance IDs
	// to register; nil means the same instances (an in-place deploy). Nil means nothing runs.
	RollHook func(ctx context.Context, batch []string) ([]string, error)
	// OnBatch, if not nil, is called synchronously as each batch of a [Roll] enters a phase.
	OnBatch func(BatchProgress)
	// Logger receives warnings and debug messages. Nil means discard.
	Logger *slog.Logger
	// Clock is the time source for waits and retries. Nil means the wall clock.
	Clock clock.Clock
	// ELBv2Options are passed to every ELBv2 call, for example to set a retryer.
	ELBv2Options []func(*elasticloadbalancingv2.Options)
	// ClassicOptions are passed to every Classic Load Balancer call.
	ClassicOptions []func(*elasticloadbalancing.Options)
}

// copy returns o with its slices copied, so per-call changes do not leak.
func (o Options) copy() Options {
	o.ELBv2Options = append([]func(*elasticloadbalancingv2.Options){}, o.ELBv2Options...)
	o.ClassicOptions = append([]func(*elasticloadbalancing.Options){}, o.ClassicOptions...)
	return o
}

// with returns a copy of o with optFns applied.
func (o Options) with(optFns []func(*Options)) Options {
	o = o.copy()
	for _, fn := range optFns {
		fn(&o)
	}
	return o
}

// validate returns an error matching ErrInvalidOptions that names every invalid field, or nil.
func (o Options) validate() error {
	var p check.Problems
	o.check(&p)
	return p.Err(ErrInvalidOptions)
}

// check records every invalid field in p.
func (o Options) check(p *check.Problems) {
	p.If(o.BatchSize < 0, "BatchSize %d is negative", o.BatchSize)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PollInterval", o.PollInterval}, {"MaxPollInterval", o.MaxPollInterval}, {"HealthyTimeout", o.HealthyTimeout}, {"HealthyGrace", o.HealthyGrace}, {"DrainTimeout", o.DrainTimeout}, {"RetryTimeout", o.RetryTimeout}, {"ActiveTimeout", o.ActiveTimeout}} {
		p.If(d.v < 0, "%s %s is negative", d.name, d.v)
	}
	p.If(o.PollInterval > 0 && o.MaxPollInterval > 0 && o.MaxPollInterval < o.PollInterval,
		"MaxPollInterval %s is below PollInterval %s", o.MaxPollInterval, o.PollInterval)
	p.If(o.ZoneSpread < ZoneWarn || o.ZoneSpread > ZoneIgnore, "ZoneSpread %d is not a ZonePolicy", o.ZoneSpread)
	p.If(o.MinHealthyPercent < 0 || o.MinHealthyPercent > 99,
		"MinHealthyPercent %d must be 1-99 (0 means the default, %d)", o.MinHealthyPercent, DefaultMinHealthyPercent)
	p.If(o.RollBatchSize < 0, "RollBatchSize %d is negative", o.RollBatchSize)
}

// resolve applies per-call overrides to a copy of o, validates the result and fills in defaults.
func (o Options) resolve(optFns []func(*Options)) (Options, error) {
	o = o.with(optFns)
	if err := o.validate(); err != nil {
		return o, err
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = max(DefaultMaxPollInterval, o.PollInterval)
	}
	if o.RetryTimeout == 0 {
		o.RetryTimeout = DefaultRetryTimeout
	}
	if o.ActiveTimeout == 0 {
		o.ActiveTimeout = DefaultActiveTimeout
	}
	if o.MinHealthyPercent == 0 {
		o.MinHealthyPercent = DefaultMinHealthyPercent
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Clock = clock.Or(o.Clock)
	return o, nil
}
