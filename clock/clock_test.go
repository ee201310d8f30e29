package clock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRealSleepHonoursCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, Real.Sleep(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Real.Sleep(context.Background(), time.Millisecond))
	assert.ErrorIs(t, Real.Sleep(ctx, 0), context.Canceled)
}

func TestFake(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	require.NoError(t, f.Sleep(context.Background(), time.Minute))
	f.Advance(time.Second)
	assert.Equal(t, start.Add(time.Minute+time.Second), f.Now())
	assert.Equal(t, []time.Duration{time.Minute}, f.Sleeps())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, f.Sleep(ctx, time.Hour), context.Canceled)
	assert.Equal(t, start.Add(time.Minute+time.Second), f.Now(), "a cancelled sleep does not move time")
}

func TestOr(t *testing.T) {
	assert.Equal(t, Real, Or(nil))
	f := NewFake(time.Time{})
	assert.Same(t, f, Or(f))
}
