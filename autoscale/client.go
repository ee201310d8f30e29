package autoscale

import (
	"context"
	"strings"

	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// Client manages launch templates and Auto Scaling groups. It is safe for concurrent use.
type Client struct {
	as  AutoScalingAPI
	ec2 EC2API
	// base is the options as New's optFns left them, before defaults: per-call overrides apply
	// to a copy of it, so a default derived from another field (MaxPollInterval from
	// PollInterval) follows that field's per-call value.
	base Options
	opts Options
}

// New returns a Client over the Auto Scaling and EC2 clients. A nil client or invalid options
// return an error matching ErrInvalidOptions that names each of them.
func New(as AutoScalingAPI, ec2 EC2API, optFns ...func(*Options)) (*Client, error) {
	var p check.Problems
	p.If(as == nil, "the Auto Scaling client is nil")
	p.If(ec2 == nil, "the EC2 client is nil")
	base := Options{}.apply(optFns)
	o, err := base.resolve(nil)
	if p.Len() > 0 {
		if err != nil {
			p.Addf("%s", strings.TrimPrefix(err.Error(), ErrInvalidOptions.Error()+": "))
		}
		return nil, p.Err(ErrInvalidOptions)
	}
	if err != nil {
		return nil, err
	}
	return &Client{as: as, ec2: ec2, base: base, opts: o}, nil
}

// options returns the client's options with per-call overrides.
func (c *Client) options(optFns []func(*Options)) (Options, error) {
	if len(optFns) == 0 {
		return c.opts, nil
	}
	return c.base.resolve(optFns)
}

// call runs op with retries on throttling and on the given classifier, bounded by RetryTimeout.
func call(ctx context.Context, o Options, retryable retry.Classifier, op func(ctx context.Context) error) error {
	if retryable == nil {
		retryable = retry.Throttling
	}
	return retry.Do(ctx, op, retry.Options{Retryable: retryable, MaxElapsed: o.RetryTimeout, Clock: o.Clock})
}
