package autoscale_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

func lifecycleStates(g astypes.AutoScalingGroup) map[string]string {
	out := map[string]string{}
	for _, i := range g.Instances {
		out[aws.ToString(i.InstanceId)] = string(i.LifecycleState)
	}
	return out
}

func TestLaunchingHookHoldsUntilCompleted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	spec := f.spec(v, 2, 2)
	spec.LifecycleHooks = []autoscale.LifecycleHook{
		{Name: "boot", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: 10 * time.Minute},
		{Name: "logs", Transition: autoscale.Terminating, DefaultResult: autoscale.Continue, HeartbeatTimeout: 5 * time.Minute},
	}
	_, err := f.client.Ensure(ctx, spec)
	require.NoError(t, err)
	hooks, err := f.as.DescribeLifecycleHooks(ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	require.Len(t, hooks.LifecycleHooks, 2)
	assert.Equal(t, "ABANDON", aws.ToString(hooks.LifecycleHooks[0].DefaultResult))
	assert.Equal(t, int32(600), aws.ToInt32(hooks.LifecycleHooks[0].HeartbeatTimeout))

	// The instances wait in Pending:Wait, however long, until the hook is completed.
	f.cloud.Clock().Advance(5 * time.Minute)
	g := f.group(t)
	require.Len(t, g.Instances, 2)
	a, b := aws.ToString(g.Instances[0].InstanceId), aws.ToString(g.Instances[1].InstanceId)
	assert.Equal(t, map[string]string{a: "Pending:Wait", b: "Pending:Wait"}, lifecycleStates(g))
	err = f.client.WaitInService(ctx, "web", func(o *autoscale.Options) { o.InServiceTimeout = time.Minute })
	require.ErrorIs(t, err, autoscale.ErrTimeout)
	assert.ErrorContains(t, err, "0 of 2 in service")

	// A heartbeat keeps b waiting past its timeout; CONTINUE puts a in service.
	require.NoError(t, f.client.RecordHeartbeat(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot", InstanceID: b}))
	require.NoError(t, f.client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot", InstanceID: a}, autoscale.Continue))
	assert.Equal(t, "InService", lifecycleStates(f.group(t))[a])
	f.cloud.Clock().Advance(5 * time.Minute)
	assert.Equal(t, "Pending:Wait", lifecycleStates(f.group(t))[b], "the heartbeat moved the timeout")

	// ABANDON terminates b (through the terminating hook) and the group launches another.
	token, ok := f.cloud.LifecycleActionToken("web", "boot", b)
	require.True(t, ok)
	require.NoError(t, f.client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot", Token: token}, autoscale.Abandon))
	g = f.group(t)
	assert.Equal(t, "Terminating:Wait", lifecycleStates(g)[b], "the terminating hook holds it to ship logs")
	assert.Len(t, g.Instances, 3, "a replacement is launching")
	require.NoError(t, f.client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "logs", InstanceID: b}, autoscale.Continue))
	f.cloud.Clock().Advance(time.Minute)
	var seen []string
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		if tr.InstanceID == b {
			seen = append(seen, tr.To)
		}
	}
	assert.Equal(t, []string{"Pending", "Pending:Wait", "Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated"}, seen)
}

func TestLifecycleActionToleratesEventualConsistency(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	spec := f.spec(v, 1, 2)
	spec.LifecycleHooks = []autoscale.LifecycleHook{{Name: "boot", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: 10 * time.Minute}}
	f.cloud.DelayVisibility(awstest.ServiceAutoScaling, 20*time.Second)
	_, err := f.client.Ensure(ctx, spec)
	require.NoError(t, err)
	f.cloud.Clock().Advance(40 * time.Second)
	g := f.group(t)
	id := aws.ToString(g.Instances[0].InstanceId)
	require.Equal(t, "Pending:Wait", lifecycleStates(g)[id])

	// Not visible for 20 s: retried, then completed.
	f.cloud.ResetCalls()
	require.NoError(t, f.client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot", InstanceID: id}, autoscale.Continue))
	calls := f.cloud.Calls().Operation(awstest.ServiceAutoScaling, "CompleteLifecycleAction")
	assert.Greater(t, len(calls), 1, "retried while AWS did not know the action")
	assert.Contains(t, calls[0].Err.Error(), "No active Lifecycle Action found")
	assert.Equal(t, "InService", lifecycleStates(f.group(t))[id])

	// An action that never shows up: bounded, then ErrNoLifecycleAction.
	start := f.cloud.Clock().Now()
	err = f.client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot", InstanceID: id}, autoscale.Continue,
		func(o *autoscale.Options) { o.LifecycleActionTimeout = 30 * time.Second })
	require.ErrorIs(t, err, autoscale.ErrNoLifecycleAction)
	assert.ErrorContains(t, err, "No active Lifecycle Action found with instance ID "+id)
	assert.Less(t, f.cloud.Clock().Now().Sub(start), time.Minute)
	err = f.client.RecordHeartbeat(ctx, autoscale.LifecycleAction{Group: "web", Hook: "boot"})
	assert.ErrorIs(t, err, autoscale.ErrInvalidSpec)
}

func TestLifecycleErrorsDoNotQuoteTheToken(t *testing.T) {
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(context.Background(), f.spec(v, 0, 2))
	require.NoError(t, err)
	token := "c3b1a0a4-58f4-4c0e-8a48-5a2b1e4f0d11"
	err = f.client.CompleteLifecycleAction(context.Background(), autoscale.LifecycleAction{Group: "web", Hook: "boot", Token: token}, autoscale.Continue,
		func(o *autoscale.Options) { o.LifecycleActionTimeout = 10 * time.Second })
	require.ErrorIs(t, err, autoscale.ErrNoLifecycleAction)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "No active Lifecycle Action found with token <token>")
}
