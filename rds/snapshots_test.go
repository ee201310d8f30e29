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

func TestCreateSnapshotNeedsAvailableInstance(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	c := f.client(t, func(o *rds.Options) { o.NoWait = true })
	_, err := c.Ensure(context.Background(), f.spec("shop"))
	require.NoError(t, err)
	_, err = c.CreateSnapshot(context.Background(), "shop", "shop-1")
	require.ErrorIs(t, err, rds.ErrNotAvailable)
	assert.Contains(t, err.Error(), "shop is creating")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "CreateDBSnapshot"))

	_, err = f.client(t).WaitAvailable(context.Background(), "shop")
	require.NoError(t, err)
	var seen []string
	snap, err := f.client(t, func(o *rds.Options) { o.OnProgress = func(p rds.Progress) { seen = append(seen, p.Status) } }).
		CreateSnapshot(context.Background(), "shop", "shop-1")
	require.NoError(t, err)
	assert.Equal(t, "available", snap.Status)
	assert.True(t, snap.Encrypted)
	assert.Equal(t, []string{"creating", "available"}, seen)

	again, err := f.client(t).CreateSnapshot(context.Background(), "shop", "shop-1")
	require.NoError(t, err, "a re-run adopts the snapshot")
	assert.Equal(t, snap.ARN, again.ARN)
}

// TestPruneKeepsNewestAndAtLeastN: snapshots taken an hour apart, the newest still creating.
func TestPruneKeepsNewestAndAtLeastN(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	c := f.client(t)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		_, err := c.CreateSnapshot(ctx, "shop", fmt.Sprintf("shop-%d", i))
		require.NoError(t, err)
		sim.Clock().Advance(time.Hour)
	}
	_, err := c.CreateSnapshot(ctx, "shop", "shop-6", func(o *rds.Options) { o.NoWait = true })
	require.NoError(t, err)

	// Listing fails: nothing is deleted.
	sim.FailNext(awstest.ServiceRDS, "DescribeDBSnapshots", 3, "InternalFailure")
	_, err = c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing deleted")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "DeleteDBSnapshot"))

	dry, err := c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 2, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"shop-1", "shop-2", "shop-3"}, dry.Deleted)
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "DeleteDBSnapshot"))

	// Snapshot i was taken at (i-1) x 1h05m, so the ages are 5h25m, 4h20m, 3h15m, ...: older than
	// 4 hours and beyond the 2 newest available are shop-1 and shop-2.
	rep, err := c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 2, MaxAge: 4 * time.Hour})
	require.NoError(t, err)
	assert.Equal(t, []string{"shop-1", "shop-2"}, rep.Deleted)
	assert.Equal(t, []string{"shop-3", "shop-4", "shop-5"}, rep.Kept)
	assert.Equal(t, []string{"shop-6"}, rep.Skipped, "a snapshot still creating is neither counted nor deleted")

	// Keep 1, any age: everything but the newest available goes; the creating one stays.
	rep, err = c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"shop-3", "shop-4"}, rep.Deleted)
	left, err := c.ListSnapshots(ctx, "shop")
	require.NoError(t, err)
	var ids []string
	for _, s := range left {
		ids = append(ids, s.Identifier)
	}
	assert.Equal(t, []string{"shop-5", "shop-6"}, ids, "the newest available snapshot is never deleted")

	// Keep more than there are: nothing goes.
	rep, err = c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 5})
	require.NoError(t, err)
	assert.Empty(t, rep.Deleted)

	_, err = c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 0})
	require.ErrorIs(t, err, rds.ErrInvalidSpec)

	require.NoError(t, c.DeleteSnapshot(ctx, "shop-5"))
	require.NoError(t, c.DeleteSnapshot(ctx, "shop-5"), "deleting a deleted snapshot is a no-op")
	require.ErrorIs(t, c.DeleteSnapshot(ctx, "shop-6"), rds.ErrNotAvailable)
}

// TestCopySnapshotToAnotherRegion: the simulated cloud is one region, so the destination is a
// second cloud linked to the first; its client copies with SourceRegion set and a key of its own
// region.
func TestCopySnapshotToAnotherRegion(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	c := f.client(t)
	ctx := context.Background()
	snap, err := c.CreateSnapshot(ctx, "shop", "shop-1")
	require.NoError(t, err)

	west := awstest.NewForTest(t, func(o *awstest.Options) { o.Region = "us-west-2" })
	west.LinkRDSSourceRegion(f.env.Sim)
	westClient, err := rds.New(awsrds.NewFromConfig(west.Config()), func(o *rds.Options) { o.Clock = west.Clock() })
	require.NoError(t, err)
	target := rds.CopyTarget{Client: westClient, Region: "us-west-2", SnapshotID: "shop-1-dr"}

	_, err = c.CopySnapshot(ctx, *snap, target)
	require.ErrorIs(t, err, rds.ErrInvalidSpec, "an encrypted snapshot needs a key in the destination")
	assert.Contains(t, err.Error(), "needs a KMS key of us-west-2")
	target.KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/source"
	_, err = c.CopySnapshot(ctx, *snap, target)
	require.ErrorIs(t, err, rds.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "a key of us-east-1, not of the destination us-west-2")

	target.KMSKeyID = "arn:aws:kms:us-west-2:123456789012:key/dr"
	cp, err := c.CopySnapshot(ctx, *snap, target)
	require.NoError(t, err)
	assert.Equal(t, "available", cp.Status)
	assert.Equal(t, "us-west-2", cp.Region())
	assert.Equal(t, snap.ARN, cp.Source)
	assert.Equal(t, target.KMSKeyID, cp.KMSKeyID)

	again, err := c.CopySnapshot(ctx, *snap, target)
	require.NoError(t, err, "a re-run adopts the copy")
	assert.Equal(t, cp.ARN, again.ARN)
}

// TestThrottlingAbsorbed: with half of all RDS calls throttled, the main flows still succeed.
func TestThrottlingAbsorbed(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	sim.ThrottleFraction(awstest.ServiceRDS, "", 0.5)
	c := f.client(t)
	ctx := context.Background()
	inst, err := c.Ensure(ctx, f.spec("shop"))
	require.NoError(t, err)
	_, err = c.Ensure(ctx, f.spec("shop"))
	require.NoError(t, err)
	rep, err := c.Failover(ctx, "shop")
	require.NoError(t, err)
	assert.Equal(t, inst.SecondaryAvailabilityZone, rep.ToAZ)
	for i := 1; i <= 3; i++ {
		_, err = c.CreateSnapshot(ctx, "shop", fmt.Sprintf("shop-%d", i))
		require.NoError(t, err)
	}
	pr, err := c.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 1})
	require.NoError(t, err)
	assert.Len(t, pr.Deleted, 2)
	calls := sim.Calls().Operation(awstest.ServiceRDS, "")
	throttled := len(calls.Failed())
	assert.Greater(t, throttled, len(calls)/4, "about half the calls were throttled")
	t.Logf("%d of %d RDS calls throttled, all absorbed", throttled, len(calls))
}

// TestSnapshotIdentifiersValidatedUpFront: a snapshot or instance identifier RDS would refuse
// fails with ErrInvalidSpec naming it, before any call.
func TestSnapshotIdentifiersValidatedUpFront(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	c := f.client(t)
	ctx := context.Background()
	for _, tc := range []struct{ instance, snapshot, want string }{
		{"shop", "", `snapshot identifier ""`},
		{"shop", "1st", `snapshot identifier "1st"`},
		{"shop", "shop--1", `snapshot identifier "shop--1"`},
		{"", "shop-1", `instance identifier ""`},
	} {
		_, err := c.CreateSnapshot(ctx, tc.instance, tc.snapshot)
		require.ErrorIs(t, err, rds.ErrInvalidSpec, "%q %q", tc.instance, tc.snapshot)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err := c.WaitAvailable(ctx, "")
	require.ErrorIs(t, err, rds.ErrInvalidSpec)
	_, err = c.PruneSnapshots(ctx, "", rds.PrunePolicy{Keep: 1})
	require.ErrorIs(t, err, rds.ErrInvalidSpec, "an empty instance would list every instance's snapshots")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, ""), "refused before any call")

	// WaitAvailable, like DescribeDBInstances, takes the instance's ARN as well.
	_, err = c.WaitAvailable(ctx, "arn:aws:rds:us-east-1:123456789012:db:shop", func(o *rds.Options) { o.RetryTimeout = time.Second })
	assert.NotErrorIs(t, err, rds.ErrInvalidSpec)
}
