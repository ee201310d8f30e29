package awstest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// Requests AWS would accept but the model does not implement fail with ErrUnmodeled, never with
// an AWS error code that code under test would take for AWS's refusal.
func TestELBv2UnmodeledFeaturesFailLoudly(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	ls, err := f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(f.lbARN)})
	require.NoError(t, err)
	forward := elbv2types.Action{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}
	for _, tc := range []struct {
		name, feature string
		call          func() error
	}{
		{"gateway load balancer", "load balancer type gateway", func() error {
			_, err := f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("gwlb"), Type: elbv2types.LoadBalancerTypeEnumGateway,
				Subnets: []string{f.subnets[f.cloud.Zones()[0]]}})
			return err
		}},
		{"lambda targets", "target type lambda", func() error {
			_, err := f.elb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{Name: aws.String("fn"), TargetType: elbv2types.TargetTypeEnumLambda})
			return err
		}},
		{"two actions", "2 actions", func() error {
			_, err := f.elb.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{ListenerArn: ls.Listeners[0].ListenerArn, Priority: aws.Int32(1),
				Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/a"}}},
				Actions: []elbv2types.Action{
					{Type: elbv2types.ActionTypeEnumAuthenticateOidc, Order: aws.Int32(1)}, {Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN), Order: aws.Int32(2)},
				}})
			return err
		}},
		{"authenticate action", "action type authenticate-cognito", func() error {
			_, err := f.elb.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{ListenerArn: ls.Listeners[0].ListenerArn, Priority: aws.Int32(1),
				Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/a"}}},
				Actions:    []elbv2types.Action{{Type: elbv2types.ActionTypeEnumAuthenticateCognito}}})
			return err
		}},
		{"header condition", "condition field http-header", func() error {
			_, err := f.elb.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{ListenerArn: ls.Listeners[0].ListenerArn, Priority: aws.Int32(1),
				Conditions: []elbv2types.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &elbv2types.HttpHeaderConditionConfig{
					HttpHeaderName: aws.String("X-Canary"), Values: []string{"1"}}}},
				Actions: []elbv2types.Action{forward}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, awstest.ErrUnmodeled)
			var ue *awstest.UnmodeledError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, awstest.ServiceELBv2, ue.Service)
			assert.True(t, strings.HasPrefix(ue.Feature, tc.feature), "feature %q", ue.Feature)
			assert.Empty(t, apiCode(err), "not an AWS API error")
		})
	}
}

// A routing change applies to the health checks made after it, not to those made before it that
// nobody had observed yet.
func TestELBv2RoutingChangeAppliesFromItsTime(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	id := f.run(t, f.cloud.Zones()[0], true)
	_, err := f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}}})
	require.NoError(t, err)
	registered := f.cloud.Clock().Now()

	f.cloud.Clock().Advance(10 * time.Minute) // healthy all along, but nobody looks
	_, err = f.elb.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(f.lbARN)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(time.Minute)

	var got []string
	for _, tr := range f.cloud.TargetTransitions(f.tgARN) {
		got = append(got, fmt.Sprintf("%s>%s@%s", tr.From, tr.To, tr.At.Sub(registered)))
	}
	assert.Equal(t, []string{">initial@0s", "initial>healthy@10s", "healthy>unused@10m10s"}, got)
}

// RegisterTargets succeeds or fails as a whole: a request that would pass the quota registers
// none of its targets.
func TestELBv2RegisterTargetsQuotaIsAtomic(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	tg, err := f.elb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("ips"), TargetType: elbv2types.TargetTypeEnumIp, Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
	})
	require.NoError(t, err)
	arn := tg.TargetGroups[0].TargetGroupArn
	ips := func(from, n int) []elbv2types.TargetDescription {
		var out []elbv2types.TargetDescription
		for i := from; i < from+n; i++ {
			out = append(out, elbv2types.TargetDescription{Id: aws.String(fmt.Sprintf("172.31.%d.%d", i/250, 4+i%250))})
		}
		return out
	}
	_, err = f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: arn, Targets: ips(0, 999)})
	require.NoError(t, err)
	_, err = f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: arn, Targets: ips(999, 2)})
	assert.Equal(t, "TooManyTargets", apiCode(err))
	out, err := f.elb.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: arn})
	require.NoError(t, err)
	assert.Len(t, out.TargetHealthDescriptions, 999, "nothing registered by the refused request")

	_, err = f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: arn, Targets: append(ips(0, 5), ips(999, 1)...)})
	assert.NoError(t, err, "targets already registered do not count against the quota")
}

func TestELBv2DescribeTargetGroupsLimit(t *testing.T) {
	f := newLBFixture(t)
	names := make([]string, 21)
	for i := range names {
		names[i] = fmt.Sprintf("tg-%d", i)
	}
	_, err := f.elb.DescribeTargetGroups(context.Background(), &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: names})
	assert.Equal(t, "ValidationError", apiCode(err))
	assert.ErrorContains(t, err, "You cannot describe more than '20' target groups at a time")

	_, err = f.elb.DescribeTargetGroups(context.Background(), &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: []string{f.tgARN, f.tgARN + "0"}})
	var nf *elbv2types.TargetGroupNotFoundException
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "One or more target groups not found", nf.ErrorMessage())
}
