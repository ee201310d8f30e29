package awstest

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// dbSnapshot is a manual DB snapshot (or a copy of one). It is creating until ready, then
// available; its instance's settings are copied at creation.
type dbSnapshot struct {
	id, arn, instanceID, resourceID string
	seq                             uint64
	created, ready                  time.Time
	zone, vpcID, engine, version    string
	storage                         int32
	encrypted                       bool
	kmsKey, masterUser              string
	port                            int32
	iamAuth                         bool
	instanceCreated                 time.Time
	tags                            []rdstypes.Tag
	// sourceARN and sourceRegion are set on copies.
	sourceARN, sourceRegion string
}

func (s *dbSnapshot) status(t time.Time) string {
	if t.Before(s.ready) {
		return "creating"
	}
	return "available"
}

func (s *dbSnapshot) progress(t time.Time) int32 {
	if !t.Before(s.ready) {
		return 100
	}
	total := s.ready.Sub(s.created)
	if total <= 0 {
		return 100
	}
	return int32(100 * t.Sub(s.created) / total)
}

func (m *rdsModel) snapshot(id string) *dbSnapshot {
	id = strings.ToLower(id)
	for _, s := range m.snapshots {
		if s.id == id || s.arn == id {
			return s
		}
	}
	return nil
}

// snapshotOf starts a manual snapshot of d (CreateDBSnapshot and DeleteDBInstance's final
// snapshot).
func (m *rdsModel) snapshotOf(d *dbInstance, id string, extraTags []rdstypes.Tag, now time.Time) (*dbSnapshot, error) {
	id = strings.ToLower(id)
	if err := m.checkIdentifier("DBSnapshotIdentifier", id, 255); err != nil {
		return nil, err
	}
	if m.snapshot(id) != nil {
		return nil, m.fail("DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", id)
	}
	primary, _ := d.zones(now)
	s := &dbSnapshot{
		id: id, arn: m.arn("snapshot", id), instanceID: d.id, resourceID: d.resourceID, seq: m.next(),
		created: now, ready: now.Add(m.cloud.opts.RDS.SnapshotCreating), zone: primary, vpcID: d.group.vpcID,
		engine: d.engine, version: d.version, storage: d.storage, encrypted: d.encrypted, kmsKey: d.kmsKey,
		masterUser: d.masterUser, port: d.port, iamAuth: d.iamAuth, instanceCreated: d.created,
	}
	if d.copyTags {
		s.tags = copyRDSTags(d.tags)
	}
	s.tags = append(s.tags, copyRDSTags(extraTags)...)
	m.snapshots = append(m.snapshots, s)
	return s, nil
}

func (m *rdsModel) snapshotOutput(s *dbSnapshot, now time.Time) *rdstypes.DBSnapshot {
	out := &rdstypes.DBSnapshot{
		DBSnapshotIdentifier: aws.String(s.id), DBSnapshotArn: aws.String(s.arn), DBInstanceIdentifier: aws.String(s.instanceID),
		DbiResourceId: aws.String(s.resourceID), SnapshotCreateTime: aws.Time(s.created), OriginalSnapshotCreateTime: aws.Time(s.created),
		InstanceCreateTime: aws.Time(s.instanceCreated), Status: aws.String(s.status(now)), PercentProgress: aws.Int32(s.progress(now)),
		SnapshotType: aws.String("manual"),
		Engine:       aws.String(s.engine), EngineVersion: aws.String(s.version), AllocatedStorage: aws.Int32(s.storage),
		Encrypted: aws.Bool(s.encrypted), MasterUsername: aws.String(s.masterUser), Port: aws.Int32(s.port),
		IAMDatabaseAuthenticationEnabled: aws.Bool(s.iamAuth), TagList: copyRDSTags(s.tags),
	}
	if s.zone != "" {
		out.AvailabilityZone, out.VpcId = aws.String(s.zone), aws.String(s.vpcID)
	}
	if s.kmsKey != "" {
		out.KmsKeyId = aws.String(s.kmsKey)
	}
	if s.sourceARN != "" {
		out.SourceDBSnapshotIdentifier = aws.String(s.sourceARN)
	}
	if s.sourceRegion != "" {
		out.SourceRegion = aws.String(s.sourceRegion)
	}
	return out
}

func (m *rdsModel) createDBSnapshot(r *request, in *rds.CreateDBSnapshotInput) (*rds.CreateDBSnapshotOutput, error) {
	d, err := m.mustInstance(aws.ToString(in.DBInstanceIdentifier), r.now)
	if err != nil {
		return nil, err
	}
	if d.status(r.now) != "available" {
		return nil, m.fail("InvalidDBInstanceState", "Cannot create a snapshot because the database instance %s is not currently in the available state.", d.id)
	}
	s, err := m.snapshotOf(d, aws.ToString(in.DBSnapshotIdentifier), in.Tags, r.now)
	if err != nil {
		return nil, err
	}
	return &rds.CreateDBSnapshotOutput{DBSnapshot: m.snapshotOutput(s, r.now)}, nil
}

func (m *rdsModel) describeDBSnapshots(r *request, in *rds.DescribeDBSnapshotsInput) (*rds.DescribeDBSnapshotsOutput, error) {
	if len(in.Filters) > 0 || in.DbiResourceId != nil || aws.ToBool(in.IncludePublic) || aws.ToBool(in.IncludeShared) {
		return nil, r.unmodeled("Filters, DbiResourceId or shared and public snapshots")
	}
	switch t := aws.ToString(in.SnapshotType); t {
	case "", "manual", "automated":
	default:
		return nil, r.unmodeled("SnapshotType %q", t)
	}
	limit, err := m.checkPageSize(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	after, err := m.marker("DescribeDBSnapshots", in.Marker)
	if err != nil {
		return nil, err
	}
	var list []*dbSnapshot
	if id := aws.ToString(in.DBSnapshotIdentifier); id != "" {
		s := m.snapshot(id)
		if s == nil {
			return nil, m.fail("DBSnapshotNotFound", "DBSnapshot %s not found.", id)
		}
		list = []*dbSnapshot{s}
	} else {
		list = m.snapshots
	}
	var kept []*dbSnapshot
	for _, s := range list {
		// The model takes no automated snapshots: every snapshot is manual.
		if aws.ToString(in.SnapshotType) == "automated" {
			continue
		}
		if inst := strings.ToLower(aws.ToString(in.DBInstanceIdentifier)); inst != "" && s.instanceID != inst {
			continue
		}
		kept = append(kept, s)
	}
	page, next := pageAfter("DescribeDBSnapshots", kept, func(s *dbSnapshot) string { return seqKey(s.seq) }, after, limit)
	out := &rds.DescribeDBSnapshotsOutput{}
	for _, s := range page {
		out.DBSnapshots = append(out.DBSnapshots, *m.snapshotOutput(s, r.now))
	}
	if next != "" {
		out.Marker = aws.String(next)
	}
	return out, nil
}

func (m *rdsModel) deleteDBSnapshot(r *request, in *rds.DeleteDBSnapshotInput) (*rds.DeleteDBSnapshotOutput, error) {
	id := aws.ToString(in.DBSnapshotIdentifier)
	s := m.snapshot(id)
	if s == nil {
		return nil, m.fail("DBSnapshotNotFound", "DBSnapshot %s not found.", id)
	}
	if s.status(r.now) != "available" {
		return nil, m.fail("InvalidDBSnapshotState", "Cannot delete the snapshot because it is not in the available state: %s is %s.", s.id, s.status(r.now))
	}
	out := m.snapshotOutput(s, r.now)
	out.Status = aws.String("deleted")
	for i, x := range m.snapshots {
		if x == s {
			m.snapshots = append(m.snapshots[:i:i], m.snapshots[i+1:]...)
			break
		}
	}
	return &rds.DeleteDBSnapshotOutput{DBSnapshot: out}, nil
}

// copyDBSnapshot copies a snapshot of this region, or of a region linked with
// LinkRDSSourceRegion when the source is a snapshot ARN of that region.
func (m *rdsModel) copyDBSnapshot(r *request, in *rds.CopyDBSnapshotInput) (*rds.CopyDBSnapshotOutput, error) {
	if in.OptionGroupName != nil || aws.ToBool(in.CopyOptionGroup) || in.TargetCustomAvailabilityZone != nil || in.SnapshotTarget != nil ||
		in.SnapshotAvailabilityZone != nil || len(in.TagSpecifications) > 0 {
		return nil, r.unmodeled("option groups, custom or Outposts targets, snapshot zones or tag specifications")
	}
	srcID := aws.ToString(in.SourceDBSnapshotIdentifier)
	targetID := strings.ToLower(aws.ToString(in.TargetDBSnapshotIdentifier))
	if err := m.checkIdentifier("TargetDBSnapshotIdentifier", targetID, 255); err != nil {
		return nil, err
	}
	region := m.cloud.opts.Region
	if strings.HasPrefix(srcID, "arn:") {
		parts := strings.Split(srcID, ":")
		if len(parts) != 7 || parts[2] != "rds" || parts[5] != "snapshot" {
			return nil, m.fail("InvalidParameterValue", "Invalid snapshot identifier: %s", srcID)
		}
		region = parts[3]
	}
	var src dbSnapshot
	var srcStatus string
	if region == m.cloud.opts.Region {
		s := m.snapshot(srcID)
		if s == nil {
			return nil, m.fail("DBSnapshotNotFound", "DBSnapshot %s not found.", srcID)
		}
		src, srcStatus = *s, s.status(r.now)
	} else {
		other := m.sources[region]
		if other == nil {
			return nil, r.unmodeled("a copy from region %s, which is not linked (Cloud.LinkRDSSourceRegion)", region)
		}
		other.mu.Lock()
		s := other.rds().snapshot(srcID)
		if s != nil {
			src, srcStatus = *s, s.status(other.clock.Now())
		}
		other.mu.Unlock()
		if s == nil {
			return nil, m.fail("DBSnapshotNotFound", "DBSnapshot %s not found.", srcID)
		}
	}
	if srcStatus != "available" {
		return nil, m.fail("InvalidDBSnapshotState", "Snapshot %s is not in the available state (it is %s).", src.id, srcStatus)
	}
	kmsKey := aws.ToString(in.KmsKeyId)
	crossRegion := region != m.cloud.opts.Region
	switch {
	case kmsKey != "" && !src.encrypted:
		return nil, m.fail("InvalidParameterCombination", "KmsKeyId can be specified only when copying an encrypted snapshot.")
	case crossRegion && src.encrypted && kmsKey == "":
		return nil, m.fail("InvalidParameterValue", "KmsKeyId is required to copy an encrypted DB snapshot to another region: KMS keys are specific to the region they are created in.")
	case strings.HasPrefix(kmsKey, "arn:") && !strings.HasPrefix(kmsKey, "arn:aws:kms:"+m.cloud.opts.Region+":"):
		return nil, m.fail("KMSKeyNotAccessibleFault", "The specified KMS key %s is not in region %s.", kmsKey, m.cloud.opts.Region)
	}
	if m.snapshot(targetID) != nil {
		return nil, m.fail("DBSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", targetID)
	}
	cp := src
	cp.id, cp.arn, cp.seq = targetID, m.arn("snapshot", targetID), m.next()
	cp.created, cp.ready = r.now, r.now.Add(m.cloud.opts.RDS.SnapshotCopying)
	cp.sourceARN = src.arn
	cp.sourceRegion = ""
	if crossRegion {
		cp.sourceRegion = region
		cp.zone = ""
		cp.vpcID = ""
	}
	if kmsKey != "" {
		cp.kmsKey = kmsKey
	}
	cp.tags = nil
	if aws.ToBool(in.CopyTags) {
		cp.tags = copyRDSTags(src.tags)
	}
	cp.tags = append(cp.tags, copyRDSTags(in.Tags)...)
	m.snapshots = append(m.snapshots, &cp)
	return &rds.CopyDBSnapshotOutput{DBSnapshot: m.snapshotOutput(&cp, r.now)}, nil
}
