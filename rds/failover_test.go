package rds_test

import (
	"context"
	"errors"
	"testing"
	"time"

	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/rds"
)

// TestFailoverSwapsZonesAndIsTimed runs the drill on the simulated cloud, whose forced failover
// keeps the instance rebooting for RDSOptions.Failover (90 s by default) and then swaps the
// zones. The probe asks the cloud whether the instance accepts connections.
func TestFailoverSwapsZonesAndIsTimed(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	inst := f.ensure(t, f.spec("shop"))
	var changes []string
	c := f.client(t, func(o *rds.Options) {
		o.PollInterval = 5 * time.Second
		o.Probe = func(context.Context) error {
			if !sim.DBInstanceReachable("shop") {
				return errors.New("connection refused")
			}
			return nil
		}
		o.OnProgress = func(p rds.Progress) { changes = append(changes, p.Status) }
	})

	rep, err := c.Failover(context.Background(), "shop")
	require.NoError(t, err)
	assert.Equal(t, inst.AvailabilityZone, rep.FromAZ)
	assert.Equal(t, inst.SecondaryAvailabilityZone, rep.ToAZ, "the former secondary serves as primary")
	assert.Equal(t, []string{"rebooting", "available"}, changes)
	assert.GreaterOrEqual(t, rep.Duration, awstest.DefaultDBFailover)
	assert.LessOrEqual(t, rep.Duration, awstest.DefaultDBFailover+5*time.Second, "described every PollInterval")
	assert.Equal(t, awstest.DefaultDBFailover, rep.Unreachable.Length(), "sampled every second, the probe sees the whole window")
	assert.Equal(t, time.Duration(0), rep.Unreachable.From)
	assert.Positive(t, rep.ProbeFailures)
	t.Logf("failover %s -> %s took %s of simulated time; unreachable %s; %d probes, %d failed",
		rep.FromAZ, rep.ToAZ, rep.Duration, rep.Unreachable, rep.Probes, rep.ProbeFailures)

	after, err := c.WaitAvailable(context.Background(), "shop")
	require.NoError(t, err)
	assert.Equal(t, inst.SecondaryAvailabilityZone, after.AvailabilityZone)
	assert.Equal(t, inst.AvailabilityZone, after.SecondaryAvailabilityZone)

	// A second drill moves it back.
	back, err := c.Failover(context.Background(), "shop")
	require.NoError(t, err)
	assert.Equal(t, inst.AvailabilityZone, back.ToAZ)
}

func TestFailoverWithoutProbe(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	rep, err := f.client(t).Failover(context.Background(), "shop")
	require.NoError(t, err)
	assert.NotEqual(t, rep.FromAZ, rep.ToAZ)
	assert.Zero(t, rep.Probes)
	assert.Equal(t, rds.Window{}, rep.Unreachable)
}

func TestFailoverRefusesSingleAZ(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	spec := f.spec("single")
	spec.SingleAZ = true
	f.ensure(t, spec)
	_, err := f.client(t).Failover(context.Background(), "single")
	require.ErrorIs(t, err, rds.ErrNotMultiAZ)
	assert.Contains(t, err.Error(), "single has no standby")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "RebootDBInstance"), "refused before any change")
}

func TestFailoverNeedsAvailableInstance(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	_, err := f.client(t, func(o *rds.Options) { o.NoWait = true }).Ensure(context.Background(), f.spec("shop"))
	require.NoError(t, err)
	_, err = f.client(t).Failover(context.Background(), "shop")
	require.ErrorIs(t, err, rds.ErrNotAvailable)
	assert.Contains(t, err.Error(), "is creating")
	_, err = f.client(t).Failover(context.Background(), "missing")
	require.ErrorIs(t, err, rds.ErrNotFound)
	assert.Zero(t, sim.Calls().Count(awstest.ServiceRDS, "RebootDBInstance"))
}

// TestFailoverFailureStatus: an instance that fails during the drill ends it at once.
func TestFailoverFailureStatus(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	probes := 0
	rep, err := f.client(t, func(o *rds.Options) {
		o.Probe = func(context.Context) error {
			if probes++; probes == 10 {
				sim.FailDBInstance("shop", "failed")
			}
			return nil
		}
	}).Failover(context.Background(), "shop")
	require.ErrorIs(t, err, rds.ErrFailed)
	assert.Contains(t, err.Error(), `state "failed"`)
	require.NotNil(t, rep)
	assert.Less(t, rep.Probes, 30, "ended at the first observation of the failure")
}

// stuckPrimary reports every instance's primary in the zone it had when it was wrapped, as if
// the failover had not moved it.
type stuckPrimary struct {
	*awsrds.Client
	zone string
}

func (s stuckPrimary) DescribeDBInstances(ctx context.Context, in *awsrds.DescribeDBInstancesInput, optFns ...func(*awsrds.Options)) (*awsrds.DescribeDBInstancesOutput, error) {
	out, err := s.Client.DescribeDBInstances(ctx, in, optFns...)
	if err == nil {
		for i := range out.DBInstances {
			out.DBInstances[i].AvailabilityZone = &s.zone
		}
	}
	return out, err
}

func TestFailoverNotConfirmedWhenPrimaryStays(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t)
	inst := f.ensure(t, f.spec("shop"))
	c, err := rds.New(stuckPrimary{Client: f.rds, zone: inst.AvailabilityZone}, f.options)
	require.NoError(t, err)
	rep, err := c.Failover(context.Background(), "shop")
	require.ErrorIs(t, err, rds.ErrFailoverNotConfirmed)
	assert.Contains(t, err.Error(), "primary still in "+inst.AvailabilityZone)
	require.NotNil(t, rep)
	assert.Empty(t, rep.ToAZ)
}

// statusAs reports every instance in the given status, as RDS would for a state the simulated
// cloud does not produce.
type statusAs struct {
	*awsrds.Client
	status string
}

func (s statusAs) DescribeDBInstances(ctx context.Context, in *awsrds.DescribeDBInstancesInput, optFns ...func(*awsrds.Options)) (*awsrds.DescribeDBInstancesOutput, error) {
	out, err := s.Client.DescribeDBInstances(ctx, in, optFns...)
	if err == nil {
		for i := range out.DBInstances {
			out.DBInstances[i].DBInstanceStatus = &s.status
		}
	}
	return out, err
}

// TestWaitAvailableEndsOnEveryTerminalStatus: statuses of RDS's status table that never lead
// to available end the wait at the first observation instead of running out AvailableTimeout.
func TestWaitAvailableEndsOnEveryTerminalStatus(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	f.ensure(t, f.spec("shop"))
	for _, status := range []string{"incompatible-create", "delete-precheck"} {
		t.Run(status, func(t *testing.T) {
			c, err := rds.New(statusAs{Client: f.rds, status: status}, f.options)
			require.NoError(t, err)
			before := sim.Clock().Now()
			_, err = c.WaitAvailable(context.Background(), "shop")
			require.ErrorIs(t, err, rds.ErrFailed)
			assert.Contains(t, err.Error(), status)
			assert.Equal(t, before, sim.Clock().Now(), "no poll delay: the first observation ends the wait")
		})
	}
}

// TestFailoverWhoseRebootResponseWasLost: the forced reboot takes effect but its response is
// lost; the SDK sends it again and RDS refuses it (the instance is rebooting already) with
// InvalidDBInstanceState. The drill goes on with the failover that is running.
func TestFailoverWhoseRebootResponseWasLost(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	inst := f.ensure(t, f.spec("shop"))
	sim.LoseResponseNext(awstest.ServiceRDS, "RebootDBInstance", 1)
	rep, err := f.client(t).Failover(context.Background(), "shop")
	require.NoError(t, err)
	assert.Equal(t, inst.SecondaryAvailabilityZone, rep.ToAZ)
	assert.Equal(t, 2, sim.Calls().Count(awstest.ServiceRDS, "RebootDBInstance"))
	assert.GreaterOrEqual(t, rep.Duration, awstest.DefaultDBFailover)
}
