package elb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/elb"
)

// invalid sets one bad value in every field New checks.
func invalid(o *elb.Options) {
	o.BatchSize = -1
	o.PollInterval = 20 * time.Second
	o.MaxPollInterval = 10 * time.Second
	o.DrainTimeout = -time.Second
	o.ZoneSpread = elb.ZonePolicy(7)
	o.MinHealthyPercent = 100
	o.RollBatchSize = -2
}

var invalidWants = []string{
	"BatchSize -1 is negative", "MaxPollInterval 10s is below PollInterval 20s", "DrainTimeout -1s is negative",
	"ZoneSpread 7", "MinHealthyPercent 100 must be 1-99", "RollBatchSize -2 is negative",
}

// New and NewClassic validate once and name every invalid field, and a nil client, in one error
// matching ErrInvalidOptions. No AWS is needed.
func TestNewValidatesOptions(t *testing.T) {
	_, err := elb.New(nil, invalid)
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "elb: invalid options: api is nil; ")
	for _, want := range invalidWants {
		assert.Contains(t, err.Error(), want)
	}

	_, err = elb.NewClassic(nil, invalid)
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	for _, want := range append([]string{"api is nil"}, invalidWants...) {
		assert.Contains(t, err.Error(), want)
	}
}

// Per-call overrides are validated the same way, before any call, and apply to a copy: the
// client's options are unchanged.
func TestPerCallOverridesValidatedTheSameWay(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	c := f.client()
	sim.ResetCalls()
	err := c.Register(context.Background(), "arn", elb.Instances("i-1"), invalid)
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	for _, want := range invalidWants {
		assert.Contains(t, err.Error(), want)
	}
	_, err = c.TargetGroup("arn", invalid).WaitHealthy(context.Background(), []string{"i-1"})
	require.ErrorIs(t, err, elb.ErrInvalidOptions, "a pool's overrides too")
	_, err = f.classicClient().Pool("legacy", invalid).WaitDrained(context.Background(), []string{"i-1"})
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	assert.Empty(t, sim.Calls())

	require.NoError(t, c.Register(context.Background(), "arn", nil), "nothing to register, no call; the bad override did not stick")
}

// Roll's settings are Options too: validated before any call, on top of the pool's options.
func TestRollValidatesOptions(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log")
	sim.ResetCalls()
	_, err := elb.Roll(context.Background(), f.client().TargetGroup("arn"), []string{"i-1", "i-2"}, invalid)
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	for _, want := range invalidWants {
		assert.Contains(t, err.Error(), want)
	}
	// The pool's own overrides count: they are checked at Roll.
	_, err = elb.Roll(context.Background(), f.client().TargetGroup("arn", func(o *elb.Options) { o.MinHealthyPercent = -1 }), []string{"i-1", "i-2"})
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "MinHealthyPercent -1")
	assert.Empty(t, sim.Calls())

	// On a Pool from elsewhere the overrides apply to zero Options.
	_, err = elb.Roll(context.Background(), nopPool{}, []string{"i-1"}, func(o *elb.Options) { o.RollBatchSize = -1 })
	require.ErrorIs(t, err, elb.ErrInvalidOptions)
}

// nopPool is a Pool that is not the package's.
type nopPool struct{}

func (nopPool) Register(context.Context, []string) error   { return nil }
func (nopPool) Deregister(context.Context, []string) error { return nil }
func (nopPool) WaitHealthy(context.Context, []string) (*elb.WaitReport, error) {
	return &elb.WaitReport{}, nil
}
func (nopPool) WaitDrained(context.Context, []string) (*elb.WaitReport, error) {
	return &elb.WaitReport{}, nil
}

// A roll on a foreign pool uses the overrides' settings: batches of RollBatchSize.
func TestRollOnForeignPool(t *testing.T) {
	var batches int
	rep, err := elb.Roll(context.Background(), nopPool{}, []string{"i-1", "i-2", "i-3", "i-4"}, func(o *elb.Options) {
		o.RollBatchSize = 1
		o.Clock = clock.NewFake(time.Time{})
		o.OnBatch = func(p elb.BatchProgress) { batches = p.Batches }
	})
	require.NoError(t, err)
	assert.Equal(t, 4, rep.Batches)
	assert.Equal(t, 4, batches)
}
