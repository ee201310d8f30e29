package autoscale_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

// Auto Scaling refuses a MaxHealthyPercentage without a MinHealthyPercentage, and a spread over
// 100 points: RefreshSpec says so before any call.
func TestRefreshSpecHealthyPercentagePair(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err)
	f.cloud.ResetCalls()
	_, err = f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{MaxHealthyPercentage: aws.Int32(150)})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "MaxHealthyPercentage needs MinHealthyPercentage")
	_, err = f.client.StartRefresh(ctx, "web", autoscale.RefreshSpec{MinHealthyPercentage: aws.Int32(50), MaxHealthyPercentage: aws.Int32(200)})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "more than 100 apart")
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceAutoScaling, "StartInstanceRefresh"))
}

// CheckpointDelay needs CheckpointPercentages and is at most 48 hours (RefreshPreferences in the
// API reference): refused before any call.
func TestRefreshSpecCheckpointDelayNeedsPercentages(t *testing.T) {
	f := newFixture(t)
	f.cloud.ResetCalls()
	_, err := f.client.StartRefresh(context.Background(), "web", autoscale.RefreshSpec{CheckpointDelay: 10 * time.Minute})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "CheckpointDelay needs CheckpointPercentages")
	_, err = f.client.StartRefresh(context.Background(), "web", autoscale.RefreshSpec{CheckpointPercentages: []int32{50, 100}, CheckpointDelay: 49 * time.Hour})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "CheckpointDelay 49h0m0s is over 48h")
	assert.Empty(t, f.cloud.Calls())
}
