package awstest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// Defaults for [RDSOptions]. They follow what RDS takes for a small MySQL instance: a Single-AZ
// instance is usually available within ten to fifteen minutes, a Multi-AZ one takes longer
// because the standby is created from a backup of the primary, and a Multi-AZ failover takes 60
// to 120 seconds (RDS User Guide, "Failover process for Amazon RDS").
const (
	// DefaultDBInstanceCreating is how long a new DB instance stays creating (Single-AZ).
	DefaultDBInstanceCreating = 10 * time.Minute
	// DefaultDBStandbyCreating is how much longer a Multi-AZ instance stays creating while its
	// standby is built.
	DefaultDBStandbyCreating = 8 * time.Minute
	// DefaultDBInstanceBackingUp is how long a new instance with backups enabled stays
	// backing-up (its first automated backup) before it is available.
	DefaultDBInstanceBackingUp = 3 * time.Minute
	// DefaultDBInstanceRebooting is how long a reboot without failover keeps the instance
	// rebooting.
	DefaultDBInstanceRebooting = time.Minute
	// DefaultDBFailover is how long a forced failover keeps a Multi-AZ instance rebooting before
	// the former standby serves as primary.
	DefaultDBFailover = 90 * time.Second
	// DefaultDBInstanceDeleting is how long a deleted instance stays deleting before it is gone.
	DefaultDBInstanceDeleting = 5 * time.Minute
	// DefaultDBSnapshotCreating is how long a manual snapshot stays creating.
	DefaultDBSnapshotCreating = 5 * time.Minute
	// DefaultDBSnapshotCopying is how long a snapshot copy stays creating; copies to another
	// region transfer the whole snapshot and take longer than a snapshot.
	DefaultDBSnapshotCopying = 15 * time.Minute
)

// RDSOptions configure the RDS model; they are [Options].RDS. Every duration is virtual time.
type RDSOptions struct {
	// InstanceCreating is how long a new DB instance stays creating. Zero means
	// DefaultDBInstanceCreating; negative is invalid.
	InstanceCreating time.Duration
	// StandbyCreating is added to InstanceCreating for a Multi-AZ instance. Zero means
	// DefaultDBStandbyCreating; negative is invalid.
	StandbyCreating time.Duration
	// InstanceBackingUp is how long a new instance with a backup retention above zero stays
	// backing-up after creating. Zero means DefaultDBInstanceBackingUp; negative is invalid.
	InstanceBackingUp time.Duration
	// Rebooting is how long RebootDBInstance without ForceFailover keeps an instance
	// rebooting. Zero means DefaultDBInstanceRebooting; negative is invalid.
	Rebooting time.Duration
	// Failover is how long RebootDBInstance with ForceFailover keeps a Multi-AZ instance
	// rebooting before its primary and secondary Availability Zones swap. Zero means
	// DefaultDBFailover; negative is invalid.
	Failover time.Duration
	// Deleting is how long a deleted instance stays deleting. Zero means
	// DefaultDBInstanceDeleting; negative is invalid.
	Deleting time.Duration
	// SnapshotCreating is how long CreateDBSnapshot's snapshot stays creating. Zero means
	// DefaultDBSnapshotCreating; negative is invalid.
	SnapshotCreating time.Duration
	// SnapshotCopying is how long CopyDBSnapshot's copy stays creating. Zero means
	// DefaultDBSnapshotCopying; negative is invalid.
	SnapshotCopying time.Duration
}

func (o RDSOptions) withDefaults() RDSOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.InstanceCreating, DefaultDBInstanceCreating)
	def(&o.StandbyCreating, DefaultDBStandbyCreating)
	def(&o.InstanceBackingUp, DefaultDBInstanceBackingUp)
	def(&o.Rebooting, DefaultDBInstanceRebooting)
	def(&o.Failover, DefaultDBFailover)
	def(&o.Deleting, DefaultDBInstanceDeleting)
	def(&o.SnapshotCreating, DefaultDBSnapshotCreating)
	def(&o.SnapshotCopying, DefaultDBSnapshotCopying)
	return o
}

func (o RDSOptions) problems() []string {
	return negativeDurations("RDS", map[string]time.Duration{
		"InstanceCreating": o.InstanceCreating, "StandbyCreating": o.StandbyCreating,
		"InstanceBackingUp": o.InstanceBackingUp, "Rebooting": o.Rebooting, "Failover": o.Failover,
		"Deleting": o.Deleting, "SnapshotCreating": o.SnapshotCreating, "SnapshotCopying": o.SnapshotCopying,
	})
}

// rdsModel is Amazon RDS for MySQL DB instances: DB subnet groups over the EC2 model's subnets,
// DB instances with their status on the virtual clock, Multi-AZ failover and manual snapshots.
// Its state is guarded by Cloud.mu.
type rdsModel struct {
	cloud     *Cloud
	svc       *service
	seq       uint64
	groups    []*dbSubnetGroup
	instances []*dbInstance
	snapshots []*dbSnapshot
	// sources are other regions' clouds whose snapshots CopyDBSnapshot may copy, by region.
	sources map[string]*Cloud
	// nextZone rotates the primary zone of new instances across a subnet group's zones.
	nextZone int
}

func newRDSModel(c *Cloud) model {
	m := &rdsModel{cloud: c, svc: newService(ServiceRDS, "Throttling", http.StatusBadRequest), sources: map[string]*Cloud{}}
	m.svc.newError = rdsError
	handle(m.svc, "CreateDBSubnetGroup", m.createDBSubnetGroup)
	handle(m.svc, "DescribeDBSubnetGroups", m.describeDBSubnetGroups)
	handle(m.svc, "DeleteDBSubnetGroup", m.deleteDBSubnetGroup)
	handle(m.svc, "CreateDBInstance", m.createDBInstance)
	handle(m.svc, "DescribeDBInstances", m.describeDBInstances)
	handle(m.svc, "ModifyDBInstance", m.modifyDBInstance)
	handle(m.svc, "RebootDBInstance", m.rebootDBInstance)
	handle(m.svc, "DeleteDBInstance", m.deleteDBInstance)
	handle(m.svc, "CreateDBSnapshot", m.createDBSnapshot)
	handle(m.svc, "DescribeDBSnapshots", m.describeDBSnapshots)
	handle(m.svc, "CopyDBSnapshot", m.copyDBSnapshot)
	handle(m.svc, "DeleteDBSnapshot", m.deleteDBSnapshot)
	handle(m.svc, "ListTagsForResource", m.listTagsForResource)
	return m
}

func (m *rdsModel) service() *service { return m.svc }

func (c *Cloud) rds() *rdsModel { return modelOf[*rdsModel](c, ServiceRDS) }

// rdsError is the error the SDK builds for an RDS code: the typed fault, carrying the HTTP
// status RDS sends with it (404 for missing resources), so that injected faults get it too.
func rdsError(code, msg string) error {
	status, ok := rdsErrorStatus[code]
	if !ok {
		status = statusForCode(code)
	}
	return &statusError{status: status, err: typedError(rdsExceptions, code, msg)}
}

// fail returns an RDS error with its real HTTP status.
func (m *rdsModel) fail(code, format string, args ...any) error {
	return rdsError(code, fmt.Sprintf(format, args...))
}

func (m *rdsModel) next() uint64 {
	m.seq++
	return m.seq
}

func (m *rdsModel) arn(kind, name string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", m.cloud.opts.Region, m.cloud.opts.AccountID, kind, name)
}

// endpointSuffix is the account- and region-specific part of every instance endpoint, as in
// mydb.c9akciq32.us-east-1.rds.amazonaws.com.
func (m *rdsModel) endpointSuffix() string {
	sum := sha256.Sum256([]byte(m.cloud.opts.AccountID + "/" + m.cloud.opts.Region))
	return "c" + hex.EncodeToString(sum[:])[:11] + "." + m.cloud.opts.Region + ".rds.amazonaws.com"
}

// identifierPattern is RDS's rule for instance and snapshot identifiers: a letter first, then
// letters, digits and hyphens, no trailing hyphen and no two hyphens in a row, at most 63
// characters (255 for snapshots; the caller checks the length).
var identifierPattern = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9])*$`)

func (m *rdsModel) checkIdentifier(param, id string, maxLen int) error {
	if id == "" || len(id) > maxLen || !identifierPattern.MatchString(id) {
		return m.fail("InvalidParameterValue", "The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.", param)
	}
	return nil
}

// checkPageSize validates MaxRecords (20 to 100, default 100) as RDS does.
func (m *rdsModel) checkPageSize(max *int32) (int, error) {
	if max == nil {
		return 100, nil
	}
	if *max < 20 || *max > 100 {
		return 0, m.fail("InvalidParameterValue", "Invalid value %d for MaxRecords. Must be between 20 and 100", *max)
	}
	return int(*max), nil
}

// marker decodes an RDS Marker for op.
func (m *rdsModel) marker(op string, marker *string) (string, error) {
	if aws.ToString(marker) == "" {
		return "", nil
	}
	key, ok := decodeToken(op, *marker)
	if !ok {
		return "", m.fail("InvalidParameterValue", "Invalid marker: %s", *marker)
	}
	return key, nil
}

func copyRDSTags(in []rdstypes.Tag) []rdstypes.Tag {
	out := make([]rdstypes.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, rdstypes.Tag{Key: aws.String(aws.ToString(t.Key)), Value: aws.String(aws.ToString(t.Value))})
	}
	return out
}

// LinkRDSSourceRegion lets CopyDBSnapshot calls to this cloud copy snapshots of src, a cloud
// simulating another region: a SourceDBSnapshotIdentifier that is a snapshot ARN in src's region
// is looked up there, at src's virtual time. The simulated cloud is one region, so without a
// link a cross-region copy fails with an [*UnmodeledError] rather than pretending to succeed.
// Links go one way (copies from src into c); it panics if src is c, simulates the same region,
// or already links to c.
func (c *Cloud) LinkRDSSourceRegion(src *Cloud) {
	if src == c || src.opts.Region == c.opts.Region {
		panic("awstest: LinkRDSSourceRegion: the source cloud must simulate another region")
	}
	src.mu.Lock()
	_, back := src.rds().sources[c.opts.Region]
	src.mu.Unlock()
	if back {
		panic("awstest: LinkRDSSourceRegion: " + src.opts.Region + " already copies from " + c.opts.Region + "; links go one way")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rds().sources[src.opts.Region] = src
}

// dbSubnetGroup is a DB subnet group: named subnets of one VPC.
type dbSubnetGroup struct {
	name, description, vpcID, arn string
	subnets                       []*subnet
	seq                           uint64
	tags                          []rdstypes.Tag
}

// zones returns the group's distinct Availability Zones in subnet order.
func (g *dbSubnetGroup) zones() []string {
	var zones []string
	seen := map[string]bool{}
	for _, s := range g.subnets {
		if !seen[s.zone] {
			seen[s.zone] = true
			zones = append(zones, s.zone)
		}
	}
	return zones
}

var subnetGroupNamePattern = regexp.MustCompile(`^[a-z0-9 ._-]{1,255}$`)

func (m *rdsModel) createDBSubnetGroup(r *request, in *rds.CreateDBSubnetGroupInput) (*rds.CreateDBSubnetGroupOutput, error) {
	name := strings.ToLower(aws.ToString(in.DBSubnetGroupName))
	if !subnetGroupNamePattern.MatchString(name) || name == "default" {
		return nil, m.fail("InvalidParameterValue", "The parameter DBSubnetGroupName is not a valid identifier. Only lowercase letters, digits, spaces, periods, underscores and hyphens are allowed, and it must not be \"default\".")
	}
	if aws.ToString(in.DBSubnetGroupDescription) == "" {
		return nil, m.fail("InvalidParameterValue", "The parameter DBSubnetGroupDescription must be provided and must not be blank.")
	}
	if m.group(name) != nil {
		return nil, m.fail("DBSubnetGroupAlreadyExists", "The DB subnet group '%s' already exists.", name)
	}
	if len(in.SubnetIds) == 0 {
		return nil, m.fail("InvalidParameterValue", "The parameter SubnetIds must be provided and must not be empty.")
	}
	ec2m := m.cloud.ec2()
	var subnets []*subnet
	var bad []string
	for _, id := range in.SubnetIds {
		s := ec2m.subnet(id)
		if s == nil {
			bad = append(bad, id)
			continue
		}
		subnets = append(subnets, s)
	}
	if len(bad) > 0 {
		return nil, m.fail("InvalidSubnet", "Some input subnets in :[%s] are invalid.", strings.Join(bad, ", "))
	}
	for _, s := range subnets[1:] {
		if s.vpcID != subnets[0].vpcID {
			return nil, m.fail("InvalidParameterValue", "Subnets %s and %s are in different VPCs; a DB subnet group's subnets must all be in one VPC.", subnets[0].id, s.id)
		}
	}
	g := &dbSubnetGroup{name: name, description: aws.ToString(in.DBSubnetGroupDescription), vpcID: subnets[0].vpcID,
		arn: m.arn("subgrp", name), subnets: subnets, seq: m.next(), tags: copyRDSTags(in.Tags)}
	if zones := g.zones(); len(zones) < 2 {
		return nil, m.fail("DBSubnetGroupDoesNotCoverEnoughAZs", "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: %s. Add subnets to cover at least 2 AZs.", strings.Join(zones, ", "))
	}
	m.groups = append(m.groups, g)
	return &rds.CreateDBSubnetGroupOutput{DBSubnetGroup: m.groupOutput(g)}, nil
}

func (m *rdsModel) group(name string) *dbSubnetGroup {
	for _, g := range m.groups {
		if g.name == strings.ToLower(name) {
			return g
		}
	}
	return nil
}

func (m *rdsModel) groupOutput(g *dbSubnetGroup) *rdstypes.DBSubnetGroup {
	out := &rdstypes.DBSubnetGroup{
		DBSubnetGroupName: aws.String(g.name), DBSubnetGroupDescription: aws.String(g.description),
		DBSubnetGroupArn: aws.String(g.arn), VpcId: aws.String(g.vpcID), SubnetGroupStatus: aws.String("Complete"),
		SupportedNetworkTypes: []string{"IPV4"},
	}
	for _, s := range g.subnets {
		out.Subnets = append(out.Subnets, rdstypes.Subnet{
			SubnetIdentifier: aws.String(s.id), SubnetStatus: aws.String("Active"),
			SubnetAvailabilityZone: &rdstypes.AvailabilityZone{Name: aws.String(s.zone)},
		})
	}
	return out
}

func (m *rdsModel) describeDBSubnetGroups(r *request, in *rds.DescribeDBSubnetGroupsInput) (*rds.DescribeDBSubnetGroupsOutput, error) {
	if len(in.Filters) > 0 {
		return nil, r.unmodeled("Filters")
	}
	limit, err := m.checkPageSize(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	after, err := m.marker("DescribeDBSubnetGroups", in.Marker)
	if err != nil {
		return nil, err
	}
	groups := m.groups
	if name := aws.ToString(in.DBSubnetGroupName); name != "" {
		g := m.group(name)
		if g == nil {
			return nil, m.fail("DBSubnetGroupNotFoundFault", "DBSubnetGroup %s not found.", name)
		}
		groups = []*dbSubnetGroup{g}
	}
	page, next := pageAfter("DescribeDBSubnetGroups", groups, func(g *dbSubnetGroup) string { return seqKey(g.seq) }, after, limit)
	out := &rds.DescribeDBSubnetGroupsOutput{}
	for _, g := range page {
		out.DBSubnetGroups = append(out.DBSubnetGroups, *m.groupOutput(g))
	}
	if next != "" {
		out.Marker = aws.String(next)
	}
	return out, nil
}

func (m *rdsModel) deleteDBSubnetGroup(r *request, in *rds.DeleteDBSubnetGroupInput) (*rds.DeleteDBSubnetGroupOutput, error) {
	name := aws.ToString(in.DBSubnetGroupName)
	g := m.group(name)
	if g == nil {
		return nil, m.fail("DBSubnetGroupNotFoundFault", "DBSubnetGroup %s not found.", name)
	}
	for _, inst := range m.instances {
		if inst.group == g && !inst.gone(r.now) {
			return nil, m.fail("InvalidDBSubnetGroupStateFault", "Cannot delete the subnet group '%s' because at least one database instance: %s is still using it.", g.name, inst.id)
		}
	}
	for i, x := range m.groups {
		if x == g {
			m.groups = append(m.groups[:i:i], m.groups[i+1:]...)
			break
		}
	}
	return &rds.DeleteDBSubnetGroupOutput{}, nil
}
