package route53_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/route53"
)

func TestRedirectHandler(t *testing.T) {
	h, err := route53.RedirectHandler("example.com", "Example.ORG.")
	require.NoError(t, err)
	for _, tc := range []struct {
		desc, host, target string
		status             int
		location           string
	}{
		{"path and query kept", "example.com", "/shop/cart?item=42&q=a%20b", 301, "https://www.example.com/shop/cart?item=42&q=a%20b"},
		{"root", "example.com", "/", 301, "https://www.example.com/"},
		{"port and case in Host", "EXAMPLE.com:8080", "/a", 301, "https://www.example.com/a"},
		{"second apex", "example.org", "/x?y", 301, "https://www.example.org/x?y"},
		{"encoded path kept", "example.com", "/a%2Fb/%C3%A9", 301, "https://www.example.com/a%2Fb/%C3%A9"},
		{"//evil.com path", "example.com", "//evil.com/x", 301, "https://www.example.com/evil.com/x"},
		{"///evil.com path", "example.com", "///evil.com", 301, "https://www.example.com/evil.com"},
		{"backslash path", "example.com", "/\\evil.com", 301, "https://www.example.com/%5Cevil.com"},
		{"foreign host", "evil.com", "/", 404, ""},
		{"www host is not redirected again", "www.example.com", "/", 404, ""},
		{"subdomain of the apex", "a.example.com", "/", 404, ""},
		{"suffix trick", "example.com.evil.com", "/", 404, ""},
		{"no host", "", "/", 400, ""},
		{"host with userinfo", "evil.com@example.com", "/", 400, ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://placeholder"+tc.target, nil)
			req.Host = tc.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.status, rec.Code)
			loc := rec.Header().Get("Location")
			assert.Equal(t, tc.location, loc)
			if loc != "" {
				u, err := url.Parse(loc)
				require.NoError(t, err)
				assert.Contains(t, []string{"www.example.com", "www.example.org"}, u.Host, "the Location's host is always the configured www host")
				assert.Equal(t, "https", u.Scheme)
			}
		})
	}
}

// TestRedirectHandlerOverHTTP sends raw requests through a real server, including an
// absolute-form request line naming another host.
func TestRedirectHandlerOverHTTP(t *testing.T) {
	h, err := route53.RedirectHandler("example.com")
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	req, err := http.NewRequest(http.MethodGet, srv.URL+"//evil.com/%2e%2e?next=//evil.com", nil)
	require.NoError(t, err)
	req.Host = "example.com"
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	assert.Equal(t, "https://www.example.com/evil.com/%2e%2e?next=//evil.com", resp.Header.Get("Location"))

	req, err = http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	require.NoError(t, err)
	req.Host = "attacker.test"
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Location"))
}

func TestRedirectHandlerValidation(t *testing.T) {
	for _, apexes := range [][]string{nil, {"www.example.com"}, {"not a domain"}, {"*.example.com"}, {"localhost"}} {
		_, err := route53.RedirectHandler(apexes...)
		assert.ErrorIs(t, err, route53.ErrInvalidSpec, "%q", apexes)
	}
}

// recordingS3 records PutBucketWebsite calls. The embedded S3 server of awstest (gofakes3) does
// not implement the website API, so the call is checked against this fake.
type recordingS3 struct {
	got []*s3.PutBucketWebsiteInput
	err error
}

func (r *recordingS3) PutBucketWebsite(_ context.Context, in *s3.PutBucketWebsiteInput, _ ...func(*s3.Options)) (*s3.PutBucketWebsiteOutput, error) {
	r.got = append(r.got, in)
	return &s3.PutBucketWebsiteOutput{}, r.err
}

func TestRedirectBucketWebsite(t *testing.T) {
	in, err := route53.RedirectBucketWebsite("Example.com.")
	require.NoError(t, err)
	assert.Equal(t, "example.com", aws.ToString(in.Bucket), "the bucket is named like the apex")
	require.NotNil(t, in.WebsiteConfiguration.RedirectAllRequestsTo)
	assert.Equal(t, "www.example.com", aws.ToString(in.WebsiteConfiguration.RedirectAllRequestsTo.HostName))
	assert.Equal(t, s3types.ProtocolHttps, in.WebsiteConfiguration.RedirectAllRequestsTo.Protocol)
	assert.Nil(t, in.WebsiteConfiguration.IndexDocument, "RedirectAllRequestsTo excludes every other setting")

	fake := &recordingS3{}
	require.NoError(t, route53.ConfigureRedirectBucket(context.Background(), fake, "example.com"))
	require.Len(t, fake.got, 1)
	assert.Equal(t, in, fake.got[0])

	fake.err = errors.New("AccessDenied")
	assert.ErrorContains(t, route53.ConfigureRedirectBucket(context.Background(), fake, "example.com"), "route53: configuring redirect bucket example.com")
	_, err = route53.RedirectBucketWebsite("www.example.com")
	assert.ErrorIs(t, err, route53.ErrInvalidSpec)
}
