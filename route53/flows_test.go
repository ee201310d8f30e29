package route53_test

import (
	"context"
	"fmt"
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
// zone and a load balancer named and tagged with the run id; the site's apex and www in one
// change, re-run without a change; a failover pair with a health check, re-run without creating
// anything. Everything is deleted in t.Cleanup, also after a failure:
// records, then the zone, then the health checks, then the load balancer. Every wait is bounded.
func mainFlows(t *testing.T, env *testenv.CloudEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	r53 := awsroute53.NewFromConfig(env.Config)
	elb := elasticloadbalancingv2.NewFromConfig(env.Config)

	// The load balancer, deleted last.
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
	lb, err := elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String("pk-r53-" + run), Subnets: ids[:2],
		Tags: []elbv2types.Tag{{Key: aws.String("portalkit-run"), Value: aws.String(run)}},
	})
	require.NoError(t, err)
	lbARN := lb.LoadBalancers[0].LoadBalancerArn
	t.Cleanup(func() {
		_, err := elb.DeleteLoadBalancer(context.Background(), &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: lbARN})
		assert.NoError(t, err, "cleanup: load balancer")
	})

	// Health checks created by the test, deleted after the records that name them.
	var healthChecks []string
	t.Cleanup(func() {
		for _, id := range healthChecks {
			_, err := r53.DeleteHealthCheck(context.Background(), &awsroute53.DeleteHealthCheckInput{HealthCheckId: aws.String(id)})
			assert.NoError(t, err, "cleanup: health check %s", id)
		}
	})

	// The hosted zone, emptied and deleted first.
	domain := "pk-" + run + ".portalkit-test.com"
	zone, err := r53.CreateHostedZone(ctx, &awsroute53.CreateHostedZoneInput{Name: aws.String(domain), CallerReference: aws.String("pk-" + run)})
	require.NoError(t, err)
	zoneID := zone.HostedZone.Id
	t.Cleanup(func() { deleteZone(t, r53, zoneID) })
	_, err = r53.ChangeTagsForResource(ctx, &awsroute53.ChangeTagsForResourceInput{ResourceId: zoneID, ResourceType: r53types.TagResourceTypeHostedzone,
		AddTags: []r53types.Tag{{Key: aws.String("portalkit-run"), Value: aws.String(run)}}})
	require.NoError(t, err)

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
		Primary:   route53.FailoverTarget{Target: target, HealthCheck: &route53.HealthCheck{Domain: target.DNSName, Path: "/health", CallerReference: "pk-" + run + "-primary"}},
		Secondary: route53.FailoverTarget{Target: target},
	}
	fres, err := c.EnsureFailover(ctx, fo)
	if fres != nil && fres.PrimaryHealthCheckID != "" {
		healthChecks = append(healthChecks, fres.PrimaryHealthCheckID)
	}
	require.NoError(t, err)
	assert.Equal(t, 1, fres.HealthChecksCreated)
	fagain, err := c.EnsureFailover(ctx, fo)
	require.NoError(t, err)
	assert.Zero(t, fagain.HealthChecksCreated)
	assert.False(t, fagain.Changed())
}

// deleteZone deletes every record set but the zone's NS and SOA, then the zone.
func deleteZone(t *testing.T, r53 *awsroute53.Client, zoneID *string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zone, err := r53.GetHostedZone(ctx, &awsroute53.GetHostedZoneInput{Id: zoneID})
	if !assert.NoError(t, err, "cleanup: hosted zone") {
		return
	}
	out, err := r53.ListResourceRecordSets(ctx, &awsroute53.ListResourceRecordSetsInput{HostedZoneId: zoneID})
	if !assert.NoError(t, err, "cleanup: records") {
		return
	}
	var changes []r53types.Change
	for _, rr := range out.ResourceRecordSets {
		if aws.ToString(rr.Name) == aws.ToString(zone.HostedZone.Name) && (rr.Type == r53types.RRTypeNs || rr.Type == r53types.RRTypeSoa) {
			continue
		}
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr})
	}
	if len(changes) > 0 {
		_, err = r53.ChangeResourceRecordSets(ctx, &awsroute53.ChangeResourceRecordSetsInput{HostedZoneId: zoneID, ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
		assert.NoError(t, err, "cleanup: records")
	}
	_, err = r53.DeleteHostedZone(ctx, &awsroute53.DeleteHostedZoneInput{Id: zoneID})
	assert.NoError(t, err, "cleanup: hosted zone")
}
