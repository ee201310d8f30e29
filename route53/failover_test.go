package route53_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
)

func TestEnsureFailoverWithHealthChecksIdempotent(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	primary := f.target(t, c, f.lb(t, "east", "", elbv2types.IpAddressTypeDualstack))
	secondary := f.target(t, c, f.lb(t, "west", elbv2types.LoadBalancerTypeEnumNetwork, ""))
	fo := route53.Failover{
		Name:      "example.com",
		Primary:   route53.FailoverTarget{Target: primary, HealthCheck: &route53.HealthCheck{Domain: primary.DNSName, Path: "/health"}},
		Secondary: route53.FailoverTarget{Target: secondary, HealthCheck: &route53.HealthCheck{Domain: secondary.DNSName, Type: r53types.HealthCheckTypeTcp, Port: 443}},
	}

	// A simple alias from an earlier EnsureSite is replaced in the same change.
	_, err := c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: primary, WWW: route53.WWWNone})
	require.NoError(t, err)
	f.cloud.ResetCalls()

	res, err := c.EnsureFailover(ctx, fo)
	require.NoError(t, err)
	assert.Equal(t, 2, res.HealthChecksCreated)
	assert.NotEmpty(t, res.PrimaryHealthCheckID)
	assert.NotEqual(t, res.PrimaryHealthCheckID, res.SecondaryHealthCheckID)
	assert.Equal(t, 2, f.cloud.Calls().Count(awstest.ServiceRoute53, "CreateHealthCheck"))
	require.Len(t, f.changes(), 1, "one atomic change")
	assert.Equal(t, []string{
		"DELETE example.com. A", "DELETE example.com. AAAA",
		"UPSERT example.com. A", "UPSERT example.com. AAAA", "UPSERT example.com. A",
	}, sent(f.changes()[0]))
	assert.True(t, res.InSync)

	recs := f.records(t, f.zoneID)
	p, s := recs["example.com. A primary"], recs["example.com. A secondary"]
	assert.Equal(t, r53types.ResourceRecordSetFailoverPrimary, p.Failover)
	assert.Equal(t, r53types.ResourceRecordSetFailoverSecondary, s.Failover)
	assert.True(t, p.AliasTarget.EvaluateTargetHealth)
	assert.True(t, s.AliasTarget.EvaluateTargetHealth)
	assert.Equal(t, res.PrimaryHealthCheckID, aws.ToString(p.HealthCheckId))
	assert.Equal(t, res.SecondaryHealthCheckID, aws.ToString(s.HealthCheckId))
	assert.Equal(t, "Z35SXDOTRQ7X7K", aws.ToString(p.AliasTarget.HostedZoneId))
	assert.Equal(t, "Z26RNL4JYFTOTI", aws.ToString(s.AliasTarget.HostedZoneId))
	assert.Contains(t, recs, "example.com. AAAA primary", "the dual-stack primary gets AAAA")
	assert.NotContains(t, recs, "example.com. A")

	hc, err := f.r53.GetHealthCheck(ctx, &awsroute53.GetHealthCheckInput{HealthCheckId: aws.String(res.PrimaryHealthCheckID)})
	require.NoError(t, err)
	assert.Equal(t, "/health", aws.ToString(hc.HealthCheck.HealthCheckConfig.ResourcePath))
	assert.Equal(t, int32(443), aws.ToInt32(hc.HealthCheck.HealthCheckConfig.Port))

	// A second run (a new process) finds the health checks by caller reference and changes nothing.
	f.cloud.ResetCalls()
	again, err := f.client(t).EnsureFailover(ctx, fo)
	require.NoError(t, err)
	assert.Zero(t, again.HealthChecksCreated)
	assert.Equal(t, res.PrimaryHealthCheckID, again.PrimaryHealthCheckID)
	assert.Equal(t, res.SecondaryHealthCheckID, again.SecondaryHealthCheckID)
	assert.False(t, again.Changed())
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceRoute53, "CreateHealthCheck"))
	assert.Empty(t, f.changes())

	// A caller reference in use with other settings is a conflict, not a silent new check.
	other := fo
	other.Primary.HealthCheck = &route53.HealthCheck{Domain: primary.DNSName, Path: "/other", CallerReference: hcReference(t, f, res.PrimaryHealthCheckID)}
	_, err = c.EnsureFailover(ctx, other)
	assert.ErrorIs(t, err, route53.ErrHealthCheckConflict)
}

func hcReference(t *testing.T, f *fixture, id string) string {
	t.Helper()
	hc, err := f.r53.GetHealthCheck(context.Background(), &awsroute53.GetHealthCheckInput{HealthCheckId: aws.String(id)})
	require.NoError(t, err)
	return aws.ToString(hc.HealthCheck.CallerReference)
}

func TestEnsureHealthCheckLostResponse(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	// The create takes effect but its response is lost; the SDK retries with the same caller
	// reference and gets the same health check back.
	f.cloud.LoseResponseNext(awstest.ServiceRoute53, "CreateHealthCheck", 1)
	id, created, err := c.EnsureHealthCheck(context.Background(), route53.HealthCheck{Domain: "lb.example.com"})
	require.NoError(t, err)
	assert.True(t, created)
	list, err := f.r53.ListHealthChecks(context.Background(), &awsroute53.ListHealthChecksInput{})
	require.NoError(t, err)
	require.Len(t, list.HealthChecks, 1)
	assert.Equal(t, id, aws.ToString(list.HealthChecks[0].Id))

	_, _, err = c.EnsureHealthCheck(context.Background(), route53.HealthCheck{Domain: "x", Type: r53types.HealthCheckTypeTcp, RequestInterval: 20})
	require.ErrorIs(t, err, route53.ErrInvalidSpec)
	for _, field := range []string{"Domain", "Port", "RequestInterval"} {
		assert.Contains(t, err.Error(), field)
	}
}

func TestFailoverValidation(t *testing.T) {
	f := newFixture(t)
	_, err := f.client(t).EnsureFailover(context.Background(), route53.Failover{
		Name:    "example.com",
		Primary: route53.FailoverTarget{SetIdentifier: "x"}, Secondary: route53.FailoverTarget{SetIdentifier: "x"},
	})
	require.ErrorIs(t, err, route53.ErrInvalidSpec)
	for _, want := range []string{"Primary.Target", "Secondary.Target", "same SetIdentifier"} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestEnsureFailoverReplacesFailoverRecordsItNoLongerWants: renaming the sides' SetIdentifiers,
// or a primary that stops being dual-stack, leaves failover record sets the new pair does not
// name; they are deleted in the same change, not left to clash (Route 53 allows one PRIMARY per
// name and type) or to keep answering with the old load balancer.
func TestEnsureFailoverReplacesFailoverRecordsItNoLongerWants(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	dual := f.target(t, c, f.lb(t, "east", "", elbv2types.IpAddressTypeDualstack))
	west := f.target(t, c, f.lb(t, "west", "", ""))
	_, err := c.EnsureFailover(ctx, route53.Failover{Name: "example.com",
		Primary: route53.FailoverTarget{Target: dual}, Secondary: route53.FailoverTarget{Target: west}})
	require.NoError(t, err)
	require.Contains(t, f.records(t, f.zoneID), "example.com. AAAA primary")

	v4 := f.target(t, c, f.lb(t, "east-v4", "", ""))
	f.cloud.ResetCalls()
	_, err = c.EnsureFailover(ctx, route53.Failover{Name: "example.com",
		Primary:   route53.FailoverTarget{Target: v4, SetIdentifier: "us-east-1"},
		Secondary: route53.FailoverTarget{Target: west, SetIdentifier: "us-west-2"}})
	require.NoError(t, err)
	require.Len(t, f.changes(), 1, "one atomic change")
	recs := f.records(t, f.zoneID)
	for _, gone := range []string{"example.com. A primary", "example.com. AAAA primary", "example.com. A secondary"} {
		assert.NotContains(t, recs, gone)
	}
	assert.Contains(t, recs, "example.com. A us-east-1")
	assert.Contains(t, recs, "example.com. A us-west-2")
	assert.NotContains(t, recs, "example.com. AAAA us-east-1")
}
