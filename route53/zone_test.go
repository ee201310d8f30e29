package route53_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
)

func TestFindZone(t *testing.T) {
	f := newFixture(t)
	priv := f.zone(t, "example.com", true) // split horizon: same name, private
	shop := f.zone(t, "shop.example.com", false)
	f.zone(t, "twice.org", false)
	f.zone(t, "twice.org", false)
	onlyPriv := f.zone(t, "internal.test", true)
	ctx := context.Background()

	for _, tc := range []struct {
		desc, domain string
		private      bool
		want         string
		err          error
	}{
		{desc: "apex, public only", domain: "example.com", want: f.zoneID},
		{desc: "trailing dot and case", domain: "Example.COM.", want: f.zoneID},
		{desc: "name below the apex", domain: "www.example.com", want: f.zoneID},
		{desc: "closest parent wins", domain: "cart.shop.example.com", want: shop},
		{desc: "private when asked", domain: "www.example.com", private: true, want: priv},
		{desc: "only a private zone", domain: "internal.test", err: route53.ErrZoneNotFound},
		{desc: "private zone asked", domain: "db.internal.test", private: true, want: onlyPriv},
		{desc: "no zone", domain: "example.net", err: route53.ErrZoneNotFound},
		{desc: "two public zones", domain: "twice.org", err: route53.ErrAmbiguousZone},
		{desc: "not a name", domain: "exa mple.com", err: route53.ErrInvalidSpec},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			z, err := f.client(t).FindZone(ctx, tc.domain, func(o *route53.Options) { o.PrivateZone = tc.private })
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Regexp(t, `^route53: `, err.Error())
				assert.NotContains(t, err.Error(), "route53: route53")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, z.ID, "no /hostedzone/ prefix")
			assert.Equal(t, tc.private, z.Private)
		})
	}

	// The lookup is remembered; an explicit HostedZoneID is checked against the domain.
	c := f.client(t)
	_, err := c.FindZone(ctx, "example.com")
	require.NoError(t, err)
	f.cloud.ResetCalls()
	z, err := c.FindZone(ctx, "example.com")
	require.NoError(t, err)
	assert.Equal(t, "example.com.", z.Name)
	assert.Equal(t, "example.com", z.Apex())
	assert.Empty(t, f.cloud.Calls())

	z, err = c.FindZone(ctx, "www.shop.example.com", func(o *route53.Options) { o.HostedZoneID = "/hostedzone/" + f.zoneID })
	require.NoError(t, err)
	assert.Equal(t, f.zoneID, z.ID)
	_, err = c.FindZone(ctx, "example.net", func(o *route53.Options) { o.HostedZoneID = f.zoneID })
	assert.ErrorIs(t, err, route53.ErrInvalidSpec)
	assert.Equal(t, 2, f.cloud.Calls().Count(awstest.ServiceRoute53, "GetHostedZone"))
}

// TestHostedZoneIDThatDoesNotExist: an explicit Options.HostedZoneID naming no zone is "no hosted
// zone found" (ErrZoneNotFound), as a failed lookup by name is; other errors stay what they are.
func TestHostedZoneIDThatDoesNotExist(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, func(o *route53.Options) { o.HostedZoneID = "Z0000000000NOPE" })
	_, err := c.FindZone(context.Background(), "example.com")
	require.ErrorIs(t, err, route53.ErrZoneNotFound)
	assert.Contains(t, err.Error(), "Z0000000000NOPE")
	assert.NotContains(t, err.Error(), "route53: route53")

	f.cloud.FailNext(awstest.ServiceRoute53, "GetHostedZone", 1, "AccessDenied")
	_, err = f.client(t, func(o *route53.Options) { o.HostedZoneID = f.zoneID }).FindZone(context.Background(), "example.com")
	require.Error(t, err)
	assert.NotErrorIs(t, err, route53.ErrZoneNotFound, "a system error is never turned into not found")
}
