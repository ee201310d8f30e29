//go:build integration

package rds_test

import "testing"

// TestIntegrationMainFlows runs the package's main flows against AWS_ENDPOINT_URL (LocalStack):
// ensure a Multi-AZ instance and re-run it without creating anything, take, list and prune
// snapshots, with unique run-tagged names, bounded waits and cleanup. The failover drill is
// simulated-cloud only. The package's other tests that need the simulated cloud skip there.
func TestIntegrationMainFlows(t *testing.T) {
	mainFlows(t, newFixture(t))
}
