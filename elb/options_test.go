package elb_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/elb"
)

func TestOptionsValidatedAsOneError(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	c := f.client(func(o *elb.Options) {
		o.BatchSize = -1
		o.PollInterval = 20 * time.Second
		o.MaxPollInterval = 10 * time.Second
		o.DrainTimeout = -time.Second
		o.ZoneSpread = elb.ZonePolicy(7)
	})
	sim.ResetCalls()
	err := c.Register(context.Background(), "arn", elb.Instances("i-1"))
	require.Error(t, err)
	for _, want := range []string{"BatchSize -1 is negative", "MaxPollInterval 10s is below PollInterval 20s", "DrainTimeout -1s is negative", "ZoneSpread 7"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Empty(t, sim.Calls())

	// Per-call overrides apply to a copy: the client's options are unchanged.
	good := f.client()
	require.Error(t, good.Register(context.Background(), "arn", elb.Instances("i-1"), func(o *elb.Options) { o.BatchSize = -1 }))
	err = good.Register(context.Background(), "arn", nil)
	assert.NoError(t, err, "nothing to register, no call")
}
