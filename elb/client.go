package elb

import (
	"context"
	"time"

	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// Client manages Application and Network Load Balancers: Ensure converges a load balancer, target
// group and listeners to a [Spec]; Register, Deregister, WaitHealthy and WaitDrained move targets
// in and out of service; [Roll] replaces them batch by batch.
//
// A Client is safe for concurrent use. Methods block until their AWS calls (and waits) finish or
// ctx ends.
type Client struct {
	api  API
	opts Options
}

// New returns a Client that calls api (an *elasticloadbalancingv2.Client, for example). It
// validates the options once: an error matching [ErrInvalidOptions] names every invalid field
// (and a nil api).
func New(api API, optFns ...func(*Options)) (*Client, error) {
	o, err := newOptions(api == nil, optFns)
	if err != nil {
		return nil, err
	}
	return &Client{api: api, opts: o}, nil
}

// newOptions applies optFns to zero Options and validates them, with a nil client as one more
// problem. The result keeps zero fields zero, so that per-call overrides resolve defaults
// against what the caller set.
func newOptions(nilAPI bool, optFns []func(*Options)) (Options, error) {
	o := Options{}.with(optFns)
	var p check.Problems
	p.If(nilAPI, "api is nil")
	o.check(&p)
	return o, p.Err(ErrInvalidOptions)
}

// call runs one AWS call, retrying for up to o.RetryTimeout what retryable accepts. Each call
// site declares what it tolerates: retry.Throttling, or retry.Codes with the codes that mean
// "not visible yet" there (TargetGroupNotFound when registering in a target group just created,
// LoadBalancerNotFound when listing the listeners of a load balancer just created). A describe
// that finds out whether something exists (by name) retries throttling only, because there
// NotFound means it does not.
func call(ctx context.Context, o Options, operation string, retryable retry.Classifier, fn func(ctx context.Context) error) error {
	return retry.Do(ctx, fn, retry.Options{
		Retryable:  retryable,
		MaxElapsed: o.RetryTimeout,
		Clock:      o.Clock,
		OnRetry: func(err error, _ time.Duration) {
			o.Logger.Debug("elb: retrying", "operation", operation, "error", err)
		},
	})
}
