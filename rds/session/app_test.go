package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds/session"
)

// testApp is a small application on the middleware: log in, read, change and end a session.
func testApp(m *session.Manager) http.Handler { return m.Handler(testMux(m)) }

// testMux holds testApp's routes, for tests that add their own before wrapping it in m.Handler.
func testMux(m *session.Manager) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		user := r.URL.Query().Get("user")
		s.RenewToken()
		s.SetUserID(user)
		if err := s.Put("user", user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "welcome "+user)
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		user, ok, err := session.Get[string](session.FromContext(r.Context()), "user")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if !ok {
			user = "anonymous"
		}
		fmt.Fprint(w, user)
	})
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		for k, v := range r.URL.Query() {
			if err := s.Put(k, v[0]); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		fmt.Fprint(w, strings.Join(s.Keys(), ","))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _, _ := session.Get[string](session.FromContext(r.Context()), r.URL.Query().Get("k"))
		fmt.Fprint(w, v)
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Join(session.FromContext(r.Context()).Keys(), ","))
	})
	mux.HandleFunc("/logout-others", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		if _, err := m.LogoutUser(r.Context(), s.UserID()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		s.RenewToken() // this browser stays logged in, under a new token
		fmt.Fprint(w, "others logged out")
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		session.FromContext(r.Context()).Destroy()
		fmt.Fprint(w, "bye")
	})
	return mux
}

func newManager(t *testing.T, s *session.Store, fns ...func(*session.ManagerOptions)) *session.Manager {
	t.Helper()
	m, err := session.NewManager(s, fns...)
	require.NoError(t, err)
	return m
}

// serve starts the test app over loopback.
func serve(t *testing.T, m *session.Manager) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(testApp(m))
	t.Cleanup(srv.Close)
	return srv
}

// browser keeps the session cookie by hand: the cookie is Secure, and net/http/cookiejar would not
// send it over the plain-HTTP loopback server.
type browser struct {
	t      *testing.T
	base   string
	name   string
	mu     sync.Mutex
	cookie string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	return &browser{t: t, base: base, name: session.DefaultCookieName, client: &http.Client{}}
}

func (b *browser) token() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cookie
}

func (b *browser) setToken(v string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cookie = v
}

// do sends a GET to path with the current cookie, records a Set-Cookie, and returns the response
// with its body read.
func (b *browser) do(path string) (*http.Response, string) {
	b.t.Helper()
	resp, body, err := b.try(path)
	require.NoError(b.t, err)
	return resp, body
}

func (b *browser) try(path string) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		return nil, "", err
	}
	if tok := b.token(); tok != "" {
		req.AddCookie(&http.Cookie{Name: b.name, Value: tok})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	for _, c := range resp.Cookies() {
		if c.Name == b.name {
			if c.MaxAge < 0 {
				b.setToken("")
			} else {
				b.setToken(c.Value)
			}
		}
	}
	return resp, string(body), nil
}

// sessionCookie returns the session cookie set by resp, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == session.DefaultCookieName {
			return c
		}
	}
	return nil
}
