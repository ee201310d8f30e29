package rds_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/rds"
)

// mainFlows is the scenario the integration suite runs against an endpoint and the unit tests
// run on the simulated cloud: ensure an instance under a unique, run-tagged name, re-run without
// creating anything, snapshot it, list and prune the snapshots, and (simulated cloud only) run a
// failover drill. Everything it creates is deleted when the test ends, also after a failure, and
// every wait is bounded.
func mainFlows(t *testing.T, f *fixture) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	name := "pk-int-" + f.run
	f.cleanupAfter(t, name, name+"-subnets")
	c := f.client(t, func(o *rds.Options) {
		o.AvailableTimeout, o.SnapshotTimeout, o.FailoverTimeout = 5*time.Minute, 5*time.Minute, 5*time.Minute
		if f.env.Sim == nil {
			o.AvailableTimeout = 10 * time.Minute // an endpoint may take real time to create an instance
		}
		o.OnProgress = func(p rds.Progress) { t.Logf("%s: %s -> %s after %s", p.Resource, p.Previous, p.Status, p.Elapsed) }
	})
	spec := f.spec(name)
	spec.NoDeletionProtection = f.env.Sim == nil // so that cleanup needs one call less against an endpoint

	inst, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.True(t, inst.Created)
	assert.Equal(t, "available", inst.Status)
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.False(t, again.Created, "a re-run creates nothing")
	assert.Equal(t, inst.ARN, again.ARN)

	for i := 1; i <= 2; i++ {
		snap, err := c.CreateSnapshot(ctx, name, fmt.Sprintf("%s-snap-%d", name, i))
		require.NoError(t, err)
		assert.Equal(t, "available", snap.Status)
		f.env.Clock.Sleep(ctx, time.Second) // distinct creation times
	}
	list, err := c.ListSnapshots(ctx, name)
	require.NoError(t, err)
	require.Len(t, list, 2)
	rep, err := c.PruneSnapshots(ctx, name, rds.PrunePolicy{Keep: 1, Prefix: name + "-snap-"})
	require.NoError(t, err)
	assert.Equal(t, []string{name + "-snap-1"}, rep.Deleted)

	if f.env.Sim != nil { // a forced failover that moves the primary is what the simulated cloud models
		drill, err := c.Failover(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, inst.SecondaryAvailabilityZone, drill.ToAZ)
	}
}

// cleanupAfter deletes, when the test ends, the instance's snapshots, the instance (turning
// deletion protection off first) and the subnet group, in that order, waiting (bounded) for the
// instance to be gone before the group can go.
func (f *fixture) cleanupAfter(t *testing.T, id, group string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		snaps, err := f.rds.DescribeDBSnapshots(ctx, &awsrds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String(id), SnapshotType: aws.String("manual")})
		if err == nil {
			for _, s := range snaps.DBSnapshots {
				if _, err := f.rds.DeleteDBSnapshot(ctx, &awsrds.DeleteDBSnapshotInput{DBSnapshotIdentifier: s.DBSnapshotIdentifier}); err != nil {
					t.Logf("cleanup: delete snapshot %s: %v", aws.ToString(s.DBSnapshotIdentifier), err)
				}
			}
		}
		// Turn deletion protection off (RDS takes that only from an available instance), delete,
		// and wait until the instance is gone, all within ten minutes on the environment's clock.
		deadline := f.env.Clock.Now().Add(10 * time.Minute)
		for ctx.Err() == nil && f.env.Clock.Now().Before(deadline) {
			out, err := f.rds.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
			if awserr.IsCode(err, "DBInstanceNotFound") {
				break
			}
			if err == nil && len(out.DBInstances) == 1 {
				db := out.DBInstances[0]
				switch status := aws.ToString(db.DBInstanceStatus); {
				case status == "deleting":
				case aws.ToBool(db.DeletionProtection) && status == "available":
					_, err = f.rds.ModifyDBInstance(ctx, &awsrds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id), DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
				case !aws.ToBool(db.DeletionProtection):
					_, err = f.rds.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
				}
			}
			if err != nil {
				t.Logf("cleanup of %s: %v", id, err)
			}
			_ = f.env.Clock.Sleep(ctx, 10*time.Second)
		}
		if _, err := f.rds.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(group)}); err != nil && !awserr.IsCode(err, "DBSubnetGroupNotFoundFault") {
			t.Errorf("cleanup: delete DB subnet group %s: %v", group, err)
		}
	})
}

// TestMainFlows runs the integration scenario on the simulated cloud, and checks its cleanup.
func TestMainFlows(t *testing.T) {
	// Creation in a few minutes of virtual time, so that the scenario's bounded waits hold.
	f := newFixture(t, func(o *awstest.Options) {
		o.RDS = awstest.RDSOptions{InstanceCreating: 2 * time.Minute, StandbyCreating: time.Minute, InstanceBackingUp: time.Minute, SnapshotCreating: time.Minute}
	})
	f.env.RequireSim(t)
	t.Run("flows", func(t *testing.T) { mainFlows(t, f) })
	out, err := f.rds.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.DBInstances, "cleanup deleted the instance")
	groups, err := f.rds.DescribeDBSubnetGroups(context.Background(), &awsrds.DescribeDBSubnetGroupsInput{})
	require.NoError(t, err)
	assert.Empty(t, groups.DBSubnetGroups, "and the subnet group")
}
