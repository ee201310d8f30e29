package poll

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/awserr"
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultMinDelay = 5 * time.Second
	DefaultMaxDelay = 30 * time.Second
	DefaultMaxWait  = 15 * time.Minute
	DefaultJitter   = 0.2
)

// Status is the verdict of one check.
type Status int

const (
	// Pending means the awaited condition has not been reached yet; poll again.
	Pending Status = iota
	// Done means the awaited condition holds; the wait succeeds.
	Done
	// Failed means the awaited condition can no longer be reached; the wait fails at once.
	Failed
)

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Done:
		return "done"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is what one check observed.
type Result struct {
	// Status is the verdict.
	Status Status
	// State is the observed state in the service's words, for example "initial", "healthy 3/4" or
	// "modifying". Progress and error messages quote it.
	State string
	// Reason explains a Failed status, for example "Target.FailedHealthChecks".
	Reason string
}

// Check observes the world once. It returns an error only when it could not observe; a state that
// means failure is a Result with Status Failed.
type Check func(ctx context.Context) (Result, error)

// Progress is reported each time the observed state changes, and for the first observation.
type Progress struct {
	What     string        // what is being waited for
	State    string        // the state just observed
	Previous string        // the state observed before, "" on the first report
	Elapsed  time.Duration // time since the wait started
	Attempt  int           // 1-based number of the check that observed State
}

// Options configures Wait.
type Options struct {
	// What names the thing waited for in progress reports and errors, for example
	// "targets healthy in tg-web". Required.
	What string
	// MinDelay is the first delay between checks and the delay after a state change.
	// Zero means DefaultMinDelay.
	MinDelay time.Duration
	// MaxDelay caps the delay between checks. Zero means DefaultMaxDelay; it is raised to MinDelay
	// when smaller.
	MaxDelay time.Duration
	// MaxWait bounds the whole wait, in addition to ctx's deadline. Zero means DefaultMaxWait.
	MaxWait time.Duration
	// Jitter is the largest fraction by which a delay is randomly shortened, in [0, 1).
	// Zero means DefaultJitter; a negative value disables jitter.
	Jitter float64
	// Transient reports whether an error returned by the check is expected and worth another
	// check (eventual consistency after a create, for example). Throttling errors are always
	// tolerated. Nil means only throttling is tolerated.
	Transient func(error) bool
	// OnProgress, if not nil, is called synchronously on every state change.
	OnProgress func(Progress)
	// Clock is the time source. Nil means the wall clock.
	Clock clock.Clock
	// Package names the calling package ("elb", "rds", ...); errors are prefixed with it.
	Package string
	// ErrTimeout is the calling package's timeout sentinel, matched by the *wait.TimeoutError
	// (as well as wait.ErrTimeout). ErrFailed, likewise, for a *wait.FailedError. Nil adds none.
	ErrTimeout, ErrFailed error
}

func (o *Options) resolve() error {
	if o.What == "" {
		return errors.New("poll: Options.What is required")
	}
	if o.MinDelay < 0 || o.MaxDelay < 0 || o.MaxWait < 0 {
		return fmt.Errorf("poll: negative delay or wait for %s", o.What)
	}
	if o.Jitter >= 1 {
		return fmt.Errorf("poll: Jitter %v for %s must be below 1", o.Jitter, o.What)
	}
	if o.MinDelay == 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	if o.MaxWait == 0 {
		o.MaxWait = DefaultMaxWait
	}
	switch {
	case o.Jitter == 0:
		o.Jitter = DefaultJitter
	case o.Jitter < 0:
		o.Jitter = 0
	}
	o.Clock = clock.Or(o.Clock)
	return nil
}

// Wait runs check until it reports Done or Failed, ctx ends, or opts.MaxWait passes.
//
// It returns the last Result and:
//   - nil when the check reported Done;
//   - a *FailedError as soon as the check reports Failed;
//   - a *TimeoutError when MaxWait passed or ctx's deadline expired (it unwraps to
//     context.DeadlineExceeded in the latter case);
//   - ctx.Err() when ctx was cancelled;
//   - the check's error, wrapped, when it is neither throttling nor declared transient.
func Wait(ctx context.Context, check Check, opts Options) (Result, error) {
	if err := opts.resolve(); err != nil {
		return Result{}, err
	}
	w := waiter{opts: opts, start: opts.Clock.Now(), delay: opts.MinDelay}
	return w.run(ctx, check)
}

type waiter struct {
	opts    Options
	start   time.Time
	delay   time.Duration
	last    Result
	seen    bool
	lastErr error
}

func (w *waiter) run(ctx context.Context, check Check) (Result, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return w.last, w.ctxErr(err)
		}
		res, err := check(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return w.last, w.ctxErr(ctx.Err())
		case err != nil && !w.tolerated(err):
			return w.last, fmt.Errorf("%s: waiting for %s: %w", w.prefix(), w.opts.What, err)
		case err != nil:
			w.lastErr = err
		default:
			w.lastErr = nil
			w.observe(res, attempt)
			switch res.Status {
			case Done:
				return res, nil
			case Failed:
				return res, &FailedError{Package: w.opts.Package, What: w.opts.What, State: res.State, Reason: res.Reason, Sentinel: w.opts.ErrFailed}
			}
		}
		if err := w.sleep(ctx); err != nil {
			return w.last, err
		}
	}
}

func (w *waiter) tolerated(err error) bool {
	return awserr.IsThrottle(err) || (w.opts.Transient != nil && w.opts.Transient(err))
}

// observe records res and reports a state change.
func (w *waiter) observe(res Result, attempt int) {
	changed := !w.seen || res.State != w.last.State
	prev := w.last.State
	w.last, w.seen = res, true
	if !changed {
		w.delay = min(w.delay*2, w.opts.MaxDelay)
		return
	}
	w.delay = w.opts.MinDelay
	if w.opts.OnProgress != nil {
		w.opts.OnProgress(Progress{
			What: w.opts.What, State: res.State, Previous: prev,
			Elapsed: w.opts.Clock.Now().Sub(w.start), Attempt: attempt,
		})
	}
}

// sleep waits for the next check, or returns the error that ends the wait.
func (w *waiter) sleep(ctx context.Context) error {
	elapsed := w.opts.Clock.Now().Sub(w.start)
	remaining := w.opts.MaxWait - elapsed
	if remaining <= 0 {
		return w.timeout(nil)
	}
	d := w.delay
	if w.opts.Jitter > 0 {
		d -= time.Duration(rand.Float64() * w.opts.Jitter * float64(d))
	}
	d = min(d, remaining)
	if err := w.opts.Clock.Sleep(ctx, d); err != nil {
		return w.ctxErr(err)
	}
	return nil
}

func (w *waiter) ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return w.timeout(err)
	}
	return err
}

func (w *waiter) timeout(cause error) error {
	return &TimeoutError{
		Package:   w.opts.Package,
		What:      w.opts.What,
		LastState: w.last.State,
		Observed:  w.seen,
		Waited:    w.opts.Clock.Now().Sub(w.start),
		LastErr:   w.lastErr,
		Sentinel:  w.opts.ErrTimeout,
		Cause:     cause,
	}
}

func (w *waiter) prefix() string {
	if w.opts.Package != "" {
		return w.opts.Package
	}
	return "poll"
}
