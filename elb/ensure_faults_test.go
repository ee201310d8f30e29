package elb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// TestEnsureAdoptsWhatALostResponseCreated: every create call takes effect but loses its
// response, so the SDK sends it again. The ELBv2 creates with the same settings return what the
// first attempt made; CreateRule answers PriorityInUse, and Ensure finds its own rule and adopts
// it. One of each resource exists afterwards, and a re-run creates nothing.
func TestEnsureAdoptsWhatALostResponseCreated(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (LoseResponseNext); asserts the call log; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	spec := f.spec("lost")
	spec.Listeners.CertificateARN = sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	spec.Listeners.ApexRedirect = "example.com"
	ops := []string{"CreateLoadBalancer", "CreateTargetGroup", "ModifyTargetGroupAttributes", "CreateListener", "CreateRule"}
	for _, op := range ops {
		sim.LoseResponseNext(awstest.ServiceELBv2, op, 2) // both listeners for CreateListener
	}
	sim.ResetCalls()
	c := f.client()

	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"load balancer", "target group", "listener HTTP:80", "listener HTTPS:443", "apex redirect rule"}, st.Created)
	assert.Empty(t, st.Drift)
	calls := sim.Calls()
	for _, op := range ops {
		lost := calls.Operation(awstest.ServiceELBv2, op).Filter(func(c awstest.Call) bool { return c.Lost })
		assert.NotEmpty(t, lost, "%s lost a response", op)
	}

	lbs, err := f.elbv2.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Len(t, lbs.LoadBalancers, 1)
	tgs, err := f.elbv2.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	require.NoError(t, err)
	assert.Len(t, tgs.TargetGroups, 1)
	ls, err := f.elbv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(st.LoadBalancerARN)})
	require.NoError(t, err)
	assert.Len(t, ls.Listeners, 2)
	rules, err := f.elbv2.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(st.HTTPSListenerARN)})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 2, "the apex rule and the default rule")
	assert.Equal(t, st.ApexRuleARN, aws.ToString(rules.Rules[0].RuleArn))

	sim.ResetCalls()
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Empty(t, again.Created)
	assert.Empty(t, creates(sim.Calls()))
	assert.Equal(t, st.ApexRuleARN, again.ApexRuleARN)
}
