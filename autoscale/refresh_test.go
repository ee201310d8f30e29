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
	"github.com/portalkit/portalkit/wait"
)

func TestRefreshTenInstancesKeepsNineHealthy(t *testing.T) {
	ctx := context.Background()
	var progress []autoscale.Progress
	f := newFixture(t, func(o *autoscale.Options) {
		o.OnProgress = func(p autoscale.Progress) { progress = append(progress, p) }
	})
	v1 := f.template(t, "release 1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 10, 3))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "release 2")
	require.Equal(t, v1.Version+1, v2.Version)

	progress = nil
	start := f.cloud.Clock().Now()
	r, err := f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(90), InstanceWarmup: 30 * time.Second})
	require.NoError(t, err)
	end := f.cloud.Clock().Now()
	assert.Equal(t, "Successful", r.Status)
	assert.Equal(t, 100, r.Percent)
	assert.Zero(t, r.InstancesToUpdate)

	// Progress: percentages only grow, from 0 to 100, with instances to update counting down.
	require.NotEmpty(t, progress)
	last := -1
	for _, p := range progress {
		assert.Equal(t, "refresh", p.What)
		assert.GreaterOrEqual(t, p.Percent, last, "percent never goes back")
		last = p.Percent
	}
	assert.Equal(t, 100, progress[len(progress)-1].Percent)
	assert.Greater(t, len(progress), 5, "progress at each batch")

	// Every instance is on the new version, and the group now launches from it.
	g := f.group(t)
	assert.Len(t, g.Instances, 10)
	for _, i := range g.Instances {
		assert.Equal(t, v2.Ref().Version, aws.ToString(i.LaunchTemplate.Version))
	}
	assert.Equal(t, v2.Ref().Version, aws.ToString(g.LaunchTemplate.Version))

	// From the simulated timeline: never fewer than 9 healthy targets, nor 9 in service.
	assert.GreaterOrEqual(t, minHealthyDuring(f.cloud.TargetTransitions(f.tgARN), start, end), 9)
	inService := map[string]bool{}
	lowest := 10
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		if tr.To == "InService" {
			inService[tr.InstanceID] = true
		} else {
			delete(inService, tr.InstanceID)
		}
		if !tr.At.Before(start) {
			lowest = min(lowest, len(inService))
		}
	}
	assert.Equal(t, 9, lowest, "one batch of one at a time")

	// The wait reported completion within one poll interval of the simulated end.
	refreshes, err := f.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	lag := end.Sub(aws.ToTime(refreshes.InstanceRefreshes[0].EndTime))
	assert.GreaterOrEqual(t, lag, time.Duration(0))
	assert.LessOrEqual(t, lag, autoscale.DefaultMaxPollInterval)
	t.Logf("refresh of 10 instances: %s of virtual time; wait returned %s after the simulated end (max poll interval %s)", end.Sub(start), lag, autoscale.DefaultMaxPollInterval)
}

func TestWaitInServiceReportsWithinOnePollInterval(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 3, 3))
	require.NoError(t, err)
	f.cloud.ResetCalls()
	var progress []autoscale.Progress
	require.NoError(t, f.client.WaitInService(ctx, "web", func(o *autoscale.Options) {
		o.OnProgress = func(p autoscale.Progress) { progress = append(progress, p) }
	}))
	returned := f.cloud.Clock().Now()
	require.NotEmpty(t, progress)
	assert.Equal(t, autoscale.Progress{Group: "web", What: "in-service", Desired: 3, InService: 0, Healthy: 0}, progress[0])
	final := progress[len(progress)-1]
	assert.Equal(t, []int{3, 3, 3}, []int{final.Desired, final.InService, final.Healthy})
	// One DescribeAutoScalingGroups per poll, one DescribeTargetHealth per poll for the one
	// target group once instances are in service, nothing per instance.
	calls := f.cloud.Calls()
	polls := calls.Count(awstest.ServiceAutoScaling, "DescribeAutoScalingGroups")
	assert.Equal(t, polls, len(calls.Operation(awstest.ServiceAutoScaling, "")), "no other Auto Scaling call while instances are launching")
	assert.LessOrEqual(t, calls.Count(awstest.ServiceELBv2, "DescribeTargetHealth"), polls)
	assert.Zero(t, calls.Count(awstest.ServiceEC2, ""))
	// The simulated completion: the last of the instances turning healthy in the target group
	// (they are in service before that).
	var done time.Time
	for _, tr := range f.cloud.TargetTransitions(f.tgARN) {
		if tr.To == "healthy" && tr.At.After(done) {
			done = tr.At
		}
	}
	lag := returned.Sub(done)
	assert.GreaterOrEqual(t, lag, time.Duration(0))
	assert.LessOrEqual(t, lag, autoscale.DefaultMaxPollInterval)
	t.Logf("WaitInService returned %s after the simulated completion (max poll interval %s)", lag, autoscale.DefaultMaxPollInterval)
}

func TestRefreshConflictPerOption(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 2, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "2")
	first, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)

	// Default: an error, and nothing started.
	_, err = f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref())})
	require.ErrorIs(t, err, autoscale.ErrRefreshInProgress)
	assert.ErrorContains(t, err, first)

	// Wait: the running refresh finishes first, then the new one starts.
	second, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{SkipMatching: true}, func(o *autoscale.Options) { o.RefreshConflict = autoscale.RefreshConflictWait })
	require.NoError(t, err)
	out, err := f.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web"), InstanceRefreshIds: []string{first, second}})
	require.NoError(t, err)
	byID := map[string]astypes.InstanceRefresh{}
	for _, r := range out.InstanceRefreshes {
		byID[aws.ToString(r.InstanceRefreshId)] = r
	}
	assert.Equal(t, astypes.InstanceRefreshStatusSuccessful, byID[first].Status)
	assert.False(t, aws.ToTime(byID[second].StartTime).Before(aws.ToTime(byID[first].EndTime)))
	r, err := f.client.WaitRefresh(ctx, "web", second)
	require.NoError(t, err, "skip matching with nothing to replace succeeds")
	assert.Equal(t, "Successful", r.Status)

	// Cancel: the running refresh is cancelled, then the new one starts.
	v3 := f.template(t, "3")
	third, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v3.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	fourth, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v3.Ref()), MinHealthyPercentage: aws.Int32(50)},
		func(o *autoscale.Options) { o.RefreshConflict = autoscale.RefreshConflictCancel })
	require.NoError(t, err)
	out, err = f.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web"), InstanceRefreshIds: []string{third}})
	require.NoError(t, err)
	assert.Equal(t, astypes.InstanceRefreshStatusCancelled, out.InstanceRefreshes[0].Status)
	r, err = f.client.WaitRefresh(ctx, "web", fourth)
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
}

func TestRefreshFailureAndRollback(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 2, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	bad, err := f.client.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{Name: "web", ImageID: "ami-00000000000dead00", InstanceType: "t3.small"})
	require.NoError(t, err)

	// Without rollback: Failed, naming the reason.
	_, err = f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(bad.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.ErrorIs(t, err, autoscale.ErrRefreshFailed)
	var failed *wait.FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "Failed", failed.State)
	assert.Contains(t, failed.Reason, "The image id '[ami-00000000000dead00]' does not exist")
	require.NoError(t, f.client.WaitInService(ctx, "web"), "the group recovers on its old version")

	// With automatic rollback: RollbackSuccessful is an error too, naming the reason.
	_, err = f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(bad.Ref()), MinHealthyPercentage: aws.Int32(50), AutoRollback: true})
	require.ErrorIs(t, err, autoscale.ErrRefreshFailed)
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "RollbackSuccessful", failed.State)
	assert.Contains(t, failed.Reason, "does not exist")
	for _, i := range f.group(t).Instances {
		assert.Equal(t, v1.Ref().Version, aws.ToString(i.LaunchTemplate.Version))
	}

	// Rollback and cancel by hand.
	v2 := f.template(t, "2")
	id, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(20 * time.Second)
	rid, err := f.client.RollbackRefresh(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, id, rid)
	_, err = f.client.WaitRefresh(ctx, "web", id)
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "RollbackSuccessful", failed.State)
	_, err = f.client.RollbackRefresh(ctx, "web")
	assert.ErrorIs(t, err, autoscale.ErrNoActiveRefresh)
	_, err = f.client.CancelRefresh(ctx, "web")
	assert.ErrorIs(t, err, autoscale.ErrNoActiveRefresh)

	id, err = f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	r, err := f.client.CancelRefresh(ctx, "web")
	require.NoError(t, err)
	assert.Equal(t, id, r.ID)
	assert.Equal(t, "Cancelled", r.Status)
	_, err = f.client.WaitRefresh(ctx, "web", id)
	require.ErrorIs(t, err, autoscale.ErrRefreshFailed, "a cancelled refresh did not deploy")
}

func TestRefreshCheckpointsPause(t *testing.T) {
	ctx := context.Background()
	var reasons []string
	f := newFixture(t, func(o *autoscale.Options) {
		o.OnProgress = func(p autoscale.Progress) {
			if p.What == "refresh" {
				reasons = append(reasons, p.StatusReason)
			}
		}
	})
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 4, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "2")
	start := f.cloud.Clock().Now()
	r, err := f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50),
		CheckpointPercentages: []int32{50, 100}, CheckpointDelay: 10 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
	assert.Greater(t, f.cloud.Clock().Now().Sub(start), 10*time.Minute, "paused at the 50% checkpoint")
	assert.Contains(t, reasons, "Waiting for checkpoint delay of 600 seconds at 50% before continuing.")
	_ = awstest.ServiceAutoScaling
}

func TestStartRefreshAfterLostResponse(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 2, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "2")
	f.cloud.LoseResponseNext(awstest.ServiceAutoScaling, "StartInstanceRefresh", 1)
	id, err := f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err, "the retry meets the refresh the lost attempt started, and adopts it")
	calls := f.cloud.Calls().Operation(awstest.ServiceAutoScaling, "StartInstanceRefresh")
	require.Len(t, calls, 2)
	assert.Equal(t, "InstanceRefreshInProgress", calls[1].ErrorCode())
	r, err := f.client.WaitRefresh(ctx, "web", id)
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
}

func TestRefreshLaunchBeforeTerminate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 2, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "2")
	start := f.cloud.Clock().Now()
	r, err := f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(100), MaxHealthyPercentage: aws.Int32(200)})
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
	end := f.cloud.Clock().Now()
	assert.Equal(t, 2, minHealthyDuring(f.cloud.TargetTransitions(f.tgARN), start, end), "new instances serve before old ones leave")
	live := map[string]bool{}
	peak := 0
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		switch tr.To {
		case "Pending":
			live[tr.InstanceID] = true
		case "Terminating":
			delete(live, tr.InstanceID)
		}
		peak = max(peak, len(live))
	}
	assert.Equal(t, 4, peak, "at most 200% of the desired capacity")
}
