package elb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/wait"
)

func TestRegisterInBatches(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	st, err := f.client().Ensure(ctx, f.spec("batches"))
	require.NoError(t, err)
	ids := f.launch(t, 100)
	for _, size := range []int{1, 30, 100, 250} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c := f.client(func(o *elb.Options) { o.BatchSize = size })
			sim.ResetCalls()
			require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
			require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, elb.Instances(ids...)))
			want := (100 + size - 1) / size
			assert.Equal(t, want, len(sim.Calls().Operation(awstest.ServiceELBv2, "RegisterTargets")), "RegisterTargets calls")
			assert.Equal(t, want, len(sim.Calls().Operation(awstest.ServiceELBv2, "DeregisterTargets")), "DeregisterTargets calls")
		})
	}
}

// TestTimeToHealthy measures, in virtual time, how much later than the load balancer WaitHealthy
// sees targets healthy. The simulated health-check time is the registration-to-healthy time the
// model records; the wait may exceed it by at most one (maximum) poll interval.
func TestTimeToHealthy(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts times on the virtual clock; asserts the call log")
	ctx := context.Background()
	for _, interval := range []time.Duration{5 * time.Second, 10 * time.Second, 30 * time.Second} {
		t.Run(interval.String(), func(t *testing.T) {
			spec := f.spec(fmt.Sprintf("tth%d", int(interval.Seconds())))
			spec.TargetGroup.HealthCheck.Interval = interval
			spec.TargetGroup.HealthCheck.Timeout = 2 * time.Second
			c := f.client()
			st, err := c.Ensure(ctx, spec)
			require.NoError(t, err)
			ids := f.launch(t, 12)
			require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
			start := sim.Clock().Now()
			rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...))
			require.NoError(t, err)

			var healthyAt time.Time
			for _, tr := range sim.TargetTransitions(st.TargetGroupARN) {
				if tr.To == "healthy" && tr.At.After(healthyAt) {
					healthyAt = tr.At
				}
			}
			simulated := healthyAt.Sub(start)
			lag := rep.Elapsed - simulated
			t.Logf("health-check interval %s: simulated time to healthy %s, WaitHealthy reported %s (lag %s, bound %s) in %d polls",
				interval, simulated, rep.Elapsed, lag, 15*time.Second, rep.Polls)
			assert.Equal(t, interval, simulated, "a new target is healthy after one passing check")
			assert.GreaterOrEqual(t, lag, time.Duration(0))
			assert.LessOrEqual(t, lag, 15*time.Second, "within one poll interval")
			assert.Len(t, sim.Calls().Filter(func(c awstest.Call) bool {
				return c.Operation == "DescribeTargetHealth" && !c.Time.Before(start)
			}), rep.Polls, "one DescribeTargetHealth per poll for the whole group")
		})
	}
}

func TestWaitHealthyFailsFastWithReason(t *testing.T) {
	cases := []struct {
		name   string
		fail   func(sim *awstest.Cloud, id, zone string)
		reason string
	}{
		{"instance fails its checks", func(sim *awstest.Cloud, id, _ string) { sim.FailInstance(id) }, "Target.ResponseCodeMismatch"},
		{"zone outage", func(sim *awstest.Cloud, _, zone string) { sim.FailZone(zone) }, "Target.Timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			sim := f.env.RequireSim(t, "injects faults (FailInstance, FailZone); asserts times on the virtual clock")
			ctx := context.Background()
			c := f.client()
			st, err := c.Ensure(ctx, f.spec("failfast"))
			require.NoError(t, err)
			ids := f.launch(t, 3) // one per zone
			require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
			tc.fail(sim, ids[0], f.zones[0])

			var changes []elb.TargetChange
			rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) {
				o.OnTargetChange = func(ch elb.TargetChange) { changes = append(changes, ch) }
			})
			require.ErrorIs(t, err, elb.ErrUnhealthy)
			var te *elb.TargetError
			require.True(t, errors.As(err, &te))
			require.Len(t, te.Targets, 1)
			assert.Equal(t, ids[0], te.Targets[0].Target.ID)
			assert.Equal(t, "unhealthy", te.Targets[0].State)
			assert.Equal(t, tc.reason, te.Targets[0].Reason)
			assert.Contains(t, err.Error(), tc.reason)

			var unhealthyAt time.Time
			for _, tr := range sim.TargetTransitions(st.TargetGroupARN) {
				if tr.TargetID == ids[0] && tr.To == "unhealthy" {
					unhealthyAt = tr.At
				}
			}
			require.False(t, unhealthyAt.IsZero())
			lag := sim.Clock().Now().Sub(unhealthyAt)
			assert.LessOrEqual(t, lag, 15*time.Second, "returned within one poll interval of the failure, not at the deadline")
			assert.Less(t, rep.Elapsed, time.Minute)
			// The progress callback saw each target's states, ending with the failure.
			last := changes[len(changes)-1]
			assert.Equal(t, ids[0], last.Target.ID)
			assert.Equal(t, "unhealthy", last.To)
			assert.Equal(t, tc.reason, last.Reason)
		})
	}
}

func TestWaitHealthyTimesOutNamingState(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	st, err := c.Ensure(ctx, f.spec("slow"))
	require.NoError(t, err)
	ids := f.launch(t, 2)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	// Health checks every 10 s cannot pass within 8 s.
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) { o.HealthyTimeout = 8 * time.Second })
	require.ErrorIs(t, err, elb.ErrTimeout)
	require.ErrorIs(t, err, wait.ErrTimeout, "the shared timeout sentinel too")
	assert.Regexp(t, `^elb: timed out after \S+ waiting for 2 target\(s\) healthy in \S+: last state "initial 2"$`, err.Error())
	var te *wait.TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "elb", te.Package)
	assert.Equal(t, "initial 2", te.LastState, "the last state is reachable without parsing the message")
}

func TestWaitHealthyStopsOnCancel(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailZone); asserts the call log")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := f.client()
	st, err := c.Ensure(ctx, f.spec("cancel"))
	require.NoError(t, err)
	ids := f.launch(t, 3)
	sim.FailZone(f.zones[1]) // never all healthy
	sim.FailZone(f.zones[0])
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	changes := 0
	sim.ResetCalls()
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) {
		o.HealthyTimeout = time.Hour
		o.OnTargetChange = func(elb.TargetChange) {
			changes++
			if changes == 3 { // the first poll reports the three targets
				cancel()
			}
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, sim.Calls().Operation(awstest.ServiceELBv2, "DescribeTargetHealth"), 1, "no call after the cancel")
}

// cancellingClock cancels a context during the nth Sleep, as a caller's cancel would arrive
// while a wait or a retry backs off, and counts the sleeps.
type cancellingClock struct {
	*awstest.Clock
	n, sleeps int
	cancel    context.CancelFunc
	// calls counts the cloud's calls; callsAtCancel is its value when the cancel came.
	calls         func() int
	callsAtCancel int
}

func (c *cancellingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeps++
	if c.sleeps == c.n {
		c.cancel()
		c.callsAtCancel = c.calls()
	}
	return c.Clock.Sleep(ctx, d)
}

// TestCancelDuringBackoffStopsPromptly cancels ctx while each long operation sleeps between
// calls: each returns context.Canceled and makes no call after the cancel.
func TestCancelDuringBackoffStopsPromptly(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts times on the virtual clock; asserts the call log")
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "backoff", 4)
	missing := strings.Replace(st.TargetGroupARN, "backoff-web", "missing", 1)
	fresh := f.launch(t, 1)
	require.NoError(t, c.Register(context.Background(), st.TargetGroupARN, elb.Instances(fresh...)))
	cases := []struct {
		name string
		run  func(ctx context.Context, o func(*elb.Options)) error
	}{
		// Polls a new target, initial until its first check 10 s after registration.
		{"WaitHealthy", func(ctx context.Context, o func(*elb.Options)) error {
			_, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(fresh...), o)
			return err
		}},
		// Retries TargetGroupNotFound for RetryTimeout (2 minutes).
		{"Register", func(ctx context.Context, o func(*elb.Options)) error {
			return c.Register(ctx, missing, elb.Instances(ids...), o)
		}},
		// Waits through the 30 s deregistration delay of the first batch.
		{"Roll", func(ctx context.Context, o func(*elb.Options)) error {
			_, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN, o), ids)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clk := &cancellingClock{Clock: sim.Clock(), n: 2, cancel: cancel, calls: func() int { return len(sim.Calls()) }}
			sim.ResetCalls()
			err := tc.run(ctx, func(o *elb.Options) { o.Clock = clk })
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 2, clk.sleeps, "no sleep after the cancel")
			assert.NotZero(t, clk.callsAtCancel)
			assert.Len(t, sim.Calls(), clk.callsAtCancel, "no call after the cancel: %v", sim.Calls().Names())
		})
	}
}

func TestWaitDrainedBoundedByDeregistrationDelay(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts times on the virtual clock")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "drain", 4)

	// Waiting for targets that were never deregistered fails at once, naming them.
	_, err := c.WaitDrained(ctx, st.TargetGroupARN, elb.Instances(ids[:1]...))
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "healthy")

	require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, elb.Instances(ids[:2]...)))
	var seen []string
	rep, err := c.WaitDrained(ctx, st.TargetGroupARN, elb.Instances(ids[:2]...), func(o *elb.Options) {
		o.OnTargetChange = func(ch elb.TargetChange) { seen = append(seen, ch.Target.ID+" "+ch.To) }
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rep.Elapsed, 30*time.Second, "the 30 s deregistration delay")
	assert.LessOrEqual(t, rep.Elapsed, 45*time.Second)
	assert.Equal(t, []string{ids[0] + " draining", ids[1] + " draining", ids[0] + " unused", ids[1] + " unused"}, seen)

	// The drain budget comes from the group: a delay longer than DrainTimeout times out.
	require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, elb.Instances(ids[2])))
	_, err = c.WaitDrained(ctx, st.TargetGroupARN, elb.Instances(ids[2]), func(o *elb.Options) { o.DrainTimeout = 10 * time.Second })
	require.ErrorIs(t, err, elb.ErrTimeout)
	assert.Contains(t, err.Error(), "draining")
	_ = sim
}

func TestZoneSpread(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var logs logBuffer
	c := f.client(func(o *elb.Options) { o.Logger = logs.Logger() })
	st, err := c.Ensure(ctx, f.spec("zones"))
	require.NoError(t, err)
	ids := f.launch(t, 3, f.zones[0])
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...))
	require.NoError(t, err)

	rep, err := c.CheckZones(ctx, st.TargetGroupARN)
	require.NoError(t, err, "ZoneWarn only warns")
	assert.Equal(t, map[string]int{f.zones[0]: 3}, rep.Zones)
	assert.Contains(t, logs.String(), "span fewer than two Availability Zones")

	_, err = c.CheckZones(ctx, st.TargetGroupARN, func(o *elb.Options) { o.ZoneSpread = elb.ZoneError })
	assert.ErrorIs(t, err, elb.ErrSingleZone)

	more := f.launch(t, 1, f.zones[1])
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(more...)))
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(more...))
	require.NoError(t, err)
	rep, err = c.CheckZones(ctx, st.TargetGroupARN, func(o *elb.Options) { o.ZoneSpread = elb.ZoneError })
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Spread())
}

func TestTargetsInUseOnlyBehindListener(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	// A target group no listener uses keeps its targets unused: the wait says so at once.
	out, err := f.elbv2.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("orphan"), Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		HealthCheckIntervalSeconds: aws.Int32(10),
	})
	require.NoError(t, err)
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	ids := f.launch(t, 1)
	require.NoError(t, c.Register(ctx, arn, elb.Instances(ids...)))
	_, err = c.WaitHealthy(ctx, arn, elb.Instances(ids...))
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Target.NotInUse")
}

// TestWaitsWithoutTargets: waiting for no targets succeeds at once without a call. Without the
// Targets parameter DescribeTargetHealth would describe the whole group, and the wait would
// judge targets it was not asked about.
func TestWaitsWithoutTargets(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "none", 2)
	require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, elb.Instances(ids[0]))) // one draining
	legacy := f.classicLB(t, "legacy")
	classic := f.classicClient()
	require.NoError(t, classic.Register(ctx, legacy, ids))

	sim.ResetCalls()
	tg, pool := c.TargetGroup(st.TargetGroupARN), classic.Pool(legacy)
	for name, wait := range map[string]func(context.Context, []string) (*elb.WaitReport, error){
		"WaitHealthy": tg.WaitHealthy, "WaitDrained": tg.WaitDrained, "Classic.WaitInService": pool.WaitHealthy, "Classic.WaitDrained": pool.WaitDrained,
	} {
		for _, empty := range [][]string{nil, {}} {
			rep, err := wait(ctx, empty)
			require.NoError(t, err, name)
			assert.Zero(t, rep.Polls, name)
		}
	}
	assert.Empty(t, sim.Calls(), "no call")
}

// TestWaitHealthyNotRegistered: "not registered" may be a read-after-write miss right after
// RegisterTargets, so WaitHealthy accepts it for RetryTimeout, then fails with the reason instead
// of waiting for its deadline.
func TestWaitHealthyNotRegistered(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.client()
	st, err := c.Ensure(ctx, f.spec("unreg"))
	require.NoError(t, err)
	ids := f.launch(t, 1) // never registered
	rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) {
		o.RetryTimeout = 20 * time.Second
		o.HealthyTimeout = 2 * time.Minute // bounded on any endpoint
	})
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Target.NotRegistered")
	if f.env.Sim != nil { // durations are asserted on the virtual clock only
		assert.GreaterOrEqual(t, rep.Elapsed, 20*time.Second, "accepted for RetryTimeout")
		assert.Less(t, rep.Elapsed, 20*time.Second+15*time.Second, "failed at the first poll after it")
	}
}
