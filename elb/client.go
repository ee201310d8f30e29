package elb

import (
	"context"
	"time"

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

// New returns a Client that calls api (an *elasticloadbalancingv2.Client, for example). Options
// are checked when a method runs, which reports every invalid field in one error.
func New(api API, optFns ...func(*Options)) *Client {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	return &Client{api: api, opts: o.copy()}
}

// call runs one AWS call, retrying throttling and the operation's eventual-consistency errors
// (for example TargetGroupNotFound right after CreateTargetGroup) for up to o.RetryTimeout.
func call(ctx context.Context, o Options, operation string, fn func(ctx context.Context) error) error {
	return retry.Do(ctx, fn, retry.Options{
		Retryable:  retry.ForOperation(operation),
		MaxElapsed: o.RetryTimeout,
		Clock:      o.Clock,
		OnRetry: func(err error, _ time.Duration) {
			o.Logger.Debug("elb: retrying", "operation", operation, "error", err)
		},
	})
}
