package elb_test

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
	"github.com/portalkit/portalkit/elb"
)

// TestEnsureAndWaitAbsorbHiddenListenersAndRegistrations: with every new ELBv2 resource hidden
// from reads for 20 s, the apex rule step meets ListenerNotFound right after CreateListener, and
// WaitHealthy reads "unused, Target.NotRegistered" right after RegisterTargets. Both are
// read-after-write misses that Ensure and WaitHealthy absorb within RetryTimeout.
func TestEnsureAndWaitAbsorbHiddenListenersAndRegistrations(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (DelayVisibility); asserts the call log; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	spec := f.spec("hidden")
	spec.Listeners.CertificateARN = sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	spec.Listeners.ApexRedirect = "example.com"
	ids := f.launch(t, 2)
	sim.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	sim.ResetCalls()
	var changes []elb.TargetChange
	c := f.client(func(o *elb.Options) {
		o.NoWait = true // the listeners and the rule follow the load balancer at once
		o.OnTargetChange = func(ch elb.TargetChange) { changes = append(changes, ch) }
	})

	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"load balancer", "target group", "listener HTTP:80", "listener HTTPS:443", "apex redirect rule"}, st.Created)
	missed := sim.Calls().Filter(func(c awstest.Call) bool { return c.ErrorCode() == "ListenerNotFound" })
	assert.NotEmpty(t, missed, "the rule step met the hidden listener")

	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...))
	require.NoError(t, err)
	assert.Len(t, rep.Targets, 2)
	require.NotEmpty(t, changes)
	assert.Equal(t, string(elbv2types.TargetHealthReasonEnumNotRegistered), changes[0].Reason, "the first read missed the registration")

	// Beyond RetryTimeout the same miss is no longer taken for eventual consistency.
	sim.DelayVisibility(awstest.ServiceELBv2, 10*time.Minute)
	more := f.launch(t, 1)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(more...)))
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(more...), func(o *elb.Options) { o.RetryTimeout = 30 * time.Second })
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Target.NotRegistered")
}

// TestEnsureAdoptsItsHiddenRuleAfterALostResponse: the retried CreateRule answers PriorityInUse
// while DescribeRules does not list the rule yet; Ensure keeps listing (within RetryTimeout)
// until it sees the rule at the priority, and adopts it.
func TestEnsureAdoptsItsHiddenRuleAfterALostResponse(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (DelayVisibility, LoseResponseNext); adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	spec := f.spec("hiddenrule")
	spec.Listeners.CertificateARN = sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	c := f.client()
	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)

	spec.Listeners.ApexRedirect = "example.com"
	sim.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	sim.LoseResponseNext(awstest.ServiceELBv2, "CreateRule", 1)
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"apex redirect rule"}, again.Created)
	rules, err := f.elbv2.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(st.HTTPSListenerARN)})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 2, "one apex rule and the default rule")
	assert.Equal(t, again.ApexRuleARN, aws.ToString(rules.Rules[0].RuleArn))
}
