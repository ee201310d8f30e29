package autoscale_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

// A version a named group uses is kept even when it is neither the default nor among the newest
// keep; a named group that does not exist (a typo) protects nothing, so prune refuses to delete.
func TestPruneKeepsGroupVersionAndRefusesUnknownGroup(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.template(t, "1")
	v2 := f.template(t, "2")
	_, err := f.client.Ensure(ctx, f.spec(v2, 1, 2))
	require.NoError(t, err)
	for _, ud := range []string{"3", "4", "5"} {
		f.template(t, ud)
	}

	f.cloud.ResetCalls()
	_, err = f.client.PruneTemplateVersions(ctx, "web", 1, []string{"web", "wbe"})
	require.ErrorIs(t, err, autoscale.ErrNotFound)
	assert.ErrorContains(t, err, "wbe")
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceEC2, "DeleteLaunchTemplateVersions"), "nothing deleted")

	deleted, err := f.client.PruneTemplateVersions(ctx, "web", 1, []string{"web"})
	require.NoError(t, err)
	// Kept: 5 (latest), 1 (default), 2 (the group's).
	assert.ElementsMatch(t, []int64{3, 4}, deleted)
}
