//go:build integration

package rds_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds"
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

// TestIntegrationFailureLeavesNothing: an Ensure whose wait for the new instance runs out of time
// (the instance still creating, with deletion protection on, and its subnet group created) fails
// the scenario, and the scope's sweep still deletes both: it waits (bounded) for the instance to
// be available, turns deletion protection off, deletes it, waits until it is gone, then deletes
// the subnet group. Simulated cloud only: on AWS it creates and deletes a second instance, which
// takes a quarter of an hour; the main flows' sweep covers the endpoint.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	f := newFixture(t, func(o *awstest.Options) {
		o.RDS = awstest.RDSOptions{InstanceCreating: 2 * time.Minute, StandbyCreating: time.Minute, InstanceBackingUp: time.Minute}
	})
	f.env.RequireSim(t, "creates and deletes a second DB instance, a quarter of an hour on AWS")
	res := testenv.RunFailing(t, func(tb testing.TB) {
		g := f.scoped(tb)
		spec := g.spec(g.env.Name("db"))
		spec.Tags = g.env.Tags()
		_, err := g.client(tb, func(o *rds.Options) { o.AvailableTimeout = 30 * time.Second }).Ensure(context.Background(), spec)
		require.NoError(tb, err, "forced failure: the wait runs out of time")
	})
	require.True(t, res.Failed, "the scenario failed")
	assert.Contains(t, strings.Join(res.Messages, "\n"), "forced failure")
	assert.Empty(t, f.env.Leftovers(t), "the failed scenario's sweep deleted the instance and its subnet group")
}
