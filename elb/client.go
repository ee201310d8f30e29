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
//
// notYetVisible adds codes that mean "not visible yet" at this call site only: a read by ARN of
// a resource a create call just returned (DescribeListeners of a new load balancer answers
// LoadBalancerNotFound for a few seconds). A read by name never passes them, because there the
// code means the resource does not exist.
func call(ctx context.Context, o Options, operation string, fn func(ctx context.Context) error, notYetVisible ...string) error {
	retryable := retry.ForOperation(operation)
	if len(notYetVisible) > 0 {
		retryable = retry.Any(retryable, retry.Codes(notYetVisible...))
	}
	return retry.Do(ctx, fn, retry.Options{
		Retryable:  retryable,
		MaxElapsed: o.RetryTimeout,
		Clock:      o.Clock,
		OnRetry: func(err error, _ time.Duration) {
			o.Logger.Debug("elb: retrying", "operation", operation, "error", err)
		},
	})
}
