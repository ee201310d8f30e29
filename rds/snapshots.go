package rds

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// Snapshot is a manual DB snapshot.
type Snapshot struct {
	// Identifier names the snapshot.
	Identifier string
	// ARN is the snapshot's Amazon Resource Name; its region is where the snapshot lives.
	ARN string
	// Instance is the DB instance the snapshot was taken of.
	Instance string
	// Status is "creating", "available", ... in RDS's words.
	Status string
	// Created is when the snapshot was started (SnapshotCreateTime).
	Created time.Time
	// Percent is how far the snapshot or copy has come, 0 to 100.
	Percent int32
	// Encrypted reports whether the snapshot is encrypted, with KMSKeyID.
	Encrypted bool
	// KMSKeyID is the key encrypting the snapshot, "" when unencrypted.
	KMSKeyID string
	// Source is the ARN of the snapshot this one was copied from, "" for an original.
	Source string
}

// Region returns the region in the snapshot's ARN, "" if the ARN is not a snapshot ARN.
func (s Snapshot) Region() string { return arnRegion(s.ARN) }

func arnRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "rds" || parts[5] != "snapshot" {
		return ""
	}
	return parts[3]
}

func snapshotFrom(s *rdstypes.DBSnapshot) *Snapshot {
	return &Snapshot{
		Identifier: aws.ToString(s.DBSnapshotIdentifier), ARN: aws.ToString(s.DBSnapshotArn), Instance: aws.ToString(s.DBInstanceIdentifier),
		Status: aws.ToString(s.Status), Created: aws.ToTime(s.SnapshotCreateTime), Percent: aws.ToInt32(s.PercentProgress),
		Encrypted: aws.ToBool(s.Encrypted), KMSKeyID: aws.ToString(s.KmsKeyId), Source: aws.ToString(s.SourceDBSnapshotIdentifier),
	}
}

// wrapInstanceState adds ErrNotAvailable to RDS's InvalidDBInstanceState and
// InvalidDBSnapshotState, and ErrNotFound to its DBInstanceNotFound and DBSnapshotNotFound.
func wrapInstanceState(err error) error {
	switch {
	case awserr.IsCode(err, "InvalidDBInstanceState", "InvalidDBSnapshotState"):
		return fmt.Errorf("%w: %w", ErrNotAvailable, err)
	case awserr.IsCode(err, "DBInstanceNotFound", "DBSnapshotNotFound"):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// CreateSnapshot takes a manual snapshot of an available instance and, unless NoWait is set,
// waits until it is available (Options.SnapshotTimeout). An instance in another status fails
// with ErrNotAvailable naming it, before any change. If a snapshot with the identifier exists
// already for the same instance (a retried create whose response was lost, or a re-run), it is
// adopted; one of another instance fails with RDS's DBSnapshotAlreadyExists.
func (c *Client) CreateSnapshot(ctx context.Context, instanceID, snapshotID string, optFns ...func(*Options)) (*Snapshot, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := checkIDs("instance", instanceID, "snapshot", snapshotID); err != nil {
		return nil, err
	}
	db, err := c.describeInstance(ctx, o, instanceID)
	switch {
	case err != nil:
		return nil, err
	case db == nil:
		return nil, fmt.Errorf("%w: DB instance %s", ErrNotFound, instanceID)
	case aws.ToString(db.DBInstanceStatus) != "available":
		return nil, fmt.Errorf("%w: DB instance %s is %s; a snapshot needs it available", ErrNotAvailable, instanceID, aws.ToString(db.DBInstanceStatus))
	}
	var out *rds.CreateDBSnapshotOutput
	err = call(ctx, o, "CreateDBSnapshot", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = c.api.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(instanceID), DBSnapshotIdentifier: aws.String(snapshotID)}, o.RDSOptions...)
		return err
	})
	var snap *Snapshot
	switch {
	case err == nil:
		snap = snapshotFrom(out.DBSnapshot)
		o.Logger.Info("rds: creating snapshot", "id", snapshotID, "instance", instanceID)
	case awserr.IsCode(err, "DBSnapshotAlreadyExists"):
		existing, derr := c.describeSnapshot(ctx, o, snapshotID)
		if derr != nil || existing == nil || !strings.EqualFold(existing.Instance, instanceID) {
			return nil, fmt.Errorf("rds: create snapshot %s of %s: %w", snapshotID, instanceID, err)
		}
		snap = existing
	default:
		return nil, fmt.Errorf("rds: create snapshot %s of %s: %w", snapshotID, instanceID, wrapInstanceState(err))
	}
	if o.NoWait || snap.Status == "available" {
		return snap, nil
	}
	return c.waitSnapshot(ctx, o, c.api, snapshotID)
}

// WaitSnapshot waits until the snapshot is available, reporting status changes to OnProgress;
// a failure status (failed, incompatible-restore, ...) ends it at once with ErrFailed, and
// Options.SnapshotTimeout with ErrTimeout naming the last status.
func (c *Client) WaitSnapshot(ctx context.Context, snapshotID string, optFns ...func(*Options)) (*Snapshot, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if snapshotID == "" {
		return nil, fmt.Errorf("%w: snapshot identifier is empty", ErrInvalidSpec)
	}
	return c.waitSnapshot(ctx, o, c.api, snapshotID)
}

// snapshotPending are the statuses of a snapshot on its way to available.
var snapshotPending = setOf([]string{"creating", "pending", "copying", "modifying", "upgrading"})

func (c *Client) waitSnapshot(ctx context.Context, o Options, api API, snapshotID string) (*Snapshot, error) {
	var last *Snapshot
	start := o.Clock.Now()
	check := func(ctx context.Context) (poll.Result, error) {
		out, err := api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(snapshotID)}, o.RDSOptions...)
		if err != nil {
			return poll.Result{}, err
		}
		if len(out.DBSnapshots) == 0 {
			return poll.Result{}, fmt.Errorf("rds: DescribeDBSnapshots returned no snapshot for %s", snapshotID)
		}
		last = snapshotFrom(&out.DBSnapshots[0])
		switch {
		case last.Status == "available":
			return poll.Result{Status: poll.Done, State: last.Status}, nil
		case snapshotPending[last.Status]:
			return poll.Result{Status: poll.Pending, State: last.Status}, nil
		}
		return poll.Result{Status: poll.Failed, State: last.Status, Reason: "RDS reports the snapshot " + last.Status}, nil
	}
	_, err := poll.Wait(ctx, check, c.pollOptions(o, "DB snapshot "+snapshotID+" available", o.SnapshotTimeout, func(err error) bool {
		return awserr.IsCode(err, "DBSnapshotNotFound") && o.Clock.Now().Sub(start) < o.RetryTimeout
	}))
	if err != nil && awserr.IsCode(err, "DBSnapshotNotFound") {
		err = fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return last, err
}

// describeSnapshot returns the snapshot, or nil when RDS answers DBSnapshotNotFound.
func (c *Client) describeSnapshot(ctx context.Context, o Options, id string) (*Snapshot, error) {
	return describeSnapshotOn(ctx, o, c.api, id)
}

func describeSnapshotOn(ctx context.Context, o Options, api API, id string) (*Snapshot, error) {
	var out *rds.DescribeDBSnapshotsOutput
	err := call(ctx, o, "DescribeDBSnapshots", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String(id)}, o.RDSOptions...)
		return err
	})
	switch {
	case awserr.IsCode(err, "DBSnapshotNotFound"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("rds: describe snapshot %s: %w", id, err)
	case len(out.DBSnapshots) == 0:
		return nil, nil
	}
	return snapshotFrom(&out.DBSnapshots[0]), nil
}

// ListSnapshots returns the manual snapshots of the instance, oldest first, following every
// page. Any failed page fails the whole listing.
func (c *Client) ListSnapshots(ctx context.Context, instanceID string, optFns ...func(*Options)) ([]Snapshot, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := checkIDs("instance", instanceID); err != nil {
		return nil, err
	}
	return c.listSnapshots(ctx, o, instanceID)
}

func (c *Client) listSnapshots(ctx context.Context, o Options, instanceID string) ([]Snapshot, error) {
	var list []Snapshot
	var marker *string
	for {
		var out *rds.DescribeDBSnapshotsOutput
		err := call(ctx, o, "DescribeDBSnapshots", retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = c.api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{
				DBInstanceIdentifier: aws.String(instanceID), SnapshotType: aws.String("manual"), Marker: marker,
			}, o.RDSOptions...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("rds: list snapshots of %s: %w", instanceID, err)
		}
		for i := range out.DBSnapshots {
			list = append(list, *snapshotFrom(&out.DBSnapshots[i]))
		}
		if aws.ToString(out.Marker) == "" {
			break
		}
		marker = out.Marker
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Created.Before(list[j].Created) })
	return list, nil
}

// DeleteSnapshot deletes a manual snapshot. A snapshot that does not exist counts as deleted;
// one that is not available (still creating) fails with ErrNotAvailable.
func (c *Client) DeleteSnapshot(ctx context.Context, snapshotID string, optFns ...func(*Options)) error {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return err
	}
	if err := checkIDs("snapshot", snapshotID); err != nil {
		return err
	}
	return c.deleteSnapshot(ctx, o, snapshotID)
}

func (c *Client) deleteSnapshot(ctx context.Context, o Options, snapshotID string) error {
	err := call(ctx, o, "DeleteDBSnapshot", retry.Throttling, func(ctx context.Context) error {
		_, err := c.api.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(snapshotID)}, o.RDSOptions...)
		return err
	})
	switch {
	case err == nil:
		o.Logger.Info("rds: deleted snapshot", "id", snapshotID)
		return nil
	case awserr.IsCode(err, "DBSnapshotNotFound"):
		return nil
	}
	return fmt.Errorf("rds: delete snapshot %s: %w", snapshotID, wrapInstanceState(err))
}

// PrunePolicy says which manual snapshots PruneSnapshots deletes.
type PrunePolicy struct {
	// Keep is how many of the newest available snapshots are always kept, at least 1: the
	// newest available snapshot is never deleted. Required.
	Keep int
	// MaxAge deletes, beyond the Keep newest, only snapshots older than this. Zero means every
	// snapshot beyond the Keep newest is deleted.
	MaxAge time.Duration
	// Prefix limits pruning to snapshots whose identifier starts with it (those a tool made),
	// both for counting Keep and for deleting. Empty means every manual snapshot of the instance.
	Prefix string
	// DryRun reports what would be deleted and deletes nothing.
	DryRun bool
}

// PruneReport says what PruneSnapshots did.
type PruneReport struct {
	// Kept lists the snapshots kept because they are among the Keep newest available ones, or
	// younger than MaxAge.
	Kept []string
	// Skipped lists snapshots left alone because they are not available (creating, ...).
	Skipped []string
	// Deleted lists the snapshots deleted (or, under DryRun, that would be).
	Deleted []string
	// Failed lists the snapshots whose deletion failed; the error says why.
	Failed []string
}

// PruneSnapshots deletes the instance's manual snapshots that the policy does not keep. It lists
// every snapshot first and deletes nothing when the listing fails. It never deletes the newest
// available snapshot, never leaves fewer than Keep available ones, and never touches a snapshot
// that is not available; then the rest older than MaxAge go, oldest first. A failed deletion
// does not stop the others; the error joins every failure.
func (c *Client) PruneSnapshots(ctx context.Context, instanceID string, policy PrunePolicy, optFns ...func(*Options)) (*PruneReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	var p check.Problems
	p.If(!identifierPattern.MatchString(instanceID), "instance identifier %q is not an RDS identifier: an empty one would list the snapshots of every instance", instanceID)
	p.If(policy.Keep < 1, "PrunePolicy.Keep %d is below 1: the newest available snapshot is always kept", policy.Keep)
	p.If(policy.MaxAge < 0, "PrunePolicy.MaxAge %s is negative", policy.MaxAge)
	if err := p.Err(ErrInvalidSpec); err != nil {
		return nil, err
	}
	list, err := c.listSnapshots(ctx, o, instanceID)
	if err != nil {
		return nil, fmt.Errorf("rds: prune snapshots of %s: nothing deleted: %w", instanceID, err)
	}
	rep := &PruneReport{}
	var available []Snapshot
	for _, s := range list {
		switch {
		case !strings.HasPrefix(s.Identifier, policy.Prefix):
		case s.Status != "available":
			rep.Skipped = append(rep.Skipped, s.Identifier)
		default:
			available = append(available, s)
		}
	}
	// available is oldest first: the last Keep are the newest.
	cut := max(len(available)-policy.Keep, 0)
	now := o.Clock.Now()
	var doomed []string
	for i, s := range available {
		if i >= cut || (policy.MaxAge > 0 && now.Sub(s.Created) < policy.MaxAge) {
			rep.Kept = append(rep.Kept, s.Identifier)
			continue
		}
		doomed = append(doomed, s.Identifier)
	}
	if policy.DryRun {
		rep.Deleted = doomed
		return rep, nil
	}
	var errs []error
	for _, id := range doomed {
		if err := c.deleteSnapshot(ctx, o, id); err != nil {
			rep.Failed = append(rep.Failed, id)
			errs = append(errs, err)
			continue
		}
		rep.Deleted = append(rep.Deleted, id)
	}
	return rep, errors.Join(errs...)
}

// CopyTarget says where CopySnapshot copies to.
type CopyTarget struct {
	// Client is a Client for the destination region. Nil means the source's own Client (a copy
	// within the region).
	Client *Client
	// Region is the destination region. Required with Client; empty means the source's region.
	Region string
	// SnapshotID names the copy. Required.
	SnapshotID string
	// KMSKeyID is a KMS key of the destination region that encrypts the copy. Required to copy
	// an encrypted snapshot to another region (KMS keys are regional); empty within a region
	// keeps the source's key.
	KMSKeyID string
	// NoCopyTags leaves the source's tags off the copy. False (the default) copies them.
	NoCopyTags bool
}

// CopySnapshot copies an available snapshot, to another region when target.Client is a Client
// for that region (the call goes to the destination with SourceRegion set, as RDS requires).
// The target is checked first: an encrypted snapshot copied to another region needs a KMS key
// of that region (ErrInvalidSpec otherwise). The call and the wait go to the destination, under
// the destination Client's Options with optFns applied; unless NoWait is set it waits there
// until the copy is available. A copy that exists already with the same source (a re-run) is
// adopted.
func (c *Client) CopySnapshot(ctx context.Context, source Snapshot, target CopyTarget, optFns ...func(*Options)) (*Snapshot, error) {
	dest := target.Client
	if dest == nil {
		dest = c
	}
	// The copy is made and awaited in the destination, with the destination Client's clock and
	// settings.
	o, err := dest.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	srcRegion := source.Region()
	destRegion := target.Region
	if destRegion == "" {
		destRegion = srcRegion
	}
	cross := srcRegion != destRegion
	var p check.Problems
	p.If(srcRegion == "", "source ARN %q is not a DB snapshot ARN", source.ARN)
	p.If(target.Client != nil && target.Region == "", "CopyTarget.Region is empty with CopyTarget.Client set")
	p.If(!snapshotIDPattern.MatchString(target.SnapshotID), "CopyTarget.SnapshotID %q is not an RDS identifier", target.SnapshotID)
	p.If(source.Status != "available", "source snapshot %s is %s; only an available snapshot can be copied", source.Identifier, source.Status)
	p.If(cross && source.Encrypted && target.KMSKeyID == "", "CopyTarget.KMSKeyID is empty: encrypted snapshot %s needs a KMS key of %s to be copied there", source.Identifier, destRegion)
	p.If(target.KMSKeyID != "" && !source.Encrypted, "CopyTarget.KMSKeyID is set but snapshot %s is not encrypted", source.Identifier)
	if r := kmsRegion(target.KMSKeyID); r != "" && r != destRegion {
		p.Addf("CopyTarget.KMSKeyID is a key of %s, not of the destination %s", r, destRegion)
	}
	if err := p.Err(ErrInvalidSpec); err != nil {
		return nil, err
	}
	in := &rds.CopyDBSnapshotInput{
		SourceDBSnapshotIdentifier: aws.String(source.ARN), TargetDBSnapshotIdentifier: aws.String(target.SnapshotID),
		CopyTags: aws.Bool(!target.NoCopyTags),
	}
	if cross {
		in.SourceRegion = aws.String(srcRegion)
	}
	if target.KMSKeyID != "" {
		in.KmsKeyId = aws.String(target.KMSKeyID)
	}
	var out *rds.CopyDBSnapshotOutput
	err = call(ctx, o, "CopyDBSnapshot", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = dest.api.CopyDBSnapshot(ctx, in, o.RDSOptions...)
		return err
	})
	var snap *Snapshot
	switch {
	case err == nil:
		snap = snapshotFrom(out.DBSnapshot)
		o.Logger.Info("rds: copying snapshot", "source", source.ARN, "target", target.SnapshotID, "region", destRegion)
	case awserr.IsCode(err, "DBSnapshotAlreadyExists"):
		existing, derr := describeSnapshotOn(ctx, o, dest.api, target.SnapshotID)
		if derr != nil || existing == nil || existing.Source != source.ARN {
			return nil, fmt.Errorf("rds: copy snapshot %s to %s: %w", source.Identifier, target.SnapshotID, err)
		}
		snap = existing
	default:
		return nil, fmt.Errorf("rds: copy snapshot %s to %s in %s: %w", source.Identifier, target.SnapshotID, destRegion, wrapInstanceState(err))
	}
	if o.NoWait || snap.Status == "available" {
		return snap, nil
	}
	return dest.waitSnapshot(ctx, o, dest.api, target.SnapshotID)
}

// kmsRegion returns the region of a KMS key ARN, "" for a key ID or alias.
func kmsRegion(key string) string {
	parts := strings.Split(key, ":")
	if len(parts) >= 6 && parts[0] == "arn" && parts[2] == "kms" {
		return parts[3]
	}
	return ""
}
