package session_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds/session"
)

// rawCookies sends a GET to url with the Cookie header exactly as given, as a browser holding
// several cookies of one name sends it, and returns the response and its body.
func rawCookies(t *testing.T, url, header string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", header)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// TestPlantedCookieDoesNotLogOut: a cookie of the session's name planted ahead of the real one
// (from a sibling subdomain, or for a longer path, which browsers send first) neither hides the
// real session nor makes the response delete the browser's real cookie.
func TestPlantedCookieDoesNotLogOut(t *testing.T) {
	s, _ := newStore(t)
	srv := serve(t, newManager(t, s))
	b := newBrowser(t, srv.URL)
	b.do("/login?user=alice")
	real := b.token()
	name := session.DefaultCookieName

	for planted, value := range map[string]string{
		"garbage":             "garbage",
		"unknown well-formed": strings.Repeat("A", 43),
	} {
		t.Run(planted, func(t *testing.T) {
			resp, body := rawCookies(t, srv.URL+"/whoami", name+"="+value+"; "+name+"="+real)
			assert.Equal(t, "alice", body, "the real session is found behind the planted cookie")
			assert.Nil(t, sessionCookie(resp), "the browser's real cookie is left alone")
		})
	}
	t.Run("only planted cookies", func(t *testing.T) {
		resp, body := rawCookies(t, srv.URL+"/whoami", name+"=garbage; "+name+"="+strings.Repeat("B", 43))
		assert.Equal(t, "anonymous", body)
		assert.Nil(t, sessionCookie(resp), "no cookie this store did not issue is expired")
	})
	t.Run("a single malformed cookie", func(t *testing.T) {
		resp, body := rawCookies(t, srv.URL+"/whoami", name+"=garbage")
		assert.Equal(t, "anonymous", body)
		assert.Nil(t, sessionCookie(resp), "a value this store never issues is not its cookie")
	})
	_, body := b.do("/whoami")
	assert.Equal(t, "alice", body)
}

// TestDefaultCookieNameIsHostPrefixed: with the default settings (Secure, Path "/", no Domain) the
// cookie is named with the __Host- prefix, which browsers refuse to let another host or plain HTTP
// set; settings that rule the prefix out fall back to a plain name.
func TestDefaultCookieNameIsHostPrefixed(t *testing.T) {
	s, _ := newStore(t)
	for _, tc := range []struct {
		name string
		opts func(*session.ManagerOptions)
		want string
	}{
		{"defaults", func(*session.ManagerOptions) {}, "__Host-session"},
		{"insecure", func(o *session.ManagerOptions) { o.InsecureCookie = true }, "session"},
		{"path", func(o *session.ManagerOptions) { o.CookiePath = "/app" }, "session"},
		{"domain", func(o *session.ManagerOptions) { o.CookieDomain = "example.com" }, "session"},
		{"explicit", func(o *session.ManagerOptions) { o.CookieName = "sid" }, "sid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, newManager(t, s, tc.opts))
			b := newBrowser(t, srv.URL)
			b.name = tc.want
			resp, _ := b.do("/login?user=alice")
			var got *http.Cookie
			for _, c := range resp.Cookies() {
				got = c
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.want, got.Name)
			if strings.HasPrefix(got.Name, "__Host-") {
				assert.True(t, got.Secure)
				assert.Equal(t, "/", got.Path)
				assert.Empty(t, got.Domain)
			}
		})
	}
}
