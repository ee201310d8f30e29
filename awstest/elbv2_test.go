package awstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// lbFixture is a cloud with an ALB over the first zones, a target group and an HTTP listener.
type lbFixture struct {
	cloud   *awstest.Cloud
	ec2     *ec2.Client
	elb     *elasticloadbalancingv2.Client
	vpcID   string
	subnets map[string]string // zone -> default subnet
	lbARN   string
	tgARN   string
}

func newLBFixture(t *testing.T, zones ...string) *lbFixture {
	t.Helper()
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	f := &lbFixture{cloud: cloud, ec2: ec2.NewFromConfig(cloud.Config()), elb: elasticloadbalancingv2.NewFromConfig(cloud.Config()), subnets: map[string]string{}}
	out, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	for _, s := range out.Subnets {
		f.subnets[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
		f.vpcID = aws.ToString(s.VpcId)
	}
	if len(zones) == 0 {
		zones = cloud.Zones()
	}
	var ids []string
	for _, z := range zones {
		ids = append(ids, f.subnets[z])
	}
	lb, err := f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: ids})
	require.NoError(t, err)
	f.lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	tg, err := f.elb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("web"), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(3), UnhealthyThresholdCount: aws.Int32(2),
	})
	require.NoError(t, err)
	f.tgARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	_, err = f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
	})
	require.NoError(t, err)
	return f
}

// run launches one instance in zone; running says whether to wait past pending.
func (f *lbFixture) run(t *testing.T, zone string, running bool) string {
	t.Helper()
	img, err := f.ec2.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	require.NoError(t, err)
	out, err := f.ec2.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: img.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro,
		Placement: &ec2types.Placement{AvailabilityZone: aws.String(zone)},
	})
	require.NoError(t, err)
	if running {
		f.cloud.Clock().Advance(awstest.DefaultInstancePending)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

func (f *lbFixture) health(t *testing.T, ids ...string) map[string]elbv2types.TargetHealth {
	t.Helper()
	in := &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}
	for _, id := range ids {
		in.Targets = append(in.Targets, elbv2types.TargetDescription{Id: aws.String(id)})
	}
	out, err := f.elb.DescribeTargetHealth(context.Background(), in)
	require.NoError(t, err)
	got := map[string]elbv2types.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		got[aws.ToString(d.Target.Id)] = *d.TargetHealth
	}
	return got
}

func TestELBv2LoadBalancerCreate(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	zones := f.cloud.Zones()

	_, err := f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("one"), Subnets: []string{f.subnets[zones[0]]}})
	assert.Equal(t, "ValidationError", apiCode(err))
	assert.Contains(t, err.Error(), "At least two subnets in two different Availability Zones must be specified")

	_, err = f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("x"), Subnets: []string{"subnet-nope", f.subnets[zones[0]]}})
	var snf *elbv2types.SubnetNotFoundException
	assert.True(t, errors.As(err, &snf), "typed SubnetNotFound: %v", err)

	// Same name and settings: the existing load balancer; different settings: DuplicateLoadBalancerName.
	again, err := f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{f.subnets[zones[0]], f.subnets[zones[1]], f.subnets[zones[2]]}})
	require.NoError(t, err)
	assert.Equal(t, f.lbARN, aws.ToString(again.LoadBalancers[0].LoadBalancerArn))
	_, err = f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{f.subnets[zones[0]], f.subnets[zones[1]]}})
	var dup *elbv2types.DuplicateLoadBalancerNameException
	assert.True(t, errors.As(err, &dup), "typed DuplicateLoadBalancerName: %v", err)

	// provisioning, then active.
	state := func() elbv2types.LoadBalancerStateEnum {
		out, err := f.elb.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{f.lbARN}})
		require.NoError(t, err)
		return out.LoadBalancers[0].State.Code
	}
	assert.Equal(t, elbv2types.LoadBalancerStateEnumProvisioning, state())
	f.cloud.Clock().Advance(awstest.LoadBalancerProvisioning)
	assert.Equal(t, elbv2types.LoadBalancerStateEnumActive, state())

	_, err = f.elb.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{Names: []string{"missing"}})
	var nf *elbv2types.LoadBalancerNotFoundException
	assert.True(t, errors.As(err, &nf), "typed LoadBalancerNotFound: %v", err)
}

func TestELBv2TargetGroupValidation(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	base := func() *elasticloadbalancingv2.CreateTargetGroupInput {
		return &elasticloadbalancingv2.CreateTargetGroupInput{Name: aws.String("tg"), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID)}
	}
	cases := []struct {
		name string
		edit func(*elasticloadbalancingv2.CreateTargetGroupInput)
		msg  string
	}{
		{"interval not above timeout", func(in *elasticloadbalancingv2.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = aws.Int32(10), aws.Int32(10)
		}, "Health check interval must be greater than the timeout."},
		{"interval range", func(in *elasticloadbalancingv2.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds = aws.Int32(301)
		}, "between 5 and 300"},
		{"threshold range", func(in *elasticloadbalancingv2.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(11) }, "Healthy threshold"},
		{"matcher", func(in *elasticloadbalancingv2.CreateTargetGroupInput) {
			in.Matcher = &elbv2types.Matcher{HttpCode: aws.String("500")}
		}, "matcher"},
		{"vpc", func(in *elasticloadbalancingv2.CreateTargetGroupInput) { in.VpcId = aws.String("vpc-nope") }, "not found"},
	}
	for _, tc := range cases {
		in := base()
		tc.edit(in)
		_, err := f.elb.CreateTargetGroup(ctx, in)
		assert.Equal(t, "ValidationError", apiCode(err), tc.name)
		assert.ErrorContains(t, err, tc.msg, tc.name)
	}

	// An NLB's target group takes matcher codes up to 599, an ALB's up to 499 (API reference,
	// Matcher).
	nlbGroup := &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("tcp"), Protocol: elbv2types.ProtocolEnumTcp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		HealthCheckProtocol: elbv2types.ProtocolEnumHttp, Matcher: &elbv2types.Matcher{HttpCode: aws.String("200-599")},
	}
	_, err := f.elb.CreateTargetGroup(ctx, nlbGroup)
	require.NoError(t, err, "200-599 on a TCP group")
	nlbGroup.Name, nlbGroup.Matcher = aws.String("tcp2"), &elbv2types.Matcher{HttpCode: aws.String("600")}
	_, err = f.elb.CreateTargetGroup(ctx, nlbGroup)
	assert.ErrorContains(t, err, "from 200 to 599")
	albGroup := base()
	albGroup.Matcher = &elbv2types.Matcher{HttpCode: aws.String("200-599")}
	_, err = f.elb.CreateTargetGroup(ctx, albGroup)
	assert.ErrorContains(t, err, "from 200 to 499")

	attr := func(kv ...string) error {
		var attrs []elbv2types.TargetGroupAttribute
		for i := 0; i < len(kv); i += 2 {
			attrs = append(attrs, elbv2types.TargetGroupAttribute{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		_, err := f.elb.ModifyTargetGroupAttributes(ctx, &elasticloadbalancingv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(f.tgARN), Attributes: attrs})
		return err
	}
	assert.ErrorContains(t, attr("stickiness.enabled", "true", "stickiness.type", "app_cookie", "stickiness.app_cookie.cookie_name", "AWSALBTG-x"), "reserved prefix")
	assert.ErrorContains(t, attr("stickiness.enabled", "true", "stickiness.type", "app_cookie"), "cookie name must be specified")
	assert.ErrorContains(t, attr("deregistration_delay.timeout_seconds", "3601"), "0 to 3600")
	assert.ErrorContains(t, attr("slow_start.duration_seconds", "10"), "30 to 900")
	assert.ErrorContains(t, attr("stickiness.lb_cookie.duration_seconds", "604801"), "1 to 604800")
	assert.ErrorContains(t, attr("no.such.key", "1"), "not recognized")
	require.NoError(t, attr("stickiness.enabled", "true", "stickiness.type", "app_cookie", "stickiness.app_cookie.cookie_name", "PHPSESSID"))

	_, err = f.elb.DescribeTargetGroupAttributes(ctx, &elasticloadbalancingv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(f.tgARN + "x")})
	var nf *elbv2types.TargetGroupNotFoundException
	assert.True(t, errors.As(err, &nf), "typed TargetGroupNotFound: %v", err)
}

func TestELBv2TargetHealthStateMachine(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	zone := f.cloud.Zones()[0]
	id := f.run(t, zone, true)
	_, err := f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}}})
	require.NoError(t, err)
	registered := f.cloud.Clock().Now()

	h := f.health(t, id)[id]
	assert.Equal(t, elbv2types.TargetHealthStateEnumInitial, h.State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumRegistrationInProgress, h.Reason)

	f.cloud.Clock().Advance(10 * time.Second) // one passing check
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State)

	f.cloud.FailInstance(id)
	f.cloud.Clock().Advance(10 * time.Second)
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State, "one failure is below the unhealthy threshold")
	f.cloud.Clock().Advance(10 * time.Second)
	h = f.health(t, id)[id]
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnhealthy, h.State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumResponseCodeMismatch, h.Reason)

	f.cloud.RecoverInstance(id)
	f.cloud.Clock().Advance(20 * time.Second)
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnhealthy, f.health(t, id)[id].State, "two passes are below the healthy threshold of 3")
	f.cloud.Clock().Advance(10 * time.Second)
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State)

	_, err = f.elb.DeregisterTargets(ctx, &elasticloadbalancingv2.DeregisterTargetsInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}}})
	require.NoError(t, err)
	h = f.health(t, id)[id]
	assert.Equal(t, elbv2types.TargetHealthStateEnumDraining, h.State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumDeregistrationInProgress, h.Reason)
	f.cloud.Clock().Advance(299 * time.Second)
	assert.Equal(t, elbv2types.TargetHealthStateEnumDraining, f.health(t, id)[id].State, "default deregistration delay is 300 s")
	f.cloud.Clock().Advance(time.Second)
	h = f.health(t, id)[id]
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnused, h.State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumNotRegistered, h.Reason)
	assert.Empty(t, f.health(t), "no longer listed")

	var got []string
	for _, tr := range f.cloud.TargetTransitions(f.tgARN) {
		got = append(got, tr.From+">"+tr.To+"@"+tr.At.Sub(registered).String())
	}
	assert.Equal(t, []string{">initial@0s", "initial>healthy@10s", "healthy>unhealthy@30s", "unhealthy>healthy@1m0s", "healthy>draining@1m0s", "draining>unused@6m0s"}, got)
}

func TestELBv2RegisterTargetsErrors(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	pending := f.run(t, f.cloud.Zones()[0], false)
	register := func(arn, id string) error {
		_, err := f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(arn), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}}})
		return err
	}
	var it *elbv2types.InvalidTargetException
	err := register(f.tgARN, pending)
	require.True(t, errors.As(err, &it), "typed InvalidTarget: %v", err)
	assert.Contains(t, err.Error(), "not in a running state")
	require.True(t, errors.As(register(f.tgARN, "i-0123456789abcdef0"), &it))
	var nf *elbv2types.TargetGroupNotFoundException
	require.True(t, errors.As(register(f.tgARN+"0", pending), &nf))

	// DescribeTargetHealth of an instance that does not exist is InvalidTarget, as the SDK's
	// TargetDeregistered waiter expects.
	_, err = f.elb.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String("i-0123456789abcdef0")}}})
	require.True(t, errors.As(err, &it))
}

func TestELBv2TargetsNotInUse(t *testing.T) {
	zones := awstest.NewForTest(t).Zones()
	f := newLBFixture(t, zones[0], zones[1]) // the load balancer leaves out the third zone
	ctx := context.Background()
	inside, outside := f.run(t, zones[0], true), f.run(t, zones[2], true)
	_, err := f.elb.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(inside)}, {Id: aws.String(outside)}}})
	require.NoError(t, err)
	f.cloud.Clock().Advance(10 * time.Second)
	h := f.health(t, inside, outside)
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, h[inside].State)
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnused, h[outside].State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumNotInUse, h[outside].Reason)

	// A zone outage makes checks time out.
	f.cloud.FailZone(zones[0])
	f.cloud.Clock().Advance(20 * time.Second)
	h = f.health(t, inside)
	assert.Equal(t, elbv2types.TargetHealthStateEnumUnhealthy, h[inside].State)
	assert.Equal(t, elbv2types.TargetHealthReasonEnumTimeout, h[inside].Reason)
}

func TestELBv2ListenersAndPolicies(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	cert := f.cloud.AddCertificate(awstest.Certificate{DomainName: "example.com"})
	forward := []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}}

	// Without SslPolicy the API picks its old default.
	out, err := f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates: []elbv2types.Certificate{{CertificateArn: aws.String(cert)}}, DefaultActions: forward,
	})
	require.NoError(t, err)
	assert.Equal(t, awstest.DefaultSSLPolicy, aws.ToString(out.Listeners[0].SslPolicy))

	// The port is taken by a listener with other settings (the same settings would return it).
	_, err = f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(80), DefaultActions: forward,
		Certificates: []elbv2types.Certificate{{CertificateArn: aws.String(cert)}},
	})
	var dup *elbv2types.DuplicateListenerException
	assert.True(t, errors.As(err, &dup), "typed DuplicateListener: %v", err)

	_, err = f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(8443),
		Certificates: []elbv2types.Certificate{{CertificateArn: aws.String(cert + "x")}}, DefaultActions: forward,
	})
	var cnf *elbv2types.CertificateNotFoundException
	assert.True(t, errors.As(err, &cnf), "typed CertificateNotFound: %v", err)

	_, err = f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(8080),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumRedirect, RedirectConfig: &elbv2types.RedirectActionConfig{StatusCode: elbv2types.RedirectActionStatusCodeEnumHttp301}}},
	})
	var loop *elbv2types.InvalidLoadBalancerActionException
	assert.True(t, errors.As(err, &loop), "a redirect that changes nothing loops: %v", err)

	pols, err := f.elb.DescribeSSLPolicies(ctx, &elasticloadbalancingv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"TLSv1.2", "TLSv1.3"}, pols.SslPolicies[0].SslProtocols)
	_, err = f.elb.DescribeSSLPolicies(ctx, &elasticloadbalancingv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-Nope"}})
	var snf *elbv2types.SSLPolicyNotFoundException
	assert.True(t, errors.As(err, &snf))
}

func TestELBv2Throttling(t *testing.T) {
	f := newLBFixture(t)
	f.cloud.ThrottleNext(awstest.ServiceELBv2, "DescribeTargetGroups", 2)
	f.cloud.ResetCalls()
	_, err := f.elb.DescribeTargetGroups(context.Background(), &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	require.NoError(t, err, "the SDK retryer absorbs two throttles")
	calls := f.cloud.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, "Throttling", calls[0].ErrorCode())
}
