package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func newZone(t *testing.T, r53 *route53.Client, name, ref string, vpc *r53types.VPC) string {
	t.Helper()
	out, err := r53.CreateHostedZone(context.Background(), &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(ref), VPC: vpc})
	require.NoError(t, err)
	return aws.ToString(out.HostedZone.Id)
}

func aRecord(name, ip string) *r53types.ResourceRecordSet {
	return &r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeA, TTL: aws.Int64(60),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(ip)}}}
}

func change(action r53types.ChangeAction, rr *r53types.ResourceRecordSet) r53types.Change {
	return r53types.Change{Action: action, ResourceRecordSet: rr}
}

func TestRoute53HostedZones(t *testing.T) {
	cloud := awstest.NewForTest(t)
	r53 := route53.NewFromConfig(cloud.Config())
	ctx := context.Background()
	pub := newZone(t, r53, "example.com", "pub", nil)
	priv := newZone(t, r53, "example.com.", "priv", &r53types.VPC{VPCId: aws.String("vpc-1"), VPCRegion: r53types.VPCRegionUsEast1})
	newZone(t, r53, "other.org", "other", nil)
	assert.True(t, strings.HasPrefix(pub, "/hostedzone/Z"), pub)

	_, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("x.com"), CallerReference: aws.String("pub")})
	var exists *r53types.HostedZoneAlreadyExists
	require.ErrorAs(t, err, &exists)

	out, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("example.com")})
	require.NoError(t, err)
	require.Len(t, out.HostedZones, 3, "example.com twice, then org.other")
	assert.Equal(t, "example.com.", aws.ToString(out.HostedZones[0].Name))
	assert.Equal(t, "other.org.", aws.ToString(out.HostedZones[2].Name))
	private := map[string]bool{}
	for _, z := range out.HostedZones[:2] {
		private[aws.ToString(z.Id)] = z.Config.PrivateZone
	}
	assert.Equal(t, map[string]bool{pub: false, priv: true}, private)

	page, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{MaxItems: aws.Int32(1)})
	require.NoError(t, err)
	require.True(t, page.IsTruncated)
	next, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: page.NextDNSName, HostedZoneId: page.NextHostedZoneId, MaxItems: aws.Int32(1)})
	require.NoError(t, err)
	assert.NotEqual(t, aws.ToString(page.HostedZones[0].Id), aws.ToString(next.HostedZones[0].Id))

	// A new zone holds its NS and SOA records; only those may remain when it is deleted.
	rrs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(pub)})
	require.NoError(t, err)
	require.Len(t, rrs.ResourceRecordSets, 2)
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(pub),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{change(r53types.ChangeActionCreate, aRecord("a.example.com", "192.0.2.1"))}}})
	require.NoError(t, err)
	_, err = r53.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(pub)})
	var notEmpty *r53types.HostedZoneNotEmpty
	require.ErrorAs(t, err, &notEmpty)
	_, err = r53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String("/hostedzone/ZNOPE")})
	var noZone *r53types.NoSuchHostedZone
	require.ErrorAs(t, err, &noZone)
	assert.Contains(t, err.Error(), "No hosted zone found with ID: ZNOPE")
}

func TestRoute53ChangeLifecycle(t *testing.T) {
	cloud := awstest.NewForTest(t, func(o *awstest.Options) { o.Route53.ChangePropagation = 40 * time.Second })
	r53 := route53.NewFromConfig(cloud.Config())
	ctx := context.Background()
	zone := newZone(t, r53, "example.com", "z", nil)

	out, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			change(r53types.ChangeActionCreate, aRecord("www.example.com", "192.0.2.1")),
			change(r53types.ChangeActionUpsert, aRecord("api.example.com.", "192.0.2.2")),
		}}})
	require.NoError(t, err)
	assert.Equal(t, r53types.ChangeStatusPending, out.ChangeInfo.Status)
	id := aws.ToString(out.ChangeInfo.Id)

	at, ok := cloud.Route53ChangeInSync(id)
	require.True(t, ok)
	assert.Equal(t, 40*time.Second, at.Sub(aws.ToTime(out.ChangeInfo.SubmittedAt)))
	_, ok = cloud.Route53ChangeInSync("/change/CNOPE")
	assert.False(t, ok)
	cloud.Clock().Advance(39 * time.Second)
	got, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, r53types.ChangeStatusPending, got.ChangeInfo.Status)
	cloud.Clock().Advance(time.Second)
	got, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, r53types.ChangeStatusInsync, got.ChangeInfo.Status)

	_, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String("CNOPE")})
	var noChange *r53types.NoSuchChange
	require.ErrorAs(t, err, &noChange)

	rrs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone)})
	require.NoError(t, err)
	var names []string
	for _, rr := range rrs.ResourceRecordSets {
		names = append(names, aws.ToString(rr.Name)+"/"+string(rr.Type))
	}
	// Listed by name with labels reversed: com.example, com.example.api, com.example.www.
	assert.Equal(t, []string{"example.com./NS", "example.com./SOA", "api.example.com./A", "www.example.com./A"}, names)
}

func TestRoute53InvalidChangeBatch(t *testing.T) {
	cloud := awstest.NewForTest(t)
	r53 := route53.NewFromConfig(cloud.Config())
	ctx := context.Background()
	zone := newZone(t, r53, "example.com", "z", nil)
	_, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{change(r53types.ChangeActionCreate, aRecord("www.example.com", "192.0.2.1"))}}})
	require.NoError(t, err)

	cname := &r53types.ResourceRecordSet{Name: aws.String("example.com"), Type: r53types.RRTypeCname, TTL: aws.Int64(60),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("lb.example.net")}}}
	for _, tc := range []struct {
		desc    string
		changes []r53types.Change
		want    []string
	}{
		{"missing delete", []r53types.Change{change(r53types.ChangeActionDelete, aRecord("gone.example.com", "192.0.2.9"))},
			[]string{"Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found"}},
		{"delete with other values", []r53types.Change{change(r53types.ChangeActionDelete, aRecord("www.example.com", "192.0.2.9"))},
			[]string{"Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values"}},
		{"duplicate create", []r53types.Change{change(r53types.ChangeActionCreate, aRecord("www.example.com", "192.0.2.1"))},
			[]string{"Tried to create resource record set [name='www.example.com.', type='A'] but it already exists"}},
		{"CNAME at the apex", []r53types.Change{change(r53types.ChangeActionUpsert, cname)},
			[]string{"RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."}},
		{"outside the zone", []r53types.Change{change(r53types.ChangeActionUpsert, aRecord("www.example.org", "192.0.2.1"))},
			[]string{"RRSet with DNS name www.example.org. is not permitted in zone example.com."}},
		{"two problems", []r53types.Change{
			change(r53types.ChangeActionDelete, aRecord("gone.example.com", "192.0.2.9")),
			change(r53types.ChangeActionCreate, aRecord("www.example.com", "192.0.2.1")),
		}, []string{
			"Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
			"Tried to create resource record set [name='www.example.com.', type='A'] but it already exists",
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
				ChangeBatch: &r53types.ChangeBatch{Changes: tc.changes}})
			var icb *r53types.InvalidChangeBatch
			require.ErrorAs(t, err, &icb)
			if len(tc.want) == 1 {
				assert.Equal(t, tc.want[0], aws.ToString(icb.Message))
			} else {
				assert.Equal(t, tc.want, icb.Messages)
			}
		})
	}
	// A failed batch changes nothing, even the changes in it that were valid.
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{
			change(r53types.ChangeActionCreate, aRecord("new.example.com", "192.0.2.3")),
			change(r53types.ChangeActionDelete, aRecord("gone.example.com", "192.0.2.9")),
		}}})
	require.Error(t, err)
	rrs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone), StartRecordName: aws.String("new.example.com"), StartRecordType: r53types.RRTypeA, MaxItems: aws.Int32(1)})
	require.NoError(t, err)
	require.Len(t, rrs.ResourceRecordSets, 1)
	assert.Equal(t, "www.example.com.", aws.ToString(rrs.ResourceRecordSets[0].Name))

	// Over the limits: 1,001 values, and an UPSERT of 600 that counts twice.
	many := func(n int) *r53types.ResourceRecordSet {
		rr := &r53types.ResourceRecordSet{Name: aws.String("txt.example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(60)}
		for i := range n {
			rr.ResourceRecords = append(rr.ResourceRecords, r53types.ResourceRecord{Value: aws.String(fmt.Sprintf(`"%d"`, i))})
		}
		return rr
	}
	for _, ch := range []r53types.Change{change(r53types.ChangeActionCreate, many(1001)), change(r53types.ChangeActionUpsert, many(600))} {
		_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
			ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{ch}}})
		var icb *r53types.InvalidChangeBatch
		require.ErrorAs(t, err, &icb)
		assert.Equal(t, "Number of records limit of 1000 exceeded.", aws.ToString(icb.Message))
	}
	long := &r53types.ResourceRecordSet{Name: aws.String("txt.example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(60)}
	for i := range 130 {
		long.ResourceRecords = append(long.ResourceRecords, r53types.ResourceRecord{Value: aws.String(fmt.Sprintf(`"%0250d"`, i))})
	}
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{change(r53types.ChangeActionCreate, long)}}})
	var icb *r53types.InvalidChangeBatch
	require.ErrorAs(t, err, &icb)
	assert.Equal(t, "RDATA character limit of 32000 exceeded.", aws.ToString(icb.Message))
}

func TestRoute53PriorRequestNotComplete(t *testing.T) {
	cloud := awstest.NewForTest(t, func(o *awstest.Options) { o.Route53.PriorRequestNotComplete = true })
	r53 := route53.NewFromConfig(cloud.Config(), func(o *route53.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	zone := newZone(t, r53, "example.com", "z", nil)
	send := func(name string) error {
		_, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
			ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{change(r53types.ChangeActionUpsert, aRecord(name, "192.0.2.1"))}}})
		return err
	}
	require.NoError(t, send("a.example.com"))
	var prior *r53types.PriorRequestNotComplete
	require.ErrorAs(t, send("b.example.com"), &prior)
	cloud.Clock().Advance(awstest.DefaultChangePropagation)
	require.NoError(t, send("b.example.com"))
}

func TestRoute53HealthCheckCallerReference(t *testing.T) {
	cloud := awstest.NewForTest(t)
	r53 := route53.NewFromConfig(cloud.Config())
	ctx := context.Background()
	cfg := &r53types.HealthCheckConfig{Type: r53types.HealthCheckTypeHttps, FullyQualifiedDomainName: aws.String("lb.example.com"), ResourcePath: aws.String("/health")}
	first, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("ref-1"), HealthCheckConfig: cfg})
	require.NoError(t, err)
	again, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("ref-1"), HealthCheckConfig: cfg})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(first.HealthCheck.Id), aws.ToString(again.HealthCheck.Id), "same reference and settings: the same health check")
	assert.Equal(t, int32(443), aws.ToInt32(first.HealthCheck.HealthCheckConfig.Port))

	other := *cfg
	other.ResourcePath = aws.String("/other")
	_, err = r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("ref-1"), HealthCheckConfig: &other})
	var exists *r53types.HealthCheckAlreadyExists
	require.ErrorAs(t, err, &exists)

	list, err := r53.ListHealthChecks(ctx, &route53.ListHealthChecksInput{})
	require.NoError(t, err)
	require.Len(t, list.HealthChecks, 1)

	_, err = r53.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceId: first.HealthCheck.Id, ResourceType: r53types.TagResourceTypeHealthcheck,
		AddTags: []r53types.Tag{{Key: aws.String("run"), Value: aws.String("42")}}})
	require.NoError(t, err)
	tags, err := r53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceId: first.HealthCheck.Id, ResourceType: r53types.TagResourceTypeHealthcheck})
	require.NoError(t, err)
	assert.Equal(t, []r53types.Tag{{Key: aws.String("run"), Value: aws.String("42")}}, tags.ResourceTagSet.Tags)

	_, err = r53.DeleteHealthCheck(ctx, &route53.DeleteHealthCheckInput{HealthCheckId: first.HealthCheck.Id})
	require.NoError(t, err)
	_, err = r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String("ref-1"), HealthCheckConfig: cfg})
	require.ErrorAs(t, err, &exists, "the reference of a deleted health check cannot be reused")
	_, err = r53.GetHealthCheck(ctx, &route53.GetHealthCheckInput{HealthCheckId: first.HealthCheck.Id})
	var none *r53types.NoSuchHealthCheck
	require.ErrorAs(t, err, &none)
}

// TestRoute53AliasToLoadBalancers checks the canonical hosted zone IDs both ELB APIs report per
// region and that Route 53 accepts an alias only with the load balancer's own zone.
func TestRoute53AliasToLoadBalancers(t *testing.T) {
	for _, tc := range []struct{ region, alb, nlb string }{
		{"us-east-1", "Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"},
		{"eu-west-1", "Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			cloud := awstest.NewForTest(t, func(o *awstest.Options) { o.Region = tc.region })
			ctx := context.Background()
			cfg := cloud.Config()
			subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
			require.NoError(t, err)
			ids := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
			v2 := elasticloadbalancingv2.NewFromConfig(cfg)
			alb, err := v2.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: ids})
			require.NoError(t, err)
			nlb, err := v2.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("tcp"), Subnets: ids, Type: elbv2types.LoadBalancerTypeEnumNetwork})
			require.NoError(t, err)
			assert.Equal(t, tc.alb, aws.ToString(alb.LoadBalancers[0].CanonicalHostedZoneId))
			assert.Equal(t, tc.nlb, aws.ToString(nlb.LoadBalancers[0].CanonicalHostedZoneId))
			classic := elasticloadbalancing.NewFromConfig(cfg)
			_, err = classic.CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{LoadBalancerName: aws.String("old"), Subnets: ids,
				Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(80)}}})
			require.NoError(t, err)
			d, err := classic.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{})
			require.NoError(t, err)
			assert.Equal(t, tc.alb, aws.ToString(d.LoadBalancerDescriptions[0].CanonicalHostedZoneNameID))

			r53 := route53.NewFromConfig(cfg)
			zone := newZone(t, r53, "example.com", "z", nil)
			alias := func(dns, zoneID string) error {
				_, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
					ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{change(r53types.ChangeActionUpsert, &r53types.ResourceRecordSet{
						Name: aws.String("example.com"), Type: r53types.RRTypeA,
						AliasTarget: &r53types.AliasTarget{DNSName: aws.String(dns), HostedZoneId: aws.String(zoneID)},
					})}}})
				return err
			}
			require.NoError(t, alias(aws.ToString(alb.LoadBalancers[0].DNSName), tc.alb))
			require.NoError(t, alias("dualstack."+aws.ToString(nlb.LoadBalancers[0].DNSName), tc.nlb))
			require.NoError(t, alias(aws.ToString(d.LoadBalancerDescriptions[0].DNSName), tc.alb))
			var icb *r53types.InvalidChangeBatch
			require.ErrorAs(t, alias(aws.ToString(alb.LoadBalancers[0].DNSName), tc.nlb), &icb, "an ALB named with the NLB zone")
			assert.Contains(t, aws.ToString(icb.Message), "does not lie within the target zone")
			require.ErrorAs(t, alias("gone.elb.amazonaws.com", tc.alb), &icb)
			assert.Contains(t, aws.ToString(icb.Message), "but that target was not found")
			err = alias("d111111abcdef8.cloudfront.net", "Z2FDTNDATAQYW2")
			assert.True(t, errors.Is(err, awstest.ErrUnmodeled), "%v", err)
		})
	}
}
