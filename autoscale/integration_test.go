//go:build integration

package autoscale_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationMainFlows runs the package's main flows (see mainFlows) in their own scope
// against the environment (the simulated cloud, or AWS_ENDPOINT_URL / real AWS), then checks that
// the scope's sweep left nothing tagged with this run. The package's other tests need the
// simulated cloud and skip against an endpoint.
func TestIntegrationMainFlows(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2", "autoscaling")
	t.Run("MainFlows", func(t *testing.T) { mainFlows(t, env.Scope(t)) })
	assert.Empty(t, env.Leftovers(t), "the scenario's sweep deleted everything it created")
}
