//go:build integration

package route53_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// TestIntegrationFailureLeavesNothing: a scenario that fails with everything created (the load
// balancer, the zone with its site and failover records, the health check) still leaves nothing
// behind: the scope's sweep runs after the failure, records before the zone, the zone before the
// health check its records name.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2", "elbv2", "route53")
	res := testenv.RunFailing(t, func(tb testing.TB) {
		s := env.Scope(tb)
		mainFlows(tb, s)
		require.NotEmpty(tb, s.Leftovers(tb), "the scenario's resources exist")
		require.Fail(tb, "forced failure")
	})
	require.True(t, res.Failed, "the scenario failed")
	assert.Contains(t, strings.Join(res.Messages, "\n"), "forced failure")
	assert.Empty(t, env.Leftovers(t), "the failed scenario's sweep deleted everything")
}
