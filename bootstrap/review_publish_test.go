package bootstrap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Publishing a version again (a re-run build that dropped a file) leaves the version's files
// matching its new manifest: no stale object makes every instance refuse the release.
func TestRepublishRemovesStaleFiles(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 3)
	m := f.publish(t, "v1", 2)
	assert.Len(t, m.Files, 3, "two app files and VERSION")
	a := f.agent(t, Config{})
	res, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v1", res.Version)
}
