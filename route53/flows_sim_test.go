//go:build !integration

package route53_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestMainFlows runs the integration suite's scenario on the simulated cloud, so it never rots,
// in a scope whose sweep deletes what it created.
func TestMainFlows(t *testing.T) {
	env := testenv.Cloud(t)
	t.Run("MainFlows", func(t *testing.T) { mainFlows(t, env.Scope(t)) })
	assert.Empty(t, env.Leftovers(t), "the scope's sweep deleted everything")
}
