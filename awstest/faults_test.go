package awstest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// A lost response: the call takes effect, the SDK sees a connection reset and sends it again.
func TestLoseResponseNext(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()

	// Without retries the caller sees the connection error, yet the group exists.
	c.LoseResponseNext(awstest.ServiceEC2, "CreateSecurityGroup", 1)
	_, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")},
		func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	var sendErr *smithyhttp.RequestSendError
	require.ErrorAs(t, err, &sendErr)
	assert.ErrorContains(t, err, "connection reset by peer")
	groups, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	require.NoError(t, err, "the call took effect")
	assert.Len(t, groups.SecurityGroups, 1)

	// With the SDK's retries, a create that is not idempotent meets its own first attempt.
	c.ResetCalls()
	c.LoseResponseNext(awstest.ServiceEC2, "CreateSecurityGroup", 1)
	_, err = client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("db")})
	assert.Equal(t, "InvalidGroup.Duplicate", apiCode(err))
	calls := c.Calls()
	require.Len(t, calls, 2)
	assert.True(t, calls[0].Lost)
	assert.Equal(t, 2, calls[1].Attempt, "the SDK retried")
	assert.False(t, calls[1].Lost)

	// A failing call keeps its error and leaves the fault for the next success.
	c.ResetCalls()
	c.LoseResponseNext(awstest.ServiceEC2, "", 1)
	_, err = client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("db")})
	assert.Equal(t, "InvalidGroup.Duplicate", apiCode(err))
	_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true, false}, []bool{c.Calls()[0].Lost, c.Calls()[1].Lost, c.Calls()[2].Lost})

	assert.Panics(t, func() { c.LoseResponseNext(awstest.ServiceS3, "PutObject", 1) })
}

// CreateListener is idempotent: a retried create with the same settings returns the listener.
func TestELBv2CreateListenerIdempotent(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	in := &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(8080),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
	}
	f.cloud.LoseResponseNext(awstest.ServiceELBv2, "CreateListener", 1)
	out, err := f.elb.CreateListener(ctx, in)
	require.NoError(t, err, "the retry returns the listener the lost attempt created")
	again, err := f.elb.CreateListener(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(out.Listeners[0].ListenerArn), aws.ToString(again.Listeners[0].ListenerArn))
	ls, err := f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(f.lbARN)})
	require.NoError(t, err)
	assert.Len(t, ls.Listeners, 2, "the fixture's and one on 8080")

	in.DefaultActions = []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("503")}}}
	_, err = f.elb.CreateListener(ctx, in)
	var dup *elbv2types.DuplicateListenerException
	assert.ErrorAs(t, err, &dup, "other settings on the port")
}
