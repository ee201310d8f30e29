package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// EC2API is the part of the EC2 client EBS snapshots use. *ec2.Client satisfies it.
type EC2API interface {
	DescribeVolumes(ctx context.Context, params *ec2.DescribeVolumesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error)
	CreateSnapshot(ctx context.Context, params *ec2.CreateSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.CreateSnapshotOutput, error)
	DescribeSnapshots(ctx context.Context, params *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
	DeleteSnapshot(ctx context.Context, params *ec2.DeleteSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
}

var _ EC2API = (*ec2.Client)(nil)

// Defaults of SnapshotOptions.
const (
	// DefaultSnapshotWaitTimeout bounds the wait for snapshots to complete; a first snapshot of
	// a large volume can take hours.
	DefaultSnapshotWaitTimeout = 4 * time.Hour
	// DefaultSnapshotPollInterval is the first delay between DescribeSnapshots calls.
	DefaultSnapshotPollInterval = 15 * time.Second
	// DefaultSnapshotMaxPollInterval caps the delay between DescribeSnapshots calls.
	DefaultSnapshotMaxPollInterval = 2 * time.Minute
	// DefaultSetTagKey is the tag that marks a snapshot as part of a backup set.
	DefaultSetTagKey = "portalkit:backup-set"
)

// ErrSnapshotFailed is matched when a snapshot ends in the error state.
var ErrSnapshotFailed = errors.New("backup: snapshot failed")

// SnapshotOptions configure a Snapshotter.
type SnapshotOptions struct {
	// WaitTimeout bounds the wait for completion. Zero value: DefaultSnapshotWaitTimeout.
	WaitTimeout time.Duration
	// PollInterval and MaxPollInterval bound the delay between checks. Zero values:
	// DefaultSnapshotPollInterval, DefaultSnapshotMaxPollInterval.
	PollInterval, MaxPollInterval time.Duration
	// SetTagKey is the tag naming a snapshot's backup set. Zero value: DefaultSetTagKey.
	SetTagKey string
	// Clock is the time source of waits. Zero value: clock.Real.
	Clock clock.Clock
	// Logger receives decisions. Zero value: discard.
	Logger *slog.Logger
	// OnProgress is called when a snapshot's state or progress changes. Zero value: none.
	OnProgress func(SnapshotProgress)
}

// SnapshotProgress reports one snapshot's state while Snapshot waits.
type SnapshotProgress struct {
	// SnapshotID and VolumeID name the snapshot.
	SnapshotID, VolumeID string
	// State is EC2's state (pending, completed, error); Progress its percentage ("42%").
	State, Progress string
	// Elapsed is the time since the wait started.
	Elapsed time.Duration
}

// VolumeSelector picks volumes by id, by tags, or both (a volume must match both).
type VolumeSelector struct {
	// VolumeIDs are volume ids. Zero value: any.
	VolumeIDs []string
	// Tags must all be present with these values. Zero value: any.
	Tags map[string]string
}

// VolumeSnapshot is one snapshot made by Snapshot.
type VolumeSnapshot struct {
	// VolumeID and SnapshotID name it; State is its final state.
	VolumeID, SnapshotID, State string
	// StartTime is EC2's start time.
	StartTime time.Time
}

// Snapshotter makes and prunes EBS snapshots of volumes (for example those holding logs or code
// replicas). RDS manual snapshots are the rds package's job.
type Snapshotter struct {
	ec2  EC2API
	opts SnapshotOptions
}

// NewSnapshotter returns a Snapshotter using client. Errors match ErrInvalidOptions.
func NewSnapshotter(client EC2API, optFns ...func(*SnapshotOptions)) (*Snapshotter, error) {
	var o SnapshotOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.WaitTimeout == 0 {
		o.WaitTimeout = DefaultSnapshotWaitTimeout
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultSnapshotPollInterval
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = DefaultSnapshotMaxPollInterval
	}
	if o.SetTagKey == "" {
		o.SetTagKey = DefaultSetTagKey
	}
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var p check.Problems
	p.If(client == nil, "EC2 client is nil")
	p.If(o.WaitTimeout < 0, "WaitTimeout is negative (%s)", o.WaitTimeout)
	p.If(o.PollInterval < 0, "PollInterval is negative (%s)", o.PollInterval)
	p.If(o.MaxPollInterval < 0, "MaxPollInterval is negative (%s)", o.MaxPollInterval)
	p.If(strings.HasPrefix(strings.ToLower(o.SetTagKey), "aws:"), "SetTagKey %q uses the reserved aws: prefix", o.SetTagKey)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	return &Snapshotter{ec2: client, opts: o}, nil
}

// volumes resolves sel with DescribeVolumes (all pages).
func (s *Snapshotter) volumes(ctx context.Context, sel VolumeSelector) ([]ec2types.Volume, error) {
	in := &ec2.DescribeVolumesInput{VolumeIds: sel.VolumeIDs}
	keys := slices.Sorted(maps.Keys(sel.Tags))
	for _, k := range keys {
		in.Filters = append(in.Filters, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{sel.Tags[k]}})
	}
	var out []ec2types.Volume
	p := ec2.NewDescribeVolumesPaginator(s.ec2, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("backup: describe volumes: %w", err)
		}
		out = append(out, page.Volumes...)
	}
	return out, nil
}

// Snapshot snapshots every volume sel picks, tagging each snapshot with the volume's own tags
// (aws: tags excepted) plus SetTagKey=set, and waits until all are completed. A snapshot in
// the error state fails the wait at once (ErrSnapshotFailed); the wait is bounded by
// WaitTimeout (errors match ErrTimeout and wait.ErrTimeout).
func (s *Snapshotter) Snapshot(ctx context.Context, set string, sel VolumeSelector) ([]VolumeSnapshot, error) {
	if err := validName(set); err != nil {
		return nil, err
	}
	if len(sel.VolumeIDs) == 0 && len(sel.Tags) == 0 {
		return nil, fmt.Errorf("%w: VolumeSelector picks nothing: give VolumeIDs or Tags", ErrInvalidSpec)
	}
	vols, err := s.volumes(ctx, sel)
	if err != nil {
		return nil, err
	}
	if len(vols) == 0 {
		return nil, fmt.Errorf("%w: no volume matches %v", ErrNotFound, sel)
	}
	var snaps []VolumeSnapshot
	for _, v := range vols {
		tagList := []ec2types.Tag{{Key: aws.String(s.opts.SetTagKey), Value: aws.String(set)}}
		for _, t := range v.Tags {
			k := aws.ToString(t.Key)
			if k == s.opts.SetTagKey || strings.HasPrefix(strings.ToLower(k), "aws:") || len(tagList) >= 50 {
				continue
			}
			tagList = append(tagList, t)
		}
		out, err := s.ec2.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{
			VolumeId:          v.VolumeId,
			Description:       aws.String(fmt.Sprintf("portalkit backup %s of %s", set, aws.ToString(v.VolumeId))),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: tagList}},
		})
		if err != nil {
			return snaps, fmt.Errorf("backup: create snapshot of %s: %w", aws.ToString(v.VolumeId), err)
		}
		s.opts.Logger.Info("backup: snapshot started", "set", set, "volume", aws.ToString(v.VolumeId), "snapshot", aws.ToString(out.SnapshotId))
		snaps = append(snaps, VolumeSnapshot{VolumeID: aws.ToString(v.VolumeId), SnapshotID: aws.ToString(out.SnapshotId),
			State: string(out.State), StartTime: aws.ToTime(out.StartTime)})
	}
	return snaps, s.wait(ctx, set, snaps)
}

func (s *Snapshotter) wait(ctx context.Context, set string, snaps []VolumeSnapshot) error {
	ids := make([]string, len(snaps))
	for i, sn := range snaps {
		ids[i] = sn.SnapshotID
	}
	start := s.opts.Clock.Now()
	last := map[string]string{}
	_, err := poll.Wait(ctx, func(ctx context.Context) (poll.Result, error) {
		var out *ec2.DescribeSnapshotsOutput
		// A snapshot just created may not be visible yet (eventual consistency).
		err := retry.Do(ctx, func(ctx context.Context) error {
			var err error
			out, err = s.ec2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: ids})
			return err
		}, retry.Options{Clock: s.opts.Clock, Retryable: retry.Any(retry.Codes("InvalidSnapshot.NotFound"), retry.Throttling)})
		if err != nil {
			return poll.Result{}, err
		}
		done := 0
		var states []string
		for _, sn := range out.Snapshots {
			id, st, pr := aws.ToString(sn.SnapshotId), string(sn.State), aws.ToString(sn.Progress)
			for i := range snaps {
				if snaps[i].SnapshotID == id {
					snaps[i].State = st
				}
			}
			if last[id] != st+pr {
				last[id] = st + pr
				if s.opts.OnProgress != nil {
					s.opts.OnProgress(SnapshotProgress{SnapshotID: id, VolumeID: aws.ToString(sn.VolumeId), State: st, Progress: pr, Elapsed: s.opts.Clock.Now().Sub(start)})
				}
			}
			switch sn.State {
			case ec2types.SnapshotStateCompleted:
				done++
			case ec2types.SnapshotStateError:
				return poll.Result{Status: poll.Failed, State: id + " " + st, Reason: id + ": " + aws.ToString(sn.StateMessage)}, nil
			}
			states = append(states, id+" "+st+" "+pr)
		}
		r := poll.Result{State: strings.Join(states, ", ")}
		if done == len(ids) {
			r.Status = poll.Done
		}
		return r, nil
	}, poll.Options{
		What: "EBS snapshots of set " + set, Package: "backup", ErrTimeout: ErrTimeout, ErrFailed: ErrSnapshotFailed,
		Clock: s.opts.Clock, MinDelay: s.opts.PollInterval, MaxDelay: s.opts.MaxPollInterval, MaxWait: s.opts.WaitTimeout,
	})
	return err
}

// SnapshotPruneResult is what PruneSnapshots decided and did.
type SnapshotPruneResult struct {
	// Decisions are per volume, newest first, over the completed snapshots of the set.
	Decisions map[string][]Decision
	// Deleted are the snapshot ids deleted (in a dry run: that would be).
	Deleted []string
	// Skipped are snapshots not considered: pending ones and failed ones (left for a person).
	Skipped []string
	// DryRun is true when nothing was deleted on purpose.
	DryRun bool
}

// PruneSnapshots applies r, per volume, to the completed snapshots tagged SetTagKey=set, with
// the same rules as Prune: the newest completed snapshot of each volume is always kept, pending
// and failed snapshots are never counted nor deleted, and if the listing fails nothing is
// deleted. dryRun reports what would go.
func (s *Snapshotter) PruneSnapshots(ctx context.Context, set string, r Retention, dryRun bool) (*SnapshotPruneResult, error) {
	if err := validName(set); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	var all []ec2types.Snapshot
	p := ec2.NewDescribeSnapshotsPaginator(s.ec2, &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"},
		Filters:  []ec2types.Filter{{Name: aws.String("tag:" + s.opts.SetTagKey), Values: []string{set}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("backup: prune snapshots of %s: nothing deleted: %w", set, err)
		}
		all = append(all, page.Snapshots...)
	}
	res := &SnapshotPruneResult{Decisions: map[string][]Decision{}, DryRun: dryRun}
	byVolume := map[string][]ec2types.Snapshot{}
	for _, sn := range all {
		if sn.State != ec2types.SnapshotStateCompleted {
			res.Skipped = append(res.Skipped, aws.ToString(sn.SnapshotId))
			continue
		}
		v := aws.ToString(sn.VolumeId)
		byVolume[v] = append(byVolume[v], sn)
	}
	volumes := slices.Sorted(maps.Keys(byVolume))
	for _, v := range volumes {
		list := byVolume[v]
		ids := make([]string, len(list))
		times := make([]time.Time, len(list))
		for i, sn := range list {
			ids[i], times[i] = aws.ToString(sn.SnapshotId), aws.ToTime(sn.StartTime)
		}
		ds := r.Apply(ids, times)
		res.Decisions[v] = ds
		for _, d := range ds {
			if d.Keep {
				continue
			}
			if !dryRun {
				if _, err := s.ec2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(d.ID)}); err != nil {
					return res, fmt.Errorf("backup: delete snapshot %s: %w", d.ID, err)
				}
				s.opts.Logger.Info("backup: snapshot pruned", "set", set, "volume", v, "snapshot", d.ID)
			}
			res.Deleted = append(res.Deleted, d.ID)
		}
	}
	return res, nil
}
