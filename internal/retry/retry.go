package retry

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/portalkit/portalkit/clock"
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 20 * time.Second
	DefaultMaxElapsed      = 2 * time.Minute
)

// Options configures Do.
type Options struct {
	// Retryable decides whether a failed attempt is tried again. Nil means Throttling.
	Retryable Classifier
	// InitialInterval is the delay after the first failure. Zero means DefaultInitialInterval.
	InitialInterval time.Duration
	// MaxInterval caps the delay between attempts. Zero means DefaultMaxInterval.
	MaxInterval time.Duration
	// MaxElapsed bounds the time spent retrying, measured on Clock. Zero means DefaultMaxElapsed.
	MaxElapsed time.Duration
	// MaxAttempts, if positive, bounds the number of attempts.
	MaxAttempts int
	// OnRetry, if not nil, is called before each retry with the error and the coming delay.
	OnRetry func(err error, delay time.Duration)
	// Clock is the time source. Nil means the wall clock.
	Clock clock.Clock
}

// Do calls op until it succeeds, returns an error that Retryable rejects or that is marked with
// Permanent, MaxElapsed or MaxAttempts is exhausted, or ctx ends.
//
// It returns nil on success, ctx.Err() when ctx ended the retries, and otherwise the last error of op
// (unwrapped from Permanent).
func Do(ctx context.Context, op func(ctx context.Context) error, opts Options) error {
	retryable := opts.Retryable
	if retryable == nil {
		retryable = Throttling
	}
	clk := clock.Or(opts.Clock)
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = orDefault(opts.InitialInterval, DefaultInitialInterval)
	b.MaxInterval = orDefault(opts.MaxInterval, DefaultMaxInterval)
	b.MaxElapsedTime = orDefault(opts.MaxElapsed, DefaultMaxElapsed)
	b.Clock = clk
	b.Reset()

	for attempt := 1; ; attempt++ {
		err := op(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case isPermanent(err):
			return errors.Unwrap(err)
		case !retryable(err), opts.MaxAttempts > 0 && attempt >= opts.MaxAttempts:
			return err
		}
		next := b.NextBackOff()
		if next == backoff.Stop {
			return err
		}
		if opts.OnRetry != nil {
			opts.OnRetry(err, next)
		}
		if err := clk.Sleep(ctx, next); err != nil {
			return err
		}
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Permanent marks err as not worth retrying, whatever the classifier says. Do returns err itself
// (unwrapped). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	_, ok := err.(*permanentError)
	return ok
}
