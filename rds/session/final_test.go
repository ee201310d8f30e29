package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds/session"
)

// finalReps is how many times each revival scenario runs.
const finalReps = 50

// holdServer serves testApp's routes plus /hold, whose handler runs after the middleware loaded
// the session, then waits for the test before it changes the session (or, with ?ro=1, only reads
// it) and returns: a request that loaded the session before something ended it and saves after.
type holdServer struct {
	*httptest.Server
	loaded  chan struct{}
	release chan struct{}
}

func newHoldServer(t *testing.T, m *session.Manager) *holdServer {
	t.Helper()
	h := &holdServer{loaded: make(chan struct{}), release: make(chan struct{})}
	mux := testMux(m)
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		h.loaded <- struct{}{}
		<-h.release
		if r.URL.Query().Get("ro") == "" {
			if err := session.FromContext(r.Context()).Put("late", "write"); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		fmt.Fprint(w, "held")
	})
	h.Server = httptest.NewServer(m.Handler(mux))
	t.Cleanup(h.Close)
	return h
}

// holdResult is the outcome of one held request.
type holdResult struct {
	resp *http.Response
	err  error
}

// hold starts a /hold request with token and returns once the middleware has loaded its session.
// Send on h.release to let it finish, then read the result.
func (h *holdServer) hold(t *testing.T, token, query string) <-chan holdResult {
	t.Helper()
	c := newBrowser(t, h.URL)
	c.setToken(token)
	out := make(chan holdResult, 1)
	go func() {
		resp, _, err := c.try("/hold" + query)
		out <- holdResult{resp, err}
	}()
	<-h.loaded
	return out
}

// alive reports whether token still names a logged-in session.
func alive(t *testing.T, base, token string) bool {
	t.Helper()
	b := newBrowser(t, base)
	b.setToken(token)
	_, body := b.do("/whoami")
	return body != "anonymous"
}

// TestLogoutAndRenewalAreFinal runs each way of ending a token against a request that loaded the
// session before and saves after (a concurrent writer): the ended token must stay dead, every time,
// and the writer's response must end the session in its browser too.
func TestLogoutAndRenewalAreFinal(t *testing.T) {
	s, _ := newStore(t)
	scenarios := []struct {
		name  string
		opts  func(*session.ManagerOptions)
		query string
		// end logs in, ends the session named by the returned token while the held request runs,
		// and checks what must survive.
		login func(t *testing.T, base string) (token string, end func())
	}{
		{
			name: "logout", query: "",
			login: func(t *testing.T, base string) (string, func()) {
				b := newBrowser(t, base)
				b.do("/login?user=alice")
				tok := b.token()
				return tok, func() { b.do("/logout") }
			},
		},
		{
			name: "renewal", query: "",
			login: func(t *testing.T, base string) (string, func()) {
				b := newBrowser(t, base)
				b.do("/login?user=alice")
				tok := b.token()
				return tok, func() {
					b.do("/login?user=alice") // a privilege change: RenewToken
					require.NotEqual(t, tok, b.token())
					require.True(t, alive(t, base, b.token()), "the renewed token works")
				}
			},
		},
		{
			name: "LogoutUser of another device", query: "",
			login: func(t *testing.T, base string) (string, func()) {
				laptop, phone := newBrowser(t, base), newBrowser(t, base)
				laptop.do("/login?user=alice")
				phone.do("/login?user=alice")
				return phone.token(), func() {
					_, body := laptop.do("/logout-others")
					require.Equal(t, "others logged out", body)
				}
			},
		},
		{
			name: "logout, read-only request with TouchInterval < 0", query: "?ro=1",
			opts: func(o *session.ManagerOptions) { o.TouchInterval = -1 },
			login: func(t *testing.T, base string) (string, func()) {
				b := newBrowser(t, base)
				b.do("/login?user=alice")
				tok := b.token()
				return tok, func() { b.do("/logout") }
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var fns []func(*session.ManagerOptions)
			if sc.opts != nil {
				fns = append(fns, sc.opts)
			}
			h := newHoldServer(t, newManager(t, s, fns...))
			revived, kept := 0, 0
			for range finalReps {
				tok, end := sc.login(t, h.URL)
				require.NotEmpty(t, tok)
				res := h.hold(t, tok, sc.query)
				end()
				h.release <- struct{}{}
				r := <-res
				require.NoError(t, r.err)
				require.Equal(t, http.StatusOK, r.resp.StatusCode)
				if alive(t, h.URL, tok) {
					revived++
				}
				if c := sessionCookie(r.resp); c == nil || c.MaxAge >= 0 {
					kept++
				}
			}
			assert.Zero(t, revived, "ended tokens revived by a concurrent writer, out of %d", finalReps)
			assert.Zero(t, kept, "writer responses that did not expire the ended session's cookie, out of %d", finalReps)
		})
	}
}

// TestLogoutIsFinalAgainstAnAttacker: an attacker with a stolen cookie runs 8 clients of
// session-changing requests, always sending the stolen token; the user logs out in the middle.
// Afterwards the stolen token must be dead and no session of the user may be left.
func TestLogoutIsFinalAgainstAnAttacker(t *testing.T) {
	s, db := newStore(t)
	srv := serve(t, newManager(t, s))
	const clients, after = 8, 4
	revived := 0
	for rep := range finalReps {
		user := fmt.Sprintf("victim%d", rep)
		b := newBrowser(t, srv.URL)
		b.do("/login?user=" + user)
		stolen := b.token()

		loggedOut := make(chan struct{})
		var wg sync.WaitGroup
		var started sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			started.Add(1)
			go func() {
				defer wg.Done()
				c := newBrowser(t, srv.URL)
				for n, extra := 0, 0; extra < after; n++ {
					c.setToken(stolen)
					_, _, _ = c.try(fmt.Sprintf("/put?a%d=%d", i, n))
					if n == 0 {
						started.Done()
					}
					select {
					case <-loggedOut:
						extra++
					default:
					}
				}
			}()
		}
		started.Wait()
		b.do("/logout")
		close(loggedOut)
		wg.Wait()

		var rows int
		require.NoError(t, db.DB.QueryRow("SELECT COUNT(*) FROM sessions WHERE user_id = ?", user).Scan(&rows))
		if alive(t, srv.URL, stolen) || rows > 0 {
			revived++
		}
	}
	assert.Zero(t, revived, "repetitions in which the attacker stayed logged in, out of %d", finalReps)
}
