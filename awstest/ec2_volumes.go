package awstest

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Defaults of the EBS part of [EC2Options].
const (
	// DefaultVolumeCreating is how long a new volume stays creating before it is available.
	DefaultVolumeCreating = 5 * time.Second
	// DefaultSnapshotDuration is how long a snapshot stays pending before it is completed.
	DefaultSnapshotDuration = 2 * time.Minute
)

// ebsState holds EBS volumes and snapshots; guarded by Cloud.mu like the rest of the EC2 model.
type ebsState struct {
	volumes   []*volume
	snapshots []*snapshot
	// failedVolumes are FailSnapshots windows: a snapshot started inside one ends in error.
	failedVolumes map[string]*timeline
}

type volume struct {
	id, zone, volumeType string
	size                 int32
	created              time.Time
	snapshotID           string
	tags                 tags
}

func (v *volume) state(now time.Time, o EC2Options) ec2types.VolumeState {
	if now.Before(v.created.Add(o.volumeCreating())) {
		return ec2types.VolumeStateCreating
	}
	return ec2types.VolumeStateAvailable
}

type snapshot struct {
	id, volumeID, description string
	size                      int32
	started                   time.Time
	fails                     bool
	tags                      tags
}

// state is the snapshot's state and progress at now: pending with a growing percentage, then
// completed (or error, when a FailSnapshots window was in force when it started).
func (s *snapshot) state(now time.Time, o EC2Options) (ec2types.SnapshotState, string) {
	d := o.snapshotDuration()
	elapsed := now.Sub(s.started)
	switch {
	case elapsed < d:
		return ec2types.SnapshotStatePending, strconv.Itoa(int(elapsed*100/d)) + "%"
	case s.fails:
		return ec2types.SnapshotStateError, "0%"
	}
	return ec2types.SnapshotStateCompleted, "100%"
}

func (o EC2Options) volumeCreating() time.Duration {
	if o.VolumeCreating == 0 {
		return DefaultVolumeCreating
	}
	return o.VolumeCreating
}

func (o EC2Options) snapshotDuration() time.Duration {
	if o.SnapshotDuration == 0 {
		return DefaultSnapshotDuration
	}
	return o.SnapshotDuration
}

func (e *ec2Model) registerVolumes() {
	handle(e.svc, "CreateVolume", e.createVolume)
	handle(e.svc, "DescribeVolumes", e.describeVolumes)
	handle(e.svc, "DeleteVolume", e.deleteVolume)
	handle(e.svc, "CreateSnapshot", e.createSnapshot)
	handle(e.svc, "DescribeSnapshots", e.describeSnapshots)
	handle(e.svc, "DeleteSnapshot", e.deleteSnapshot)
}

// FailSnapshots makes snapshots of volumeID started from now on end in the error state (EC2
// reports a failed snapshot so), until RecoverSnapshots.
func (c *Cloud) FailSnapshots(volumeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ec2()
	if e.ebs.failedVolumes == nil {
		e.ebs.failedVolumes = map[string]*timeline{}
	}
	timelineFor(e.ebs.failedVolumes, volumeID).start(c.clock.Now())
}

// RecoverSnapshots ends a FailSnapshots window at the current virtual time.
func (c *Cloud) RecoverSnapshots(volumeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ec2()
	if tl := e.ebs.failedVolumes[volumeID]; tl != nil {
		tl.end(c.clock.Now())
	}
}

func (e *ec2Model) volume(id string) *volume {
	for _, v := range e.ebs.volumes {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (e *ec2Model) snapshot(id string) *snapshot {
	for _, s := range e.ebs.snapshots {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (e *ec2Model) volumeNotFound(id string) error {
	return e.errorf("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
}

func (e *ec2Model) snapshotNotFound(id string) error {
	return e.errorf("InvalidSnapshot.NotFound", "The snapshot '%s' does not exist.", id)
}

// volumeSizeLimits are EBS's size limits in GiB per volume type.
var volumeSizeLimits = map[string][2]int32{
	"gp2": {1, 16384}, "gp3": {1, 65536}, "io1": {4, 16384}, "io2": {4, 65536}, "st1": {125, 16384}, "sc1": {125, 16384}, "standard": {1, 1024},
}

func (e *ec2Model) createVolume(r *request, in *ec2.CreateVolumeInput) (*ec2.CreateVolumeOutput, error) {
	zone := aws.ToString(in.AvailabilityZone)
	if zone == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter availabilityZone")
	}
	if e.zone(zone) == nil {
		return nil, e.errorf("InvalidZone.NotFound", "The zone '%s' does not exist.", zone)
	}
	vt := string(in.VolumeType)
	if vt == "" {
		vt = "gp2"
	}
	limits, ok := volumeSizeLimits[vt]
	if !ok {
		return nil, e.errorf("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid.", vt)
	}
	v := &volume{zone: zone, volumeType: vt, created: r.now}
	if id := aws.ToString(in.SnapshotId); id != "" {
		s := e.snapshot(id)
		if s == nil {
			return nil, e.snapshotNotFound(id)
		}
		v.snapshotID, v.size = id, s.size
	}
	if in.Size != nil {
		v.size = *in.Size
	}
	if in.Size == nil && v.snapshotID == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter size or snapshotId")
	}
	if v.size < limits[0] || v.size > limits[1] {
		return nil, e.errorf("InvalidParameterValue", "Volume of %dGiB is outside the range %d-%d for %s.", v.size, limits[0], limits[1], vt)
	}
	t, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeVolume, ec2types.ResourceTypeVolume)
	if err != nil {
		return nil, err
	}
	v.tags = t
	v.id = e.newID("vol")
	e.ebs.volumes = append(e.ebs.volumes, v)
	out := e.volumeOutput(v, r.now)
	return &ec2.CreateVolumeOutput{
		VolumeId: out.VolumeId, AvailabilityZone: out.AvailabilityZone, Size: out.Size, State: out.State,
		VolumeType: out.VolumeType, CreateTime: out.CreateTime, SnapshotId: out.SnapshotId, Tags: out.Tags, Encrypted: out.Encrypted,
	}, nil
}

func (e *ec2Model) volumeOutput(v *volume, now time.Time) ec2types.Volume {
	return ec2types.Volume{
		VolumeId: aws.String(v.id), AvailabilityZone: aws.String(v.zone), Size: aws.Int32(v.size),
		State: v.state(now, e.cloud.opts.EC2), VolumeType: ec2types.VolumeType(v.volumeType), CreateTime: aws.Time(v.created),
		SnapshotId: aws.String(v.snapshotID), Tags: v.tags.list(), Encrypted: aws.Bool(false), Attachments: []ec2types.VolumeAttachment{},
	}
}

func (e *ec2Model) describeVolumes(r *request, in *ec2.DescribeVolumesInput) (*ec2.DescribeVolumesOutput, error) {
	if len(in.VolumeIds) > 0 && in.MaxResults != nil {
		return nil, e.errorf("InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults")
	}
	candidates := e.ebs.volumes
	if len(in.VolumeIds) > 0 {
		candidates = nil
		for _, id := range in.VolumeIds {
			v := e.volume(id)
			if v == nil {
				return nil, e.volumeNotFound(id)
			}
			candidates = append(candidates, v)
		}
	}
	var matched []*volume
	for _, v := range candidates {
		ok, err := e.matchFilters(in.Filters, v.tags, func(name string) ([]string, bool) {
			switch name {
			case "volume-id":
				return []string{v.id}, true
			case "status":
				return []string{string(v.state(r.now, e.cloud.opts.EC2))}, true
			case "availability-zone":
				return []string{v.zone}, true
			case "volume-type":
				return []string{v.volumeType}, true
			case "snapshot-id":
				return []string{v.snapshotID}, true
			case "size":
				return []string{strconv.Itoa(int(v.size))}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, v)
		}
	}
	items, next, err := page(e, "DescribeVolumes", matched, func(v *volume) string { return v.id }, in.MaxResults, in.NextToken, 5, 500)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVolumesOutput{Volumes: []ec2types.Volume{}, NextToken: next}
	for _, v := range items {
		out.Volumes = append(out.Volumes, e.volumeOutput(v, r.now))
	}
	return out, nil
}

func (e *ec2Model) deleteVolume(r *request, in *ec2.DeleteVolumeInput) (*ec2.DeleteVolumeOutput, error) {
	id := aws.ToString(in.VolumeId)
	for i, v := range e.ebs.volumes {
		if v.id == id {
			if v.state(r.now, e.cloud.opts.EC2) == ec2types.VolumeStateCreating {
				return nil, e.errorf("IncorrectState", "The volume '%s' is 'creating'.", id)
			}
			e.ebs.volumes = append(e.ebs.volumes[:i:i], e.ebs.volumes[i+1:]...)
			return &ec2.DeleteVolumeOutput{}, nil
		}
	}
	return nil, e.volumeNotFound(id)
}

func (e *ec2Model) createSnapshot(r *request, in *ec2.CreateSnapshotInput) (*ec2.CreateSnapshotOutput, error) {
	id := aws.ToString(in.VolumeId)
	if id == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter volumeId")
	}
	v := e.volume(id)
	if v == nil {
		return nil, e.volumeNotFound(id)
	}
	if v.state(r.now, e.cloud.opts.EC2) == ec2types.VolumeStateCreating {
		return nil, e.errorf("IncorrectState", "The volume '%s' is 'creating'.", id)
	}
	t, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeSnapshot, ec2types.ResourceTypeSnapshot)
	if err != nil {
		return nil, err
	}
	s := &snapshot{id: e.newID("snap"), volumeID: id, description: aws.ToString(in.Description), size: v.size, started: r.now, tags: t}
	if tl := e.ebs.failedVolumes[id]; tl != nil && tl.at(r.now) {
		s.fails = true
	}
	e.ebs.snapshots = append(e.ebs.snapshots, s)
	o := e.snapshotOutput(s, r.now)
	return &ec2.CreateSnapshotOutput{
		SnapshotId: o.SnapshotId, VolumeId: o.VolumeId, State: o.State, Progress: o.Progress, StartTime: o.StartTime,
		VolumeSize: o.VolumeSize, Description: o.Description, OwnerId: o.OwnerId, Tags: o.Tags, Encrypted: o.Encrypted,
	}, nil
}

func (e *ec2Model) snapshotOutput(s *snapshot, now time.Time) ec2types.Snapshot {
	st, progress := s.state(now, e.cloud.opts.EC2)
	out := ec2types.Snapshot{
		SnapshotId: aws.String(s.id), VolumeId: aws.String(s.volumeID), State: st, Progress: aws.String(progress),
		StartTime: aws.Time(s.started), VolumeSize: aws.Int32(s.size), Description: aws.String(s.description),
		OwnerId: aws.String(e.cloud.opts.AccountID), Tags: s.tags.list(), Encrypted: aws.Bool(false),
	}
	if st == ec2types.SnapshotStateError {
		out.StateMessage = aws.String("Snapshot creation failed")
	}
	return out
}

func (e *ec2Model) describeSnapshots(r *request, in *ec2.DescribeSnapshotsInput) (*ec2.DescribeSnapshotsOutput, error) {
	if len(in.SnapshotIds) > 0 && in.MaxResults != nil {
		return nil, e.errorf("InvalidParameterCombination", "The parameter snapshotSet cannot be used with the parameter maxResults")
	}
	for _, o := range in.OwnerIds {
		if o != "self" && o != e.cloud.opts.AccountID {
			return nil, r.unmodeled("DescribeSnapshots OwnerIds %q (only self and the account are modelled)", o)
		}
	}
	candidates := e.ebs.snapshots
	if len(in.SnapshotIds) > 0 {
		candidates = nil
		for _, id := range in.SnapshotIds {
			s := e.snapshot(id)
			if s == nil {
				return nil, e.snapshotNotFound(id)
			}
			candidates = append(candidates, s)
		}
	}
	var matched []*snapshot
	for _, s := range candidates {
		ok, err := e.matchFilters(in.Filters, s.tags, func(name string) ([]string, bool) {
			st, _ := s.state(r.now, e.cloud.opts.EC2)
			switch name {
			case "snapshot-id":
				return []string{s.id}, true
			case "volume-id":
				return []string{s.volumeID}, true
			case "status":
				return []string{string(st)}, true
			case "owner-id":
				return []string{e.cloud.opts.AccountID}, true
			case "description":
				return []string{s.description}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, s)
		}
	}
	items, next, err := page(e, "DescribeSnapshots", matched, func(s *snapshot) string { return s.id }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSnapshotsOutput{Snapshots: []ec2types.Snapshot{}, NextToken: next}
	for _, s := range items {
		out.Snapshots = append(out.Snapshots, e.snapshotOutput(s, r.now))
	}
	return out, nil
}

func (e *ec2Model) deleteSnapshot(r *request, in *ec2.DeleteSnapshotInput) (*ec2.DeleteSnapshotOutput, error) {
	id := aws.ToString(in.SnapshotId)
	if id == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter snapshotId")
	}
	for i, s := range e.ebs.snapshots {
		if s.id == id {
			e.ebs.snapshots = append(e.ebs.snapshots[:i:i], e.ebs.snapshots[i+1:]...)
			return &ec2.DeleteSnapshotOutput{}, nil
		}
	}
	return nil, e.snapshotNotFound(id)
}
