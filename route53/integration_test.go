//go:build integration

package route53_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationMainFlows runs the package's main flows (mainFlows) in their own scope against
// the environment (the simulated cloud, or AWS_ENDPOINT_URL / real AWS), then checks that the
// scope's sweep left nothing tagged with this run.
func TestIntegrationMainFlows(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2", "elbv2", "route53")
	t.Run("MainFlows", func(t *testing.T) { mainFlows(t, env.Scope(t)) })
	assert.Empty(t, env.Leftovers(t), "the scenario's sweep deleted everything it created")
}
