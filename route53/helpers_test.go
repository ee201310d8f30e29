package route53_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
)

// fixture is a simulated cloud with a public hosted zone example.com and SDK clients.
type fixture struct {
	cloud   *awstest.Cloud
	r53     *awsroute53.Client
	elbv2   *elasticloadbalancingv2.Client
	classic *elasticloadbalancing.Client
	subnets []string
	zoneID  string
}

func newFixture(t *testing.T, optFns ...func(*awstest.Options)) *fixture {
	t.Helper()
	cloud := awstest.NewForTest(t, optFns...)
	cfg := cloud.Config()
	f := &fixture{cloud: cloud, r53: awsroute53.NewFromConfig(cfg), elbv2: elasticloadbalancingv2.NewFromConfig(cfg), classic: elasticloadbalancing.NewFromConfig(cfg)}
	out, err := ec2.NewFromConfig(cfg).DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	for _, s := range out.Subnets {
		f.subnets = append(f.subnets, aws.ToString(s.SubnetId))
	}
	f.zoneID = f.zone(t, "example.com", false)
	return f
}

// zone creates a hosted zone and returns its ID without the prefix.
func (f *fixture) zone(t *testing.T, name string, private bool) string {
	t.Helper()
	in := &awsroute53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(fmt.Sprintf("%s-%v-%d", name, private, len(f.cloud.Calls())))}
	if private {
		in.VPC = &r53types.VPC{VPCId: aws.String("vpc-1"), VPCRegion: r53types.VPCRegion(f.cloud.Region())}
	}
	out, err := f.r53.CreateHostedZone(context.Background(), in)
	require.NoError(t, err)
	return aws.ToString(out.HostedZone.Id)[len("/hostedzone/"):]
}

// lb creates an ALB (or NLB) and returns its name.
func (f *fixture) lb(t *testing.T, name string, typ elbv2types.LoadBalancerTypeEnum, ip elbv2types.IpAddressType) string {
	t.Helper()
	_, err := f.elbv2.CreateLoadBalancer(context.Background(), &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: f.subnets[:2], Type: typ, IpAddressType: ip,
	})
	require.NoError(t, err)
	return name
}

func (f *fixture) classicLB(t *testing.T, name string) string {
	t.Helper()
	_, err := f.classic.CreateLoadBalancer(context.Background(), &elasticloadbalancing.CreateLoadBalancerInput{
		LoadBalancerName: aws.String(name), Subnets: f.subnets[:2],
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(80)}},
	})
	require.NoError(t, err)
	return name
}

// client returns a route53.Client on the cloud's clock.
func (f *fixture) client(t *testing.T, optFns ...func(*route53.Options)) *route53.Client {
	t.Helper()
	c, err := route53.New(f.r53, append([]func(*route53.Options){func(o *route53.Options) { o.Clock = f.cloud.Clock() }}, optFns...)...)
	require.NoError(t, err)
	return c
}

// target resolves an ELBv2 load balancer as an alias target.
func (f *fixture) target(t *testing.T, c *route53.Client, name string) route53.Target {
	t.Helper()
	tg, err := c.LoadBalancerTarget(context.Background(), f.elbv2, name)
	require.NoError(t, err)
	return tg
}

// records returns the zone's record sets by "name type[ setid]".
func (f *fixture) records(t *testing.T, zoneID string) map[string]r53types.ResourceRecordSet {
	t.Helper()
	out, err := f.r53.ListResourceRecordSets(context.Background(), &awsroute53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
	require.NoError(t, err)
	m := map[string]r53types.ResourceRecordSet{}
	for _, rr := range out.ResourceRecordSets {
		k := aws.ToString(rr.Name) + " " + string(rr.Type)
		if rr.SetIdentifier != nil {
			k += " " + *rr.SetIdentifier
		}
		m[k] = rr
	}
	return m
}

// changes returns the ChangeResourceRecordSets calls in the log.
func (f *fixture) changes() awstest.CallLog {
	return f.cloud.Calls().Operation(awstest.ServiceRoute53, "ChangeResourceRecordSets")
}

// sent returns the changes of one ChangeResourceRecordSets call as "ACTION name type".
func sent(call awstest.Call) []string {
	var out []string
	for _, ch := range call.Input.(*awsroute53.ChangeResourceRecordSetsInput).ChangeBatch.Changes {
		out = append(out, fmt.Sprintf("%s %s %s", ch.Action, aws.ToString(ch.ResourceRecordSet.Name), ch.ResourceRecordSet.Type))
	}
	return out
}
