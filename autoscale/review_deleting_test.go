package autoscale_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
)

// deletingGroups reports every group as AWS does while DeleteAutoScalingGroup runs: still
// described, with Status "Delete in progress".
type deletingGroups struct{ autoscale.AutoScalingAPI }

func (d deletingGroups) DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	out, err := d.AutoScalingAPI.DescribeAutoScalingGroups(ctx, in, optFns...)
	if err == nil {
		for i := range out.AutoScalingGroups {
			out.AutoScalingGroups[i].Status = aws.String("Delete in progress")
		}
	}
	return out, err
}

// A group being deleted is neither adopted by Ensure nor waited for until the deadline.
func TestGroupBeingDeletedIsNotAdopted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	spec := f.spec(v, 2, 2)
	spec.LifecycleHooks = []autoscale.LifecycleHook{{Name: "boot", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: time.Hour}}
	_, err := f.client.Ensure(ctx, spec)
	require.NoError(t, err)
	c, err := autoscale.New(deletingGroups{f.as}, f.ec2, func(o *autoscale.Options) { o.Clock = f.cloud.Clock() })
	require.NoError(t, err)

	f.cloud.ResetCalls()
	_, err = c.Ensure(ctx, spec)
	require.Error(t, err)
	assert.ErrorContains(t, err, "Delete in progress")
	assert.Empty(t, changes(f.cloud.Calls()), "nothing added to a group being deleted")

	start := f.cloud.Clock().Now()
	err = c.WaitInService(ctx, "web")
	require.Error(t, err)
	assert.ErrorContains(t, err, "Delete in progress")
	assert.NotErrorIs(t, err, autoscale.ErrTimeout)
	assert.Less(t, f.cloud.Clock().Now().Sub(start), time.Minute, "fails at once, not at the deadline")
}
