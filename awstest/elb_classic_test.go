package awstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestClassicInstanceHealth(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	client := elasticloadbalancing.NewFromConfig(f.cloud.Config())
	var subnets []string
	for _, s := range f.subnets {
		subnets = append(subnets, s)
	}
	_, err := client.CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("legacy"), Subnets: subnets,
		Listeners: []elbtypes.Listener{{LoadBalancerPort: 80, InstancePort: aws.Int32(80), Protocol: aws.String("HTTP")}},
	})
	require.NoError(t, err)
	_, err = client.ConfigureHealthCheck(ctx, &elasticloadbalancing.ConfigureHealthCheckInput{LoadBalancerName: aws.String("legacy"), HealthCheck: &elbtypes.HealthCheck{
		Target: aws.String("HTTP:80/"), Interval: aws.Int32(10), Timeout: aws.Int32(10), HealthyThreshold: aws.Int32(2), UnhealthyThreshold: aws.Int32(2),
	}})
	assert.ErrorContains(t, err, "Timeout must be less than Interval")
	_, err = client.ConfigureHealthCheck(ctx, &elasticloadbalancing.ConfigureHealthCheckInput{LoadBalancerName: aws.String("legacy"), HealthCheck: &elbtypes.HealthCheck{
		Target: aws.String("HTTP:80/"), Interval: aws.Int32(10), Timeout: aws.Int32(5), HealthyThreshold: aws.Int32(2), UnhealthyThreshold: aws.Int32(2),
	}})
	require.NoError(t, err)
	_, err = client.ModifyLoadBalancerAttributes(ctx, &elasticloadbalancing.ModifyLoadBalancerAttributesInput{LoadBalancerName: aws.String("legacy"), LoadBalancerAttributes: &elbtypes.LoadBalancerAttributes{
		ConnectionDraining: &elbtypes.ConnectionDraining{Enabled: true, Timeout: aws.Int32(60)},
	}})
	require.NoError(t, err)

	id := f.run(t, f.cloud.Zones()[0], true)
	_, err = client.RegisterInstancesWithLoadBalancer(ctx, &elasticloadbalancing.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String("legacy"), Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
	require.NoError(t, err)
	state := func() elbtypes.InstanceState {
		out, err := client.DescribeInstanceHealth(ctx, &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String("legacy")})
		require.NoError(t, err)
		if len(out.InstanceStates) == 0 {
			return elbtypes.InstanceState{}
		}
		return out.InstanceStates[0]
	}
	assert.Equal(t, "OutOfService", aws.ToString(state().State))
	f.cloud.Clock().Advance(10 * time.Second)
	assert.Equal(t, "OutOfService", aws.ToString(state().State), "Classic needs HealthyThreshold passes")
	f.cloud.Clock().Advance(10 * time.Second)
	assert.Equal(t, "InService", aws.ToString(state().State))

	_, err = client.DeregisterInstancesFromLoadBalancer(ctx, &elasticloadbalancing.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: aws.String("legacy"), Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
	require.NoError(t, err)
	s := state()
	assert.Equal(t, "InService", aws.ToString(s.State), "draining instances are reported InService")
	assert.Equal(t, awstest.ClassicDrainingDescription, aws.ToString(s.Description))
	f.cloud.Clock().Advance(60 * time.Second)
	assert.Empty(t, aws.ToString(state().State), "gone after the draining timeout")

	_, err = client.DescribeInstanceHealth(ctx, &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String("legacy"), Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
	var inv *elbtypes.InvalidEndPointException
	assert.True(t, errors.As(err, &inv), "typed InvalidInstance: %v", err)
	assert.Equal(t, "InvalidInstance", apiCode(err))
	_, err = client.DescribeInstanceHealth(ctx, &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String("nope")})
	var nf *elbtypes.AccessPointNotFoundException
	assert.True(t, errors.As(err, &nf), "typed LoadBalancerNotFound: %v", err)
	assert.Equal(t, "LoadBalancerNotFound", apiCode(err))

	_, err = client.CreateLBCookieStickinessPolicy(ctx, &elasticloadbalancing.CreateLBCookieStickinessPolicyInput{LoadBalancerName: aws.String("legacy"), PolicyName: aws.String("sticky"), CookieExpirationPeriod: aws.Int64(60)})
	require.NoError(t, err)
	_, err = client.SetLoadBalancerPoliciesOfListener(ctx, &elasticloadbalancing.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: aws.String("legacy"), LoadBalancerPort: 443, PolicyNames: []string{"sticky"}})
	var lnf *elbtypes.ListenerNotFoundException
	assert.True(t, errors.As(err, &lnf), "no listener on 443: %v", err)
	_, err = client.SetLoadBalancerPoliciesOfListener(ctx, &elasticloadbalancing.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: aws.String("legacy"), LoadBalancerPort: 80, PolicyNames: []string{"other"}})
	var pnf *elbtypes.PolicyNotFoundException
	assert.True(t, errors.As(err, &pnf), "unknown policy: %v", err)
}

func TestClassicCreateIdempotencyAndDelete(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	client := elasticloadbalancing.NewFromConfig(cloud.Config())
	cert := cloud.AddCertificate(awstest.Certificate{DomainName: "legacy.example.com"})
	in := func(port int32) *elasticloadbalancing.CreateLoadBalancerInput {
		return &elasticloadbalancing.CreateLoadBalancerInput{LoadBalancerName: aws.String("legacy"), AvailabilityZones: cloud.Zones()[:2],
			Listeners: []elbtypes.Listener{{LoadBalancerPort: port, InstancePort: aws.Int32(80), Protocol: aws.String("HTTPS"), SSLCertificateId: aws.String(cert)}}}
	}
	first, err := client.CreateLoadBalancer(ctx, in(443))
	require.NoError(t, err)
	again, err := client.CreateLoadBalancer(ctx, in(443))
	require.NoError(t, err, "the same settings return the existing load balancer")
	assert.Equal(t, aws.ToString(first.DNSName), aws.ToString(again.DNSName))
	noCert := in(443)
	noCert.LoadBalancerName, noCert.Listeners[0].SSLCertificateId = aws.String("nocert"), nil
	_, err = client.CreateLoadBalancer(ctx, noCert)
	assert.Equal(t, "ValidationError", apiCode(err))
	assert.ErrorContains(t, err, "Secure Listeners need to specify a SSLCertificateId")
	_, err = client.CreateLoadBalancer(ctx, in(8443))
	var dup *elbtypes.DuplicateAccessPointNameException
	assert.True(t, errors.As(err, &dup), "other listeners under the same name: %v", err)

	d, err := acm.NewFromConfig(cloud.Config()).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(cert)})
	require.NoError(t, err)
	assert.Equal(t, []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/legacy"}, d.Certificate.InUseBy)
	list, err := acm.NewFromConfig(cloud.Config()).ListCertificates(ctx, &acm.ListCertificatesInput{})
	require.NoError(t, err)
	require.Len(t, list.CertificateSummaryList, 1)
	assert.True(t, aws.ToBool(list.CertificateSummaryList[0].InUse))

	_, err = client.DeleteLoadBalancer(ctx, &elasticloadbalancing.DeleteLoadBalancerInput{LoadBalancerName: aws.String("legacy")})
	require.NoError(t, err)
	_, err = client.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{"legacy"}})
	assert.Equal(t, "LoadBalancerNotFound", apiCode(err))
	_, err = client.DeleteLoadBalancer(ctx, &elasticloadbalancing.DeleteLoadBalancerInput{LoadBalancerName: aws.String("legacy")})
	assert.NoError(t, err, "deleting a load balancer that does not exist succeeds")
}
