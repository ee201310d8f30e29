package session_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/rds/session"
)

// seed commits n sessions named prefix-0 .. prefix-(n-1) expiring at exp.
func seed(t *testing.T, s *session.Store, prefix string, n int, exp time.Time) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		require.NoError(t, s.CommitCtx(ctx, fmt.Sprintf("%s-%d", prefix, i), []byte("x"), exp))
	}
}

func TestDeleteExpiredInBatches(t *testing.T) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	s, db := newStore(t, withClock(fc))
	seed(t, s, "old", 250, t0.Add(-time.Minute))
	seed(t, s, "live", 10, t0.Add(time.Hour))

	n, err := s.DeleteExpired(ctx, func(o *session.CollectorOptions) { o.BatchSize = 100 })
	require.NoError(t, err)
	assert.EqualValues(t, 250, n)
	assert.Equal(t, 10, countRows(t, db.DB, s.Table()), "live sessions stay")
	// 100 + 100 + 50: a pause after each full batch, none after the last.
	assert.Equal(t, []time.Duration{session.DefaultBatchPause, session.DefaultBatchPause}, fc.Sleeps())
	for i := range 10 {
		_, found, err := s.FindCtx(ctx, fmt.Sprintf("live-%d", i))
		require.NoError(t, err)
		assert.True(t, found)
	}

	n, err = s.DeleteExpired(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to delete")

	_, err = s.DeleteExpired(ctx, func(o *session.CollectorOptions) { o.BatchSize = -1 })
	assert.ErrorIs(t, err, session.ErrInvalidOptions)
}

func TestCollectorSkipsWhileAnotherInstanceCollects(t *testing.T) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	s, db := newStore(t, withClock(fc))
	seed(t, s, "old", 5, t0.Add(-time.Minute))
	c, err := session.NewCollector(s)
	require.NoError(t, err)

	// Another instance holds the lock: take it on a separate connection the way the collector does.
	conn, err := db.DB.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	var got int
	require.NoError(t, conn.QueryRowContext(ctx,
		"SELECT GET_LOCK(SHA1(CONCAT('portalkit.session.', 'gc', '.', DATABASE(), '.', 'sessions')), 0)").Scan(&got))
	require.Equal(t, 1, got)

	res, err := c.RunOnce(ctx)
	require.NoError(t, err)
	assert.True(t, res.Skipped)
	assert.Equal(t, 5, countRows(t, db.DB, s.Table()), "a skipped round deletes nothing")

	_, err = conn.ExecContext(ctx, "DO RELEASE_LOCK(SHA1(CONCAT('portalkit.session.', 'gc', '.', DATABASE(), '.', 'sessions')))")
	require.NoError(t, err)
	res, err = c.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, session.CollectResult{Deleted: 5}, res)
	assert.Zero(t, countRows(t, db.DB, s.Table()))
}

// stepClock is a clock whose Sleep blocks until the test lets it end: each Sleep announces itself
// on sleeping, and returns (moving the time forward) when the test sends on wake, or with the
// context's error when the sleeper is stopped. The test decides when each collector round runs, and
// knows when one has finished: the loop is asleep again.
type stepClock struct {
	mu       sync.Mutex
	now      time.Time
	sleeping chan time.Duration
	wake     chan struct{}
}

func newStepClock(start time.Time) *stepClock {
	return &stepClock{now: start, sleeping: make(chan time.Duration), wake: make(chan struct{})}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case c.sleeping <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-c.wake:
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// round lets the sleeping collector run one collection and returns once it is asleep again.
func (c *stepClock) round(t *testing.T, interval time.Duration) {
	t.Helper()
	c.wake <- struct{}{}
	d := <-c.sleeping
	assert.GreaterOrEqual(t, d, interval)
	assert.LessOrEqual(t, d, interval+interval/10, "at most 10% jitter")
}

func TestCollectorStartStop(t *testing.T) {
	const interval = time.Minute
	clk := newStepClock(t0)
	s, db := newStore(t, withClock(clk))
	seed(t, s, "old", 20, t0.Add(-time.Minute))
	seed(t, s, "live", 3, t0.Add(time.Hour))
	c, err := session.NewCollector(s, func(o *session.CollectorOptions) {
		o.Interval = interval
		o.BatchSize = 7
		o.BatchPause = -1 // no pause: the clock's only sleeper is the loop
	})
	require.NoError(t, err)

	require.NoError(t, c.Start(context.Background()))
	assert.ErrorIs(t, c.Start(context.Background()), session.ErrCollectorRunning)
	<-clk.sleeping // the first round waits an interval
	assert.Equal(t, 23, countRows(t, db.DB, s.Table()), "nothing is collected before the first interval")
	clk.round(t, interval)
	assert.Equal(t, 3, countRows(t, db.DB, s.Table()), "one round deletes every expired row, in batches")
	c.Stop() // returns once the loop's goroutine has ended
	c.Stop() // a second Stop is a no-op

	// Stopped: the goroutine is gone, so nothing can sleep or collect any more.
	seed(t, s, "later", 2, t0.Add(-time.Minute))
	select {
	case <-clk.sleeping:
		t.Fatal("a stopped collector is still running")
	default:
	}
	assert.Equal(t, 5, countRows(t, db.DB, s.Table()))

	// Started again, with a context that then ends: the rows are collected, and once the context
	// has ended the collector may be started again without Stop.
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, c.Start(ctx))
	<-clk.sleeping
	clk.round(t, interval)
	assert.Equal(t, 3, countRows(t, db.DB, s.Table()))
	cancel()
	require.Eventually(t, func() bool { return c.Start(context.Background()) == nil }, 10*time.Second, time.Millisecond,
		"a collector whose context ended can be started again")
	c.Stop()
}
