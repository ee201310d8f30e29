package awstest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Server is the embedded S3 protocol server (gofakes3, in memory) on a loopback port. Its clock
// is the cloud's virtual clock, so object times agree with the rest of the cloud.
type s3Server struct {
	server    *httptest.Server
	transport *http.Transport
	url       string
	host      string
}

func newS3Server(clock *Clock) *s3Server {
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	// The SDK signs with the wall clock while gofakes3 reads the virtual one, so its request-time
	// skew check (15 minutes by default) must be off.
	faker := gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0))
	srv := httptest.NewServer(newBucketConfig(faker.Server()))
	return &s3Server{
		server:    srv,
		transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{}).DialContext, MaxIdleConnsPerHost: 16},
		url:       srv.URL,
		host:      srv.Listener.Addr().String(),
	}
}

func (s *s3Server) close() {
	s.transport.CloseIdleConnections()
	s.server.Close()
}

// loopbackOnly is the Config's HTTP transport: it lets requests reach the embedded S3 server and
// refuses every other host, so no client made from the Config can reach real AWS.
type loopbackOnly struct {
	host string
	next http.RoundTripper
}

func (t *loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("awstest: refusing to send %s %s: the simulated cloud only reaches its S3 server at %s (S3 clients need UsePathStyle)", r.Method, r.URL.Redacted(), t.host)
	}
	return t.next.RoundTrip(r)
}

// S3Client returns an S3 client for the embedded S3 server: Config() with path-style addressing,
// which the server needs, plus optFns.
func (c *Cloud) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	fns := append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)
	return s3.NewFromConfig(c.Config(), fns...)
}

// S3URL returns the embedded S3 server's endpoint, for example "http://127.0.0.1:41234", for tools
// that speak S3 themselves (aws s3 --endpoint-url, rclone).
func (c *Cloud) S3URL() string { return c.s3.url }

// s3Model is S3 as a pass-through service: its calls reach the embedded server over HTTP, after
// the middleware has logged them and applied injected faults. The server holds the state.
type s3Model struct{ svc *service }

func (m s3Model) service() *service { return m.svc }

func newS3Model(*Cloud) model { return s3Model{svc: newS3Service()} }

// s3Operations are the S3 operations a fault may name: the embedded server answers them.
var s3Operations = map[string]bool{}

func init() {
	for _, op := range []string{
		"AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateBucket", "CreateMultipartUpload",
		"DeleteBucket", "DeleteObject", "DeleteObjects", "GetBucketVersioning", "GetObject", "HeadBucket",
		"HeadObject", "ListBuckets", "ListMultipartUploads", "ListObjectVersions", "ListObjects", "ListObjectsV2",
		"ListParts", "PutBucketVersioning", "PutObject", "UploadPart",
	} {
		s3Operations[op] = true
	}
}

func newS3Service() *service {
	s := newService(ServiceS3, "SlowDown", http.StatusServiceUnavailable)
	s.passThrough = true
	s.newError = func(code, msg string) error {
		switch code {
		case "NoSuchKey":
			return &s3types.NoSuchKey{Message: aws.String(msg)}
		case "NoSuchBucket":
			return &s3types.NoSuchBucket{Message: aws.String(msg)}
		case "NoSuchUpload":
			return &s3types.NoSuchUpload{Message: aws.String(msg)}
		case "NotFound":
			return &s3types.NotFound{Message: aws.String(msg)}
		}
		return genericError(code, msg)
	}
	return s
}
