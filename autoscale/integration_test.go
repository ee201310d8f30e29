//go:build integration

package autoscale_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
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

// TestIntegrationFailureLeavesNothing: the main flows failing half way (the wait for the group's
// instances to be in service runs out of time, with the template, the group and its instances
// created) still leave nothing behind: the scope's sweep runs after the failure.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2", "autoscaling")
	res := testenv.RunFailing(t, func(tb testing.TB) {
		mainFlows(tb, env.Scope(tb), func(o *autoscale.Options) { o.InServiceTimeout = time.Second })
	})
	require.True(t, res.Failed, "the scenario failed")
	assert.Contains(t, strings.Join(res.Messages, "\n"), "wait in service")
	assert.Empty(t, env.Leftovers(t), "the failed scenario's sweep deleted everything")
}
