package route53

import (
	"io"
	"log/slog"
	"math"
	"strings"
	"time"

	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Options]; a zero field means the matching default.
const (
	// DefaultRequestsPerSecond is the client-side limit on Route 53 calls: Route 53 has long
	// allowed five requests per second per account, and stays under its newer token buckets too.
	DefaultRequestsPerSecond = 5.0
	// DefaultPollInterval is the delay before the first GetChange after a change, and the first
	// delay between polls. AWS says changes generally propagate within 60 seconds; the SDK's
	// waiter starts at 30 seconds, which can add most of a minute to every change.
	DefaultPollInterval = 5 * time.Second
	// DefaultMaxPollInterval caps the delay between GetChange polls: INSYNC is seen at most this
	// long after Route 53 reports it.
	DefaultMaxPollInterval = 10 * time.Second
	// DefaultWaitTimeout bounds the wait for one change to be INSYNC.
	DefaultWaitTimeout = 5 * time.Minute
	// DefaultRetryTimeout bounds the retries of one call refused with Throttling or
	// PriorRequestNotComplete.
	DefaultRetryTimeout = 2 * time.Minute
	// DefaultCNAMETTL is the TTL of a www CNAME to the apex (WWWCNAME), in seconds.
	DefaultCNAMETTL = 300
)

// Options configure a [Client]. Methods take further func(*Options) that apply to a copy for that
// call only.
type Options struct {
	// HostedZoneID names the hosted zone to change, with or without the "/hostedzone/" prefix,
	// and skips the lookup by name. Empty (the default) looks the zone up by the domain.
	HostedZoneID string
	// PrivateZone makes zone lookups consider private hosted zones only. False (the default)
	// considers public zones only, so a private zone of the same name (split-horizon DNS) is
	// skipped.
	PrivateZone bool
	// RequestsPerSecond limits the Client's Route 53 calls, every attempt of the SDK's retryer
	// included (the limit is a middleware in each call's stack, shared by all the Client's
	// calls). Zero means DefaultRequestsPerSecond; negative, NaN or infinite is invalid. At most
	// one call starts per 1/RequestsPerSecond.
	RequestsPerSecond float64
	// NoWait makes changes return as soon as Route 53 accepted them (PENDING). False (the
	// default) waits until every change is INSYNC, and holds the zone's lock meanwhile, so the
	// next change of the zone from this Client starts after it.
	NoWait bool
	// PollInterval is the delay before the first GetChange and the first delay between polls.
	// Zero means DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between polls while the status stays PENDING. Zero means
	// DefaultMaxPollInterval; it is raised to PollInterval when smaller.
	MaxPollInterval time.Duration
	// WaitTimeout bounds the wait for one change to be INSYNC. Zero means DefaultWaitTimeout.
	WaitTimeout time.Duration
	// RetryTimeout bounds the retries of one call refused with Throttling or
	// PriorRequestNotComplete (another change of the zone, from another process, still being
	// processed). Zero means DefaultRetryTimeout.
	RetryTimeout time.Duration
	// SplitBatches lets changes over Route 53's per-request limits go in several requests, each
	// within them and each atomic on its own. False (the default) refuses such changes with
	// [ErrBatchTooLarge], as one request is what makes a set of changes atomic.
	SplitBatches bool
	// OnProgress, if not nil, is called synchronously when a change is accepted and each time
	// its observed status changes.
	OnProgress func(Progress)
	// Logger receives debug messages. Nil means discard.
	Logger *slog.Logger
	// Clock is the time source for the rate limit, waits and retries. Nil means the wall clock.
	// The Client's rate limiter is built on the Clock given to New.
	Clock clock.Clock
	// Route53Options are passed to every Route 53 call, after the Client's own.
	Route53Options []func(*awsroute53.Options)
}

// Progress reports a change: accepted (PENDING), then each status change until INSYNC.
type Progress struct {
	// HostedZoneID is the zone changed, without the "/hostedzone/" prefix.
	HostedZoneID string
	// ChangeID is Route 53's ID of the change, without the "/change/" prefix.
	ChangeID string
	// Status is the status observed: "PENDING" or "INSYNC".
	Status string
	// Elapsed is the time since the change was accepted.
	Elapsed time.Duration
	// Polls is the number of GetChange calls made for the change so far.
	Polls int
}

func (o Options) copy() Options {
	o.Route53Options = append([]func(*awsroute53.Options){}, o.Route53Options...)
	return o
}

// resolve applies optFns to a copy of o, validates it and fills in defaults.
func (o Options) resolve(optFns []func(*Options)) (Options, error) {
	o = o.copy()
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	p.If(o.RequestsPerSecond < 0 || math.IsNaN(o.RequestsPerSecond) || math.IsInf(o.RequestsPerSecond, 0),
		"RequestsPerSecond is %v, not a positive number", o.RequestsPerSecond)
	p.If(o.PollInterval < 0, "PollInterval is negative (%s)", o.PollInterval)
	p.If(o.MaxPollInterval < 0, "MaxPollInterval is negative (%s)", o.MaxPollInterval)
	p.If(o.WaitTimeout < 0, "WaitTimeout is negative (%s)", o.WaitTimeout)
	p.If(o.RetryTimeout < 0, "RetryTimeout is negative (%s)", o.RetryTimeout)
	p.If(strings.ContainsAny(stripZonePrefix(o.HostedZoneID), "/ "), "HostedZoneID %q is not a hosted zone ID", o.HostedZoneID)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return o, err
	}
	if o.RequestsPerSecond == 0 {
		o.RequestsPerSecond = DefaultRequestsPerSecond
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = DefaultMaxPollInterval
	}
	o.MaxPollInterval = max(o.MaxPollInterval, o.PollInterval)
	if o.WaitTimeout == 0 {
		o.WaitTimeout = DefaultWaitTimeout
	}
	if o.RetryTimeout == 0 {
		o.RetryTimeout = DefaultRetryTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Clock = clock.Or(o.Clock)
	o.HostedZoneID = stripZonePrefix(o.HostedZoneID)
	return o, nil
}

// stripZonePrefix removes the "/hostedzone/" prefix Route 53 puts on hosted zone IDs.
func stripZonePrefix(id string) string {
	return strings.TrimPrefix(strings.TrimPrefix(id, "/"), "hostedzone/")
}
