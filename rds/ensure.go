package rds

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/retry"
)

// Instance is what RDS reports about a DB instance, and what Ensure did.
type Instance struct {
	// Identifier names the instance.
	Identifier string
	// ARN is the instance's Amazon Resource Name.
	ARN string
	// Status is the status last observed ("available", "creating", ...).
	Status string
	// Endpoint is where clients connect; zero until RDS publishes it (after creating).
	Endpoint Endpoint
	// MultiAZ reports whether the instance has a standby.
	MultiAZ bool
	// AvailabilityZone is the primary's zone.
	AvailabilityZone string
	// SecondaryAvailabilityZone is the standby's zone, "" for a Single-AZ instance.
	SecondaryAvailabilityZone string
	// EngineVersion is the MySQL version, for example "8.0.40".
	EngineVersion string
	// MasterUsername is the master user.
	MasterUsername string
	// MasterUserSecretARN is the Secrets Manager secret holding the master password when RDS
	// manages it, "" otherwise.
	MasterUserSecretARN string
	// IAMAuth reports whether IAM database authentication is enabled.
	IAMAuth bool
	// Created reports whether this call created the instance; false when it was adopted.
	Created bool
	// SubnetGroupCreated reports whether this call created the DB subnet group.
	SubnetGroupCreated bool
	// Drift lists the differences between the existing instance or subnet group and the spec.
	// Ensure does not modify existing resources.
	Drift []Drift
}

func instanceFrom(db *rdstypes.DBInstance) *Instance {
	in := &Instance{
		Identifier: aws.ToString(db.DBInstanceIdentifier), ARN: aws.ToString(db.DBInstanceArn),
		Status: aws.ToString(db.DBInstanceStatus), MultiAZ: aws.ToBool(db.MultiAZ),
		AvailabilityZone: aws.ToString(db.AvailabilityZone), SecondaryAvailabilityZone: aws.ToString(db.SecondaryAvailabilityZone),
		EngineVersion: aws.ToString(db.EngineVersion), MasterUsername: aws.ToString(db.MasterUsername),
		IAMAuth: aws.ToBool(db.IAMDatabaseAuthenticationEnabled),
	}
	if db.Endpoint != nil {
		in.Endpoint = Endpoint{Address: aws.ToString(db.Endpoint.Address), Port: aws.ToInt32(db.Endpoint.Port)}
	}
	if db.MasterUserSecret != nil {
		in.MasterUserSecretARN = aws.ToString(db.MasterUserSecret.SecretArn)
	}
	return in
}

// Ensure converges a MySQL DB instance and its DB subnet group to spec. It describes each
// first and adopts what exists; it creates only what is missing, so a second run makes no
// create (or modify) call. Differences between an existing resource and the spec are reported
// in [Instance].Drift and logged, never changed; with FailOnDrift they fail the call with
// ErrDrift. CreateDBInstance takes no client token: a create retried after a lost response
// meets DBInstanceAlreadyExists, and Ensure adopts the instance it then describes.
//
// The spec is checked before any call: problems fail with ErrInvalidSpec naming every one
// (never quoting the password). With Options.Subnets set, the subnets are looked up in EC2
// first and a group covering fewer than two Availability Zones fails with ErrSingleAZ naming the
// zones; without it RDS's refusal (DBSubnetGroupDoesNotCoverEnoughAZs) is reported the same way.
// Unless NoWait is set, Ensure then waits until the instance is available (see WaitAvailable).
func (c *Client) Ensure(ctx context.Context, spec Spec, optFns ...func(*Options)) (*Instance, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if err := checkSubnetZones(ctx, o, spec.SubnetGroup); err != nil {
		return nil, err
	}
	var drift []Drift
	groupCreated, err := c.ensureSubnetGroup(ctx, o, spec.SubnetGroup, tagList(spec.Tags), &drift)
	if err != nil {
		return nil, err
	}
	db, created, err := c.ensureInstance(ctx, o, spec)
	if err != nil {
		return nil, err
	}
	if !created {
		drift = append(drift, instanceDrift(spec, db)...)
	}
	inst := instanceFrom(db)
	inst.Created, inst.SubnetGroupCreated, inst.Drift = created, groupCreated, drift
	for _, d := range drift {
		o.Logger.Warn("rds: drift", "resource", d.Resource, "field", d.Field, "have", d.Have, "want", d.Want)
	}
	if o.FailOnDrift && len(drift) > 0 {
		return inst, fmt.Errorf("%w: %d difference(s), first: %s", ErrDrift, len(drift), drift[0])
	}
	if o.NoWait || inst.Status == "available" {
		return inst, nil
	}
	waited, err := c.waitAvailable(ctx, o, spec.Identifier)
	if waited != nil {
		waited.Created, waited.SubnetGroupCreated, waited.Drift = created, groupCreated, drift
		inst = waited
	}
	return inst, err
}

// checkSubnetZones refuses subnets covering fewer than two zones, when an EC2 client is given.
func checkSubnetZones(ctx context.Context, o Options, g SubnetGroup) error {
	if o.Subnets == nil || len(g.SubnetIDs) == 0 {
		return nil
	}
	var out *ec2.DescribeSubnetsOutput
	err := call(ctx, o, "DescribeSubnets", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = o.Subnets.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: g.SubnetIDs})
		return err
	})
	if err != nil {
		return fmt.Errorf("rds: look up the subnets of DB subnet group %s: %w", g.Name, err)
	}
	var zones []string
	for _, s := range out.Subnets {
		if z := aws.ToString(s.AvailabilityZone); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	if len(zones) < 2 {
		return fmt.Errorf("%w: DB subnet group %s: subnets %s are all in Availability Zone %s; add a subnet in another zone",
			ErrSingleAZ, g.Name, strings.Join(g.SubnetIDs, ", "), strings.Join(zones, ", "))
	}
	return nil
}

func (c *Client) ensureSubnetGroup(ctx context.Context, o Options, g SubnetGroup, tags []rdstypes.Tag, drift *[]Drift) (created bool, err error) {
	describe := func() (*rdstypes.DBSubnetGroup, error) {
		var out *rds.DescribeDBSubnetGroupsOutput
		err := call(ctx, o, "DescribeDBSubnetGroups", retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = c.api.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String(g.Name)}, o.RDSOptions...)
			return err
		})
		switch {
		case awserr.IsCode(err, "DBSubnetGroupNotFoundFault"):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("rds: describe DB subnet group %s: %w", g.Name, err)
		case len(out.DBSubnetGroups) == 0:
			return nil, nil
		}
		return &out.DBSubnetGroups[0], nil
	}
	existing, err := describe()
	if err != nil {
		return false, err
	}
	if existing == nil && len(g.SubnetIDs) == 0 {
		return false, fmt.Errorf("%w: DB subnet group %s does not exist and SubnetGroup.SubnetIDs is empty", ErrInvalidSpec, g.Name)
	}
	if existing == nil {
		err := call(ctx, o, "CreateDBSubnetGroup", retry.Throttling, func(ctx context.Context) error {
			_, err := c.api.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
				DBSubnetGroupName: aws.String(g.Name), DBSubnetGroupDescription: aws.String(g.Description), SubnetIds: g.SubnetIDs, Tags: tags,
			}, o.RDSOptions...)
			return err
		})
		switch {
		case err == nil:
			o.Logger.Info("rds: created DB subnet group", "name", g.Name)
			return true, nil
		case awserr.IsCode(err, "DBSubnetGroupDoesNotCoverEnoughAZs"):
			return false, fmt.Errorf("%w: DB subnet group %s: %s", ErrSingleAZ, g.Name, awserr.Message(err))
		case !awserr.IsCode(err, "DBSubnetGroupAlreadyExists"):
			return false, fmt.Errorf("rds: create DB subnet group %s: %w", g.Name, err)
		}
		// A create whose response was lost, or a concurrent run: adopt what exists.
		if existing, err = describe(); err != nil {
			return false, err
		}
		if existing == nil {
			return false, fmt.Errorf("rds: DB subnet group %s: RDS answered DBSubnetGroupAlreadyExists, then DBSubnetGroupNotFoundFault", g.Name)
		}
	}
	if len(g.SubnetIDs) > 0 {
		var have []string
		for _, s := range existing.Subnets {
			have = append(have, aws.ToString(s.SubnetIdentifier))
		}
		if w, h := strings.Join(sortedCopy(g.SubnetIDs), ","), strings.Join(sortedCopy(have), ","); w != h {
			*drift = append(*drift, Drift{Resource: "DB subnet group " + g.Name, Field: "SubnetIDs", Want: w, Have: h})
		}
	}
	return false, nil
}

// describeInstance returns the instance, or nil when RDS answers DBInstanceNotFound. It never
// retries DBInstanceNotFound.
func (c *Client) describeInstance(ctx context.Context, o Options, id string) (*rdstypes.DBInstance, error) {
	var out *rds.DescribeDBInstancesOutput
	err := call(ctx, o, "DescribeDBInstances", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = c.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, o.RDSOptions...)
		return err
	})
	switch {
	case awserr.IsCode(err, "DBInstanceNotFound"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("rds: describe DB instance %s: %w", id, err)
	case len(out.DBInstances) == 0:
		return nil, nil
	}
	return &out.DBInstances[0], nil
}

func (c *Client) ensureInstance(ctx context.Context, o Options, spec Spec) (*rdstypes.DBInstance, bool, error) {
	existing, err := c.describeInstance(ctx, o, spec.Identifier)
	if err != nil || existing != nil {
		return existing, false, err
	}
	in := createInput(spec)
	var out *rds.CreateDBInstanceOutput
	err = call(ctx, o, "CreateDBInstance", retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = c.api.CreateDBInstance(ctx, in, o.RDSOptions...)
		return err
	})
	switch {
	case err == nil:
		o.Logger.Info("rds: creating DB instance", "id", spec.Identifier, "multi_az", !spec.SingleAZ, "class", spec.InstanceClass)
		return out.DBInstance, true, nil
	case awserr.IsCode(err, "DBSubnetGroupDoesNotCoverEnoughAZs"):
		return nil, false, fmt.Errorf("%w: DB subnet group %s: %s", ErrSingleAZ, spec.SubnetGroup.Name, awserr.Message(err))
	case !awserr.IsCode(err, "DBInstanceAlreadyExists"):
		return nil, false, fmt.Errorf("rds: create DB instance %s: %w", spec.Identifier, err)
	}
	existing, err = c.describeInstance(ctx, o, spec.Identifier)
	if err != nil {
		return nil, false, err
	}
	if existing == nil {
		return nil, false, fmt.Errorf("rds: DB instance %s: RDS answered DBInstanceAlreadyExists, then DBInstanceNotFound", spec.Identifier)
	}
	o.Logger.Info("rds: adopted DB instance after DBInstanceAlreadyExists", "id", spec.Identifier)
	return existing, false, nil
}

func createInput(s Spec) *rds.CreateDBInstanceInput {
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(s.Identifier), Engine: aws.String(Engine), EngineVersion: aws.String(s.EngineVersion),
		DBInstanceClass: aws.String(s.InstanceClass), AllocatedStorage: aws.Int32(s.AllocatedStorage), StorageType: aws.String(s.StorageType),
		MasterUsername: aws.String(s.MasterUsername), MultiAZ: aws.Bool(!s.SingleAZ), DBSubnetGroupName: aws.String(s.SubnetGroup.Name),
		VpcSecurityGroupIds: s.SecurityGroupIDs, StorageEncrypted: aws.Bool(true), BackupRetentionPeriod: aws.Int32(s.BackupRetentionDays),
		DeletionProtection: aws.Bool(!s.NoDeletionProtection), CopyTagsToSnapshot: aws.Bool(true), Port: aws.Int32(s.Port),
		EnableIAMDatabaseAuthentication: aws.Bool(s.IAMAuth), PubliclyAccessible: aws.Bool(false),
	}
	if s.ManageMasterPassword {
		in.ManageMasterUserPassword = aws.Bool(true)
		if s.MasterSecretKMSKeyID != "" {
			in.MasterUserSecretKmsKeyId = aws.String(s.MasterSecretKMSKeyID)
		}
	} else {
		in.MasterUserPassword = aws.String(s.MasterPassword.Reveal())
	}
	if s.DBName != "" {
		in.DBName = aws.String(s.DBName)
	}
	if s.KMSKeyID != "" {
		in.KmsKeyId = aws.String(s.KMSKeyID)
	}
	if s.ParameterGroup != "" {
		in.DBParameterGroupName = aws.String(s.ParameterGroup)
	}
	in.Tags = tagList(s.Tags)
	return in
}

// tagList returns tags in key order.
func tagList(tags map[string]string) []rdstypes.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []rdstypes.Tag
	for _, k := range keys {
		out = append(out, rdstypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}

// instanceDrift compares an existing instance with the spec. The password cannot be compared:
// RDS never returns it.
func instanceDrift(s Spec, db *rdstypes.DBInstance) []Drift {
	var out []Drift
	res := "DB instance " + s.Identifier
	add := func(field, want, have string) {
		if want != have {
			out = append(out, Drift{Resource: res, Field: field, Want: want, Have: have})
		}
	}
	b := strconv.FormatBool
	add("MultiAZ", b(!s.SingleAZ), b(aws.ToBool(db.MultiAZ)))
	add("InstanceClass", s.InstanceClass, aws.ToString(db.DBInstanceClass))
	if v := aws.ToString(db.EngineVersion); v != s.EngineVersion && !strings.HasPrefix(v, s.EngineVersion+".") {
		add("EngineVersion", s.EngineVersion, v)
	}
	add("StorageEncrypted", "true", b(aws.ToBool(db.StorageEncrypted)))
	if s.KMSKeyID != "" {
		add("KMSKeyID", s.KMSKeyID, aws.ToString(db.KmsKeyId))
	}
	add("BackupRetentionDays", strconv.Itoa(int(s.BackupRetentionDays)), strconv.Itoa(int(aws.ToInt32(db.BackupRetentionPeriod))))
	add("DeletionProtection", b(!s.NoDeletionProtection), b(aws.ToBool(db.DeletionProtection)))
	add("CopyTagsToSnapshot", "true", b(aws.ToBool(db.CopyTagsToSnapshot)))
	add("IAMAuth", b(s.IAMAuth), b(aws.ToBool(db.IAMDatabaseAuthenticationEnabled)))
	add("ManageMasterPassword", b(s.ManageMasterPassword), b(db.MasterUserSecret != nil))
	add("MasterUsername", s.MasterUsername, aws.ToString(db.MasterUsername))
	if db.DBSubnetGroup != nil {
		add("SubnetGroup.Name", s.SubnetGroup.Name, aws.ToString(db.DBSubnetGroup.DBSubnetGroupName))
	}
	if s.ParameterGroup != "" {
		var groups []string
		for _, g := range db.DBParameterGroups {
			groups = append(groups, aws.ToString(g.DBParameterGroupName))
		}
		add("ParameterGroup", s.ParameterGroup, strings.Join(groups, ","))
	}
	if len(s.SecurityGroupIDs) > 0 {
		var have []string
		for _, g := range db.VpcSecurityGroups {
			have = append(have, aws.ToString(g.VpcSecurityGroupId))
		}
		add("SecurityGroupIDs", strings.Join(sortedCopy(s.SecurityGroupIDs), ","), strings.Join(sortedCopy(have), ","))
	}
	if db.Endpoint != nil {
		add("Port", strconv.Itoa(int(s.Port)), strconv.Itoa(int(aws.ToInt32(db.Endpoint.Port))))
	}
	return out
}
