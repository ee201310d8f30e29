package autoscale_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

func TestResolveImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := f.cloud.Clock().Now()
	old := f.cloud.RegisterImage(awstest.Image{Name: "portal-web-2025-12-01", CreationDate: now.Add(-48 * time.Hour)})
	newest := f.cloud.RegisterImage(awstest.Image{Name: "portal-web-2025-12-03", CreationDate: now.Add(-2 * time.Hour)})
	deprecated := f.cloud.RegisterImage(awstest.Image{Name: "portal-web-2025-12-04", CreationDate: now.Add(-time.Hour), DeprecationTime: now.Add(-time.Minute)})
	f.cloud.RegisterImage(awstest.Image{Name: "portal-web-2025-12-05", OwnerID: "999999999999", Public: true, CreationDate: now})
	_ = old

	img, err := f.client.ResolveImage(ctx, autoscale.ImageQuery{NamePattern: "portal-web-*", Owners: []string{"self"}})
	require.NoError(t, err)
	assert.Equal(t, newest, img.ID, "the newest non-deprecated image of the owner")
	assert.Equal(t, "portal-web-2025-12-03", img.Name)
	img, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{NamePattern: "portal-web-*", Owners: []string{"self"}, IncludeDeprecated: true})
	require.NoError(t, err)
	assert.Equal(t, deprecated, img.ID)

	img, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{ID: newest})
	require.NoError(t, err)
	assert.Equal(t, "id", img.Source)

	img, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{Parameter: awstest.AmazonLinuxParameterPrefix + "al2023-ami-kernel-default-arm64"})
	require.NoError(t, err)
	assert.Contains(t, img.Name, "arm64")

	_, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{NamePattern: "nginx-*", Owners: []string{"self", "amazon"}, Architecture: "arm64"})
	require.ErrorIs(t, err, autoscale.ErrImageNotFound)
	assert.EqualError(t, err, `autoscale: no image matches: no image named "nginx-*" owned by self, amazon for arm64 (deprecated images skipped)`)
	_, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{ID: "ami-0000000000000beef"})
	require.ErrorIs(t, err, autoscale.ErrImageNotFound)
	assert.ErrorContains(t, err, "ami-0000000000000beef")
	_, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{Parameter: "/aws/service/ami-amazon-linux-latest/nope"})
	require.ErrorIs(t, err, autoscale.ErrImageNotFound)
	assert.ErrorContains(t, err, "/aws/service/ami-amazon-linux-latest/nope")

	_, err = f.client.ResolveImage(ctx, autoscale.ImageQuery{NamePattern: "portal-*", ID: newest})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "exactly one of ID, NamePattern and Parameter")
	assert.ErrorContains(t, err, "needs Owners")
}

func TestPruneTemplateVersions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v1 := f.template(t, "1")
	_, err := f.client.Ensure(ctx, f.spec(v1, 1, 2))
	require.NoError(t, err)
	for _, ud := range []string{"2", "3", "4", "5"} {
		f.template(t, ud)
	}
	deleted, err := f.client.PruneTemplateVersions(ctx, "web", 2, []string{"web"})
	require.NoError(t, err)
	// Kept: 5 and 4 (the newest two), 1 (the default, and the group's).
	assert.ElementsMatch(t, []int64{2, 3}, deleted)
	deleted, err = f.client.PruneTemplateVersions(ctx, "web", 1, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{4}, deleted, "never the default (1) nor the latest (5)")
	_, err = f.client.PruneTemplateVersions(ctx, "nope", 1, nil)
	assert.ErrorIs(t, err, autoscale.ErrNotFound)
}
