package autoscale

import (
	"context"
	"fmt"

	"github.com/portalkit/portalkit/internal/retry"
)

// Client manages launch templates and Auto Scaling groups. It is safe for concurrent use.
type Client struct {
	as   AutoScalingAPI
	ec2  EC2API
	opts Options
}

// New returns a Client over the Auto Scaling and EC2 clients. Invalid options return an error
// matching ErrInvalidOptions that names every invalid field.
func New(as AutoScalingAPI, ec2 EC2API, optFns ...func(*Options)) (*Client, error) {
	if as == nil || ec2 == nil {
		return nil, fmt.Errorf("%w: the Auto Scaling and EC2 clients are required", ErrInvalidOptions)
	}
	o, err := Options{}.resolve(optFns)
	if err != nil {
		return nil, err
	}
	return &Client{as: as, ec2: ec2, opts: o}, nil
}

// options returns the client's options with per-call overrides.
func (c *Client) options(optFns []func(*Options)) (Options, error) {
	if len(optFns) == 0 {
		return c.opts, nil
	}
	return c.opts.resolve(optFns)
}

// call runs op with retries on throttling and on the given classifier, bounded by RetryTimeout.
func call(ctx context.Context, o Options, retryable retry.Classifier, op func(ctx context.Context) error) error {
	if retryable == nil {
		retryable = retry.Throttling
	}
	return retry.Do(ctx, op, retry.Options{Retryable: retryable, MaxElapsed: o.RetryTimeout, Clock: o.Clock})
}
