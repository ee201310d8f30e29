package rds

import (
	"context"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/internal/retry"
)

// Client manages MySQL DB instances and their snapshots through an RDS API client.
type Client struct {
	api  API
	opts Options
}

// New returns a Client for api. Invalid options return an error matching ErrInvalidOptions that
// names every invalid field.
func New(api API, optFns ...func(*Options)) (*Client, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	_, err := o.resolve(nil)
	switch {
	case api == nil && err != nil:
		return nil, fmt.Errorf("%w; api is nil", err)
	case api == nil:
		return nil, fmt.Errorf("%w: api is nil", ErrInvalidOptions)
	case err != nil:
		return nil, err
	}
	return &Client{api: api, opts: o}, nil
}

// call runs fn under internal/retry with the classifier the call site declares, bounded by
// RetryTimeout, logging each retry at debug level.
func call(ctx context.Context, o Options, what string, retryable retry.Classifier, fn func(context.Context) error) error {
	return retry.Do(ctx, fn, retry.Options{
		Retryable: retryable, MaxElapsed: o.RetryTimeout, Clock: o.Clock,
		OnRetry: func(err error, d time.Duration) {
			o.Logger.Debug("rds: retrying", "call", what, "error", err.Error(), "delay", d)
		},
	})
}
