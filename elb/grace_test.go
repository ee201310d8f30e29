package elb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/elb"
)

// TestWaitHealthyGrace: an application that fails its first health checks while it boots fails
// the wait at once by default; with HealthyGrace the wait accepts that for the grace and succeeds
// once the application answers, and a target still failing when the grace ends fails the wait at
// the next poll.
func TestWaitHealthyGrace(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailInstance, RecoverInstance); asserts times on the virtual clock")
	ctx := context.Background()
	c := f.client()
	st, err := c.Ensure(ctx, f.spec("grace"))
	require.NoError(t, err)

	// boot registers a failing instance that starts answering when first seen unhealthy, which
	// is after the unhealthy threshold of failed checks (20 s here).
	boot := func(optFns ...func(*elb.Options)) (*elb.WaitReport, error) {
		ids := f.launch(t, 1)
		sim.FailInstance(ids[0])
		require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
		return c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), append(optFns, func(o *elb.Options) {
			o.OnTargetChange = func(ch elb.TargetChange) {
				if ch.To == "unhealthy" {
					sim.RecoverInstance(ids[0])
				}
			}
		})...)
	}
	_, err = boot()
	require.ErrorIs(t, err, elb.ErrUnhealthy, "fail fast stays the default")

	rep, err := boot(func(o *elb.Options) { o.HealthyGrace = 2 * time.Minute })
	require.NoError(t, err, "the slow boot is accepted within the grace")
	assert.Equal(t, "healthy", rep.Targets[0].State)

	// Never recovers: the wait fails at the first poll after the grace, not at its deadline.
	ids := f.launch(t, 1)
	sim.FailInstance(ids[0])
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	rep, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) { o.HealthyGrace = time.Minute })
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Target.ResponseCodeMismatch")
	assert.GreaterOrEqual(t, rep.Elapsed, time.Minute)
	assert.Less(t, rep.Elapsed, time.Minute+15*time.Second, "within one poll interval of the grace's end")

	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) { o.HealthyGrace = -time.Second })
	assert.ErrorContains(t, err, "HealthyGrace -1s is negative")
}

// TestClassicWaitInServiceGrace: the same grace applies to Classic Load Balancers.
func TestClassicWaitInServiceGrace(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailInstance, RecoverInstance)")
	ctx := context.Background()
	legacy := f.classicLB(t, "legacygrace")
	c := f.classicClient()
	_, err := c.Configure(ctx, legacy, elb.ClassicSettings{HealthCheck: &elb.ClassicHealthCheck{Target: "TCP:80", Interval: 10 * time.Second, Timeout: 5 * time.Second}})
	require.NoError(t, err)
	ids := f.launch(t, 1)
	sim.FailInstance(ids[0])
	require.NoError(t, c.Register(ctx, legacy, ids))
	_, err = c.WaitInService(ctx, legacy, ids)
	require.ErrorIs(t, err, elb.ErrUnhealthy, "fail fast by default")

	// With a grace, the failing instance that starts answering comes into service.
	rep, err := c.WaitInService(ctx, legacy, ids, func(o *elb.Options) {
		o.HealthyGrace = 3 * time.Minute
		o.OnTargetChange = func(ch elb.TargetChange) {
			if ch.To == elb.ClassicOutOfService {
				sim.RecoverInstance(ids[0])
			}
		}
	})
	require.NoError(t, err)
	assert.Equal(t, elb.ClassicInService, rep.Targets[0].State)
}
