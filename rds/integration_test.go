//go:build integration

package rds_test

import (
	"testing"
	"time"

	"github.com/portalkit/portalkit/awstest"
)

// TestIntegrationMainFlows runs the package's main flows against AWS_ENDPOINT_URL (LocalStack), or
// on the simulated cloud without one: ensure a Multi-AZ instance and re-run it without creating
// anything, take, list and prune snapshots, with unique run-tagged names, bounded waits and
// cleanup. The failover drill is simulated-cloud only. The package's other tests that need the
// simulated cloud skip against an endpoint.
func TestIntegrationMainFlows(t *testing.T) {
	// On the simulated cloud, creation in a few minutes of virtual time, so that the scenario's
	// bounded waits hold (as in TestMainFlows); an endpoint ignores these options.
	mainFlows(t, newFixture(t, func(o *awstest.Options) {
		o.RDS = awstest.RDSOptions{InstanceCreating: 2 * time.Minute, StandbyCreating: time.Minute, InstanceBackingUp: time.Minute, SnapshotCreating: time.Minute}
	}))
}
