package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/rds/session"
)

func TestManagerLoginRoundTrip(t *testing.T) {
	s, db := newStore(t)
	srv := serve(t, newManager(t, s))
	b := newBrowser(t, srv.URL)

	resp, body := b.do("/whoami")
	assert.Equal(t, "anonymous", body)
	assert.Nil(t, sessionCookie(resp), "no cookie for a session with no data")
	assert.Zero(t, countRows(t, db.DB, s.Table()), "an empty session is never stored")

	resp, body = b.do("/login?user=alice")
	assert.Equal(t, "welcome alice", body)
	c := sessionCookie(resp)
	require.NotNil(t, c)
	assert.Len(t, c.Value, 43)
	assert.True(t, c.Secure)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.Empty(t, c.Domain)
	assert.Zero(t, c.MaxAge, "a browser-session cookie by default")
	assert.Contains(t, resp.Header.Values("Vary"), "Cookie")
	assert.Equal(t, `no-cache="Set-Cookie"`, resp.Header.Get("Cache-Control"))

	resp, body = b.do("/whoami")
	assert.Equal(t, "alice", body)
	assert.Nil(t, sessionCookie(resp), "an unchanged session sets no cookie")
	assert.Equal(t, 1, countRows(t, db.DB, s.Table()))
}

func TestManagerRenewTokenInvalidatesOldToken(t *testing.T) {
	s, db := newStore(t)
	srv := serve(t, newManager(t, s))
	b := newBrowser(t, srv.URL)

	b.do("/put?cart=book")
	before := b.token()
	require.NotEmpty(t, before)

	b.do("/login?user=alice")
	after := b.token()
	require.NotEmpty(t, after)
	assert.NotEqual(t, before, after, "login issues a new token")
	_, body := b.do("/get?k=cart")
	assert.Equal(t, "book", body, "data survives the renewal")
	assert.Equal(t, 1, countRows(t, db.DB, s.Table()), "the old row is gone")

	attacker := newBrowser(t, srv.URL)
	attacker.setToken(before)
	_, body = attacker.do("/whoami")
	assert.Equal(t, "anonymous", body, "the pre-login token no longer works (session fixation)")
}

func TestManagerRejectsForeignCookies(t *testing.T) {
	s, _ := newStore(t)
	srv := serve(t, newManager(t, s))
	victim := newBrowser(t, srv.URL)
	victim.do("/login?user=alice")
	valid := victim.token()
	flip := func(c byte) byte {
		if c == 'A' {
			return 'B'
		}
		return 'A'
	}
	tampered := valid[:10] + string(flip(valid[10])) + valid[11:]

	for name, cookie := range map[string]string{
		"malformed short":     "abc",
		"malformed alphabet":  strings.Repeat("!", 43),
		"malformed sql":       "' OR '1'='1",
		"unknown well-formed": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"tampered":            tampered,
	} {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t, srv.URL)
			b.setToken(cookie)
			_, body := b.do("/whoami")
			assert.Equal(t, "anonymous", body)
			b.do("/put?x=1")
			assert.NotEqual(t, cookie, b.token(), "a token the server did not issue is never adopted")
			assert.Len(t, b.token(), 43)
		})
	}
	_, body := victim.do("/whoami")
	assert.Equal(t, "alice", body)
}

func TestManagerIdleAndAbsoluteTimeout(t *testing.T) {
	fc := clock.NewFake(t0)
	s, _ := newStore(t, withClock(fc))
	srv := serve(t, newManager(t, s, func(o *session.ManagerOptions) {
		o.IdleTimeout = 10 * time.Minute
		o.Lifetime = time.Hour
		o.TouchInterval = time.Minute
	}))

	t.Run("idle", func(t *testing.T) {
		b := newBrowser(t, srv.URL)
		b.do("/login?user=alice")
		fc.Advance(9 * time.Minute)
		_, body := b.do("/whoami")
		assert.Equal(t, "alice", body, "active within the idle timeout")
		fc.Advance(9 * time.Minute)
		_, body = b.do("/whoami")
		assert.Equal(t, "alice", body, "the previous request restarted the idle timeout")
		fc.Advance(10 * time.Minute)
		resp, body := b.do("/whoami")
		assert.Equal(t, "anonymous", body, "idle for the whole timeout")
		if c := sessionCookie(resp); assert.NotNil(t, c, "the dead cookie is cleared") {
			assert.Negative(t, c.MaxAge)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		b := newBrowser(t, srv.URL)
		b.do("/login?user=bob")
		for range 11 {
			fc.Advance(5 * time.Minute)
			_, body := b.do("/whoami")
			require.Equal(t, "bob", body)
		}
		fc.Advance(5 * time.Minute) // 60 minutes after login, never idle
		_, body := b.do("/whoami")
		assert.Equal(t, "anonymous", body, "the absolute timeout ends even an active session")
	})
}

func TestManagerThrottlesIdleTouches(t *testing.T) {
	fc := clock.NewFake(t0)
	s, db := newStore(t, withClock(fc))
	srv := serve(t, newManager(t, s, func(o *session.ManagerOptions) {
		o.IdleTimeout = 10 * time.Minute
		o.TouchInterval = time.Minute
	}))
	expiresAt := func() time.Time {
		var e time.Time
		require.NoError(t, db.DB.QueryRow("SELECT expires_at FROM sessions").Scan(&e))
		return e.UTC()
	}
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")
	assert.Equal(t, t0.Add(10*time.Minute), expiresAt())

	fc.Advance(59 * time.Second)
	b.do("/whoami")
	assert.Equal(t, t0.Add(10*time.Minute), expiresAt(), "a read within TouchInterval writes nothing")

	fc.Advance(time.Second)
	b.do("/whoami")
	assert.Equal(t, t0.Add(11*time.Minute), expiresAt(), "a read after TouchInterval records activity")
}

func TestManagerDestroy(t *testing.T) {
	s, db := newStore(t)
	srv := serve(t, newManager(t, s))
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")
	old := b.token()

	resp, _ := b.do("/logout")
	c := sessionCookie(resp)
	require.NotNil(t, c)
	assert.Negative(t, c.MaxAge, "the cookie is expired in the browser")
	assert.Empty(t, c.Value)
	assert.Zero(t, countRows(t, db.DB, s.Table()), "the row is deleted on the server")

	replay := newBrowser(t, srv.URL)
	replay.setToken(old)
	_, body := replay.do("/whoami")
	assert.Equal(t, "anonymous", body)
}

func TestManagerLogoutUserEverywhere(t *testing.T) {
	s, _ := newStore(t)
	m := newManager(t, s)
	srv := serve(t, m)
	laptop, phone, other := newBrowser(t, srv.URL), newBrowser(t, srv.URL), newBrowser(t, srv.URL)
	laptop.do("/login?user=alice")
	phone.do("/login?user=alice")
	other.do("/login?user=bob")

	n, err := m.LogoutUser(context.Background(), "alice")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	for b, want := range map[*browser]string{laptop: "anonymous", phone: "anonymous", other: "bob"} {
		_, body := b.do("/whoami")
		assert.Equal(t, want, body)
	}

	// "Log out my other devices", from the laptop: the phone is logged out, the laptop keeps its
	// session under a new token, and the laptop's old token is dead.
	laptop.do("/login?user=alice")
	phone.do("/login?user=alice")
	old := laptop.token()
	_, body := laptop.do("/logout-others")
	require.Equal(t, "others logged out", body)
	assert.NotEqual(t, old, laptop.token())
	for b, want := range map[*browser]string{laptop: "alice", phone: "anonymous", other: "bob"} {
		_, body := b.do("/whoami")
		assert.Equal(t, want, body)
	}
	replay := newBrowser(t, srv.URL)
	replay.setToken(old)
	_, body = replay.do("/whoami")
	assert.Equal(t, "anonymous", body)
}

func TestManagerDatabaseFailureAnswers503(t *testing.T) {
	s, db := newStore(t)
	var called bool
	m := newManager(t, s)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		_ = session.FromContext(r.Context()).Put("k", "v")
		fmt.Fprint(w, "handler body")
	})))
	defer srv.Close()
	b := newBrowser(t, srv.URL)
	b.do("/")
	require.True(t, called)
	tok := b.token()
	require.NotEmpty(t, tok)

	_, err := db.DB.Exec("RENAME TABLE sessions TO sessions_gone")
	require.NoError(t, err)

	t.Run("load fails", func(t *testing.T) {
		called = false
		resp, body := b.do("/")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Equal(t, "5", resp.Header.Get("Retry-After"))
		assert.False(t, called, "the handler never runs without its session")
		assert.Nil(t, sessionCookie(resp), "no new session is handed out")
		assert.NotContains(t, body, tok)
		assert.Equal(t, tok, b.token())
	})
	t.Run("save fails", func(t *testing.T) {
		fresh := newBrowser(t, srv.URL)
		resp, body := fresh.do("/")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.NotContains(t, body, "handler body", "the handler's response is replaced")
		assert.Nil(t, sessionCookie(resp))
	})
	t.Run("custom handler", func(t *testing.T) {
		var got error
		m2 := newManager(t, s, func(o *session.ManagerOptions) {
			o.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				http.Error(w, "maintenance", http.StatusTeapot)
			}
		})
		srv2 := httptest.NewServer(m2.Handler(http.NotFoundHandler()))
		defer srv2.Close()
		b2 := newBrowser(t, srv2.URL)
		b2.setToken(tok)
		resp, _ := b2.do("/")
		assert.Equal(t, http.StatusTeapot, resp.StatusCode)
		require.Error(t, got)
		assert.NotContains(t, got.Error(), tok)
	})

	_, err = db.DB.Exec("RENAME TABLE sessions_gone TO sessions")
	require.NoError(t, err)
	resp, _ := b.do("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the session works again once the database does")
	assert.Nil(t, sessionCookie(resp), "same session, same token")
}

// TestManagerConcurrentRequestsOneSession sends 50 concurrent writes on one session: each row write
// is one statement, so the stored session is always one whole, decodable version (last write wins),
// and the user stays logged in.
func TestManagerConcurrentRequestsOneSession(t *testing.T) {
	s, _ := newStore(t)
	srv := serve(t, newManager(t, s))
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")
	tok := b.token()

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newBrowser(t, srv.URL)
			c.setToken(tok)
			resp, _, err := c.try(fmt.Sprintf("/put?k%02d=v%02d", i, i))
			switch {
			case err != nil:
				errs <- err
			case resp.StatusCode != http.StatusOK:
				errs <- errors.New(resp.Status)
			case c.token() != tok:
				errs <- errors.New("token changed")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, body := b.do("/whoami")
	assert.Equal(t, "alice", body)
	_, keys := b.do("/keys")
	list := strings.Split(keys, ",")
	assert.Contains(t, list, "user")
	assert.GreaterOrEqual(t, len(list), 2, "at least the last writer's key")
	for _, k := range list {
		if k == "user" {
			continue
		}
		_, v := b.do("/get?k=" + k)
		assert.Equal(t, "v"+strings.TrimPrefix(k, "k"), v, "value of %s", k)
	}
}

// TestManagerChangesAfterResponseStarted: the session is saved before the first byte; a change made
// afterwards is saved when the session already has a token, and dropped (with an error logged) when
// it would need a cookie the response can no longer carry.
func TestManagerChangesAfterResponseStarted(t *testing.T) {
	logs := &logBuffer{}
	s, db := newStore(t, func(o *session.Options) { o.Logger = logs.Logger() })
	m := newManager(t, s)
	mux := http.NewServeMux()
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "body first; ")
		http.NewResponseController(w).Flush()
		_ = session.FromContext(r.Context()).Put("late", "yes")
	})
	mux.HandleFunc("/late-logout", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "body first; ")
		http.NewResponseController(w).Flush()
		session.FromContext(r.Context()).Destroy()
	})
	mux.HandleFunc("/late-renew", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "body first; ")
		http.NewResponseController(w).Flush()
		session.FromContext(r.Context()).RenewToken()
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()
	app := serve(t, m)

	fresh := newBrowser(t, srv.URL)
	resp, _ := fresh.do("/late")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Nil(t, sessionCookie(resp))
	assert.Zero(t, countRows(t, db.DB, s.Table()), "no row without a cookie to reach it")
	assert.Contains(t, logs.String(), "change not saved")

	b := newBrowser(t, app.URL)
	b.do("/login?user=alice")
	late := newBrowser(t, srv.URL)
	late.setToken(b.token())
	late.do("/late")
	_, body := b.do("/get?k=late")
	assert.Equal(t, "yes", body, "a late change to an existing session is saved")

	// Ending a token after the response started fails closed: the cookie cannot be changed any
	// more, but the old token stops working on the server.
	for _, path := range []string{"/late-logout", "/late-renew"} {
		u := newBrowser(t, app.URL)
		u.do("/login?user=bob")
		tok := u.token()
		late := newBrowser(t, srv.URL)
		late.setToken(tok)
		resp, _ := late.do(path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Nil(t, sessionCookie(resp), "%s: too late for a cookie", path)
		_, body := u.do("/whoami")
		assert.Equal(t, "anonymous", body, "%s: the old token no longer works", path)
	}
	assert.Equal(t, 1, countRows(t, db.DB, s.Table()), "only alice's session is left")
	assert.Contains(t, logs.String(), "old_token_invalidated=true")
}

// TestManagerAbandonedRequestIsNotAnOutage: a request whose context ended (the client went away)
// cannot load its session; it is answered 503 like any failed load, never given a new session, and
// logged at debug level rather than as a store outage.
func TestManagerAbandonedRequestIsNotAnOutage(t *testing.T) {
	logs := &logBuffer{}
	s, _ := newStore(t, func(o *session.Options) { o.Logger = logs.Logger() })
	m := newManager(t, s)
	srv := serve(t, m)
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/whoami", nil)
	req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: b.token()})
	rec := httptest.NewRecorder()
	called := false
	m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })).ServeHTTP(rec, req)

	assert.False(t, called)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Empty(t, rec.Result().Cookies(), "no new session")
	assert.Contains(t, logs.String(), `level=DEBUG msg="session store unavailable"`)
	assert.NotContains(t, logs.String(), "level=ERROR")
}
