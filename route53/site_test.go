package route53_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
)

func TestEnsureSiteApexAndWWWInOneChange(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	target := f.target(t, c, f.lb(t, "web", "", ""))
	assert.Equal(t, "Z35SXDOTRQ7X7K", target.HostedZoneID, "read from DescribeLoadBalancers")

	res, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: target})
	require.NoError(t, err)
	assert.True(t, res.Changed())
	assert.True(t, res.InSync)
	assert.Equal(t, f.zoneID, res.Zone.ID)

	calls := f.changes()
	require.Len(t, calls, 1, "apex and www in exactly one ChangeResourceRecordSets call")
	assert.Equal(t, []string{"UPSERT example.com. A", "UPSERT www.example.com. A"}, sent(calls[0]))

	recs := f.records(t, f.zoneID)
	for _, name := range []string{"example.com. A", "www.example.com. A"} {
		rr, ok := recs[name]
		require.True(t, ok, name)
		require.NotNil(t, rr.AliasTarget, name)
		assert.Equal(t, fqdnOf(target.DNSName), aws.ToString(rr.AliasTarget.DNSName))
		assert.Equal(t, target.HostedZoneID, aws.ToString(rr.AliasTarget.HostedZoneId))
		assert.False(t, rr.AliasTarget.EvaluateTargetHealth)
	}
	assert.NotContains(t, recs, "example.com. AAAA", "an IPv4 load balancer gets no AAAA")
}

func fqdnOf(s string) string { return s + "." }

func TestEnsureSiteRerunSendsNoChange(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	site := route53.Site{Domain: "example.com", Target: f.target(t, c, f.lb(t, "web", "", elbv2types.IpAddressTypeDualstack)), EvaluateTargetHealth: true}
	_, err := c.EnsureSite(ctx, site)
	require.NoError(t, err)
	require.Len(t, f.changes(), 1)
	assert.Equal(t, []string{"UPSERT example.com. A", "UPSERT example.com. AAAA", "UPSERT www.example.com. A", "UPSERT www.example.com. AAAA"}, sent(f.changes()[0]))

	// A new Client (a second run of the deploy tool) compares and sends nothing.
	f.cloud.ResetCalls()
	res, err := f.client(t).EnsureSite(ctx, site)
	require.NoError(t, err)
	assert.False(t, res.Changed())
	assert.True(t, res.InSync)
	assert.Empty(t, f.changes(), "a re-run sends no change")
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceRoute53, "GetChange"))
}

func TestEnsureSiteChangedLoadBalancerUpsertsOnlyWhatDiffers(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	first := f.target(t, c, f.lb(t, "blue", "", ""))
	_, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: first, WWW: route53.WWWCNAME})
	require.NoError(t, err)
	assert.Equal(t, []string{"UPSERT example.com. A", "UPSERT www.example.com. CNAME"}, sent(f.changes()[0]))

	// Another load balancer: the apex alias changes; the www CNAME to the apex does not.
	second := f.target(t, c, f.lb(t, "green", "", ""))
	f.cloud.ResetCalls()
	res, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: second, WWW: route53.WWWCNAME})
	require.NoError(t, err)
	require.Len(t, f.changes(), 1)
	assert.Equal(t, []string{"UPSERT example.com. A"}, sent(f.changes()[0]))
	assert.Len(t, res.Changes, 1)
	assert.Equal(t, fqdnOf(second.DNSName), aws.ToString(f.records(t, f.zoneID)["example.com. A"].AliasTarget.DNSName))

	// An NLB has another canonical hosted zone; switching www from CNAME to alias deletes the
	// CNAME in the same change.
	nlb := f.target(t, c, f.lb(t, "tcp", elbv2types.LoadBalancerTypeEnumNetwork, ""))
	assert.Equal(t, "Z26RNL4JYFTOTI", nlb.HostedZoneID)
	f.cloud.ResetCalls()
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: nlb})
	require.NoError(t, err)
	require.Len(t, f.changes(), 1)
	assert.Equal(t, []string{"DELETE www.example.com. CNAME", "UPSERT example.com. A", "UPSERT www.example.com. A"}, sent(f.changes()[0]))
	recs := f.records(t, f.zoneID)
	assert.NotContains(t, recs, "www.example.com. CNAME")
	assert.Equal(t, "Z26RNL4JYFTOTI", aws.ToString(recs["www.example.com. A"].AliasTarget.HostedZoneId))

	// Only EvaluateTargetHealth differs: both aliases are UPSERTed, nothing else.
	f.cloud.ResetCalls()
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: nlb, EvaluateTargetHealth: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"UPSERT example.com. A", "UPSERT www.example.com. A"}, sent(f.changes()[0]))

	// A dual-stack target adds AAAA; going back to IPv4 deletes the AAAA aliases left behind.
	ds := f.target(t, c, f.lb(t, "dual", "", elbv2types.IpAddressTypeDualstack))
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: ds})
	require.NoError(t, err)
	f.cloud.ResetCalls()
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: second})
	require.NoError(t, err)
	assert.Equal(t, []string{"DELETE example.com. AAAA", "DELETE www.example.com. AAAA", "UPSERT example.com. A", "UPSERT www.example.com. A"}, sent(f.changes()[0]))
}

func TestEnsureSiteClassicLoadBalancer(t *testing.T) {
	f := newFixture(t, func(o *awstest.Options) { o.Region = "eu-west-1" })
	c := f.client(t)
	ctx := context.Background()
	target, err := c.ClassicTarget(ctx, f.classic, f.classicLB(t, "legacy"))
	require.NoError(t, err)
	assert.Equal(t, "Z32O12XQLNTSW2", target.HostedZoneID, "eu-west-1's Classic zone, from CanonicalHostedZoneNameID")
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: target})
	require.NoError(t, err)

	_, err = c.ClassicTarget(ctx, f.classic, "nope")
	assert.ErrorIs(t, err, route53.ErrLoadBalancerNotFound)
	assert.Equal(t, "route53: load balancer not found: nope", err.Error())
	_, err = c.LoadBalancerTarget(ctx, f.elbv2, "nope")
	assert.ErrorIs(t, err, route53.ErrLoadBalancerNotFound)
}

func TestCNAMEAtApexRefusedWithExplanation(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	_, err := c.EnsureRecords(context.Background(), []r53types.ResourceRecordSet{{
		Name: aws.String("example.com"), Type: r53types.RRTypeCname, TTL: aws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("web-1.us-east-1.elb.amazonaws.com")}},
	}})
	require.ErrorIs(t, err, route53.ErrCNAMEAtApex)
	for _, why := range []string{"SOA and NS", "no other record next to a CNAME", "alias A", "redirect it to www"} {
		assert.Contains(t, err.Error(), why)
	}
	assert.Empty(t, f.changes(), "refused before any change is sent")

	// Route 53 itself refuses it the same way, with its own message.
	_, err = c.EnsureRecords(context.Background(), []r53types.ResourceRecordSet{{
		Name: aws.String("www.example.com"), Type: r53types.RRTypeCname, TTL: aws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("example.com")}},
	}})
	require.NoError(t, err, "a CNAME below the apex is fine")
}

func TestSiteValidation(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	f.cloud.ResetCalls()
	_, err := c.EnsureSite(context.Background(), route53.Site{Domain: "www.example.com", Target: route53.Target{DNSName: "x y"}, WWW: 7, CNAMETTL: -1})
	require.ErrorIs(t, err, route53.ErrInvalidSpec)
	for _, field := range []string{"Domain", "Target.DNSName", "Target.HostedZoneID", "WWW", "CNAMETTL"} {
		assert.Contains(t, err.Error(), field)
	}
	assert.Empty(t, f.cloud.Calls())
}

func TestAbsorbsPriorRequestNotCompleteAndThrottling(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	target := f.target(t, c, f.lb(t, "web", "", ""))
	// More than the SDK retryer's three attempts: the package's own retry outlasts them.
	f.cloud.FailNext(awstest.ServiceRoute53, "ChangeResourceRecordSets", 4, "PriorRequestNotComplete")
	f.cloud.ThrottleNext(awstest.ServiceRoute53, "ChangeResourceRecordSets", 3)
	res, err := c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target})
	require.NoError(t, err)
	assert.True(t, res.InSync)
	calls := f.changes()
	assert.Len(t, calls.Failed(), 7)
	assert.Len(t, calls, 8)
	for i := 1; i < len(calls); i++ {
		assert.GreaterOrEqual(t, calls[i].Time.Sub(calls[i-1].Time), 200*time.Millisecond,
			"every attempt, the SDK retryer's included, waits for the rate limit")
	}

	f.cloud.FailNext(awstest.ServiceRoute53, "ChangeResourceRecordSets", 1, "InvalidInput")
	_, err = c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target, WWW: route53.WWWNone, EvaluateTargetHealth: true})
	var invalid *r53types.InvalidInput
	assert.True(t, errors.As(err, &invalid), "other errors are not retried: %v", err)
}

// TestChangeWhoseResponseWasLost: the change takes effect but its response is lost; the SDK
// sends it again and Route 53 refuses the DELETE in it (the record is gone already) with
// InvalidChangeBatch. The records are read back: the change is there, so the call succeeds,
// reporting that INSYNC could not be awaited (the change ID was in the lost response).
func TestChangeWhoseResponseWasLost(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	blue := f.target(t, c, f.lb(t, "blue", "", ""))
	_, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: blue, WWW: route53.WWWCNAME})
	require.NoError(t, err)

	f.cloud.LoseResponseNext(awstest.ServiceRoute53, "ChangeResourceRecordSets", 1)
	res, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: blue})
	require.NoError(t, err)
	assert.Equal(t, []string{"DELETE www.example.com. CNAME", "UPSERT www.example.com. A"}, changesOf(res))
	assert.False(t, res.InSync, "the change ID was lost with the response")
	assert.Contains(t, f.records(t, f.zoneID), "www.example.com. A")

	// A batch that really is refused still fails.
	f.cloud.FailNext(awstest.ServiceRoute53, "ChangeResourceRecordSets", 1, "InvalidChangeBatch")
	green := f.target(t, c, f.lb(t, "green", "", ""))
	_, err = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: green})
	var icb *r53types.InvalidChangeBatch
	require.ErrorAs(t, err, &icb)
}

func changesOf(res *route53.Result) []string {
	var out []string
	for _, ch := range res.Changes {
		out = append(out, string(ch.Action)+" "+aws.ToString(ch.ResourceRecordSet.Name)+" "+string(ch.ResourceRecordSet.Type))
	}
	return out
}
