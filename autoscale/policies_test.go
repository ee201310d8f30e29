package autoscale_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

func TestEnsurePoliciesIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 1, 2))
	require.NoError(t, err)
	specs := []autoscale.PolicySpec{
		{Name: "cpu", TargetCPU: 50},
		{Name: "requests", TargetRequestsPerTarget: 1000, LoadBalancerARN: f.lbARN, TargetGroupARN: f.tgARN},
		{Name: "queue", Custom: &autoscale.CustomMetric{Namespace: "Portal", Name: "QueueDepth", Statistic: "Average", Target: 10, Dimensions: map[string]string{"env": "prod"}}},
		{Name: "steps", Steps: &autoscale.StepScaling{AdjustmentType: "ChangeInCapacity", Steps: []autoscale.Step{
			{Lower: aws.Float64(0), Upper: aws.Float64(20), Adjustment: 1}, {Lower: aws.Float64(20), Adjustment: 3}}}},
	}
	got, err := f.client.EnsurePolicies(ctx, "web", specs)
	require.NoError(t, err)
	require.Len(t, got, 4)
	for _, p := range got {
		assert.True(t, p.Changed, p.Name)
	}
	assert.Len(t, got[0].Alarms, 2)

	out, err := f.as.DescribePolicies(ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web"), PolicyNames: []string{"requests"}})
	require.NoError(t, err)
	label, err := autoscale.ResourceLabel(f.lbARN, f.tgARN)
	require.NoError(t, err)
	pm := out.ScalingPolicies[0].TargetTrackingConfiguration.PredefinedMetricSpecification
	assert.Equal(t, astypes.MetricTypeALBRequestCountPerTarget, pm.PredefinedMetricType)
	assert.Equal(t, label, aws.ToString(pm.ResourceLabel))
	assert.Regexp(t, `^app/web/[0-9a-f]+/targetgroup/web/[0-9a-f]+$`, label)

	f.cloud.ResetCalls()
	got, err = f.client.EnsurePolicies(ctx, "web", specs)
	require.NoError(t, err)
	for _, p := range got {
		assert.False(t, p.Changed, p.Name)
	}
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceAutoScaling, "PutScalingPolicy"))

	specs[0].TargetCPU = 60
	got, err = f.client.EnsurePolicies(ctx, "web", specs)
	require.NoError(t, err)
	assert.True(t, got[0].Changed)
	assert.Equal(t, 1, f.cloud.Calls().Count(awstest.ServiceAutoScaling, "PutScalingPolicy"))

	_, err = f.client.EnsurePolicies(ctx, "web", []autoscale.PolicySpec{{Name: "x"}, {Name: "y", TargetRequestsPerTarget: 5, LoadBalancerARN: "nope"}})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, `policy "x" needs exactly one of`)
	assert.ErrorContains(t, err, `"nope" is not an Application Load Balancer ARN`)
}
