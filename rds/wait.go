package rds

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
)

// PendingStatuses are the DB instance statuses a wait for available passes through: the
// instance is working towards available (Terraform's list for its RDS waiter, plus statuses RDS
// added since). A status the package does not know is treated as pending too, and logged.
var PendingStatuses = []string{
	"backing-up", "configuring-enhanced-monitoring", "configuring-iam-database-auth", "configuring-log-exports",
	"converting-to-vpc", "creating", "maintenance", "modifying", "moving-to-vpc", "rebooting", "renaming",
	"resetting-master-credentials", "starting", "storage-config-upgrade", "storage-initialization",
	"storage-optimization", "upgrading",
}

// FailureStatuses are the DB instance statuses that end a wait for available at once: the
// instance will not become available without someone acting (RDS User Guide, "Viewing Amazon
// RDS DB instance status"). Delete-precheck, deleting, stopping and stopped are here too: they
// are not on the way to available.
var FailureStatuses = []string{
	"failed", "inaccessible-encryption-credentials", "inaccessible-encryption-credentials-recoverable",
	"incompatible-create", "incompatible-network", "incompatible-option-group", "incompatible-parameters",
	"incompatible-restore", "insufficient-capacity", "restore-error", "storage-full",
	"delete-precheck", "deleting", "stopping", "stopped",
}

var (
	pendingSet = setOf(PendingStatuses)
	failureSet = setOf(FailureStatuses)
)

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// WaitAvailable waits until the DB instance is available, reporting every status change to
// Options.OnProgress (creating, backing-up, modifying, rebooting, ...). A failure status
// (FailureStatuses) ends the wait at once with a *FailedError matching ErrFailed that names the
// status; running out of Options.AvailableTimeout (or ctx's deadline) returns a *TimeoutError
// matching ErrTimeout that names the last status. DBInstanceNotFound is tolerated for
// Options.RetryTimeout after the wait starts (a new instance may not be visible yet); after that
// it fails with ErrNotFound. The returned Instance is the last observation, also on error.
func (c *Client) WaitAvailable(ctx context.Context, id string, optFns ...func(*Options)) (*Instance, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := checkIDs("instance or ARN", id); err != nil {
		return nil, err
	}
	return c.waitAvailable(ctx, o, id)
}

func (c *Client) waitAvailable(ctx context.Context, o Options, id string) (*Instance, error) {
	var last *rdstypes.DBInstance
	start := o.Clock.Now()
	check := func(ctx context.Context) (poll.Result, error) {
		db, err := c.describeOnce(ctx, o, id)
		if err != nil {
			return poll.Result{}, err
		}
		last = db
		return classify(o, aws.ToString(db.DBInstanceStatus)), nil
	}
	_, err := poll.Wait(ctx, check, c.pollOptions(o, "DB instance "+id+" available", o.AvailableTimeout, func(err error) bool {
		return awserr.IsCode(err, "DBInstanceNotFound") && o.Clock.Now().Sub(start) < o.RetryTimeout
	}))
	var inst *Instance
	if last != nil {
		inst = instanceFrom(last)
	}
	if err != nil && awserr.IsCode(err, "DBInstanceNotFound") {
		err = fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return inst, err
}

// describeOnce describes the instance with one call (no retry of its own: the wait tolerates
// throttling and polls again).
func (c *Client) describeOnce(ctx context.Context, o Options, id string) (*rdstypes.DBInstance, error) {
	out, err := c.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, o.RDSOptions...)
	if err != nil {
		return nil, err
	}
	if len(out.DBInstances) == 0 {
		return nil, fmt.Errorf("rds: DescribeDBInstances returned no instance for %s", id)
	}
	return &out.DBInstances[0], nil
}

func classify(o Options, status string) poll.Result {
	switch {
	case status == "available":
		return poll.Result{Status: poll.Done, State: status}
	case failureSet[status]:
		return poll.Result{Status: poll.Failed, State: status, Reason: "RDS reports the instance " + status}
	case !pendingSet[status]:
		o.Logger.Debug("rds: unknown DB instance status, still waiting", "status", status)
	}
	return poll.Result{Status: poll.Pending, State: status}
}

// pollOptions are the poll settings of every wait of the package.
func (c *Client) pollOptions(o Options, what string, budget time.Duration, transient func(error) bool) poll.Options {
	resource := what
	return poll.Options{
		What: what, Package: "rds", ErrTimeout: ErrTimeout, ErrFailed: ErrFailed, Clock: o.Clock,
		MinDelay: o.PollInterval, MaxDelay: o.MaxPollInterval, MaxWait: budget, Transient: transient,
		OnProgress: func(p poll.Progress) {
			o.Logger.Info("rds: status", "what", resource, "status", p.State, "previous", p.Previous, "elapsed", p.Elapsed)
			if o.OnProgress != nil {
				o.OnProgress(Progress{Resource: resourceOf(what), Status: p.State, Previous: p.Previous, Elapsed: p.Elapsed})
			}
		},
	}
}

// resourceOf strips the awaited condition from a wait's What ("DB instance x available").
func resourceOf(what string) string {
	for _, suffix := range []string{" available", " failed over"} {
		if len(what) > len(suffix) && what[len(what)-len(suffix):] == suffix {
			return what[:len(what)-len(suffix)]
		}
	}
	return what
}
