package rds_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/rds"
	"github.com/portalkit/portalkit/wait"
)

// TestEnsureCreatesThenChangesNothing creates a Multi-AZ instance from nothing, waits through its
// status transitions, and shows that a second run adopts it without a create or modify call.
func TestEnsureCreatesThenChangesNothing(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t) // the call log and the virtual clock
	var progress []string
	c := f.client(t, func(o *rds.Options) {
		o.OnProgress = func(p rds.Progress) { progress = append(progress, p.Previous+"->"+p.Status) }
	})
	ctx := context.Background()
	start := sim.Clock().Now()

	inst, err := c.Ensure(ctx, f.spec("shop"))
	require.NoError(t, err)
	assert.True(t, inst.Created)
	assert.True(t, inst.SubnetGroupCreated)
	assert.Equal(t, "available", inst.Status)
	assert.True(t, inst.MultiAZ, "Multi-AZ by default")
	assert.NotEmpty(t, inst.SecondaryAvailabilityZone)
	assert.NotEqual(t, inst.AvailabilityZone, inst.SecondaryAvailabilityZone)
	assert.Contains(t, inst.Endpoint.Address, "shop.")
	assert.Equal(t, int32(3306), inst.Endpoint.Port)
	assert.Empty(t, inst.Drift)
	assert.Equal(t, []string{"->creating", "creating->backing-up", "backing-up->available"}, progress, "every status transition is reported")
	took := sim.Clock().Now().Sub(start)
	assert.GreaterOrEqual(t, took, awstest.DefaultDBInstanceCreating+awstest.DefaultDBStandbyCreating+awstest.DefaultDBInstanceBackingUp)
	t.Logf("Multi-AZ instance available after %s of simulated time", took)

	create := sim.Calls().Operation(awstest.ServiceRDS, "CreateDBInstance")
	require.Len(t, create, 1)
	mark := len(sim.Calls())
	again, err := c.Ensure(ctx, f.spec("shop"))
	require.NoError(t, err)
	assert.False(t, again.Created)
	assert.False(t, again.SubnetGroupCreated)
	assert.Empty(t, again.Drift)
	assert.Equal(t, inst.ARN, again.ARN)
	for _, call := range sim.Calls()[mark:] {
		assert.Falsef(t, strings.HasPrefix(call.Operation, "Create") || strings.HasPrefix(call.Operation, "Modify"),
			"a second run made a %s call", call.Operation)
	}
}

func TestEnsureReportsDrift(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	spec := f.spec("shop")
	spec.SingleAZ = true
	spec.BackupRetentionDays = 14
	spec.SubnetGroup.SubnetIDs = f.subnets[:2]
	spec.EngineVersion = "8.4"
	spec.ParameterGroup = "shop-mysql80"
	c := f.client(t)
	inst, err := c.Ensure(context.Background(), spec)
	require.NoError(t, err)
	var fields []string
	for _, d := range inst.Drift {
		fields = append(fields, d.Field)
	}
	assert.ElementsMatch(t, []string{"SubnetIDs", "MultiAZ", "BackupRetentionDays", "EngineVersion", "ParameterGroup"}, fields)
	assert.Contains(t, fmt.Sprint(inst.Drift), `DB instance shop: EngineVersion is "8.0.40", spec wants "8.4"`)
	assert.Contains(t, f.logs.String(), `"msg":"rds: drift"`)

	_, err = c.Ensure(context.Background(), spec, func(o *rds.Options) { o.FailOnDrift = true })
	require.ErrorIs(t, err, rds.ErrDrift)
}

// TestEnsureRefusesSingleAZSubnetGroup shows a subnet group in one zone refused naming the zone:
// by the EC2 lookup before any RDS call, and by RDS itself when no EC2 client is given.
func TestEnsureRefusesSingleAZSubnetGroup(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	subnet, err := f.ec2.CreateSubnet(context.Background(), ec2CreateSubnet(f, "172.31.200.0/24"))
	require.NoError(t, err)
	spec := f.spec("shop")
	spec.SubnetGroup.SubnetIDs = []string{f.subnets[0], *subnet.Subnet.SubnetId}

	_, err = f.client(t).Ensure(context.Background(), spec)
	require.ErrorIs(t, err, rds.ErrSingleAZ)
	assert.Contains(t, err.Error(), "all in Availability Zone "+f.zones[0])
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, ""), "refused before any RDS call")

	_, err = f.client(t, func(o *rds.Options) { o.Subnets = nil }).Ensure(context.Background(), spec)
	require.ErrorIs(t, err, rds.ErrSingleAZ)
	assert.Contains(t, err.Error(), "Current AZ coverage: "+f.zones[0])
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "CreateDBInstance"))

	spec.SubnetGroup.SubnetIDs = f.subnets[:1]
	_, err = f.client(t).Ensure(context.Background(), spec)
	require.ErrorIs(t, err, rds.ErrInvalidSpec, "one subnet cannot cover two zones")
}

func TestEnsureValidatesSpecUpFront(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	spec := rds.Spec{
		Identifier: "1bad--name", InstanceClass: "t3.micro", MasterPassword: "short@", ManageMasterPassword: false,
		BackupRetentionDays: 40, SubnetGroup: rds.SubnetGroup{Name: "Default"},
	}
	_, err := f.client(t).Ensure(context.Background(), spec)
	require.ErrorIs(t, err, rds.ErrInvalidSpec)
	for _, want := range []string{"Identifier", "InstanceClass", "MasterPassword has 6 characters", `MasterPassword contains '@'`, "BackupRetentionDays 40", "SubnetGroup.Name"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "short@")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, ""), "refused before any call")

	both := f.spec("x")
	both.ManageMasterPassword = true
	_, err = f.client(t).Ensure(context.Background(), both)
	require.ErrorIs(t, err, rds.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "set exactly one")
}

func TestEnsureManagedPassword(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	spec := f.spec("managed")
	spec.MasterPassword = ""
	spec.ManageMasterPassword = true
	inst := f.ensure(t, spec)
	assert.Contains(t, inst.MasterUserSecretARN, ":secretsmanager:")
}

// TestEnsureAdoptsAfterLostCreateResponse: the create takes effect, its response is lost, the SDK
// retries it and meets DBInstanceAlreadyExists; Ensure adopts the instance.
func TestEnsureAdoptsAfterLostCreateResponse(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	sim.LoseResponseNext(awstest.ServiceRDS, "CreateDBInstance", 1)
	inst := f.ensure(t, f.spec("shop"))
	assert.Equal(t, "available", inst.Status)
	assert.Equal(t, 2, sim.Calls().Count(awstest.ServiceRDS, "CreateDBInstance"))
}

func TestWaitAvailableFailureStatusReturnsAtOnce(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	c := f.client(t, func(o *rds.Options) { o.NoWait = true })
	_, err := c.Ensure(context.Background(), f.spec("shop"))
	require.NoError(t, err)
	sim.Clock().Advance(5 * time.Minute)
	sim.FailDBInstance("shop", "incompatible-parameters")
	before := sim.Clock().Now()

	var seen []string
	inst, err := c.WaitAvailable(context.Background(), "shop", func(o *rds.Options) {
		o.OnProgress = func(p rds.Progress) { seen = append(seen, p.Status) }
	})
	require.ErrorIs(t, err, rds.ErrFailed)
	require.ErrorIs(t, err, wait.ErrFailed)
	var fe *rds.FailedError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "incompatible-parameters", fe.State)
	assert.Contains(t, err.Error(), `"incompatible-parameters"`)
	assert.Equal(t, before, sim.Clock().Now(), "no poll delay: the first observation ends the wait")
	assert.Equal(t, "incompatible-parameters", inst.Status)
	assert.Equal(t, []string{"incompatible-parameters"}, seen)
}

func TestWaitAvailableTimeoutNamesLastStatus(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	c := f.client(t, func(o *rds.Options) { o.NoWait = true })
	_, err := c.Ensure(context.Background(), f.spec("shop"))
	require.NoError(t, err)
	_, err = c.WaitAvailable(context.Background(), "shop", func(o *rds.Options) { o.AvailableTimeout = 5 * time.Minute })
	require.ErrorIs(t, err, rds.ErrTimeout)
	require.ErrorIs(t, err, wait.ErrTimeout)
	var te *rds.TimeoutError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "creating", te.LastState)
	assert.Contains(t, err.Error(), `rds: timed out after 5m0s waiting for DB instance shop available: last state "creating"`)

	_, err = c.WaitAvailable(context.Background(), "missing", func(o *rds.Options) { o.RetryTimeout = time.Minute })
	require.ErrorIs(t, err, rds.ErrNotFound)
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	f := newFixture(t)
	_, err := rds.New(f.rds, func(o *rds.Options) { o.PollInterval = -time.Second; o.AvailableTimeout = -1 })
	require.ErrorIs(t, err, rds.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "PollInterval")
	assert.Contains(t, err.Error(), "AvailableTimeout")
	_, err = rds.New(nil)
	require.ErrorIs(t, err, rds.ErrInvalidOptions)
	_, err = rds.New(nil, func(o *rds.Options) { o.PollInterval = -time.Second })
	require.ErrorIs(t, err, rds.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "api is nil", "every problem is named at once")
	assert.Contains(t, err.Error(), "PollInterval")
	c := f.client(t)
	_, err = c.WaitAvailable(context.Background(), "x", func(o *rds.Options) { o.ProbeInterval = -1 })
	require.ErrorIs(t, err, rds.ErrInvalidOptions)
}

func TestEnsureSecurityGroupsAndSettings(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	groups, err := f.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{})
	require.NoError(t, err)
	require.NotEmpty(t, groups.SecurityGroups)
	sg := aws.ToString(groups.SecurityGroups[0].GroupId)
	spec := f.spec("shop")
	spec.SecurityGroupIDs = []string{sg}
	spec.ParameterGroup = "shop-mysql80"
	spec.EngineVersion = "8.0.39"
	spec.IAMAuth = true
	inst := f.ensure(t, spec)
	assert.Equal(t, "8.0.39", inst.EngineVersion)
	assert.True(t, inst.IAMAuth)

	in := sim.Calls().Operation(awstest.ServiceRDS, "CreateDBInstance")[0].Input.(*awsrds.CreateDBInstanceInput)
	assert.True(t, aws.ToBool(in.StorageEncrypted))
	assert.True(t, aws.ToBool(in.DeletionProtection))
	assert.True(t, aws.ToBool(in.CopyTagsToSnapshot))
	assert.True(t, aws.ToBool(in.MultiAZ))
	assert.False(t, aws.ToBool(in.PubliclyAccessible))
	assert.Equal(t, int32(rds.DefaultBackupRetentionDays), aws.ToInt32(in.BackupRetentionPeriod))
	assert.Equal(t, []string{sg}, in.VpcSecurityGroupIds)
	assert.Equal(t, "shop-mysql80", aws.ToString(in.DBParameterGroupName))

	again, err := f.client(t).Ensure(context.Background(), spec)
	require.NoError(t, err)
	assert.Empty(t, again.Drift)

	bad := f.spec("other")
	bad.SecurityGroupIDs = []string{"sg-0000000000000dead"}
	_, err = f.client(t).Ensure(context.Background(), bad)
	require.ErrorContains(t, err, "InvalidParameterValue")
}
