package session_test

import (
	"context"
	"fmt"
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

func TestCollectorStartStop(t *testing.T) {
	s, db := newStore(t)
	seed(t, s, "old", 20, time.Now().Add(-time.Minute))
	seed(t, s, "live", 3, time.Now().Add(time.Hour))
	c, err := session.NewCollector(s, func(o *session.CollectorOptions) { o.Interval = 20 * time.Millisecond; o.BatchSize = 7 })
	require.NoError(t, err)

	require.NoError(t, c.Start(context.Background()))
	assert.ErrorIs(t, c.Start(context.Background()), session.ErrCollectorRunning)
	require.Eventually(t, func() bool { return countRows(t, db.DB, s.Table()) == 3 }, 10*time.Second, 20*time.Millisecond)
	c.Stop()
	c.Stop() // a second Stop is a no-op

	// Stopped: new expired rows stay.
	seed(t, s, "later", 2, time.Now().Add(-time.Minute))
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 5, countRows(t, db.DB, s.Table()))

	// Started again, with a context that then ends: the rows are collected, and once the context
	// has ended the collector may be started again without Stop.
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, c.Start(ctx))
	require.Eventually(t, func() bool { return countRows(t, db.DB, s.Table()) == 3 }, 10*time.Second, 20*time.Millisecond)
	cancel()
	require.Eventually(t, func() bool { return c.Start(context.Background()) == nil }, 10*time.Second, 10*time.Millisecond,
		"a collector whose context ended can be started again")
	c.Stop()

	_, err = session.NewCollector(s, func(o *session.CollectorOptions) { o.Interval = -time.Second; o.BatchSize = session.MaxBatchSize + 1 })
	require.ErrorIs(t, err, session.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "Interval")
	assert.Contains(t, err.Error(), "BatchSize")
}
