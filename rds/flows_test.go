package rds_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/rds"
)

// mainFlows is the scenario the integration suite runs against an endpoint and the unit tests
// run on the simulated cloud: ensure an instance named with f.env.Name and tagged with f.env.Tags
// (the subnet group and, through CopyTagsToSnapshot, the snapshots carry the tags too), re-run
// without creating anything, snapshot it, list and prune the snapshots, and (simulated cloud only)
// run a failover drill. The scope's sweep deletes everything when the test ends, also after a
// failure: snapshots, the instance (deletion protection off first), then the subnet group, with
// bounded waits.
func mainFlows(t *testing.T, f *fixture) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	name := f.env.Name("db")
	c := f.client(t, func(o *rds.Options) {
		o.AvailableTimeout, o.SnapshotTimeout, o.FailoverTimeout = 5*time.Minute, 5*time.Minute, 5*time.Minute
		if f.env.Sim == nil {
			o.AvailableTimeout = 10 * time.Minute // an endpoint may take real time to create an instance
		}
		o.OnProgress = func(p rds.Progress) { t.Logf("%s: %s -> %s after %s", p.Resource, p.Previous, p.Status, p.Elapsed) }
	})
	spec := f.spec(name)
	spec.Tags = f.env.Tags()
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

// TestMainFlows runs the integration scenario on the simulated cloud in its own scope, and checks
// that the scope's sweep deleted the instance, its snapshots and its subnet group.
func TestMainFlows(t *testing.T) {
	// Creation in a few minutes of virtual time, so that the scenario's bounded waits hold.
	f := newFixture(t, func(o *awstest.Options) {
		o.RDS = awstest.RDSOptions{InstanceCreating: 2 * time.Minute, StandbyCreating: time.Minute, InstanceBackingUp: time.Minute, SnapshotCreating: time.Minute}
	})
	f.env.RequireSim(t)
	t.Run("flows", func(t *testing.T) { mainFlows(t, f.scoped(t)) })
	assert.Empty(t, f.env.Leftovers(t), "the scope's sweep deleted what the flows created")
	out, err := f.rds.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.DBInstances, "cleanup deleted the instance")
	groups, err := f.rds.DescribeDBSubnetGroups(context.Background(), &awsrds.DescribeDBSubnetGroupsInput{})
	require.NoError(t, err)
	assert.Empty(t, groups.DBSubnetGroups, "and the subnet group")
}
