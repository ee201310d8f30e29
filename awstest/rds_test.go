package awstest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// rdsFixture is a cloud with an RDS client and a DB subnet group over the default subnets.
type rdsFixture struct {
	cloud *awstest.Cloud
	rds   *rds.Client
	ctx   context.Context
}

func newRDSFixture(t *testing.T, optFns ...func(*awstest.Options)) *rdsFixture {
	t.Helper()
	cloud := awstest.NewForTest(t, optFns...)
	f := &rdsFixture{cloud: cloud, rds: rds.NewFromConfig(cloud.Config()), ctx: context.Background()}
	subnets, err := ec2.NewFromConfig(cloud.Config()).DescribeSubnets(f.ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	_, err = f.rds.CreateDBSubnetGroup(f.ctx, &rds.CreateDBSubnetGroupInput{
		DBSubnetGroupName: aws.String("db"), DBSubnetGroupDescription: aws.String("db"), SubnetIds: ids,
	})
	require.NoError(t, err)
	return f
}

func (f *rdsFixture) create(t *testing.T, id string, multiAZ bool) *rdstypes.DBInstance {
	t.Helper()
	out, err := f.rds.CreateDBInstance(f.ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), ManageMasterUserPassword: aws.Bool(true),
		MultiAZ: aws.Bool(multiAZ), DBSubnetGroupName: aws.String("db"), StorageEncrypted: aws.Bool(true),
		BackupRetentionPeriod: aws.Int32(7), DeletionProtection: aws.Bool(true),
	})
	require.NoError(t, err)
	return out.DBInstance
}

func (f *rdsFixture) describe(t *testing.T, id string) rdstypes.DBInstance {
	t.Helper()
	out, err := f.rds.DescribeDBInstances(f.ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	require.NoError(t, err)
	require.Len(t, out.DBInstances, 1)
	return out.DBInstances[0]
}

func TestRDSSubnetGroupNeedsTwoZones(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	subnets, err := ec2.NewFromConfig(cloud.Config()).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	_, err = rds.NewFromConfig(cloud.Config()).CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{
		DBSubnetGroupName: aws.String("one"), DBSubnetGroupDescription: aws.String("one"),
		SubnetIds: []string{aws.ToString(subnets.Subnets[0].SubnetId)},
	})
	var fault *rdstypes.DBSubnetGroupDoesNotCoverEnoughAZs
	require.ErrorAs(t, err, &fault)
	assert.Contains(t, err.Error(), "Current AZ coverage: "+aws.ToString(subnets.Subnets[0].AvailabilityZone))
	assert.Equal(t, http.StatusBadRequest, httpStatus(err))
}

func TestRDSInstanceLifecycle(t *testing.T) {
	f := newRDSFixture(t)
	created := f.create(t, "shop", true)
	assert.Equal(t, "creating", aws.ToString(created.DBInstanceStatus))
	assert.Nil(t, created.Endpoint, "no endpoint while creating")
	assert.NotEqual(t, aws.ToString(created.AvailabilityZone), aws.ToString(created.SecondaryAvailabilityZone))
	require.NotNil(t, created.MasterUserSecret)

	_, err := f.rds.CreateDBInstance(f.ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("shop"), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), ManageMasterUserPassword: aws.Bool(true),
		DBSubnetGroupName: aws.String("db"),
	})
	var exists *rdstypes.DBInstanceAlreadyExistsFault
	require.ErrorAs(t, err, &exists)

	f.cloud.Clock().Advance(awstest.DefaultDBInstanceCreating + awstest.DefaultDBStandbyCreating - time.Second)
	assert.Equal(t, "creating", aws.ToString(f.describe(t, "shop").DBInstanceStatus))
	f.cloud.Clock().Advance(time.Second)
	assert.Equal(t, "backing-up", aws.ToString(f.describe(t, "shop").DBInstanceStatus))
	assert.True(t, f.cloud.DBInstanceReachable("shop"))
	f.cloud.Clock().Advance(awstest.DefaultDBInstanceBackingUp)
	db := f.describe(t, "shop")
	assert.Equal(t, "available", aws.ToString(db.DBInstanceStatus))
	require.NotNil(t, db.Endpoint)
	assert.Contains(t, aws.ToString(db.Endpoint.Address), "shop.")
	assert.Equal(t, int32(3306), aws.ToInt32(db.Endpoint.Port))

	// A forced failover: rebooting for the failover window, then the zones swap.
	_, err = f.rds.RebootDBInstance(f.ctx, &rds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("shop"), ForceFailover: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "rebooting", aws.ToString(f.describe(t, "shop").DBInstanceStatus))
	assert.False(t, f.cloud.DBInstanceReachable("shop"))
	_, err = f.rds.RebootDBInstance(f.ctx, &rds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("shop")})
	var state *rdstypes.InvalidDBInstanceStateFault
	require.ErrorAs(t, err, &state)
	f.cloud.Clock().Advance(awstest.DefaultDBFailover)
	after := f.describe(t, "shop")
	assert.Equal(t, "available", aws.ToString(after.DBInstanceStatus))
	assert.Equal(t, aws.ToString(db.SecondaryAvailabilityZone), aws.ToString(after.AvailabilityZone))
	assert.Equal(t, aws.ToString(db.AvailabilityZone), aws.ToString(after.SecondaryAvailabilityZone))

	// A failure status.
	f.cloud.FailDBInstance("shop", "storage-full")
	assert.Equal(t, "storage-full", aws.ToString(f.describe(t, "shop").DBInstanceStatus))

	// Deletion protection, then deletion.
	_, err = f.rds.DeleteDBInstance(f.ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("shop"), SkipFinalSnapshot: aws.Bool(true)})
	require.ErrorContains(t, err, "InvalidParameterCombination")
	_, err = f.rds.ModifyDBInstance(f.ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("shop"), DeletionProtection: aws.Bool(false)})
	require.ErrorAs(t, err, &state, "storage-full is not available")
}

func TestRDSErrorsCarryRDSStatuses(t *testing.T) {
	f := newRDSFixture(t)
	_, err := f.rds.DescribeDBInstances(f.ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("missing")})
	var nf *rdstypes.DBInstanceNotFoundFault
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, http.StatusNotFound, httpStatus(err))

	f.cloud.FailNext(awstest.ServiceRDS, "DescribeDBSnapshots", 1, "DBSnapshotNotFound")
	_, err = f.rds.DescribeDBSnapshots(f.ctx, &rds.DescribeDBSnapshotsInput{})
	var snf *rdstypes.DBSnapshotNotFoundFault
	require.ErrorAs(t, err, &snf, "injected faults are typed too")
	assert.Equal(t, http.StatusNotFound, httpStatus(err))

	_, err = f.rds.CreateDBInstance(f.ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("pw"), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("has@sign-secret"),
		DBSubnetGroupName: aws.String("db"),
	})
	require.ErrorContains(t, err, "InvalidParameterValue")
	assert.NotContains(t, err.Error(), "has@sign-secret")

	_, err = f.rds.RebootDBInstance(f.ctx, &rds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("missing"), ForceFailover: aws.Bool(true)})
	require.ErrorAs(t, err, &nf)

	single := f.create(t, "single", false)
	assert.Nil(t, single.SecondaryAvailabilityZone)
	f.cloud.Clock().Advance(time.Hour)
	_, err = f.rds.RebootDBInstance(f.ctx, &rds.RebootDBInstanceInput{DBInstanceIdentifier: aws.String("single"), ForceFailover: aws.Bool(true)})
	require.ErrorContains(t, err, "InvalidParameterCombination")

	_, err = f.rds.ModifyDBInstance(f.ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("single"), MultiAZ: aws.Bool(true)})
	require.ErrorIs(t, err, awstest.ErrUnmodeled)
}

func TestRDSSnapshotsAndCrossRegionCopy(t *testing.T) {
	f := newRDSFixture(t)
	f.create(t, "shop", true)
	_, err := f.rds.CreateDBSnapshot(f.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("shop"), DBSnapshotIdentifier: aws.String("s1")})
	var state *rdstypes.InvalidDBInstanceStateFault
	require.ErrorAs(t, err, &state, "not available yet")

	f.cloud.Clock().Advance(time.Hour)
	snap, err := f.rds.CreateDBSnapshot(f.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("shop"), DBSnapshotIdentifier: aws.String("s1")})
	require.NoError(t, err)
	assert.Equal(t, "creating", aws.ToString(snap.DBSnapshot.Status))
	_, err = f.rds.CreateDBSnapshot(f.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("shop"), DBSnapshotIdentifier: aws.String("s1")})
	var dup *rdstypes.DBSnapshotAlreadyExistsFault
	require.ErrorAs(t, err, &dup)
	f.cloud.Clock().Advance(awstest.DefaultDBSnapshotCreating)

	// Another region: a second cloud, linked as the source of copies.
	west := awstest.NewForTest(t, func(o *awstest.Options) { o.Region = "us-west-2" })
	westRDS := rds.NewFromConfig(west.Config())
	arn := aws.ToString(snap.DBSnapshot.DBSnapshotArn)
	_, err = westRDS.CopyDBSnapshot(f.ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(arn), TargetDBSnapshotIdentifier: aws.String("c1"), SourceRegion: aws.String("us-east-1"), KmsKeyId: aws.String("arn:aws:kms:us-west-2:123456789012:key/k")})
	require.ErrorIs(t, err, awstest.ErrUnmodeled, "no region is linked: no pretend success")

	west.LinkRDSSourceRegion(f.cloud)
	_, err = westRDS.CopyDBSnapshot(f.ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(arn), TargetDBSnapshotIdentifier: aws.String("c1"), SourceRegion: aws.String("us-east-1")})
	require.ErrorContains(t, err, "KmsKeyId is required", "encrypted copies to another region need a key there")
	_, err = westRDS.CopyDBSnapshot(f.ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(arn), TargetDBSnapshotIdentifier: aws.String("c1"), SourceRegion: aws.String("us-east-1"), KmsKeyId: aws.String("arn:aws:kms:us-east-1:123456789012:key/k")})
	var kms *rdstypes.KMSKeyNotAccessibleFault
	require.ErrorAs(t, err, &kms)
	cp, err := westRDS.CopyDBSnapshot(f.ctx, &rds.CopyDBSnapshotInput{SourceDBSnapshotIdentifier: aws.String(arn), TargetDBSnapshotIdentifier: aws.String("c1"), SourceRegion: aws.String("us-east-1"), KmsKeyId: aws.String("arn:aws:kms:us-west-2:123456789012:key/k")})
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", aws.ToString(cp.DBSnapshot.SourceRegion))
	assert.Equal(t, arn, aws.ToString(cp.DBSnapshot.SourceDBSnapshotIdentifier))
	assert.Contains(t, aws.ToString(cp.DBSnapshot.DBSnapshotArn), ":us-west-2:")

	_, err = westRDS.DeleteDBSnapshot(f.ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String("c1")})
	var snapState *rdstypes.InvalidDBSnapshotStateFault
	require.ErrorAs(t, err, &snapState, "still copying")
	assert.Panics(t, func() { f.cloud.LinkRDSSourceRegion(west) }, "links go one way")
}

func TestRDSPaginationAndDeletion(t *testing.T) {
	f := newRDSFixture(t)
	f.create(t, "shop", false)
	f.cloud.Clock().Advance(time.Hour)
	for i := 0; i < 25; i++ {
		_, err := f.rds.CreateDBSnapshot(f.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("shop"), DBSnapshotIdentifier: aws.String(fmt.Sprintf("s-%02d", i))})
		require.NoError(t, err)
	}
	var ids []string
	p := rds.NewDescribeDBSnapshotsPaginator(f.rds, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String("shop"), MaxRecords: aws.Int32(20)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		require.NoError(t, err)
		pages++
		for _, s := range page.DBSnapshots {
			ids = append(ids, aws.ToString(s.DBSnapshotIdentifier))
		}
	}
	assert.Equal(t, 2, pages)
	assert.Len(t, ids, 25)
	_, err := f.rds.DescribeDBSnapshots(f.ctx, &rds.DescribeDBSnapshotsInput{MaxRecords: aws.Int32(10)})
	require.ErrorContains(t, err, "InvalidParameterValue")

	_, err = f.rds.ModifyDBInstance(f.ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("shop"), DeletionProtection: aws.Bool(false)})
	require.NoError(t, err)
	_, err = f.rds.DeleteDBInstance(f.ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("shop")})
	require.ErrorContains(t, err, "FinalDBSnapshotIdentifier is required")
	out, err := f.rds.DeleteDBInstance(f.ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("shop"), FinalDBSnapshotIdentifier: aws.String("final")})
	require.NoError(t, err)
	assert.Equal(t, "deleting", aws.ToString(out.DBInstance.DBInstanceStatus))
	_, err = f.rds.DeleteDBSubnetGroup(f.ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("db")})
	require.ErrorContains(t, err, "InvalidDBSubnetGroupStateFault")
	f.cloud.Clock().Advance(awstest.DefaultDBInstanceDeleting)
	_, err = f.rds.DescribeDBInstances(f.ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("shop")})
	var nf *rdstypes.DBInstanceNotFoundFault
	require.ErrorAs(t, err, &nf)
	final, err := f.rds.DescribeDBSnapshots(f.ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: aws.String("final")})
	require.NoError(t, err)
	require.Len(t, final.DBSnapshots, 1)
	_, err = f.rds.DeleteDBSubnetGroup(f.ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String("db")})
	require.NoError(t, err)
}
