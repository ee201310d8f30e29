package awstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// DelayVisibility hides new listeners, rules and registrations from reads for the delay.
func TestELBv2DelayVisibilityOfListenersRulesAndTargets(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	id := f.run(t, f.cloud.Zones()[0], true)
	f.cloud.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	clock := f.cloud.Clock()

	out, err := f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(8080),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
	})
	require.NoError(t, err)
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	_, err = f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{arn}})
	var lnf *elbv2types.ListenerNotFoundException
	assert.ErrorAs(t, err, &lnf, "right after CreateListener")
	rule := &elasticloadbalancingv2.CreateRuleInput{
		ListenerArn: aws.String(arn), Priority: aws.Int32(5),
		Actions:    []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/api/*"}}},
	}
	_, err = f.elb.CreateRule(ctx, rule)
	assert.ErrorAs(t, err, &lnf, "CreateRule on a listener not visible yet")
	listed, err := f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(f.lbARN)})
	require.NoError(t, err)
	assert.Len(t, listed.Listeners, 1, "only the fixture's listener is listed")

	clock.Advance(20 * time.Second)
	_, err = f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{arn}})
	require.NoError(t, err)
	created, err := f.elb.CreateRule(ctx, rule)
	require.NoError(t, err)
	rules, err := f.elb.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Len(t, rules.Rules, 1, "the default rule only")
	_, err = f.elb.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{RuleArns: []string{aws.ToString(created.Rules[0].RuleArn)}})
	var rnf *elbv2types.RuleNotFoundException
	assert.ErrorAs(t, err, &rnf)
	_, err = f.elb.CreateRule(ctx, rule)
	var inUse *elbv2types.PriorityInUseException
	assert.ErrorAs(t, err, &inUse, "the hidden rule holds its priority")

	_, err = f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}}})
	require.NoError(t, err)
	h := f.health(t, id)[id]
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnused, h.State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumNotRegistered, h.Reason)
	assert.Empty(t, f.health(t), "a full listing leaves it out")

	clock.Advance(20 * time.Second)
	rules, err = f.elb.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Len(t, rules.Rules, 2)
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State, "health checked while hidden")
}
