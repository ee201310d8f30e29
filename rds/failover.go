package rds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// FailoverReport is what a failover drill observed.
type FailoverReport struct {
	// Identifier names the instance.
	Identifier string
	// FromAZ is the primary's zone before the drill; ToAZ after it (the former secondary).
	FromAZ, ToAZ string
	// Started is when the reboot was requested.
	Started time.Time
	// Duration is the time from the reboot request to the first observation of the instance
	// available in ToAZ. Its resolution is the poll interval (PollInterval, or ProbeInterval
	// with a probe): the instance was available at most that much earlier.
	Duration time.Duration
	// Statuses lists the status changes observed, in order, with their offsets from Started.
	Statuses []StatusChange
	// Probes is how many times Options.Probe was sampled; ProbeFailures how many of those failed.
	Probes, ProbeFailures int
	// Unreachable is the window in which the probe failed: from the first failed sample to the
	// first successful one after the last failure (or the end of the drill), as offsets from
	// Started. Zero when no probe failed or no probe was given.
	Unreachable Window
}

// StatusChange is one status observed during a drill.
type StatusChange struct {
	// Status is the instance status, in RDS's words.
	Status string
	// At is its offset from the start of the drill.
	At time.Duration
}

// Window is a span of a drill, as offsets from its start.
type Window struct {
	// From and To bound the span; To is exclusive.
	From, To time.Duration
}

// Length is To - From.
func (w Window) Length() time.Duration { return w.To - w.From }

// String renders the span, for example "12s-1m40s (1m28s)".
func (w Window) String() string { return fmt.Sprintf("%s-%s (%s)", w.From, w.To, w.Length()) }

// Failover runs a forced-failover drill, the "Reboot with failover" of the console: it checks
// that the instance is Multi-AZ (ErrNotMultiAZ otherwise, before any change) and available
// (ErrNotAvailable), reboots it with ForceFailover, waits until it is available again, and
// confirms that the primary moved to the former secondary zone (ErrFailoverNotConfirmed
// otherwise). Status changes go to Options.OnProgress. With Options.Probe set, the probe is
// sampled every ProbeInterval and the report shows when it failed. A failure status ends the
// drill with ErrFailed, and Options.FailoverTimeout with ErrTimeout naming the last status; the
// report so far is returned with every error after the reboot.
func (c *Client) Failover(ctx context.Context, id string, optFns ...func(*Options)) (*FailoverReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := checkIDs("instance", id); err != nil {
		return nil, err
	}
	db, err := c.describeInstance(ctx, o, id)
	switch {
	case err != nil:
		return nil, err
	case db == nil:
		return nil, fmt.Errorf("%w: DB instance %s", ErrNotFound, id)
	case !aws.ToBool(db.MultiAZ):
		return nil, fmt.Errorf("%w: DB instance %s has no standby to fail over to; create it without SingleAZ, or convert it to Multi-AZ first", ErrNotMultiAZ, id)
	case aws.ToString(db.DBInstanceStatus) != "available":
		return nil, fmt.Errorf("%w: DB instance %s is %s; a failover needs it available", ErrNotAvailable, id, aws.ToString(db.DBInstanceStatus))
	}
	rep := &FailoverReport{Identifier: aws.ToString(db.DBInstanceIdentifier), FromAZ: aws.ToString(db.AvailabilityZone)}
	target := aws.ToString(db.SecondaryAvailabilityZone)
	rep.Started = o.Clock.Now()
	err = call(ctx, o, "RebootDBInstance", retry.Throttling, func(ctx context.Context) error {
		_, err := c.api.RebootDBInstance(ctx, &rds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String(id), ForceFailover: aws.Bool(true)}, o.RDSOptions...)
		return err
	})
	if awserr.IsCode(err, "InvalidDBInstanceState") {
		// The instance was available a moment ago. A reboot whose response was lost and that
		// the SDK sent again meets the instance rebooting: the failover asked for is running.
		if now, derr := c.describeInstance(ctx, o, id); derr == nil && now != nil && aws.ToString(now.DBInstanceStatus) == "rebooting" {
			o.Logger.Info("rds: reboot refused while the instance is rebooting (a lost response resent?); following it", "id", id)
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("rds: reboot DB instance %s with failover: %w", id, wrapInstanceState(err))
	}
	o.Logger.Info("rds: failover started", "id", id, "from", rep.FromAZ, "to", target)

	d := &drill{c: c, o: o, id: id, rep: rep, target: target}
	_, err = poll.Wait(ctx, d.check, d.pollOptions())
	d.closeWindow()
	var fe *FailedError
	if errors.As(err, &fe) && fe.State == "available" {
		return rep, fmt.Errorf("%w: DB instance %s: %s", ErrFailoverNotConfirmed, id, fe.Reason)
	}
	if err != nil {
		return rep, err
	}
	rep.ToAZ = aws.ToString(d.last.AvailabilityZone)
	o.Logger.Info("rds: failover done", "id", id, "from", rep.FromAZ, "to", rep.ToAZ, "duration", rep.Duration,
		"unreachable", rep.Unreachable.Length())
	return rep, nil
}

// drill is the state of one failover wait.
type drill struct {
	c            *Client
	o            Options
	id, target   string
	rep          *FailoverReport
	last         *rdstypes.DBInstance
	lastDescribe time.Time
	left         bool // a status other than available was seen: the failover began
	result       poll.Result
	failing      bool // the last probe failed
}

func (d *drill) pollOptions() poll.Options {
	po := d.c.pollOptions(d.o, "DB instance "+d.id+" failed over", d.o.FailoverTimeout, nil)
	if d.o.Probe != nil {
		// One tick per probe sample; the instance is described every PollInterval.
		po.MinDelay, po.MaxDelay, po.Jitter = d.o.ProbeInterval, d.o.ProbeInterval, -1
	} else {
		po.MaxDelay = po.MinDelay
	}
	inner := po.OnProgress
	po.OnProgress = func(p poll.Progress) {
		d.rep.Statuses = append(d.rep.Statuses, StatusChange{Status: p.State, At: d.o.Clock.Now().Sub(d.rep.Started)})
		inner(p)
	}
	return po
}

func (d *drill) check(ctx context.Context) (poll.Result, error) {
	now := d.o.Clock.Now()
	if d.o.Probe != nil {
		d.sample(ctx, now)
	}
	if d.last != nil && d.o.Probe != nil && now.Sub(d.lastDescribe) < d.o.PollInterval {
		return d.result, nil
	}
	db, err := d.c.describeOnce(ctx, d.o, d.id)
	if err != nil {
		return poll.Result{}, err
	}
	d.last, d.lastDescribe = db, now
	status := aws.ToString(db.DBInstanceStatus)
	az := aws.ToString(db.AvailabilityZone)
	switch {
	case status == "available" && az == d.target && d.target != "":
		d.rep.Duration = now.Sub(d.rep.Started)
		d.result = poll.Result{Status: poll.Done, State: status}
	case status == "available" && d.left:
		d.result = poll.Result{Status: poll.Failed, State: status,
			Reason: fmt.Sprintf("available again with the primary still in %s, not in the former secondary %s", az, d.target)}
	case status == "available":
		// RDS has not started the reboot yet.
		d.result = poll.Result{Status: poll.Pending, State: status}
	default:
		d.left = true
		d.result = classify(d.o, status)
	}
	return d.result, nil
}

// sample runs the probe once and extends the unreachable window.
func (d *drill) sample(ctx context.Context, now time.Time) {
	at := now.Sub(d.rep.Started)
	err := d.o.Probe(ctx)
	d.rep.Probes++
	switch {
	case err != nil:
		d.rep.ProbeFailures++
		if d.rep.ProbeFailures == 1 {
			d.rep.Unreachable.From = at
		}
		d.failing = true
		d.o.Logger.Debug("rds: probe failed", "id", d.id, "at", at)
	case d.failing:
		d.rep.Unreachable.To = at
		d.failing = false
	}
}

// closeWindow ends a window still open when the drill ended.
func (d *drill) closeWindow() {
	if d.failing {
		d.rep.Unreachable.To = d.o.Clock.Now().Sub(d.rep.Started)
	}
}
