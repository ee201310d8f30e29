package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/loop"
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
	// Interval is the time between two collections. Each collector adds a random extra of up to
	// 10%, chosen once when it is made, so that instances started together do not all wake
	// together. Zero means DefaultCollectInterval.
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

// resolve fills the defaults of o and records what is invalid in p.
func (o *CollectorOptions) resolve(s *Store, p *check.Problems) {
	if o.Interval == 0 {
		o.Interval = DefaultCollectInterval
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchPause == 0 {
		o.BatchPause = DefaultBatchPause
	}
	if o.Logger == nil && s != nil {
		o.Logger = s.opts.Logger
	}
	p.If(o.Interval < 0, "Interval %v: must be positive", o.Interval)
	p.If(o.BatchSize < 1 || o.BatchSize > MaxBatchSize, "BatchSize %d: want 1..%d", o.BatchSize, MaxBatchSize)
}

// collectorOptions applies optFns to a copy of the zero CollectorOptions, fills the defaults and
// validates the result once.
func collectorOptions(s *Store, optFns []func(*CollectorOptions)) (CollectorOptions, error) {
	var o CollectorOptions
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	p.If(s == nil, "store is nil")
	o.resolve(s, &p)
	return o, p.Err(ErrInvalidOptions)
}

// DeleteExpired removes every session that expired by now (on the store's clock), in statements of
// at most BatchSize rows with BatchPause between them, and returns how many rows it removed. It
// does not take the collector's advisory lock: running it on several instances at once is safe
// (each row is deleted once) but wasteful; use a [Collector] for the periodic job. On error it
// returns the number removed so far with the error.
func (s *Store) DeleteExpired(ctx context.Context, optFns ...func(*CollectorOptions)) (int64, error) {
	o, err := collectorOptions(s, optFns)
	if err != nil {
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
	loop  *loop.Loop
}

// CollectResult describes one collection round.
type CollectResult struct {
	// Deleted is the number of rows removed.
	Deleted int64
	// Skipped is true when another instance held the lock, so this one did nothing.
	Skipped bool
}

// NewCollector returns a Collector for s. It starts nothing. Invalid options give an error
// matching [ErrInvalidOptions] that names every invalid field.
func NewCollector(s *Store, optFns ...func(*CollectorOptions)) (*Collector, error) {
	o, err := collectorOptions(s, optFns)
	if err != nil {
		return nil, err
	}
	c := &Collector{store: s, opts: o}
	jitter := time.Duration(rand.Int64N(int64(o.Interval)/10 + 1))
	c.loop = loop.New(s.opts.Clock, o.Interval+jitter, c.round)
	return c, nil
}

// Start runs collections in a new goroutine, one every Interval (plus the collector's jitter),
// until ctx ends or Stop is called. The first collection runs after one interval. Errors (the
// database being unreachable, say) are logged and that round is skipped; the next round tries
// again. It returns ErrCollectorRunning when the collector is running; a collector whose ctx ended
// may be started again.
func (c *Collector) Start(ctx context.Context) error {
	if err := c.loop.Start(ctx); err != nil {
		if errors.Is(err, loop.ErrRunning) {
			return ErrCollectorRunning
		}
		return fmt.Errorf("session: start collector: %w", err)
	}
	return nil
}

// Stop ends the collector started by Start and blocks until its goroutine has returned, cancelling a
// collection in progress (the rows already deleted stay deleted). Stop on a stopped collector does
// nothing; the collector may be started again.
func (c *Collector) Stop() { c.loop.Stop() }

// round is one tick of the loop: a collection, logged.
func (c *Collector) round(ctx context.Context) {
	res, err := c.RunOnce(ctx)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		c.opts.Logger.LogAttrs(ctx, slog.LevelError, "session collector: collection failed", attrErr(err), attrCount("deleted", res.Deleted))
	case res.Skipped:
		c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "session collector: another instance is collecting")
	default:
		c.opts.Logger.LogAttrs(ctx, slogInfo, "session collector: expired sessions deleted", attrCount("deleted", res.Deleted))
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
