package bootstrap

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The health gate checks the instance's own server: a redirect (to the site's canonical host,
// served by other instances behind the load balancer) is not a pass, and is not followed.
func TestHealthGateDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(other.Close)
	local := httptest.NewServer(http.RedirectHandler(other.URL+"/health", http.StatusMovedPermanently))
	t.Cleanup(local.Close)

	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	a := f.agent(t, Config{HealthURL: local.URL + "/health", HealthTimeoutSeconds: 30})
	_, err := a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrHealth)
	assert.Contains(t, err.Error(), "HTTP 301")
	assert.Zero(t, elsewhere.Load(), "the redirect was followed off the instance")
}
