package rds

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Options]; a zero field means the matching default.
const (
	// DefaultPollInterval is the first delay between status polls and the delay after a status
	// change.
	DefaultPollInterval = 10 * time.Second
	// DefaultMaxPollInterval caps the delay between status polls while nothing changes; it is
	// the delay of Terraform's RDS waiters.
	DefaultMaxPollInterval = 30 * time.Second
	// DefaultAvailableTimeout bounds a wait for an instance to become available. Creating a
	// Multi-AZ instance takes tens of minutes (Terraform's default for it is 40 minutes); a
	// modification or a storage optimisation can take longer, so the default leaves room.
	DefaultAvailableTimeout = 60 * time.Minute
	// DefaultFailoverTimeout bounds a failover drill from the reboot to the instance being
	// available in the other zone. RDS documents 60 to 120 seconds for a Multi-AZ DB instance,
	// longer with large transactions to recover.
	DefaultFailoverTimeout = 15 * time.Minute
	// DefaultSnapshotTimeout bounds a wait for a snapshot or a snapshot copy to become
	// available; a first snapshot or a copy to another region of a large database takes hours.
	DefaultSnapshotTimeout = 4 * time.Hour
	// DefaultProbeInterval is how often a failover drill samples Options.Probe.
	DefaultProbeInterval = time.Second
	// DefaultRetryTimeout bounds the retries of one call on throttling, and how long a wait
	// tolerates DBInstanceNotFound right after the instance was created.
	DefaultRetryTimeout = 2 * time.Minute
)

// Options configure a [Client]. Methods take further func(*Options) that apply to a copy for
// that call only.
type Options struct {
	// Subnets is the EC2 client Ensure uses to look up the subnet group's subnets before any RDS
	// call, so that subnets in a single Availability Zone are refused naming the zone. Nil means
	// the check is left to RDS, whose DBSubnetGroupDoesNotCoverEnoughAZs is reported as
	// ErrSingleAZ.
	Subnets SubnetsAPI
	// PollInterval is the first delay between status polls and the delay after a change. Zero
	// means DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between polls while the status does not change. Zero means
	// DefaultMaxPollInterval (raised to PollInterval when that is larger).
	MaxPollInterval time.Duration
	// AvailableTimeout bounds a wait for an instance to become available (Ensure,
	// WaitAvailable). Zero means DefaultAvailableTimeout.
	AvailableTimeout time.Duration
	// FailoverTimeout bounds a failover drill. Zero means DefaultFailoverTimeout.
	FailoverTimeout time.Duration
	// SnapshotTimeout bounds a wait for a snapshot or a copy to become available. Zero means
	// DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
	// RetryTimeout bounds the retries of one call on throttling. Zero means
	// DefaultRetryTimeout.
	RetryTimeout time.Duration
	// NoWait makes Ensure, CreateSnapshot and CopySnapshot return without waiting for the
	// instance or snapshot to become available. False (the default) waits.
	NoWait bool
	// FailOnDrift makes Ensure fail with ErrDrift when the existing instance or subnet group
	// differs from the spec. False (the default) reports drift in [Instance].Drift, logs it and
	// changes nothing.
	FailOnDrift bool
	// OnProgress, if not nil, is called synchronously on every status change a wait observes,
	// including the first observation.
	OnProgress func(Progress)
	// Probe, if not nil, is sampled every ProbeInterval while Failover runs, for example a SQL
	// ping through the instance's endpoint; the report shows when it failed. A sample should
	// bound itself (a PingContext on a pool opened with OpenDB gives up after the dial timeout):
	// a slow sample delays the next one and the next status poll. Nil means no probing.
	Probe func(ctx context.Context) error
	// ProbeInterval is how often Probe is sampled. Zero means DefaultProbeInterval.
	ProbeInterval time.Duration
	// Logger receives progress, drift and retries at info, warn and debug level. It never
	// receives a password. Nil means discard.
	Logger *slog.Logger
	// Clock is the time source for waits and retries. Nil means the wall clock.
	Clock clock.Clock
	// RDSOptions are passed to every RDS call, for example to set a retryer.
	RDSOptions []func(*rds.Options)
}

// Progress is one status change observed by a wait.
type Progress struct {
	// Resource names what is awaited, for example "DB instance shop" or "DB snapshot shop-1".
	Resource string
	// Status is the status just observed, in RDS's words ("creating", "backing-up", ...).
	Status string
	// Previous is the status observed before, "" on the first report.
	Previous string
	// Elapsed is the time since the wait started.
	Elapsed time.Duration
}

// resolve applies per-call overrides to a copy of o, validates it and fills in defaults.
func (o Options) resolve(optFns []func(*Options)) (Options, error) {
	o.RDSOptions = append([]func(*rds.Options){}, o.RDSOptions...)
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PollInterval", o.PollInterval}, {"MaxPollInterval", o.MaxPollInterval}, {"AvailableTimeout", o.AvailableTimeout},
		{"FailoverTimeout", o.FailoverTimeout}, {"SnapshotTimeout", o.SnapshotTimeout}, {"RetryTimeout", o.RetryTimeout},
		{"ProbeInterval", o.ProbeInterval}} {
		p.If(d.v < 0, "%s %s is negative", d.name, d.v)
	}
	if err := p.Err(ErrInvalidOptions); err != nil {
		return o, err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.PollInterval, DefaultPollInterval)
	def(&o.MaxPollInterval, max(DefaultMaxPollInterval, o.PollInterval))
	o.MaxPollInterval = max(o.MaxPollInterval, o.PollInterval)
	def(&o.AvailableTimeout, DefaultAvailableTimeout)
	def(&o.FailoverTimeout, DefaultFailoverTimeout)
	def(&o.SnapshotTimeout, DefaultSnapshotTimeout)
	def(&o.RetryTimeout, DefaultRetryTimeout)
	def(&o.ProbeInterval, DefaultProbeInterval)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Clock = clock.Or(o.Clock)
	return o, nil
}
