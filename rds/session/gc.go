package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Defaults of [CollectorOptions].
const (
	// DefaultCollectInterval is the time between two collections.
	DefaultCollectInterval = 5 * time.Minute
	// DefaultBatchSize is the number of rows one DELETE statement removes at most.
	DefaultBatchSize = 1000
	// DefaultBatchPause is the pause between two DELETE statements of one collection.
	DefaultBatchPause = 50 * time.Millisecond
	// MaxBatchSize bounds BatchSize, so that one statement never holds locks on a large range.
	MaxBatchSize = 100000
)

// CollectorOptions configures a [Collector] and [Store.DeleteExpired].
type CollectorOptions struct {
	// Interval is the time between two collections, with up to 10% random jitter so that instances
	// started together do not all wake together. Zero means DefaultCollectInterval.
	Interval time.Duration
	// BatchSize is the number of expired rows one DELETE removes at most (1..MaxBatchSize). Zero
	// means DefaultBatchSize.
	BatchSize int
	// BatchPause is the pause between two DELETE statements, which lets session reads and writes
	// through between batches. Zero means DefaultBatchPause; negative means no pause.
	BatchPause time.Duration
	// Logger receives one line per collection and each error. Nil means the store's logger.
	Logger *slog.Logger
}

func (o *CollectorOptions) resolve(s *Store) error {
	if o.Interval == 0 {
		o.Interval = DefaultCollectInterval
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchPause == 0 {
		o.BatchPause = DefaultBatchPause
	}
	if o.Logger == nil {
		o.Logger = s.opts.Logger
	}
	var errs []error
	if o.Interval < 0 {
		errs = append(errs, fmt.Errorf("CollectorOptions.Interval %v: must be positive", o.Interval))
	}
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		errs = append(errs, fmt.Errorf("CollectorOptions.BatchSize %d: want 1..%d", o.BatchSize, MaxBatchSize))
	}
	return invalid(errs)
}

// DeleteExpired removes every session that expired by now (on the store's clock), in statements of
// at most BatchSize rows with BatchPause between them, and returns how many rows it removed. It
// does not take the collector's advisory lock: running it on several instances at once is safe
// (each row is deleted once) but wasteful; use a [Collector] for the periodic job. On error it
// returns the number removed so far with the error.
func (s *Store) DeleteExpired(ctx context.Context, optFns ...func(*CollectorOptions)) (int64, error) {
	var o CollectorOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if err := o.resolve(s); err != nil {
		return 0, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("session: delete expired: %w", err)
	}
	defer conn.Close()
	n, err := s.deleteExpired(ctx, conn, o)
	if err != nil {
		return n, fmt.Errorf("session: delete expired: %w", err)
	}
	return n, nil
}

// deleteExpired runs the batched delete on conn. Each batch is its own READ COMMITTED transaction:
// under REPEATABLE READ a range DELETE takes gap locks on the expiry index that can block session
// inserts, and a short transaction per batch keeps locks brief.
func (s *Store) deleteExpired(ctx context.Context, conn *sql.Conn, o CollectorOptions) (int64, error) {
	cutoff := s.opts.Clock.Now().UTC()
	var total int64
	for {
		n, err := s.deleteBatch(ctx, conn, cutoff, o.BatchSize)
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(o.BatchSize) {
			return total, nil
		}
		if o.BatchPause > 0 {
			if err := s.opts.Clock.Sleep(ctx, o.BatchPause); err != nil {
				return total, err
			}
		}
	}
}

func (s *Store) deleteBatch(ctx context.Context, conn *sql.Conn, cutoff time.Time, limit int) (int64, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, s.q.deleteExpired, cutoff, limit)
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// Collector periodically deletes expired sessions. Run one per instance: a MySQL advisory lock makes
// sure only one instance collects at a time, and the others skip that round. Nothing runs until
// [Collector.Start]; [Collector.Stop] ends it. A Collector is safe for concurrent use.
type Collector struct {
	store *Store
	opts  CollectorOptions

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// CollectResult describes one collection round.
type CollectResult struct {
	// Deleted is the number of rows removed.
	Deleted int64
	// Skipped is true when another instance held the lock, so this one did nothing.
	Skipped bool
}

// NewCollector returns a Collector for s. It starts nothing.
func NewCollector(s *Store, optFns ...func(*CollectorOptions)) (*Collector, error) {
	var o CollectorOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if err := o.resolve(s); err != nil {
		return nil, err
	}
	return &Collector{store: s, opts: o}, nil
}

// ErrCollectorRunning is returned by [Collector.Start] when the collector is already running.
var ErrCollectorRunning = errors.New("session: collector already running")

// Start runs collections in a new goroutine, one every Interval, until ctx ends or Stop is called.
// The first collection runs after one Interval. Errors (the database being unreachable, say) are
// logged and that round is skipped; the next round tries again. A collector whose ctx ended may be
// started again.
func (c *Collector) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		select {
		case <-c.done: // ended with its context
			c.cancel()
		default:
			return ErrCollectorRunning
		}
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	go c.run(ctx, c.done)
	return nil
}

// Stop ends the collector started by Start and blocks until its goroutine has returned, cancelling a
// collection in progress (the rows already deleted stay deleted). Stop on a stopped collector does
// nothing; the collector may be started again.
func (c *Collector) Stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.cancel, c.done = nil, nil
	c.mu.Unlock()
	if done == nil {
		return
	}
	cancel()
	<-done
}

func (c *Collector) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	clk := c.store.opts.Clock
	for {
		jitter := time.Duration(rand.Int64N(int64(c.opts.Interval)/10 + 1))
		if err := clk.Sleep(ctx, c.opts.Interval+jitter); err != nil {
			return
		}
		res, err := c.RunOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			c.opts.Logger.LogAttrs(ctx, slog.LevelError, "session collector: collection failed", attrErr(err), attrCount("deleted", res.Deleted))
		case res.Skipped:
			c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "session collector: another instance is collecting")
		default:
			c.opts.Logger.LogAttrs(ctx, slogInfo, "session collector: expired sessions deleted", attrCount("deleted", res.Deleted))
		}
	}
}

// RunOnce performs one collection now, in the calling goroutine: it takes the advisory lock without
// waiting (Skipped when another instance holds it), deletes expired rows in batches and releases the
// lock. It is what Start runs every Interval.
func (c *Collector) RunOnce(ctx context.Context) (CollectResult, error) {
	s := c.store
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return CollectResult{}, fmt.Errorf("session: collect: %w", err)
	}
	defer conn.Close()
	release, err := advisoryLock(ctx, conn, "gc", s.q.lockName, 0)
	if errors.Is(err, errLockBusy) {
		return CollectResult{Skipped: true}, nil
	}
	if err != nil {
		return CollectResult{}, fmt.Errorf("session: collect: %w", err)
	}
	defer release()
	// The deletes run on the connection that holds the lock: if it breaks, the server drops the lock
	// and this round stops with an error instead of going on unguarded.
	n, err := s.deleteExpired(ctx, conn, c.opts)
	if err != nil {
		return CollectResult{Deleted: n}, fmt.Errorf("session: collect: %w", err)
	}
	return CollectResult{Deleted: n}, nil
}
