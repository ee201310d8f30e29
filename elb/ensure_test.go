package elb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/internal/awserr"
)

// creates returns the names of the create and modify calls in the log.
func creates(log awstest.CallLog) []string {
	var out []string
	for _, c := range log {
		if strings.HasPrefix(c.Operation, "Create") || strings.HasPrefix(c.Operation, "Modify") || strings.HasPrefix(c.Operation, "Set") {
			out = append(out, c.Operation)
		}
	}
	return out
}

func TestEnsureFromNothingThenIdempotent(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	cert := sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	spec := f.spec("portal")
	spec.Listeners = elb.ListenerSpec{CertificateDomain: "example.com", ApexRedirect: "example.com"}
	spec.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.LBCookie, Duration: time.Hour}
	spec.TargetGroup.SlowStart = time.Minute
	c := f.client()

	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"load balancer", "target group", "listener HTTP:80", "listener HTTPS:443", "apex redirect rule"}, st.Created)
	assert.Empty(t, st.Drift)
	assert.Equal(t, cert, st.CertificateARN, "certificate found by domain")
	assert.Equal(t, elb.DefaultSSLPolicy, st.SSLPolicy)
	assert.ElementsMatch(t, f.zones, st.Zones)
	assert.NotEmpty(t, st.DNSName)
	assert.NotEmpty(t, st.CanonicalHostedZoneID)
	assert.Equal(t, []string{"CreateLoadBalancer", "CreateTargetGroup", "ModifyTargetGroupAttributes", "CreateListener", "CreateListener", "CreateRule"}, creates(sim.Calls()))
	// The describes by name find out whether the resources exist: their NotFound is an answer,
	// never retried.
	for _, op := range []string{"DescribeLoadBalancers", "DescribeTargetGroups"} {
		byName := sim.Calls().Operation(awstest.ServiceELBv2, op)
		require.NotEmpty(t, byName, op)
		assert.Equal(t, strings.TrimSuffix(op, "s")[len("Describe"):]+"NotFound", byName[0].ErrorCode(), op)
		assert.Len(t, byName.Filter(func(c awstest.Call) bool { return c.ErrorCode() != "" }), 1, "%s: one NotFound, no retry", op)
	}

	// What AWS now holds: HTTP redirects to HTTPS with 301, HTTPS forwards with the modern policy.
	ls, err := f.elbv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(st.LoadBalancerARN)})
	require.NoError(t, err)
	require.Len(t, ls.Listeners, 2)
	for _, l := range ls.Listeners {
		switch aws.ToInt32(l.Port) {
		case 80:
			rc := l.DefaultActions[0].RedirectConfig
			require.NotNil(t, rc)
			assert.Equal(t, elbv2types.RedirectActionStatusCodeEnumHttp301, rc.StatusCode)
			assert.Equal(t, "HTTPS", aws.ToString(rc.Protocol))
			assert.Equal(t, "443", aws.ToString(rc.Port))
			assert.Equal(t, "#{host}", aws.ToString(rc.Host), "same host")
			assert.Equal(t, "/#{path}", aws.ToString(rc.Path), "same path")
			assert.Equal(t, "#{query}", aws.ToString(rc.Query), "same query")
		case 443:
			assert.Equal(t, elb.DefaultSSLPolicy, aws.ToString(l.SslPolicy))
			assert.Equal(t, cert, aws.ToString(l.Certificates[0].CertificateArn))
		}
	}
	rules, err := f.elbv2.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(st.HTTPSListenerARN)})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 2, "the apex rule and the default rule")
	assert.Equal(t, st.ApexRuleARN, aws.ToString(rules.Rules[0].RuleArn))
	assert.Equal(t, "10", aws.ToString(rules.Rules[0].Priority))
	rc := rules.Rules[0].Actions[0].RedirectConfig
	assert.Equal(t, elbv2types.RedirectActionStatusCodeEnumHttp301, rc.StatusCode)
	assert.Equal(t, "HTTPS", aws.ToString(rc.Protocol))
	assert.Equal(t, "www.example.com", aws.ToString(rc.Host))
	assert.Equal(t, "/#{path}", aws.ToString(rc.Path))
	assert.Equal(t, "#{query}", aws.ToString(rc.Query))
	assert.Equal(t, []string{"example.com"}, rules.Rules[0].Conditions[0].HostHeaderConfig.Values)
	attrs, err := f.elbv2.DescribeTargetGroupAttributes(ctx, &elasticloadbalancingv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(st.TargetGroupARN)})
	require.NoError(t, err)
	got := map[string]string{}
	for _, a := range attrs.Attributes {
		got[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	assert.Equal(t, "true", got["stickiness.enabled"])
	assert.Equal(t, "3600", got["stickiness.lb_cookie.duration_seconds"])
	assert.Equal(t, "30", got["deregistration_delay.timeout_seconds"])
	assert.Equal(t, "60", got["slow_start.duration_seconds"])

	// The re-run adopts everything: no create or modify call, nothing created, no drift.
	sim.ResetCalls()
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Empty(t, creates(sim.Calls()), "re-run calls: %v", sim.Calls().Names())
	assert.Empty(t, again.Created)
	assert.Empty(t, again.Drift)
	assert.Equal(t, st.LoadBalancerARN, again.LoadBalancerARN)
	assert.Equal(t, st.TargetGroupARN, again.TargetGroupARN)
	assert.Equal(t, st.HTTPSListenerARN, again.HTTPSListenerARN)
	assert.Equal(t, st.ApexRuleARN, again.ApexRuleARN)
	assert.Equal(t, elb.DefaultSSLPolicy, again.SSLPolicy)
}

func TestEnsureReportsDrift(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	spec := f.spec("drift")
	_, err := f.client().Ensure(ctx, spec)
	require.NoError(t, err)

	changed := spec
	changed.TargetGroup.HealthCheck.Path = "/ready"
	sim.ResetCalls()
	st, err := f.client().Ensure(ctx, changed)
	require.NoError(t, err)
	assert.Empty(t, creates(sim.Calls()), "drift is reported, not fixed")
	require.Len(t, st.Drift, 1)
	assert.Equal(t, elb.Drift{Resource: "target group " + spec.TargetGroup.Name, Field: "HealthCheck.Path", Want: "/ready", Have: "/health"}, st.Drift[0])

	_, err = f.client(func(o *elb.Options) { o.FailOnDrift = true }).Ensure(ctx, changed)
	assert.ErrorIs(t, err, elb.ErrDrift)

	// An adopted group of ip targets would refuse the instances Register sends: drift says so.
	ipSpec := f.spec("ip")
	_, err = f.elbv2.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String(ipSpec.TargetGroup.Name), TargetType: elbv2types.TargetTypeEnumIp, Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
	})
	require.NoError(t, err)
	st, err = f.client().Ensure(ctx, ipSpec)
	require.NoError(t, err)
	assert.Contains(t, st.Drift, elb.Drift{Resource: "target group " + ipSpec.TargetGroup.Name, Field: "TargetType", Want: "instance", Have: "ip"})
}

func TestEnsureRefusesOneZone(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	spec := f.spec("onezone")
	spec.LoadBalancer.Subnets = f.subnets[:1]
	sim.ResetCalls()
	_, err := f.client().Ensure(context.Background(), spec)
	require.ErrorIs(t, err, elb.ErrSingleAZ)
	assert.Empty(t, sim.Calls(), "refused before any call")

	// An adopted load balancer in one zone (an NLB may have one) is refused as well.
	_, err = f.elbv2.CreateLoadBalancer(context.Background(), &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("onezone-nlb"), Type: "network", Subnets: f.subnets[:1]})
	require.NoError(t, err)
	spec.LoadBalancer.Name, spec.LoadBalancer.Type, spec.LoadBalancer.Subnets = "onezone-nlb", elb.Network, f.subnets
	spec.TargetGroup.HealthCheck = elb.HealthCheck{Protocol: "TCP"}
	sim.ResetCalls()
	_, err = f.client().Ensure(context.Background(), spec)
	require.ErrorIs(t, err, elb.ErrSingleAZ)
	assert.Contains(t, err.Error(), "spans 1 Availability Zone")
	assert.Equal(t, 1, strings.Count(err.Error(), "elb:"), "one package prefix: %v", err)
	assert.Empty(t, creates(sim.Calls()), "nothing created next to it")

	// AWS refuses an ALB in one zone too, with the message the package recognises.
	_, err = f.elbv2.CreateLoadBalancer(context.Background(), &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("onezone"), Subnets: f.subnets[:1]})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "At least two subnets in two different Availability Zones must be specified")
}

// TestEnsureRefusesSubnetsSharingAZone: two subnets in one zone pass the count of distinct
// subnets, so Ensure looks them up in EC2 and refuses them naming the zone, before any ELB call.
func TestEnsureRefusesSubnetsSharingAZone(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	ctx := context.Background()
	out, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(f.vpcID), CidrBlock: aws.String("172.31.48.0/24"), AvailabilityZone: aws.String(f.zones[0])})
	require.NoError(t, err)
	second := aws.ToString(out.Subnet.SubnetId)

	spec := f.spec("samezone")
	spec.LoadBalancer.Subnets = []string{f.subnets[0], second}
	sim.ResetCalls()
	_, err = f.client().Ensure(ctx, spec)
	require.ErrorIs(t, err, elb.ErrSingleAZ)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "LoadBalancer.Subnets "+f.subnets[0]+", "+second+" are all in Availability Zone "+f.zones[0])
	assert.Contains(t, err.Error(), "span 1 Availability Zone(s) ["+f.zones[0]+"]")
	assert.Equal(t, []string{"EC2.DescribeSubnets"}, sim.Calls().Names(), "refused before any ELB call")

	// Two zones, but two subnets in one of them: CreateLoadBalancer would refuse it.
	spec.LoadBalancer.Subnets = []string{f.subnets[0], second, f.subnets[1]}
	spec.TargetGroup.VPCID = "vpc-0000000000000beef"
	sim.ResetCalls()
	_, err = f.client().Ensure(ctx, spec)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.NotErrorIs(t, err, elb.ErrSingleAZ, "two zones are spanned")
	assert.Contains(t, err.Error(), "are all in Availability Zone "+f.zones[0])
	assert.Contains(t, err.Error(), "subnet "+f.subnets[1]+" is in VPC "+f.vpcID+", not in TargetGroup.VPCID vpc-0000000000000beef")
	assert.Zero(t, sim.Calls().Count(awstest.ServiceELBv2, ""), "no ELB call")

	// Without an EC2 client, AWS's own refusal is the fallback, still matching ErrSingleAZ.
	spec.LoadBalancer.Subnets = []string{f.subnets[0], second}
	spec.TargetGroup.VPCID = f.vpcID
	_, err = f.client(func(o *elb.Options) { o.Instances = nil }).Ensure(ctx, spec)
	require.ErrorIs(t, err, elb.ErrSingleAZ)
	assert.Contains(t, err.Error(), "same Availability Zone")
}

func TestEnsureValidatesSpecUpFront(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	seconds := func(n int) *time.Duration { d := time.Duration(n) * time.Second; return &d }
	cases := []struct {
		name  string
		edit  func(*elb.Spec)
		wants []string
	}{
		{"interval not above timeout", func(s *elb.Spec) {
			s.TargetGroup.HealthCheck.Interval, s.TargetGroup.HealthCheck.Timeout = 10*time.Second, 10*time.Second
		},
			[]string{"HealthCheck.Interval 10s must be greater than HealthCheck.Timeout 10s"}},
		{"ranges", func(s *elb.Spec) {
			s.TargetGroup.HealthCheck.Interval = 400 * time.Second
			s.TargetGroup.HealthCheck.HealthyThreshold = 11
			s.TargetGroup.HealthCheck.Matcher = "600"
			s.TargetGroup.DeregistrationDelay = seconds(4000)
			s.TargetGroup.SlowStart = 10 * time.Second
		}, []string{"HealthCheck.Interval 6m40s", "HealthCheck.HealthyThreshold 11", "HealthCheck.Matcher \"600\"", "DeregistrationDelay 1h6m40s", "SlowStart 10s"}},
		{"reserved cookie prefix", func(s *elb.Spec) {
			s.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.AppCookie, CookieName: "AWSALBAPP-session"}
		}, []string{"uses the prefix AWSALB"}},
		{"app cookie without name", func(s *elb.Spec) { s.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.AppCookie} }, []string{"CookieName is required"}},
		{"stickiness too long", func(s *elb.Spec) {
			s.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.LBCookie, Duration: 8 * 24 * time.Hour}
		}, []string{"Stickiness.Duration 192h0m0s"}},
		{"names", func(s *elb.Spec) { s.LoadBalancer.Name, s.TargetGroup.Name = "-bad", strings.Repeat("x", 33) },
			[]string{"LoadBalancer.Name \"-bad\"", "TargetGroup.Name"}},
		{"domain without ACM", func(s *elb.Spec) { s.Listeners.CertificateDomain = "example.com" }, []string{"needs Options.Certificates"}},
		{"apex redirect without HTTPS", func(s *elb.Spec) { s.Listeners.ApexRedirect = "example.com" }, []string{"ApexRedirect needs"}},
	}
	c, err := elb.New(f.elbv2, func(o *elb.Options) { o.Clock = f.env.Clock })
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := f.spec("valid")
			tc.edit(&spec)
			sim.ResetCalls()
			_, err := c.Ensure(context.Background(), spec)
			require.ErrorIs(t, err, elb.ErrInvalidSpec)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, sim.Calls(), "no call before validation passes")
		})
	}
}

func TestEnsureAbsorbsThrottlingAndReadAfterCreate(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (DelayVisibility, FailNext, ThrottleFraction); asserts the call log; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	sim.AddCertificate(awstest.Certificate{DomainName: "*.example.com", SubjectAlternativeNames: []string{"example.com"}})
	spec := f.spec("flaky")
	spec.Listeners = elb.ListenerSpec{CertificateDomain: "example.com", ApexRedirect: "example.com"}
	ids := f.launch(t, 4)

	sim.ResetCalls()
	sim.ThrottleFraction(awstest.ServiceELBv2, "", 0.5)
	sim.ThrottleFraction(awstest.ServiceACM, "", 0.5)
	// A new target group is invisible for 20 s, and the first attribute change misses it anyway.
	sim.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	sim.FailNext(awstest.ServiceELBv2, "ModifyTargetGroupAttributes", 1, "TargetGroupNotFound")

	c := f.client()
	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...))
	require.NoError(t, err)
	assert.Len(t, rep.Targets, 4)
	roll, err := elb.Roll(ctx, c.TargetGroup(st.TargetGroupARN), ids)
	require.NoError(t, err, "a rolling deploy under the same throttling")
	assert.Equal(t, 2, roll.Batches)

	calls := sim.Calls()
	throttled := calls.Filter(func(c awstest.Call) bool {
		return c.ErrorCode() == "Throttling" || c.ErrorCode() == "ThrottlingException"
	})
	notFound := calls.Filter(func(c awstest.Call) bool { return c.ErrorCode() == "TargetGroupNotFound" })
	t.Logf("%d calls, %d throttled, %d TargetGroupNotFound", len(calls), len(throttled), len(notFound))
	assert.Greater(t, len(throttled), len(calls)/4, "about half the %d calls were throttled", len(calls))
	assert.NotEmpty(t, notFound, "the read-after-create miss happened and was absorbed")
	for _, op := range []string{"CreateLoadBalancer", "CreateTargetGroup"} {
		n := calls.Operation(awstest.ServiceELBv2, op).Filter(func(c awstest.Call) bool { return c.Err == nil })
		assert.Len(t, n, 1, "%s succeeded exactly once", op)
	}
}

func TestEnsureSSLPolicyFallbackAndExplicit(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (FailNext); adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	cert := sim.AddCertificate(awstest.Certificate{DomainName: "shop.example.org"})

	// A region without the post-quantum policy gets the TLS 1.3/1.2 fallback, never the API default.
	sim.FailNext(awstest.ServiceELBv2, "DescribeSSLPolicies", 1, "SSLPolicyNotFound")
	spec := f.spec("fallback")
	spec.Listeners.CertificateARN = cert
	st, err := f.client().Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, elb.FallbackSSLPolicy, st.SSLPolicy)
	again, err := f.client().Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Empty(t, again.Drift, "the fallback is not drift")

	spec = f.spec("explicit")
	spec.Listeners = elb.ListenerSpec{CertificateARN: cert, SSLPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06"}
	st, err = f.client().Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-3-2021-06", st.SSLPolicy)
}

func TestEnsureNetworkLoadBalancer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec := f.spec("nlb")
	spec.LoadBalancer.Type = elb.Network
	spec.TargetGroup.HealthCheck = elb.HealthCheck{Protocol: "TCP", Interval: 10 * time.Second, Timeout: 5 * time.Second}
	spec.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.SourceIP}
	st, err := f.client().Ensure(ctx, spec)
	require.NoError(t, err)
	ls, err := f.elbv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(st.LoadBalancerARN)})
	require.NoError(t, err)
	require.Len(t, ls.Listeners, 1)
	assert.Equal(t, elbv2types.ProtocolEnumTcp, ls.Listeners[0].Protocol)
	assert.Equal(t, int32(80), aws.ToInt32(ls.Listeners[0].Port))

	bad := f.spec("nlb2")
	bad.LoadBalancer.Type = elb.Network
	bad.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.LBCookie}
	_, err = f.client().Ensure(ctx, bad)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "must be source_ip on a Network Load Balancer")
	assert.Contains(t, err.Error(), "HealthCheck.Path and Matcher apply to HTTP and HTTPS health checks only")

	// source_ip stickiness has no duration: one given is refused, not dropped.
	timed := f.spec("nlb3")
	timed.LoadBalancer.Type = elb.Network
	timed.TargetGroup.HealthCheck = elb.HealthCheck{Protocol: "TCP"}
	timed.TargetGroup.Stickiness = &elb.Stickiness{Type: elb.SourceIP, Duration: time.Hour}
	_, err = f.client().Ensure(ctx, timed)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Stickiness.Duration 1h0m0s cannot be set for source_ip stickiness")
}

// TestEnsureMatcherRangeByType: an NLB's HTTP health check may pass codes up to 599, an ALB's up
// to 499, as the API allows.
func TestEnsureMatcherRangeByType(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec := f.spec("nlbhttp")
	spec.LoadBalancer.Type = elb.Network
	spec.TargetGroup.HealthCheck = elb.HealthCheck{Protocol: "HTTP", Path: "/health", Matcher: "200-599", Interval: 10 * time.Second, Timeout: 5 * time.Second}
	st, err := f.client().Ensure(ctx, spec)
	require.NoError(t, err)
	tgs, err := f.elbv2.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: []string{st.TargetGroupARN}})
	require.NoError(t, err)
	assert.Equal(t, "200-599", aws.ToString(tgs.TargetGroups[0].Matcher.HttpCode))

	alb := f.spec("albhttp")
	alb.TargetGroup.HealthCheck.Matcher = "200-599"
	_, err = f.client().Ensure(ctx, alb)
	require.ErrorIs(t, err, elb.ErrInvalidSpec)
	assert.Contains(t, err.Error(), `HealthCheck.Matcher "200-599" must be codes 200-499`)
}

func TestFindCertificate(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts times on the virtual clock; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	now := sim.Clock().Now()
	sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}, NotAfter: now.Add(24 * time.Hour)})
	later := sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"*.example.com"}, KeyAlgorithm: "EC_prime256v1", NotAfter: now.Add(90 * 24 * time.Hour)})
	sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}, Status: "PENDING_VALIDATION"})
	c := f.client()

	arn, err := c.FindCertificate(ctx, []string{"example.com", "www.example.com"})
	require.NoError(t, err)
	assert.Equal(t, later, arn, "the ECDSA certificate that expires last; ListCertificates hides it without Includes")

	_, err = c.FindCertificate(ctx, []string{"a.b.example.com"})
	assert.ErrorIs(t, err, elb.ErrCertificateNotFound, "a wildcard covers one label")
	_, err = f.client(func(o *elb.Options) { o.Certificates = nil }).FindCertificate(ctx, []string{"example.com"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, elb.ErrCertificateNotFound), "a missing client is not a missing certificate")
}

// TestEnsureAbsorbsNotYetVisibleLoadBalancer covers a read by ARN right after a create: the new
// load balancer is invisible for 20 s, and Ensure (not waiting for it to be active) lists its
// listeners at once, which AWS answers with LoadBalancerNotFound for a while.
func TestEnsureAbsorbsNotYetVisibleLoadBalancer(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (DelayVisibility); asserts the call log")
	ctx := context.Background()
	spec := f.spec("late")
	// The target group exists already, so nothing else lets the 20 s pass before the listeners.
	_, err := f.elbv2.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String(spec.TargetGroup.Name), Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		HealthCheckPath: aws.String("/health"), HealthCheckIntervalSeconds: aws.Int32(10), HealthCheckTimeoutSeconds: aws.Int32(5),
		HealthyThresholdCount: aws.Int32(3), UnhealthyThresholdCount: aws.Int32(2),
	})
	require.NoError(t, err)
	sim.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	sim.ResetCalls()

	st, err := f.client(func(o *elb.Options) { o.NoWait = true }).Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"load balancer", "listener HTTP:80"}, st.Created)
	missed := sim.Calls().Operation(awstest.ServiceELBv2, "DescribeListeners").Filter(func(c awstest.Call) bool { return c.ErrorCode() == "LoadBalancerNotFound" })
	assert.NotEmpty(t, missed, "the read-after-create miss happened and was retried")
}

// TestWaitsAbsorbNotYetVisibleTargetGroup covers the waits' first call, which reads the target
// group by ARN for its default budget: right after CreateTargetGroup it may not be visible yet.
func TestWaitsAbsorbNotYetVisibleTargetGroup(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "injects faults (DelayVisibility); asserts the call log")
	ctx := context.Background()
	ids := f.launch(t, 1)
	sim.DelayVisibility(awstest.ServiceELBv2, 20*time.Second)
	out, err := f.elbv2.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("fresh"), Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
	})
	require.NoError(t, err)
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	c := f.client()

	// Not registered: drained at once, after the budget lookup got past the miss.
	_, err = c.WaitDrained(ctx, arn, elb.Instances(ids...))
	require.NoError(t, err)
	require.NoError(t, c.Register(ctx, arn, elb.Instances(ids...)))
	// No listener uses the group, so the wait fails fast: with the load balancer's reason, not
	// with TargetGroupNotFound from the budget lookup.
	_, err = c.WaitHealthy(ctx, arn, elb.Instances(ids...))
	require.ErrorIs(t, err, elb.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Target.NotInUse")
	assert.NotEmpty(t, sim.Calls().Filter(func(c awstest.Call) bool { return c.ErrorCode() == "TargetGroupNotFound" }))
}

// TestEnsureApexRulePriorityTaken: another rule at the apex rule's priority is not adopted; the
// error says which setting to change, and the chosen priority works.
func TestEnsureApexRulePriorityTaken(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	spec := f.spec("prio")
	spec.Listeners.CertificateARN = sim.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	c := f.client()
	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	_, err = f.elbv2.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{
		ListenerArn: aws.String(st.HTTPSListenerARN), Priority: aws.Int32(elb.DefaultApexRulePriority),
		Actions:    []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroupARN)}},
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("host-header"), HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: []string{"shop.example.com"}}}},
	})
	require.NoError(t, err)

	spec.Listeners.ApexRedirect = "example.com"
	_, err = c.Ensure(ctx, spec)
	require.Error(t, err)
	assert.True(t, awserr.IsCode(err, "PriorityInUse"), "the AWS error stays reachable: %v", err)
	assert.Contains(t, err.Error(), "set Listeners.ApexRulePriority")
	assert.Contains(t, err.Error(), st.HTTPSListenerARN)

	spec.Listeners.ApexRulePriority = 20
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, []string{"apex redirect rule"}, again.Created)
}
