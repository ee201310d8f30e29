package bootstrap

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
)

// aemmConfig makes the mock serve an instance in an Auto Scaling group whose target lifecycle
// state stays InService for the test.
const aemmConfig = `{"asg-termination-delay-sec": 3600}`

func TestIdentityFromIMDSMockWithIMDSv2Required(t *testing.T) {
	mock := testenv.IMDS(t, aemmConfig)
	id, err := FetchIdentity(context.Background(), NewIMDSClient(mock.Endpoint))
	require.NoError(t, err)
	assert.Equal(t, Identity{
		InstanceID:           "i-1234567890abcdef0",
		AvailabilityZone:     "us-east-1a",
		Region:               "us-east-1",
		TargetLifecycleState: "InService",
	}, id)

	// The mock really requires tokens: a request without one is refused.
	resp, err := http.Get(mock.Endpoint + "/latest/meta-data/instance-id")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// imdsV1Only is a metadata service whose token endpoint is unavailable (404, as on an old or
// misconfigured endpoint) but that answers unauthenticated IMDSv1 reads: exactly where an SDK
// client with fallback would silently downgrade.
func imdsV1Only(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var v1Reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") == "" {
			v1Reads.Add(1)
		}
		switch strings.TrimPrefix(r.URL.Path, "/latest/meta-data/") {
		case "instance-id":
			w.Write([]byte("i-0v1v1v1v1v1v1v1v1"))
		case "placement/availability-zone":
			w.Write([]byte("us-east-1b"))
		case "placement/region":
			w.Write([]byte("us-east-1"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &v1Reads
}

func TestIdentityFailsWithoutTokenEndpointNoV1Fallback(t *testing.T) {
	srv, v1Reads := imdsV1Only(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, err := FetchIdentity(ctx, NewIMDSClient(srv.URL))
	require.ErrorIs(t, err, ErrIdentity)
	assert.Contains(t, err.Error(), "IMDSv2")
	assert.Zero(t, v1Reads.Load(), "no unauthenticated (IMDSv1) request may be sent")

	// The control: the SDK's default client downgrades to IMDSv1 here, which is what
	// NewIMDSClient turns off.
	def := imds.New(imds.Options{Endpoint: srv.URL, ClientEnableState: imds.ClientEnabled, EnableFallback: aws.UnknownTernary})
	id, err := FetchIdentity(ctx, def)
	require.NoError(t, err)
	assert.Equal(t, "i-0v1v1v1v1v1v1v1v1", id.InstanceID)
	assert.NotZero(t, v1Reads.Load())
}

func TestIdentityMockTokenEndpointDown(t *testing.T) {
	// The real mock with its token endpoint made unreachable in front of it: calls fail, they do
	// not fall back.
	mock := testenv.IMDS(t, aemmConfig)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" {
			http.Error(w, "unavailable", http.StatusForbidden)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, mock.Endpoint+r.URL.Path, nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(proxy.Close)
	_, err := FetchIdentity(context.Background(), NewIMDSClient(proxy.URL))
	require.ErrorIs(t, err, ErrIdentity)
	assert.Contains(t, err.Error(), "instance-id")
}

func TestIdentityOutsideAutoScaling(t *testing.T) {
	id, err := FetchIdentity(context.Background(), NewIMDSClient(fakeIMDSState(t, "i-0solo", "")))
	require.NoError(t, err)
	assert.Equal(t, Identity{InstanceID: "i-0solo", AvailabilityZone: "us-east-1a", Region: "us-east-1"}, id)
}

func TestLaunchOnTerminatingInstanceDeploysNothing(t *testing.T) {
	lc := &recordingLifecycle{}
	app := filepath.Join(t.TempDir(), "app")
	a, err := NewAgent(Config{Bucket: "releases", AppDir: app, AutoScalingGroup: "web", LifecycleHook: "launching"}, func(o *Options) {
		o.Sources = []Source{failingSource{}}
		o.Metadata = NewIMDSClient(fakeIMDSState(t, "i-0bye", "Terminated"))
		o.Lifecycle = lc
	})
	require.NoError(t, err)
	res, err := a.Launch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Terminated", res.Identity.TargetLifecycleState)
	assert.Empty(t, lc.completes())
	assert.NoDirExists(t, app)
}

// failingSource fails every call: a test that reaches it did something it should not have.
type failingSource struct{}

func (failingSource) Name() string { return "failing" }
func (failingSource) Resolve(context.Context, string) (*Manifest, error) {
	return nil, errors.New("resolve called")
}
func (failingSource) Fetch(context.Context, *Manifest, string) error {
	return errors.New("fetch called")
}
