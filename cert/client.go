package cert

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// Client imports, uploads, sets and reports certificates. It is safe for concurrent use.
type Client struct {
	api Clients
	o   Options
}

// New returns a Client over the given AWS clients (at least one). Invalid options, or no client
// at all, return an error matching [ErrInvalidOptions] that names every problem.
func New(api Clients, optFns ...func(*Options)) (*Client, error) {
	o, err := Options{}.resolve(optFns)
	none := api.ACM == nil && api.IAM == nil && api.ELBv2 == nil && api.ELB == nil
	switch {
	case none && err != nil:
		return nil, fmt.Errorf("%w; Clients has no AWS client", err)
	case none:
		return nil, fmt.Errorf("%w: Clients has no AWS client", ErrInvalidOptions)
	case err != nil:
		return nil, err
	}
	return &Client{api: api, o: o}, nil
}

// NewFromConfig returns a Client with all four AWS clients made from cfg.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) (*Client, error) {
	return New(Clients{
		ACM: acm.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg),
		ELBv2: elasticloadbalancingv2.NewFromConfig(cfg), ELB: elasticloadbalancing.NewFromConfig(cfg),
	}, optFns...)
}

// opts returns the client's options with a call's overrides applied to a copy, and checks that the
// clients the call needs are there.
func (c *Client) opts(optFns []func(*Options), need ...string) (Options, error) {
	o, err := c.o.resolve(optFns)
	if err != nil {
		return o, err
	}
	var p check.Problems
	for _, n := range need {
		switch n {
		case "ACM":
			p.If(c.api.ACM == nil, "Clients.ACM is nil")
		case "IAM":
			p.If(c.api.IAM == nil, "Clients.IAM is nil")
		case "ELBv2":
			p.If(c.api.ELBv2 == nil, "Clients.ELBv2 is nil")
		case "ELB":
			p.If(c.api.ELB == nil, "Clients.ELB is nil")
		}
	}
	return o, p.Err(ErrInvalidOptions)
}

// call runs one AWS call, retrying throttling (which the SDK retryer gave up on) on o's clock.
func call(ctx context.Context, o Options, fn func(ctx context.Context) error) error {
	return retry.Do(ctx, fn, retry.Options{Retryable: retry.Throttling, Clock: o.Clock})
}

// callUsingCertificate runs a call that points a listener at a certificate: a certificate just
// imported into ACM or uploaded to IAM can be unknown to the load balancer APIs for a few seconds
// (CertificateNotFound), so that is retried too, for at most retry.DefaultMaxElapsed.
func callUsingCertificate(ctx context.Context, o Options, fn func(ctx context.Context) error) error {
	return retry.Do(ctx, fn, retry.Options{Retryable: retry.Codes("CertificateNotFound"), Clock: o.Clock})
}
