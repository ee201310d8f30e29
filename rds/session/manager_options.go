package session

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults of [ManagerOptions].
const (
	// DefaultCookieName is the session cookie's name.
	DefaultCookieName = "session"
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
	// CookiePath, CookieDomain and InsecureCookie, as browsers do. Empty means DefaultCookieName.
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
	// ErrorHandler answers a request whose session could not be loaded or saved because the
	// database failed (after retries). It must not call the wrapped handler. Nil means a 503 with
	// Retry-After: the request never proceeds with a new, empty session, which would log the user
	// out.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// RetryAfter is the Retry-After the default ErrorHandler sends, rounded up to whole seconds. Zero
	// means DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger receives session life-cycle events (created, renewed, destroyed) and errors, with the
	// session identified by a short prefix of its stored hash, never the token. Nil means the
	// store's logger.
	Logger *slog.Logger
}

func (o *ManagerOptions) resolve(s *Store) error {
	if o.CookieName == "" {
		o.CookieName = DefaultCookieName
	}
	if o.CookiePath == "" {
		o.CookiePath = "/"
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
	if o.Logger == nil {
		o.Logger = s.opts.Logger
	}
	var errs []error
	if !validCookieName(o.CookieName) {
		errs = append(errs, fmt.Errorf("ManagerOptions.CookieName %q: not a valid cookie name", o.CookieName))
	}
	if !strings.HasPrefix(o.CookiePath, "/") || strings.ContainsAny(o.CookiePath, ";\r\n") {
		errs = append(errs, fmt.Errorf("ManagerOptions.CookiePath %q: must start with / and hold no ';'", o.CookiePath))
	}
	if strings.ContainsAny(o.CookieDomain, "; \r\n") {
		errs = append(errs, fmt.Errorf("ManagerOptions.CookieDomain %q: not a domain", o.CookieDomain))
	}
	if strings.HasPrefix(o.CookieName, "__Host-") && (o.CookiePath != "/" || o.CookieDomain != "" || o.InsecureCookie) {
		errs = append(errs, fmt.Errorf("ManagerOptions.CookieName %q: the __Host- prefix needs CookiePath \"/\", no CookieDomain and a Secure cookie", o.CookieName))
	}
	if o.SameSite < http.SameSiteDefaultMode || o.SameSite > http.SameSiteNoneMode {
		errs = append(errs, fmt.Errorf("ManagerOptions.SameSite %d: unknown mode", o.SameSite))
	}
	if o.SameSite == http.SameSiteNoneMode && o.InsecureCookie {
		errs = append(errs, fmt.Errorf("ManagerOptions.SameSite None: browsers require a Secure cookie (InsecureCookie is set)"))
	}
	if o.Lifetime < 0 {
		errs = append(errs, fmt.Errorf("ManagerOptions.Lifetime %v: must be positive", o.Lifetime))
	}
	if o.IdleTimeout > o.Lifetime && o.Lifetime > 0 {
		errs = append(errs, fmt.Errorf("ManagerOptions.IdleTimeout %v: must not exceed Lifetime %v", o.IdleTimeout, o.Lifetime))
	}
	if o.IdleTimeout > 0 && o.TouchInterval >= o.IdleTimeout {
		errs = append(errs, fmt.Errorf("ManagerOptions.TouchInterval %v: must be below IdleTimeout %v", o.TouchInterval, o.IdleTimeout))
	}
	if o.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("ManagerOptions.RetryAfter %v: must not be negative", o.RetryAfter))
	}
	return invalid(errs)
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
