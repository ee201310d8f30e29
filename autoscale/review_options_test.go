package autoscale_test

import (
	"context"
	"strings"
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

// Lifecycle hook names and metadata are checked as Auto Scaling checks them, before any call.
func TestLifecycleHookNameAndMetadataValidated(t *testing.T) {
	f := newFixture(t)
	v := f.template(t, "")
	spec := f.spec(v, 1, 2)
	spec.LifecycleHooks = []autoscale.LifecycleHook{
		{Name: "boot hook", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: time.Minute},
		{Name: "logs", Transition: autoscale.Terminating, DefaultResult: autoscale.Continue, HeartbeatTimeout: time.Minute, Metadata: strings.Repeat("x", 1024)},
	}
	f.cloud.ResetCalls()
	_, err := f.client.Ensure(context.Background(), spec)
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	require.ErrorContains(t, err, `LifecycleHooks[0].Name "boot hook"`)
	require.ErrorContains(t, err, "LifecycleHooks[1].Metadata is 1024 characters")
	require.Empty(t, f.cloud.Calls())
}
