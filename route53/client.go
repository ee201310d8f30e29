package route53

import (
	"context"
	"errors"
	"sync"

	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// Client manages records in Route 53 hosted zones. It serialises the changes it makes to each
// hosted zone and limits its calls to Options.RequestsPerSecond, whoever calls it.
//
// A Client is safe for concurrent use.
type Client struct {
	api  API
	opts Options
	lim  *limiter

	mu    sync.Mutex
	locks map[string]*semaphore.Weighted // per hosted zone ID, weight 1: a lock that ctx can abandon
	zones map[zoneKey]Zone               // zone lookups by domain

	lookup *semaphore.Weighted // serialises lookups, so concurrent callers share one
}

type zoneKey struct {
	domain  string
	private bool
}

// New returns a Client that calls api, usually a *route53.Client. Options.RequestsPerSecond and
// Options.Clock set the Client's rate limiter here, once; per-call overrides of them have no
// effect on it.
func New(api API, optFns ...func(*Options)) (*Client, error) {
	opts, err := Options{}.resolve(optFns)
	var p check.Problems
	p.If(api == nil, "api is nil")
	if err := errors.Join(p.Err(ErrInvalidOptions), err); err != nil {
		return nil, err
	}
	return &Client{
		api: api, opts: opts, lim: newLimiter(opts.Clock, opts.RequestsPerSecond),
		locks: map[string]*semaphore.Weighted{}, zones: map[zoneKey]Zone{}, lookup: semaphore.NewWeighted(1),
	}, nil
}

// resolve returns the Client's options with optFns applied to a copy.
func (c *Client) resolve(optFns []func(*Options)) (Options, error) {
	return c.opts.resolve(optFns)
}

// zoneLock returns the lock (a semaphore of weight 1, which a waiter leaves when its ctx ends)
// that serialises changes to one hosted zone.
func (c *Client) zoneLock(id string) *semaphore.Weighted {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.locks[id]
	if !ok {
		l = semaphore.NewWeighted(1)
		c.locks[id] = l
	}
	return l
}

// callOptions are the options of every Route 53 call: the rate limiter, then the caller's.
func (c *Client) callOptions(o Options) []func(*awsroute53.Options) {
	return append([]func(*awsroute53.Options){c.lim.apply}, o.Route53Options...)
}

// retry runs op until it succeeds or fails with an error retryable rejects, for up to
// o.RetryTimeout. The SDK's retryer retries throttling (and PriorRequestNotComplete) a few times
// first; this outlasts a longer burst or a slow change from another process.
func (c *Client) retry(ctx context.Context, o Options, retryable retry.Classifier, op func(context.Context) error) error {
	return retry.Do(ctx, op, retry.Options{Retryable: retryable, MaxElapsed: o.RetryTimeout, Clock: o.Clock})
}

// limiter lets one call start per 1/rps on its clock (a token bucket of one token). Waiters
// queue on turn, so the time each one observes after its sleep is the time its call goes out, on
// the wall clock and on a virtual one.
type limiter struct {
	turn *semaphore.Weighted
	clk  clock.Clock
	lim  *rate.Limiter
}

func newLimiter(clk clock.Clock, rps float64) *limiter {
	return &limiter{turn: semaphore.NewWeighted(1), clk: clk, lim: rate.NewLimiter(rate.Limit(rps), 1)}
}

// wait blocks until the next call may start, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	if err := l.turn.Acquire(ctx, 1); err != nil {
		return err
	}
	defer l.turn.Release(1)
	now := l.clk.Now()
	r := l.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := l.clk.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clk.Now())
		return err
	}
	return nil
}

// apply adds the limiter to a call's middleware stack, after the retry middleware so that every
// attempt waits for its turn.
func (l *limiter) apply(o *awsroute53.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		mw := middleware.FinalizeMiddlewareFunc("portalkit.route53.RateLimit", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if err := l.wait(ctx); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		})
		if err := stack.Finalize.Insert(mw, "Retry", middleware.After); err != nil {
			return stack.Finalize.Add(mw, middleware.After)
		}
		return nil
	})
}
