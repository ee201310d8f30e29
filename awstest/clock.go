package awstest

import (
	"context"
	"sync"
	"time"
)

// Clock is the cloud's virtual clock. Every state machine in the cloud reads it, and code under
// test can use it wherever it accepts a clock with the methods Now and Sleep.
//
// Virtual time moves only forward and only by these three means:
//   - Sleep(ctx, d) moves it forward by d at once and returns without blocking in real time;
//   - Advance(d) moves it forward by d;
//   - the SDK retryer of a [Cloud.Config] client, whose backoff is an Advance.
//
// Concurrent sleepers add up: two goroutines that each sleep a minute move the clock two minutes,
// and each of them observes at least the minute it asked for. Time never stands still for a
// sleeper and never goes backwards, and every operation is serialised by a mutex, so the clock is
// race-free; for a single goroutine (the usual test) the sequence of times it observes is fully
// deterministic. State machines are evaluated from the virtual time when they are read, never by
// background goroutines.
//
// A Clock is safe for concurrent use. The zero value is not usable: get one from [Cloud.Clock].
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since returns the virtual time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Sleep moves the virtual time forward by d and returns at once. It returns ctx.Err() without
// moving the time when ctx is already done. A d of zero or less does not move the time.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the virtual time forward by d. A d of zero or less does nothing.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
