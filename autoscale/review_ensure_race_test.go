package autoscale_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
)

// hideFirstDescribe answers the first DescribeAutoScalingGroups with no group, as a describe does
// just before another deploy's create lands (or right after it, before it is visible).
type hideFirstDescribe struct {
	autoscale.AutoScalingAPI
	n atomic.Int32
}

func (h *hideFirstDescribe) DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, optFns ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	out, err := h.AutoScalingAPI.DescribeAutoScalingGroups(ctx, in, optFns...)
	if err == nil && h.n.Add(1) == 1 {
		out.AutoScalingGroups = nil
	}
	return out, err
}

// When the create meets AlreadyExists, the group that is there is checked like any existing one:
// its differences from the spec are reported (an error under FailOnDrift), not hidden behind
// "created".
func TestEnsureCreateMeetingAnExistingGroupReportsDrift(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	other := f.spec(v, 2, 2)
	other.MaxSize = 4
	_, err := f.client.Ensure(ctx, other)
	require.NoError(t, err)

	c, err := autoscale.New(&hideFirstDescribe{AutoScalingAPI: f.as}, f.ec2, func(o *autoscale.Options) { o.Clock = f.cloud.Clock() })
	require.NoError(t, err)
	g, err := c.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err)
	assert.Equal(t, []autoscale.Drift{{Field: "MaxSize", Want: "20", Have: "4"}}, g.Drift)
	assert.NotEmpty(t, g.ARN)

	c, err = autoscale.New(&hideFirstDescribe{AutoScalingAPI: f.as}, f.ec2, func(o *autoscale.Options) { o.Clock = f.cloud.Clock(); o.FailOnDrift = true })
	require.NoError(t, err)
	_, err = c.Ensure(ctx, f.spec(v, 2, 2))
	require.ErrorIs(t, err, autoscale.ErrDrift)
}
