//go:build integration

package elb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/internal/testenv"
)

// The integration scenarios: elb's main flows as an endpoint can honestly run them (no virtual
// clock, no faults, health from real health checks: the instances serve /health). Each runs in
// its own scope (unique names, the run tag on everything, a sweep when it ends) and returns a
// summary of what it observed that does not depend on names or ARNs, so that two runs can be
// compared. They run on the simulated cloud in `make test` and against AWS_ENDPOINT_URL (or real
// AWS) in `make integration`.
var scenarios = []struct {
	name string
	run  func(t testing.TB, f *fixture) string
}{
	{"HTTPSOnImportedCertificate", scenarioHTTPS},
	{"RegisterRollDrain", scenarioRoll},
	{"Classic", scenarioClassic},
	{"ChecksBeforeCreating", scenarioChecksFirst},
}

// domain is a domain name unique to the scope (under the reserved .test TLD), so lookups by
// domain find this scope's certificate only.
func (f *fixture) domain() string { return f.name("d") + ".test" }

// scenarioHTTPS: an ALB with an HTTPS listener on an imported certificate found by domain
// (apex and www), the apex-to-www rule, an explicit TLS policy; a re-run creates nothing; a
// changed spec is reported as drift, and is an error under FailOnDrift.
func scenarioHTTPS(t testing.TB, f *fixture) string {
	ctx := context.Background()
	apex := f.domain()
	arn := f.importCertificate(t, apex, "www."+apex)
	c := f.client(integrationOptions)

	found, err := c.FindCertificate(ctx, []string{apex, "www." + apex})
	require.NoError(t, err)
	assert.Equal(t, arn, found, "lookup by domain finds the imported certificate")

	spec := f.spec("https")
	spec.Listeners = elb.ListenerSpec{CertificateDomain: apex, ApexRedirect: apex, SSLPolicy: elb.FallbackSSLPolicy}
	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, arn, st.CertificateARN)
	assert.Equal(t, elb.FallbackSSLPolicy, st.SSLPolicy)
	require.NotEmpty(t, st.ApexRuleARN)

	ls, err := f.elbv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{st.HTTPSListenerARN}})
	require.NoError(t, err)
	require.Len(t, ls.Listeners, 1)
	l := ls.Listeners[0]
	assert.Equal(t, "HTTPS", string(l.Protocol))
	assert.Equal(t, elb.FallbackSSLPolicy, aws.ToString(l.SslPolicy), "the TLS policy is on the listener")
	require.NotEmpty(t, l.Certificates)
	assert.Equal(t, arn, aws.ToString(l.Certificates[0].CertificateArn))
	rules, err := f.elbv2.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{RuleArns: []string{st.ApexRuleARN}})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 1)
	require.NotEmpty(t, rules.Rules[0].Actions)
	redirect := rules.Rules[0].Actions[0].RedirectConfig
	require.NotNil(t, redirect, "the apex rule redirects")
	assert.Equal(t, "www."+apex, aws.ToString(redirect.Host))

	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Empty(t, again.Created, "a re-run creates nothing")
	assert.Empty(t, again.Drift)

	changed := spec
	changed.TargetGroup.HealthCheck.Path = "/ready"
	drifted, err := c.Ensure(ctx, changed)
	require.NoError(t, err)
	assert.Empty(t, drifted.Created)
	var fields []string
	for _, d := range drifted.Drift {
		fields = append(fields, d.Field)
	}
	assert.Equal(t, []string{"HealthCheck.Path"}, fields)
	_, err = c.Ensure(ctx, changed, func(o *elb.Options) { o.FailOnDrift = true })
	require.ErrorIs(t, err, elb.ErrDrift)
	return fmt.Sprintf("created %v; rerun created %d; drift %v", st.Created, len(again.Created), fields)
}

// scenarioRoll: an HTTP ALB, two instances registered and healthy, a Roll one at a time, then one
// deregistered and drained.
func scenarioRoll(t testing.TB, f *fixture) string {
	ctx := context.Background()
	c := f.client(integrationOptions)
	spec := f.spec("roll")
	zero := time.Duration(0)
	spec.TargetGroup.DeregistrationDelay = &zero
	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)

	ids := f.launch(t, 2)
	targets := elb.Instances(ids...)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, targets))
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, targets)
	require.NoError(t, err)

	rep, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN), ids, func(o *elb.Options) { o.RollBatchSize = 1 })
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Batches)
	assert.ElementsMatch(t, ids, rep.InService)

	require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, targets[:1]))
	drained, err := c.WaitDrained(ctx, st.TargetGroupARN, targets[:1])
	require.NoError(t, err)
	require.Len(t, drained.Targets, 1)
	return fmt.Sprintf("created %v; roll batches %d; drained %d", st.Created, rep.Batches, len(drained.Targets))
}

// scenarioClassic: a Classic Load Balancer configured (health check, draining, cross-zone) with a
// re-run that changes nothing, two instances registered and in service, one deregistered and
// drained.
func scenarioClassic(t testing.TB, f *fixture) string {
	ctx := context.Background()
	name := f.classicLB(t, "classic")
	c := f.classicClient(integrationOptions)
	drain, crossZone := 5*time.Second, true
	settings := elb.ClassicSettings{
		HealthCheck:        &elb.ClassicHealthCheck{Target: "HTTP:80/health", Interval: 10 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 2},
		ConnectionDraining: &drain, CrossZone: &crossZone,
	}
	changed, err := c.Configure(ctx, name, settings)
	require.NoError(t, err)
	again, err := c.Configure(ctx, name, settings)
	require.NoError(t, err)
	assert.Empty(t, again, "a re-run changes nothing")

	ids := f.launch(t, 2)
	require.NoError(t, c.Register(ctx, name, ids))
	_, err = c.WaitInService(ctx, name, ids)
	require.NoError(t, err)
	require.NoError(t, c.Deregister(ctx, name, ids[:1]))
	rep, err := c.WaitDrained(ctx, name, ids[:1])
	require.NoError(t, err)
	require.Len(t, rep.Targets, 1)
	return fmt.Sprintf("configured %v; rerun %v; drained %s", changed, again, rep.Targets[0].State)
}

// scenarioChecksFirst: an Ensure whose certificate or TLS policy cannot be had fails before it
// creates anything.
func scenarioChecksFirst(t testing.TB, f *fixture) string {
	ctx := context.Background()
	c := f.client(integrationOptions)
	noCert := f.spec("nocert")
	noCert.Listeners = elb.ListenerSpec{CertificateDomain: f.domain()} // nothing imported for it
	_, err := c.Ensure(ctx, noCert)
	require.ErrorIs(t, err, elb.ErrCertificateNotFound)

	arn := f.importCertificate(t, f.name("p")+".test")
	badPolicy := f.spec("badpolicy")
	badPolicy.Listeners = elb.ListenerSpec{CertificateARN: arn, SSLPolicy: "ELBSecurityPolicy-NoSuchPolicy"}
	_, err = c.Ensure(ctx, badPolicy)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Listeners.SSLPolicy")

	var lbs []string
	for _, l := range f.env.Leftovers(t) {
		if l.Kind != testenv.KindCertificate {
			lbs = append(lbs, l.Kind)
		}
	}
	assert.Empty(t, lbs, "nothing but the certificate was created")
	return fmt.Sprintf("no certificate: %v; bad policy: %v; created %v", elb.ErrCertificateNotFound, elb.ErrInvalidSpec, lbs)
}

// runScenarios runs every scenario in a subtest with its own scope on env, and returns their
// summaries.
func runScenarios(t *testing.T, env *testenv.CloudEnv) []string {
	var out []string
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f := newFixtureOn(t, env.Scope(t))
			out = append(out, sc.name+": "+sc.run(t, f))
		})
	}
	return out
}

// TestIntegrationScenarios runs the scenarios once against the environment (the simulated cloud,
// or the endpoint), then checks that nothing tagged with this process's run id is left.
func TestIntegrationScenarios(t *testing.T) {
	env := testenv.Cloud(t)
	for _, s := range runScenarios(t, env) {
		t.Log(s)
	}
	assert.Empty(t, env.Leftovers(t), "every scenario cleaned up after itself")
}

// TestIntegrationTwoRunsOnOneCloud stands in for two consecutive `make integration` runs against
// one long-lived endpoint: the scenarios run twice on one simulated cloud, give the same results,
// and neither run finds anything of an integration run left before it or after it. Sim-only
// because it needs a cloud it can own for two runs; against an endpoint, run `make integration`
// twice (its last step lists what is left by tag).
func TestIntegrationTwoRunsOnOneCloud(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireSim(t, "owns one cloud for two runs; against an endpoint, run make integration twice")
	var results [2][]string
	for i := range results {
		t.Run(fmt.Sprintf("run%d", i+1), func(t *testing.T) {
			require.Empty(t, env.AllLeftovers(t), "nothing left over from an earlier run")
			results[i] = runScenarios(t, env)
		})
		require.Empty(t, env.AllLeftovers(t), "run %d left nothing", i+1)
	}
	assert.Equal(t, results[0], results[1], "both runs give the same result")
}

// TestIntegrationFailureLeavesNothing: a scenario that fails half way (a wait that runs out of
// time, with a load balancer, a target group, a certificate and instances created) still leaves
// nothing behind, because its scope's cleanup runs after the failure.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2", "elbv2", "elb", "acm")
	res := testenv.RunFailing(t, func(tb testing.TB) {
		f := newFixtureOn(tb, env.Scope(tb))
		ctx := context.Background()
		f.importCertificate(tb, f.domain())
		c := f.client(integrationOptions)
		st, err := c.Ensure(ctx, f.spec("fail"))
		require.NoError(tb, err)
		ids := f.launch(tb, 2)
		require.NoError(tb, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
		require.NotEmpty(tb, f.env.Leftovers(tb), "the scenario created tagged resources")
		// Health checks every 10 s cannot pass three times within 5 s: the wait fails.
		_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...), func(o *elb.Options) { o.HealthyTimeout = 5 * time.Second })
		require.NoError(tb, err, "forced failure")
		tb.Error("not reached")
	})
	require.True(t, res.Failed, "the scenario failed")
	assert.Contains(t, strings.Join(res.Messages, "\n"), "forced failure")
	assert.NotContains(t, strings.Join(res.Messages, "\n"), "not reached")
	assert.Empty(t, env.Leftovers(t), "the failed scenario's cleanup deleted everything")
}
