package session_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

// openTuned opens dsn with the settings the package documentation recommends for failover: dial and
// I/O timeouts so a dead server is noticed quickly, and rejectReadOnly so a connection to a demoted
// primary is dropped.
func openTuned(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.Timeout = time.Second
	cfg.ReadTimeout = 2 * time.Second
	cfg.WriteTimeout = 2 * time.Second
	cfg.RejectReadOnly = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(t, err)
	db.SetConnMaxLifetime(3 * time.Minute)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestFailoverServerRestartMidStream restarts the MariaDB server while logged-in requests stream
// in. No request may end logged out; requests during the outage either succeed after retrying or get
// a 503, and the stream recovers once the server is back. The outage lasts until both outcomes have
// been seen (a retry logged and a 503 answered), so the test shows both paths rather than relying on
// a fixed sleep. Neither the DSN nor any token reaches the logs or the error responses.
func TestFailoverServerRestartMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a database server")
	}
	mdb := testenv.StartMariaDB(t)
	logs := &logBuffer{}
	db := openTuned(t, mdb.DSN)
	s := openStore(t, db, func(o *session.Options) {
		o.Logger = logs.Logger()
		// Short enough that a request caught by the outage gives up with a 503 within the test.
		o.RetryMaxElapsed = 500 * time.Millisecond
		o.RetryMaxInterval = 100 * time.Millisecond
	})
	srv := serve(t, newManager(t, s, func(o *session.ManagerOptions) { o.TouchInterval = -1 })) // every request writes
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")
	tok := b.token()
	require.NotEmpty(t, tok)

	var (
		ok, unavailable, afterRestart atomic.Int64
		restarted                     atomic.Bool
		mu                            sync.Mutex
		failures                      []string
		bodies                        []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newBrowser(t, srv.URL)
			c.client.Timeout = 20 * time.Second
			c.setToken(tok)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := "/whoami"
				if i%2 == 1 {
					path = fmt.Sprintf("/put?w%d=%d", w, i)
				}
				resp, body, err := c.try(path)
				switch {
				case err != nil:
					fail("%s: %v", path, err)
				case resp.StatusCode == http.StatusServiceUnavailable:
					unavailable.Add(1)
					if resp.Header.Get("Retry-After") == "" {
						fail("503 without Retry-After")
					}
					mu.Lock()
					bodies = append(bodies, body)
					mu.Unlock()
				case resp.StatusCode != http.StatusOK:
					fail("%s: status %s", path, resp.Status)
				case path == "/whoami" && body != "alice":
					fail("%s: logged out (%q)", path, body)
				case c.token() != tok:
					fail("%s: session token changed", path)
				default:
					ok.Add(1)
					if restarted.Load() {
						afterRestart.Add(1)
					}
				}
				if c.token() != tok {
					return
				}
			}
		}()
	}

	require.Eventually(t, func() bool { return ok.Load() >= 20 }, 30*time.Second, 10*time.Millisecond)
	mdb.Stop()
	// The outage: requests retry, then give up with 503. It ends once both have been observed.
	require.Eventually(t, func() bool {
		return unavailable.Load() > 0 && strings.Contains(logs.String(), "retrying")
	}, 30*time.Second, 10*time.Millisecond, "requests during the outage are retried, then answered 503")
	mdb.Start()
	restarted.Store(true)
	require.Eventually(t, func() bool { return afterRestart.Load() >= 20 }, 30*time.Second, 10*time.Millisecond,
		"requests succeed again after the restart")
	close(stop)
	wg.Wait()

	assert.Empty(t, failures)
	retried := strings.Count(logs.String(), "retrying")
	t.Logf("requests: %d ok, %d answered 503; %d retries logged", ok.Load(), unavailable.Load(), retried)
	assert.Positive(t, unavailable.Load(), "503s during the outage")
	assert.Positive(t, retried, "retries during the outage")
	_, body := b.do("/whoami")
	assert.Equal(t, "alice", body)

	cfg, err := mysql.ParseDSN(mdb.DSN)
	require.NoError(t, err)
	out := logs.String()
	require.NotEmpty(t, cfg.Passwd)
	for _, secret := range []string{mdb.DSN, cfg.Passwd, tok} {
		assert.NotContains(t, out, secret, "logs")
		for _, body := range bodies {
			assert.NotContains(t, body, secret, "503 body")
		}
	}
}
