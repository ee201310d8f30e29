package autoscale_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
)

// A per-call PollInterval above DefaultMaxPollInterval is valid: MaxPollInterval left zero means
// "at least PollInterval", per call as in New.
func TestPerCallPollIntervalAboveDefaultMax(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err)
	err = f.client.WaitInService(ctx, "web", func(o *autoscale.Options) { o.PollInterval = 30 * time.Second })
	require.NoError(t, err)
	// An explicit MaxPollInterval set in New still counts.
	c, err := autoscale.New(f.as, f.ec2, func(o *autoscale.Options) { o.Clock = f.cloud.Clock(); o.MaxPollInterval = 20 * time.Second })
	require.NoError(t, err)
	err = c.WaitInService(ctx, "web", func(o *autoscale.Options) { o.PollInterval = 30 * time.Second })
	require.ErrorIs(t, err, autoscale.ErrInvalidOptions)
	require.ErrorContains(t, err, "MaxPollInterval 20s is below PollInterval 30s")
}

// New names a nil client and every invalid option in one error.
func TestNewNamesNilClientsAndInvalidOptions(t *testing.T) {
	_, err := autoscale.New(nil, nil, func(o *autoscale.Options) { o.PollInterval = -time.Second })
	require.ErrorIs(t, err, autoscale.ErrInvalidOptions)
	require.ErrorContains(t, err, "Auto Scaling client is nil")
	require.ErrorContains(t, err, "EC2 client is nil")
	require.ErrorContains(t, err, "PollInterval -1s is negative")
}
