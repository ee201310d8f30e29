package route53_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/route53"
)

// mainFlows runs the package's main flows on env, the simulated cloud or an endpoint: a hosted
// zone and a load balancer named with env.Name and tagged with env.Tags; the site's apex and www
// in one change, re-run without a change; a failover pair with a health check (tagged by the test
// as soon as it exists), re-run without creating anything. The scope's sweep deletes everything
// when the test ends, also after a failure: the load balancer, the zone's records, the zone, then
// the health check. Every wait is bounded.
func mainFlows(t testing.TB, env *testenv.CloudEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r53 := awsroute53.NewFromConfig(env.Config)
	elb := elasticloadbalancingv2.NewFromConfig(env.Config)
	var r53Tags []r53types.Tag
	var elbTags []elbv2types.Tag
	for k, v := range env.Tags() {
		r53Tags = append(r53Tags, r53types.Tag{Key: aws.String(k), Value: aws.String(v)})
		elbTags = append(elbTags, elbv2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	tag := func(typ r53types.TagResourceType, id string) {
		t.Helper()
		_, err := r53.ChangeTagsForResource(ctx, &awsroute53.ChangeTagsForResourceInput{ResourceId: aws.String(id), ResourceType: typ, AddTags: r53Tags})
		require.NoError(t, err)
	}

	subnets, err := ec2.NewFromConfig(env.Config).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	byZone := map[string]string{}
	for _, s := range subnets.Subnets {
		byZone[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
	}
	var ids []string
	for _, id := range byZone {
		ids = append(ids, id)
	}
	require.GreaterOrEqual(t, len(ids), 2, "an ALB needs subnets in two zones")
	lb, err := elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String(env.Name("lb")), Subnets: ids[:2], Tags: elbTags})
	require.NoError(t, err)
	lbARN := lb.LoadBalancers[0].LoadBalancerArn

	domain := env.Name("site") + ".portalkit-test.com"
	zone, err := r53.CreateHostedZone(ctx, &awsroute53.CreateHostedZoneInput{Name: aws.String(domain), CallerReference: aws.String(env.Name("zone"))})
	require.NoError(t, err)
	tag(r53types.TagResourceTypeHostedzone, strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/"))

	c, err := route53.New(r53, func(o *route53.Options) { o.Clock = env.Clock; o.WaitTimeout = 3 * time.Minute })
	require.NoError(t, err)
	target, err := c.LoadBalancerTarget(ctx, elb, aws.ToString(lbARN))
	require.NoError(t, err)
	assert.NotEmpty(t, target.HostedZoneID)

	site := route53.Site{Domain: domain, Target: target}
	res, err := c.EnsureSite(ctx, site)
	require.NoError(t, err)
	assert.True(t, res.Changed())
	assert.Len(t, res.ChangeIDs, 1, "apex and www in one change")
	again, err := c.EnsureSite(ctx, site)
	require.NoError(t, err)
	assert.False(t, again.Changed(), "a re-run sends no change")

	fo := route53.Failover{
		Name:      "app." + domain,
		Primary:   route53.FailoverTarget{Target: target, HealthCheck: &route53.HealthCheck{Domain: target.DNSName, Path: "/health", CallerReference: env.Name("primary")}},
		Secondary: route53.FailoverTarget{Target: target},
	}
	fres, err := c.EnsureFailover(ctx, fo)
	if fres != nil && fres.PrimaryHealthCheckID != "" { // the package does not tag health checks: the test does
		tag(r53types.TagResourceTypeHealthcheck, fres.PrimaryHealthCheckID)
	}
	require.NoError(t, err)
	assert.Equal(t, 1, fres.HealthChecksCreated)
	fagain, err := c.EnsureFailover(ctx, fo)
	require.NoError(t, err)
	assert.Zero(t, fagain.HealthChecksCreated)
	assert.False(t, fagain.Changed())
}
