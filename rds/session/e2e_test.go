package session_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

// roundRobin is a load balancer over loopback: it sends each request to the next healthy backend.
type roundRobin struct {
	mu       sync.Mutex
	backends []*url.URL
	healthy  []bool
	next     int
}

func (lb *roundRobin) pick() *url.URL {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for range lb.backends {
		i := lb.next % len(lb.backends)
		lb.next++
		if lb.healthy[i] {
			return lb.backends[i]
		}
	}
	return nil
}

func (lb *roundRobin) markDown(i int) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.healthy[i] = false
}

// TestEndToEndInstanceLoss runs two instances, each with its own connection pool, store and
// manager on the shared database, behind a round-robin proxy. A user logs in through one instance;
// that instance is then stopped, and the user's next request, served by the other, is still logged
// in.
func TestEndToEndInstanceLoss(t *testing.T) {
	db := testenv.MySQL(t)
	logs := &logBuffer{}
	lb := &roundRobin{}
	var instances []*httptest.Server
	for i := range 2 {
		pool, err := sql.Open("mysql", db.DSN)
		require.NoError(t, err)
		t.Cleanup(func() { pool.Close() })
		s := openStore(t, pool, func(o *session.Options) { o.Logger = logs.Logger() })
		app := testApp(newManager(t, s))
		name := []string{"web-a", "web-b"}[i]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Instance", name)
			app.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		instances = append(instances, srv)
		u, err := url.Parse(srv.URL)
		require.NoError(t, err)
		lb.backends = append(lb.backends, u)
		lb.healthy = append(lb.healthy, true)
	}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(lb.pick())
	}})
	defer proxy.Close()

	b := newBrowser(t, proxy.URL)
	resp, _ := b.do("/login?user=alice")
	loginInstance := resp.Header.Get("X-Instance")
	require.NotEmpty(t, loginInstance)
	resp, body := b.do("/whoami")
	assert.Equal(t, "alice", body)
	assert.NotEqual(t, loginInstance, resp.Header.Get("X-Instance"), "round robin: the other instance")

	// The instance that served the login dies; the load balancer takes it out.
	i := map[string]int{"web-a": 0, "web-b": 1}[loginInstance]
	instances[i].Close()
	lb.markDown(i)

	for range 3 {
		resp, body = b.do("/whoami")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "alice", body, "still logged in")
		assert.NotEqual(t, loginInstance, resp.Header.Get("X-Instance"))
	}
	assert.NotContains(t, logs.String(), b.token())
	assert.NotContains(t, logs.String(), db.DSN)
}
