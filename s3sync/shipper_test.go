package s3sync_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/s3sync"
)

// tickClock is a clock whose Sleep returns when the test sends a tick. It counts the sleeps that
// ended with their ctx.
type tickClock struct {
	now       time.Time
	ticks     chan struct{}
	slept     chan struct{}
	cancelled atomic.Int32
}

func (c *tickClock) Now() time.Time { return c.now }

func (c *tickClock) Sleep(ctx context.Context, _ time.Duration) error {
	select {
	case c.slept <- struct{}{}:
	default:
	}
	select {
	case <-c.ticks:
		return nil
	case <-ctx.Done():
		c.cancelled.Add(1)
		return ctx.Err()
	}
}

func logDir(t *testing.T, now time.Time) string {
	dir := t.TempDir()
	writeTree(t, dir, map[string]file{
		"app.log":              {data: []byte("current"), mtime: now.Add(-5 * time.Second)},
		"app.log.1":            {data: []byte("rotated"), mtime: now.Add(-10 * time.Minute)},
		"archive/app.log.2.gz": {data: []byte("gz"), mtime: now.Add(-2 * time.Hour)},
		"debug.trace":          {data: []byte("excluded"), mtime: now.Add(-2 * time.Hour)},
	})
	return dir
}

func TestShipperFlush(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now()
	dir := logDir(t, now)
	sh, err := s3sync.NewShipper(e.sync, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Prefix, o.Host = dir, e.bucket, "logs/web", "i-0abc"
		o.Exclude = []string{"*.trace"}
		o.Clock = clock.NewFake(now)
	})
	require.NoError(t, err)

	plan, err := sh.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"app.log.1", "archive/app.log.2.gz"}, paths(plan.Transfers), "the active log waits")
	assert.ElementsMatch(t, []string{"logs/web/i-0abc/app.log.1", "logs/web/i-0abc/archive/app.log.2.gz"}, e.keys(t))

	e.reqs.reset()
	plan, err = sh.Flush(ctx)
	require.NoError(t, err)
	assert.True(t, plan.Empty())
	assert.Equal(t, map[string]int{"LIST": 1}, e.reqs.snapshot(), "nothing uploaded again")

	plan, err = sh.FlushAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"app.log"}, paths(plan.Transfers))
	assert.Len(t, e.keys(t), 3)
}

func TestShipperStartStop(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	dir := logDir(t, now)
	clk := &tickClock{now: now, ticks: make(chan struct{}), slept: make(chan struct{}, 1)}
	errs := make(chan error, 1)
	sh, err := s3sync.NewShipper(e.sync, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Host = dir, e.bucket, "i-0abc"
		o.Clock = clk
		o.OnError = func(err error) { errs <- err }
	})
	require.NoError(t, err)
	assert.Empty(t, e.keys(t), "the constructor starts nothing")

	require.NoError(t, sh.Start(context.Background()))
	require.ErrorIs(t, sh.Start(context.Background()), s3sync.ErrShipperRunning)
	<-clk.slept
	clk.ticks <- struct{}{} // one interval passes: a flush
	<-clk.slept             // the loop is back asleep, so the flush is done
	assert.ElementsMatch(t, []string{"i-0abc/app.log.1", "i-0abc/archive/app.log.2.gz", "i-0abc/debug.trace"}, e.keys(t))

	// A failing background flush goes to OnError.
	require.NoError(t, os.Rename(dir, dir+".gone"))
	clk.ticks <- struct{}{}
	select {
	case err := <-errs:
		assert.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported")
	}
	require.NoError(t, os.Rename(dir+".gone", dir))

	sh.Stop() // returns only after the goroutine ended
	sh.Stop()
	require.NoError(t, sh.Start(context.Background()), "restartable")
	sh.Stop()
}

func TestShipperValidation(t *testing.T) {
	s, err := s3sync.New(noCallsAPI{t: t})
	require.NoError(t, err)
	_, err = s3sync.NewShipper(s, func(o *s3sync.ShipperOptions) {
		o.Host, o.Interval, o.QuietPeriod, o.Prefix, o.Exclude = "a/b", -1, -1, "logs//web", []string{""}
	})
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	for _, f := range []string{"Dir", "Bucket", "Host", "Interval", "QuietPeriod", "Prefix", "Exclude"} {
		assert.Contains(t, err.Error(), f)
	}
	_, err = s3sync.NewShipper(nil, func(o *s3sync.ShipperOptions) { o.Dir, o.Bucket, o.Host = "d", "b", "h" })
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "Syncer")
}

func TestShipperRestartsAfterItsContextEnded(t *testing.T) {
	e := newEnv(t)
	clk := &tickClock{now: time.Now(), ticks: make(chan struct{}), slept: make(chan struct{}, 1)}
	sh, err := s3sync.NewShipper(e.sync, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Host, o.Clock = t.TempDir(), e.bucket, "i-0abc", clk
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, sh.Start(ctx))
	<-clk.slept
	cancel()
	// The loop ends on its own; Start may run it again without a Stop in between.
	require.Eventually(t, func() bool { return sh.Start(context.Background()) == nil }, 10*time.Second, time.Millisecond)
	require.ErrorIs(t, sh.Start(context.Background()), s3sync.ErrShipperRunning)
	sh.Stop()
}

// Stop returns only after the loop's goroutine ended: a flush in flight is cancelled, and the
// goroutine's last step (its sleep, which sees the cancelled ctx) is done when Stop returns.
func TestShipperStopWaitsForItsGoroutine(t *testing.T) {
	e := newEnv(t)
	clk := &tickClock{now: time.Now(), ticks: make(chan struct{}), slept: make(chan struct{}, 1)}
	sh, err := s3sync.NewShipper(e.sync, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Host, o.Clock = logDir(t, clk.now), e.bucket, "i-0abc", clk
	})
	require.NoError(t, err)
	inFlush := make(chan struct{})
	var cancelled, held atomic.Bool
	e.reqs.set(nil, func(r *http.Request) {
		if kind(r) != "LIST" || !held.CompareAndSwap(false, true) {
			return
		}
		close(inFlush)
		// Hold the flush's listing until the client gives up on it (Stop cancels it). The
		// timeout only keeps a broken build from hanging.
		select {
		case <-r.Context().Done():
			cancelled.Store(true)
		case <-time.After(30 * time.Second):
		}
	})

	require.NoError(t, sh.Start(context.Background()))
	<-clk.slept
	clk.ticks <- struct{}{}
	<-inFlush // the loop's goroutine is inside a flush
	require.Zero(t, clk.cancelled.Load())
	sh.Stop()
	assert.EqualValues(t, 1, clk.cancelled.Load(), "the goroutine ran to its end before Stop returned")
	assert.Eventually(t, cancelled.Load, 10*time.Second, time.Millisecond, "the flush's request was cancelled")
	assert.Empty(t, e.keys(t), "the flush did not go on")
}
