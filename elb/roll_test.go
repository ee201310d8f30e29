package elb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
)

func TestBatchPlan(t *testing.T) {
	cases := []struct {
		n, minHealthy, batch, want int
		invalid, badOptions        bool
	}{
		{n: 100, minHealthy: 0, batch: 0, want: 50},
		{n: 100, minHealthy: 90, batch: 0, want: 10},
		{n: 100, minHealthy: 50, batch: 7, want: 7},
		{n: 3, minHealthy: 50, batch: 0, want: 1}, // 50% of 3 rounds up to 2 in service
		{n: 1, minHealthy: 50, invalid: true},     // nothing can leave
		{n: 10, minHealthy: 100, badOptions: true},
		{n: 0, invalid: true},
		{n: 10, batch: -1, badOptions: true},
	}
	for _, tc := range cases {
		got, err := elb.BatchPlan(tc.n, tc.minHealthy, tc.batch)
		if tc.badOptions {
			assert.ErrorIs(t, err, elb.ErrInvalidOptions, "BatchPlan(%d, %d, %d)", tc.n, tc.minHealthy, tc.batch)
			continue
		}
		if tc.invalid {
			assert.ErrorIs(t, err, elb.ErrInvalidSpec, "BatchPlan(%d, %d, %d)", tc.n, tc.minHealthy, tc.batch)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "BatchPlan(%d, %d, %d)", tc.n, tc.minHealthy, tc.batch)
	}
}

// TestRoll100 rolls 100 instances in place in batches of 10 and checks the calls: one
// RegisterTargets per batch, one DescribeTargetHealth per poll, and the order of the phases.
func TestRoll100(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "roll", 100)
	tg := c.TargetGroup(st.TargetGroupARN)

	var phases []string
	var hooked [][]string
	changes := 0
	sim.ResetCalls()
	rep, err := elb.Roll(ctx, tg, ids, func(o *elb.Options) {
		o.MinHealthyPercent = 90
		// The roll's overrides reach every call it makes, not only its own settings.
		o.OnTargetChange = func(elb.TargetChange) { changes++ }
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			// The batch is out of service while the hook runs.
			out, err := f.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
			if err != nil {
				return nil, err
			}
			if len(out.TargetHealthDescriptions) != 90 {
				return nil, errors.New("batch still registered during the hook")
			}
			hooked = append(hooked, batch)
			return nil, nil
		}
		o.OnBatch = func(p elb.BatchProgress) {
			if p.Batch == 1 {
				phases = append(phases, p.Phase)
			}
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 10, rep.Batches)
	assert.Len(t, hooked, 10)
	assert.Greater(t, changes, 200, "every wait of the roll reported to the roll's OnTargetChange")
	assert.ElementsMatch(t, ids, rep.InService)
	assert.Equal(t, []string{elb.PhaseDeregister, elb.PhaseDrain, elb.PhaseHook, elb.PhaseRegister, elb.PhaseHealthy}, phases)
	require.NotNil(t, rep.Zones)
	assert.Equal(t, 3, rep.Zones.Spread())

	calls := sim.Calls()
	// Hook's own DescribeTargetHealth calls are not the package's.
	polls := 0
	for _, w := range rep.Waits {
		polls += w.Polls
	}
	assert.Len(t, calls.Operation(awstest.ServiceELBv2, "RegisterTargets"), 10, "ceil(100/10) register calls")
	assert.Len(t, calls.Operation(awstest.ServiceELBv2, "DeregisterTargets"), 10)
	assert.Len(t, calls.Operation(awstest.ServiceELBv2, "DescribeTargetHealth"), polls+len(hooked)+1,
		"one per poll (%d), the hook's (%d) and the zone check's", polls, len(hooked))
	// Each poll is one call naming every awaited target: 100 for the check before the first
	// batch, the batch's 10 for each health wait; the drain waits, the hook and the zone check
	// list the whole group (no Targets).
	require.Len(t, rep.Waits, 21, "the check, then drained and healthy per batch")
	healthyPolls, drainPolls := 0, 0
	for i, w := range rep.Waits[1:] {
		if i%2 == 0 {
			drainPolls += w.Polls
		} else {
			healthyPolls += w.Polls
		}
	}
	sizes := map[int]int{}
	for _, call := range calls.Operation(awstest.ServiceELBv2, "DescribeTargetHealth") {
		sizes[len(call.Input.(*elasticloadbalancingv2.DescribeTargetHealthInput).Targets)]++
	}
	assert.Equal(t, map[int]int{100: rep.Waits[0].Polls, 10: healthyPolls, 0: drainPolls + len(hooked) + 1}, sizes)
	assert.Equal(t, 1, rep.Waits[0].Polls, "all 100 were healthy at the first poll")
	t.Logf("roll of 100 in batches of 10: %d polls, %s of virtual time", polls, calls[len(calls)-1].Time.Sub(calls[0].Time))

	// Every instance is back and healthy.
	out, err := f.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
	require.NoError(t, err)
	assert.Len(t, out.TargetHealthDescriptions, 100)
	for _, d := range out.TargetHealthDescriptions {
		assert.Equal(t, "healthy", string(d.TargetHealth.State))
	}
}

func TestRollStopsAtFirstFailureLeavingTheRestInService(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailInstance)")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "rollfail", 12)
	replacements := f.launch(t, 12)
	sim.FailInstance(replacements[5]) // batches of 3: the second batch gets replacements[3:6]

	used := 0
	_, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN), ids, func(o *elb.Options) {
		o.MinHealthyPercent = 75 // batches of 3
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			next := replacements[used : used+len(batch)]
			used += len(batch)
			return next, nil
		}
	})
	var re *elb.RollError
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.Equal(t, 2, re.Batch)
	assert.Equal(t, elb.PhaseHealthy, re.Phase)
	assert.Equal(t, ids[3:6], re.Failed)
	assert.Equal(t, ids[6:], re.Remaining)
	assert.Equal(t, replacements[:3], re.Done)
	assert.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Equal(t, 1, strings.Count(err.Error(), "elb:"), "one package prefix: %v", err)
	assert.Contains(t, err.Error(), replacements[5], "names the failing instance")

	// The untouched instances are still registered and healthy.
	out, err := f.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
	require.NoError(t, err)
	healthy := map[string]bool{}
	for _, d := range out.TargetHealthDescriptions {
		healthy[aws.ToString(d.Target.Id)] = string(d.TargetHealth.State) == "healthy"
	}
	for _, id := range append(append([]string{}, ids[6:]...), replacements[:3]...) {
		assert.True(t, healthy[id], "%s in service", id)
	}
}

// TestRollRefusesToStartBelowMinimumHealthy: with one instance already failing its health checks,
// taking a batch out would leave fewer in service than MinHealthyPercent promises, so the roll
// stops before deregistering anything.
func TestRollRefusesToStartBelowMinimumHealthy(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailInstance); asserts times on the virtual clock; asserts the call log")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "rollsick", 4)
	sim.FailInstance(ids[3])
	sim.Clock().Advance(time.Minute) // past the unhealthy threshold

	var phases []string
	sim.ResetCalls()
	rep, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN), ids, func(o *elb.Options) {
		o.OnBatch = func(p elb.BatchProgress) { phases = append(phases, p.Phase) }
	})
	var re *elb.RollError
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.Equal(t, 0, re.Batch)
	assert.Equal(t, elb.PhaseCheck, re.Phase)
	assert.Equal(t, ids, re.Remaining)
	assert.Empty(t, re.Done)
	assert.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), ids[3])
	assert.Equal(t, []string{elb.PhaseCheck}, phases)
	assert.Empty(t, sim.Calls().Operation(awstest.ServiceELBv2, "DeregisterTargets"), "nothing taken out of service")
	require.Len(t, rep.Waits, 1)
	assert.Equal(t, 1, rep.Waits[0].Polls, "one health poll")
}

// TestRollHookFailureKeepsTheBatchOut: a failed hook may leave its instances half deployed, so
// they stay out of service; the batches not started stay in.
func TestRollHookFailureKeepsTheBatchOut(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	c := f.client()
	st, ids := f.ensureWithTargets(t, c, "rollhook", 6)
	boom := errors.New("deploy failed")
	batches := 0
	sim.ResetCalls()
	_, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN), ids, func(o *elb.Options) {
		o.RollBatchSize = 2
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			if batches++; batches == 2 {
				return nil, boom
			}
			return nil, nil
		}
	})
	var re *elb.RollError
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 2, re.Batch)
	assert.Equal(t, elb.PhaseHook, re.Phase)
	assert.Equal(t, ids[:2], re.Done)
	assert.Equal(t, ids[2:4], re.Failed)
	assert.Equal(t, ids[4:], re.Remaining)
	assert.Len(t, sim.Calls().Operation(awstest.ServiceELBv2, "RegisterTargets"), 1, "only the first batch went back")

	out, err := f.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
	require.NoError(t, err)
	var registered []string
	for _, d := range out.TargetHealthDescriptions {
		registered = append(registered, aws.ToString(d.Target.Id))
		assert.Equal(t, "healthy", string(d.TargetHealth.State))
	}
	assert.ElementsMatch(t, append(append([]string{}, ids[:2]...), ids[4:]...), registered)
}
