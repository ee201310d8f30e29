package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3Server is an S3 protocol server (gofakes3, in memory) on a loopback port, with a client for it.
type S3Server struct {
	// URL is the server's endpoint, for example "http://127.0.0.1:41234".
	URL string
	// Config is an aws.Config for the server: region us-east-1, static test credentials, BaseEndpoint
	// set to URL. S3 clients made from it must use path-style addressing.
	Config aws.Config
	// Client is a ready S3 client for the server (path-style).
	Client *s3.Client
	// Backend is the server's storage, for inspection.
	Backend *s3mem.Backend
	// Handler is the server's HTTP handler. Tests may wrap it through Wrap to inject faults or
	// count requests.
	Handler http.Handler

	server *httptest.Server
	wrap   func(http.Handler) http.Handler
}

// S3 starts an S3 server on loopback and closes it when the test ends.
func S3(t testing.TB) *S3Server {
	t.Helper()
	backend := s3mem.New()
	faker := gofakes3.New(backend)
	s := &S3Server{Backend: backend, Handler: faker.Server()}
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := s.Handler
		if s.wrap != nil {
			h = s.wrap(h)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.server.Close)
	s.URL = s.server.URL
	s.Config = aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", ""),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.server.Client(),
	}
	s.Client = s3.NewFromConfig(s.Config, func(o *s3.Options) { o.UsePathStyle = true })
	return s
}

// Wrap installs middleware around the server's handler for requests made from now on, for example
// to count requests or fail some of them. It must be called before concurrent use.
func (s *S3Server) Wrap(mw func(http.Handler) http.Handler) { s.wrap = mw }

// Bucket creates a bucket and returns its name.
func (s *S3Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	if _, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("testenv: create bucket %s: %v", name, err)
	}
	return name
}
