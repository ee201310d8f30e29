package awstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// As in AWS, MaxHealthyPercentage needs MinHealthyPercentage (RefreshPreferences in the API
// reference).
func TestInstanceRefreshMaxHealthyNeedsMin(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 2)
	_, err := f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &astypes.RefreshPreferences{MaxHealthyPercentage: aws.Int32(150)}})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
}

// With the default preferences (90% minimum, no maximum) a group of two cannot keep 90% in
// service while it replaces one; AWS then terminates one instance and launches its replacement at
// the same time (RefreshPreferences.MaxHealthyPercentage in the API reference), so the refresh
// completes, one instance at a time, instead of waiting forever.
func TestInstanceRefreshOfASmallGroupWithDefaultPreferences(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 2)
	f.cloud.Clock().Advance(time.Minute)
	before := f.describe(t, "web").Instances
	require.Len(t, before, 2)
	out, err := f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	f.cloud.Clock().Advance(time.Hour)
	rs, err := f.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web"), InstanceRefreshIds: []string{aws.ToString(out.InstanceRefreshId)}})
	require.NoError(t, err)
	require.Len(t, rs.InstanceRefreshes, 1)
	assert.Equal(t, astypes.InstanceRefreshStatusSuccessful, rs.InstanceRefreshes[0].Status, aws.ToString(rs.InstanceRefreshes[0].StatusReason))
	after := states(f.describe(t, "web"))
	assert.Len(t, after, 2)
	for _, i := range before {
		assert.NotContains(t, after, aws.ToString(i.InstanceId), "every instance was replaced")
	}
	// One at a time: never fewer than one in service.
	in := map[string]bool{}
	lowest := 2
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		if tr.To == "InService" {
			in[tr.InstanceID] = true
		} else {
			delete(in, tr.InstanceID)
		}
		if !tr.At.Before(f.cloud.Clock().Now().Add(-time.Hour)) {
			lowest = min(lowest, len(in))
		}
	}
	assert.Equal(t, 1, lowest)
}

// As in AWS, a CheckpointDelay needs CheckpointPercentages.
func TestInstanceRefreshCheckpointDelayNeedsPercentages(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 2)
	_, err := f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &astypes.RefreshPreferences{CheckpointDelay: aws.Int32(600)}})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
}
