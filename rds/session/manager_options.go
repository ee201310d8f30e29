package session

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/portalkit/portalkit/internal/check"
)

// Defaults of [ManagerOptions].
const (
	// DefaultCookieName is the session cookie's name when the cookie settings allow the "__Host-"
	// prefix (Secure, Path "/", no Domain: the defaults). Browsers accept a __Host- cookie only
	// from a secure origin for exactly that host, so a cookie planted from a sibling subdomain or
	// over plain HTTP cannot shadow it (OWASP).
	DefaultCookieName = HostCookiePrefix + "session"
	// DefaultPlainCookieName is the session cookie's name when the settings rule out the
	// "__Host-" prefix (InsecureCookie, a CookiePath other than "/", or a CookieDomain).
	DefaultPlainCookieName = "session"
	// HostCookiePrefix is the cookie name prefix that browsers reserve for Secure cookies with Path
	// "/" and no Domain.
	HostCookiePrefix = "__Host-"
	// DefaultIdleTimeout ends a session after this long without a request (OWASP suggests 15-30
	// minutes for low-risk applications, 2-5 for high-value ones).
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultLifetime ends a session this long after it was created or renewed, however active.
	DefaultLifetime = 24 * time.Hour
	// DefaultMaxTouchInterval caps the default TouchInterval.
	DefaultMaxTouchInterval = time.Minute
	// DefaultRetryAfter is the Retry-After the default error handler sends with its 503.
	DefaultRetryAfter = 5 * time.Second
)

// ManagerOptions configures a [Manager].
type ManagerOptions struct {
	// CookieName is the cookie's name. A name starting with "__Host-" requires the defaults of
	// CookiePath, CookieDomain and InsecureCookie, as browsers do. Empty means DefaultCookieName
	// ("__Host-session") when those settings are at their defaults, and DefaultPlainCookieName
	// ("session") otherwise. Note that browsers refuse a Secure (and so a __Host-) cookie set over
	// plain HTTP, except on localhost.
	CookieName string
	// CookiePath is the cookie's Path; keep it as narrow as the application allows. Empty means "/".
	CookiePath string
	// CookieDomain is the cookie's Domain. Empty (the default, and OWASP's advice) sends the cookie to
	// the exact host that set it only.
	CookieDomain string
	// InsecureCookie drops the Secure attribute, letting the cookie travel over plain HTTP. For local
	// development only. False (the default) sets Secure: behind an HTTPS load balancer the browser
	// sees HTTPS even though the instance serves HTTP.
	InsecureCookie bool
	// SameSite is the cookie's SameSite attribute. Zero means http.SameSiteLaxMode.
	SameSite http.SameSite
	// PersistentCookie makes the cookie outlive the browser session, expiring with the absolute
	// timeout. False (the default, as OWASP recommends) sets a session cookie that the browser drops
	// when it closes.
	PersistentCookie bool
	// IdleTimeout ends a session after this long without a request. Zero means DefaultIdleTimeout;
	// negative disables the idle timeout. It must not exceed Lifetime.
	IdleTimeout time.Duration
	// Lifetime is the absolute timeout, counted from creation or the last RenewToken. Zero means
	// DefaultLifetime.
	Lifetime time.Duration
	// TouchInterval is the minimum time between two writes that only record activity for the idle
	// timeout; requests that change nothing within it cause no write. A session therefore expires
	// between IdleTimeout-TouchInterval and IdleTimeout after its last request. Zero means
	// IdleTimeout/4 capped at DefaultMaxTouchInterval; negative records every request.
	TouchInterval time.Duration
	// ErrorHandler answers a request whose session could not be loaded or saved: because the
	// database failed (after retries), or because the session cannot be stored at all (errors
	// matching [ErrTooLarge] or [ErrUserIDTooLong]). It must not call the wrapped handler. Nil
	// means a 503 with Retry-After for the first kind, so the request never proceeds with a new,
	// empty session, which would log the user out; and a 500 for the second, which no retry fixes.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// RetryAfter is the Retry-After the default ErrorHandler sends, rounded up to whole seconds. Zero
	// means DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger receives session life-cycle events (created, renewed, destroyed) and errors, with the
	// session identified by a short prefix of its stored hash, never the token. Nil means the
	// store's logger.
	Logger *slog.Logger
}

// resolve fills the defaults of o and records what is invalid in p.
func (o *ManagerOptions) resolve(s *Store, p *check.Problems) {
	if o.CookiePath == "" {
		o.CookiePath = "/"
	}
	if o.CookieName == "" {
		o.CookieName = DefaultPlainCookieName
		if o.CookiePath == "/" && o.CookieDomain == "" && !o.InsecureCookie {
			o.CookieName = DefaultCookieName
		}
	}
	if o.SameSite == 0 {
		o.SameSite = http.SameSiteLaxMode
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Lifetime == 0 {
		o.Lifetime = DefaultLifetime
	}
	if o.TouchInterval == 0 && o.IdleTimeout > 0 {
		o.TouchInterval = min(o.IdleTimeout/4, DefaultMaxTouchInterval)
	}
	if o.RetryAfter == 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.Logger == nil && s != nil {
		o.Logger = s.opts.Logger
	}
	p.If(!validCookieName(o.CookieName), "CookieName %q: not a valid cookie name", o.CookieName)
	p.If(!strings.HasPrefix(o.CookiePath, "/") || strings.ContainsAny(o.CookiePath, ";\r\n"),
		"CookiePath %q: must start with / and hold no ';'", o.CookiePath)
	p.If(strings.ContainsAny(o.CookieDomain, "; \r\n"), "CookieDomain %q: not a domain", o.CookieDomain)
	p.If(strings.HasPrefix(o.CookieName, HostCookiePrefix) && (o.CookiePath != "/" || o.CookieDomain != "" || o.InsecureCookie),
		"CookieName %q: the __Host- prefix needs CookiePath \"/\", no CookieDomain and a Secure cookie", o.CookieName)
	p.If(o.SameSite < http.SameSiteDefaultMode || o.SameSite > http.SameSiteNoneMode, "SameSite %d: unknown mode", o.SameSite)
	p.If(o.SameSite == http.SameSiteNoneMode && o.InsecureCookie,
		"SameSite None: browsers require a Secure cookie (InsecureCookie is set)")
	p.If(o.Lifetime < 0, "Lifetime %v: must be positive", o.Lifetime)
	p.If(o.IdleTimeout > o.Lifetime && o.Lifetime > 0, "IdleTimeout %v: must not exceed Lifetime %v", o.IdleTimeout, o.Lifetime)
	p.If(o.IdleTimeout > 0 && o.TouchInterval >= o.IdleTimeout,
		"TouchInterval %v: must be below IdleTimeout %v", o.TouchInterval, o.IdleTimeout)
	p.If(o.RetryAfter < 0, "RetryAfter %v: must not be negative", o.RetryAfter)
}

// validCookieName reports whether name is an RFC 6265 token.
func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}
