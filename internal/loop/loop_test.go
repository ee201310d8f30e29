package loop

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
)

// gated is a clock whose Sleep blocks until the test releases it, so the test decides when each
// tick happens without sleeping on the wall clock.
type gated struct{ tick chan struct{} }

func (g gated) Now() time.Time { return time.Time{} }
func (g gated) Sleep(ctx context.Context, _ time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-g.tick:
		return nil
	}
}

func TestStartRunsStopWaits(t *testing.T) {
	g := gated{tick: make(chan struct{})}
	ran := make(chan struct{}, 10)
	var inRun atomic.Bool
	l := New(g, time.Minute, func(ctx context.Context) {
		inRun.Store(true)
		ran <- struct{}{}
		<-ctx.Done() // a long run that only a Stop ends
		inRun.Store(false)
	})
	require.NoError(t, l.Start(context.Background()))
	assert.ErrorIs(t, l.Start(context.Background()), ErrRunning)
	assert.True(t, l.Running())
	g.tick <- struct{}{}
	<-ran
	l.Stop()
	// Stop returned only after the goroutine ended: the run saw its cancel and finished.
	assert.False(t, inRun.Load())
	assert.False(t, l.Running())
	l.Stop() // a second Stop does nothing

	// Restart works.
	require.NoError(t, l.Start(context.Background()))
	l.Stop()
}

func TestEndsWithCtxAndCanRestart(t *testing.T) {
	f := clock.NewFake(time.Now())
	var n atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan struct{})
	l := New(f, time.Second, func(context.Context) {
		if n.Add(1) == 3 {
			cancel()
			close(stop)
		}
	})
	require.NoError(t, l.Start(ctx))
	<-stop
	for l.Running() { // the goroutine ends promptly after the ctx does
		time.Sleep(time.Millisecond)
	}
	assert.EqualValues(t, 3, n.Load())
	require.NoError(t, l.Start(context.Background()), "a loop ended by its ctx may start again")
	l.Stop()
}

func ExampleLoop() {
	g := gated{tick: make(chan struct{})}
	done := make(chan struct{})
	l := New(g, time.Minute, func(context.Context) { fmt.Println("flushed"); close(done) })
	_ = l.Start(context.Background())
	g.tick <- struct{}{} // one interval passes
	<-done
	l.Stop()
	// Output: flushed
}
