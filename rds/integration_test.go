//go:build integration

package rds_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/portalkit/portalkit/awstest"
)

// TestIntegrationMainFlows runs the package's main flows in their own scope against
// AWS_ENDPOINT_URL (LocalStack) or real AWS, or on the simulated cloud without one: ensure a
// Multi-AZ instance and re-run it without creating anything, take, list and prune snapshots, with
// run-scoped names and tags, bounded waits and the scope's sweep; then nothing tagged with the run
// is left. The failover drill is simulated-cloud only. The package's other tests that need the
// simulated cloud skip against an endpoint. On real AWS the sweep's wait for the instance to be
// deleted is bounded (testenv.DefaultRDSWait); what it does not see gone it names, for
// `make integration-clean`.
func TestIntegrationMainFlows(t *testing.T) {
	// On the simulated cloud, creation in a few minutes of virtual time, so that the scenario's
	// bounded waits hold (as in TestMainFlows); an endpoint ignores these options.
	f := newFixture(t, func(o *awstest.Options) {
		o.RDS = awstest.RDSOptions{InstanceCreating: 2 * time.Minute, StandbyCreating: time.Minute, InstanceBackingUp: time.Minute, SnapshotCreating: time.Minute}
	})
	f.env.RequireServices(t, "ec2", "rds")
	t.Run("MainFlows", func(t *testing.T) { mainFlows(t, f.scoped(t)) })
	assert.Empty(t, f.env.Leftovers(t), "the scenario's sweep deleted everything it created")
}
