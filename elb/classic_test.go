package elb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/internal/awserr"
)

// classicLB creates a Classic Load Balancer across the fixture's subnets, named for label and
// tagged with the run id, and returns its name.
func (f *fixture) classicLB(t testing.TB, label string) string {
	t.Helper()
	name := f.name(label)
	var tags []elbtypes.Tag
	for k, v := range f.env.Tags() {
		tags = append(tags, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := f.classic.CreateLoadBalancer(context.Background(), &elasticloadbalancing.CreateLoadBalancerInput{
		LoadBalancerName: aws.String(name), Subnets: f.subnets, Tags: tags,
		Listeners: []elbtypes.Listener{{LoadBalancerPort: 80, InstancePort: aws.Int32(80), Protocol: aws.String("HTTP")}},
	})
	require.NoError(t, err)
	return name
}

func (f *fixture) classicClient(optFns ...func(*elb.Options)) *elb.Classic {
	c, err := elb.NewClassic(f.classic, append([]func(*elb.Options){f.options}, optFns...)...)
	require.NoError(f.t, err)
	return c
}

func TestClassicConfigureIsIdempotent(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	legacy := f.classicLB(t, "legacy")
	c := f.classicClient()
	drain, crossZone := 20*time.Second, true
	settings := elb.ClassicSettings{
		HealthCheck:        &elb.ClassicHealthCheck{Target: "HTTP:80/health", Interval: 10 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 2},
		ConnectionDraining: &drain, CrossZone: &crossZone,
		Stickiness: &elb.ClassicStickiness{Port: 80, Duration: time.Hour},
	}
	changed, err := c.Configure(ctx, legacy, settings)
	require.NoError(t, err)
	assert.Equal(t, []string{"health check", "attributes", "stickiness"}, changed)

	sim.ResetCalls()
	changed, err = c.Configure(ctx, legacy, settings)
	require.NoError(t, err)
	assert.Empty(t, changed)
	assert.Empty(t, creates(sim.Calls()), "second run: %v", sim.Calls().Names())

	out, err := f.classic.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{legacy}})
	require.NoError(t, err)
	lb := out.LoadBalancerDescriptions[0]
	assert.Equal(t, "HTTP:80/health", aws.ToString(lb.HealthCheck.Target))
	assert.Equal(t, []string{"lb-cookie-3600s"}, lb.ListenerDescriptions[0].PolicyNames)
	assert.Equal(t, int64(3600), aws.ToInt64(lb.Policies.LBCookieStickinessPolicies[0].CookieExpirationPeriod))

	// A new duration is a new policy, which replaces the old one on the listener: a listener
	// carries one stickiness policy.
	changed, err = c.Configure(ctx, legacy, elb.ClassicSettings{Stickiness: &elb.ClassicStickiness{Port: 80, Duration: 2 * time.Hour}})
	require.NoError(t, err)
	assert.Equal(t, []string{"stickiness"}, changed)
	out, err = f.classic.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{legacy}})
	require.NoError(t, err)
	assert.Equal(t, []string{"lb-cookie-7200s"}, out.LoadBalancerDescriptions[0].ListenerDescriptions[0].PolicyNames)

	bad := elb.ClassicSettings{HealthCheck: &elb.ClassicHealthCheck{Target: "HTTP:80", Interval: 5 * time.Second, Timeout: 5 * time.Second}}
	_, err = c.Configure(ctx, legacy, bad)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "HealthCheck.Target")
	assert.Contains(t, err.Error(), "must be greater than HealthCheck.Timeout")
}

// TestClassicDrainingIsNotInService covers the Classic ELB trap: while connection draining runs,
// DescribeInstanceHealth says InService for a deregistered instance.
func TestClassicDrainingIsNotInService(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts times on the virtual clock")
	ctx := context.Background()
	legacy := f.classicLB(t, "legacy")
	c := f.classicClient()
	drain := 60 * time.Second
	_, err := c.Configure(ctx, legacy, elb.ClassicSettings{
		HealthCheck:        &elb.ClassicHealthCheck{Target: "HTTP:80/", Interval: 10 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 2},
		ConnectionDraining: &drain,
	})
	require.NoError(t, err)
	ids := f.launch(t, 3)
	require.NoError(t, c.Register(ctx, legacy, ids))
	rep, err := c.WaitInService(ctx, legacy, ids)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rep.Elapsed, 20*time.Second, "Classic needs HealthyThreshold (2) passes at 10 s")

	require.NoError(t, c.Deregister(ctx, legacy, ids[:1]))
	raw, err := f.classic.DescribeInstanceHealth(ctx, &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String(legacy), Instances: []elbtypes.Instance{{InstanceId: aws.String(ids[0])}}})
	require.NoError(t, err)
	assert.Equal(t, "InService", aws.ToString(raw.InstanceStates[0].State), "the API still says InService")

	_, err = c.WaitInService(ctx, legacy, ids[:1])
	require.ErrorIs(t, err, elb.ErrUnhealthy, "a draining instance is not in service")
	assert.Contains(t, err.Error(), elb.ClassicDraining)

	rep, err = c.WaitDrained(ctx, legacy, ids[:1])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rep.Elapsed, 55*time.Second, "waited for the draining timeout")
	assert.LessOrEqual(t, rep.Elapsed, 75*time.Second)
	require.Len(t, rep.Targets, 1)
	assert.Equal(t, elb.ClassicDeregistered, rep.Targets[0].State)
	_ = sim
}

func TestClassicFailsFastAndRolls(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailInstance); asserts the call log")
	ctx := context.Background()
	legacy := f.classicLB(t, "legacy")
	c := f.classicClient()
	_, err := c.Configure(ctx, legacy, elb.ClassicSettings{HealthCheck: &elb.ClassicHealthCheck{Target: "TCP:80", Interval: 10 * time.Second, Timeout: 5 * time.Second}})
	require.NoError(t, err)
	ids := f.launch(t, 4)
	require.NoError(t, c.Register(ctx, legacy, ids))
	_, err = c.WaitInService(ctx, legacy, ids)
	require.NoError(t, err)

	// The same deploy code runs over a Classic load balancer through Pool.
	rep, err := elb.Roll(ctx, c.Pool(legacy), ids, func(o *elb.Options) { o.RollBatchSize = 1 })
	require.NoError(t, err)
	assert.Equal(t, 4, rep.Batches)
	assert.Len(t, sim.Calls().Operation(awstest.ServiceELB, "RegisterInstancesWithLoadBalancer"), 5, "initial registration and one per batch")

	more := f.launch(t, 1)
	sim.FailInstance(more[0])
	require.NoError(t, c.Register(ctx, legacy, more))
	_, err = c.WaitInService(ctx, legacy, more)
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "UnhealthyThreshold")
}

// TestClassicWaitInServiceUnregistered: DescribeInstanceHealth answers InvalidInstance for an
// instance the load balancer does not know, as it may right after registration; the wait
// tolerates it for RetryTimeout, then fails with the AWS error instead of waiting for its deadline.
func TestClassicWaitInServiceUnregistered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	legacy := f.classicLB(t, "legacy")
	c := f.classicClient()
	ids := f.launch(t, 1) // never registered
	rep, err := c.WaitInService(ctx, legacy, ids, func(o *elb.Options) {
		o.RetryTimeout = 20 * time.Second
		// Bounded: an endpoint that answers State=Unknown instead of InvalidInstance (emulators
		// differ) makes this a timeout after two minutes, not an hour.
		o.HealthyTimeout = 2 * time.Minute
	})
	require.Error(t, err)
	assert.True(t, awserr.IsCode(err, "InvalidInstance"), "got %v", err)
	assert.False(t, errors.Is(err, elb.ErrTimeout))
	require.NotNil(t, rep)
	if f.env.Sim != nil { // durations are asserted on the virtual clock only
		assert.GreaterOrEqual(t, rep.Elapsed, 20*time.Second, "tolerated for RetryTimeout")
		assert.Less(t, rep.Elapsed, 20*time.Second+15*time.Second)
	}
}
