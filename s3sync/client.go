package s3sync

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/portalkit/portalkit/internal/check"
)

// NewFromConfig builds an S3 client from cfg, tuned for the sync (idle connections per host raised
// to Options.Concurrency, path-style addressing when Options.UsePathStyle), and returns a Syncer on it.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) (*Syncer, error) {
	var p check.Problems
	o, err := resolveOptions(Options{}, optFns, &p)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.UsePathStyle = o.UsePathStyle
		so.HTTPClient = TuneHTTPClient(so.HTTPClient, o.Concurrency)
	})
	return &Syncer{api: client, opts: o}, nil
}

// TuneHTTPClient returns an HTTP client like c whose transport keeps at least conns idle
// connections per host. The SDK default keeps 10 (DefaultHTTPTransportMaxIdleConnsPerHost), and
// net/http's 2; with more requests in flight than that, connections are closed and re-opened (with
// a new TLS handshake) all the time. A nil c means the SDK's default client. Clients of other types
// are returned unchanged.
func TuneHTTPClient(c aws.HTTPClient, conns int) aws.HTTPClient {
	tune := func(t *http.Transport) {
		if t.MaxIdleConnsPerHost < conns {
			t.MaxIdleConnsPerHost = conns
		}
		if t.MaxIdleConns != 0 && t.MaxIdleConns < conns {
			t.MaxIdleConns = conns
		}
	}
	switch hc := c.(type) {
	case nil:
		return awshttp.NewBuildableClient().WithTransportOptions(tune)
	case *awshttp.BuildableClient:
		return hc.WithTransportOptions(tune)
	case *http.Client:
		t, ok := hc.Transport.(*http.Transport)
		if hc.Transport == nil {
			t, ok = http.DefaultTransport.(*http.Transport)
		}
		if !ok {
			return c
		}
		t = t.Clone()
		tune(t)
		cp := *hc
		cp.Transport = t
		return &cp
	}
	return c
}
