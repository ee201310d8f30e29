package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/portalkit/portalkit/internal/check"
)

// Manager is the net/http middleware for applications that do not use scs: it loads the session
// named by the request's cookie, hands it to the handler through the request context, and saves it
// when the response starts. It is safe for concurrent use.
//
// Only tokens the server issued are accepted: a cookie that is malformed, unknown, expired or
// tampered with gives the request a new, empty session, and a token is issued only when that session
// is first saved with data. When the database fails (after retries), the request is answered by
// ManagerOptions.ErrorHandler (503 by default) instead.
//
// Logout, renewal and [Manager.LogoutUser] are final against concurrent requests of the same
// session: a loaded session is saved with an update that cannot re-create its row, and only tokens
// issued by this request are inserted. A request whose session was ended while it ran drops its
// change and expires the cookie in its response.
type Manager struct {
	store *Store
	opts  ManagerOptions
}

// NewManager returns a Manager that keeps sessions in store. Invalid options give an error matching
// [ErrInvalidOptions] that names every invalid field.
func NewManager(store *Store, optFns ...func(*ManagerOptions)) (*Manager, error) {
	var o ManagerOptions
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	p.If(store == nil, "store is nil")
	o.resolve(store, &p)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	return &Manager{store: store, opts: o}, nil
}

// Store returns the manager's store.
func (m *Manager) Store() *Store { return m.store }

// CookieName returns the name of the session cookie: ManagerOptions.CookieName or its default.
func (m *Manager) CookieName() string { return m.opts.CookieName }

// LogoutUser ends every session of userID (set with [Session.SetUserID]) on every instance, and
// returns how many it ended ("log out everywhere"). It is final: a request of one of those sessions
// that is running meanwhile cannot write its session back.
//
// When called with the context of a request of that same user, the request's own session is ended
// too; finish with [Session.Destroy] to log this browser out as well (and expire its cookie), or
// with [Session.RenewToken] to keep it logged in under a new token ("log out my other devices").
// An id longer than MaxUserIDLen bytes is an error matching [ErrUserIDTooLong].
func (m *Manager) LogoutUser(ctx context.Context, userID string) (int64, error) {
	n, err := m.store.DeleteUserCtx(ctx, userID)
	if err != nil {
		return n, err
	}
	m.opts.Logger.LogAttrs(ctx, slogInfo, "sessions of a user destroyed", attrCount("sessions", n))
	if s := FromContext(ctx); s != nil {
		s.mu.Lock()
		if s.rec.UserID == userID {
			// This request's row is gone by its own wish: a renewal now starts the session afresh
			// under a new token instead of finding the old row ended.
			s.loaded = ""
		}
		s.mu.Unlock()
	}
	return n, nil
}

// Handler returns next wrapped with session loading and saving. Inside next, [FromContext] on the
// request's context returns the session. The session is saved before the first byte of the response
// (so the cookie can be set); changes made after the response started are saved too when the token
// does not change, and otherwise logged and dropped. A token ended after the response started (by
// RenewToken or Destroy) is deleted all the same, so a late logout still ends the session on the
// server, and a late renewal logs the user out rather than keep the old token alive.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.load(r)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		sw := &writer{ResponseWriter: w, m: m, s: s, r: r}
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

// maxCookieLookups bounds the database lookups one request may cause with several cookies of the
// session's name.
const maxCookieLookups = 3

// load returns the request's session, a new one when no cookie names a live session, or an error
// when the database could not tell.
//
// A request may carry several cookies of the session's name: one for this host and path, and
// others planted by a sibling subdomain or set for a longer path, which the browser sends first. So
// each well-formed one is tried in order (malformed ones cost no lookup), and the first live session
// wins. The cookie is expired in the response only when the request carried just one cookie of the
// name and it named a session this store issued, which has ended: with several, expiring "the"
// cookie would delete the browser's real one and let a planted cookie log the user out.
func (m *Manager) load(r *http.Request) (*Session, error) {
	ctx := r.Context()
	cookies := r.CookiesNamed(m.opts.CookieName)
	if len(cookies) == 0 {
		return &Session{}, nil
	}
	single := len(cookies) == 1
	s := &Session{}
	lookups := 0
	for _, c := range cookies {
		if !wellFormed(c.Value) {
			m.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "malformed session cookie ignored")
			continue
		}
		if lookups == maxCookieLookups {
			break
		}
		lookups++
		b, found, err := m.store.FindCtx(ctx, c.Value)
		if err != nil {
			return nil, err
		}
		if !found {
			m.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "unknown or expired session token", attrSession(c.Value))
			s.clearCookie = single
			continue
		}
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil || rec.V != recordVersion {
			// Undecodable data cannot become decodable by retrying; failing every request that
			// carries this cookie would lock the user out, so the session is dropped instead.
			m.opts.Logger.LogAttrs(ctx, slogWarn, "undecodable session data; starting a new session", attrSession(c.Value))
			s.stale = append(s.stale, c.Value)
			s.clearCookie = single
			continue
		}
		now := m.store.opts.Clock.Now()
		if !now.Before(rec.Deadline) || (m.opts.IdleTimeout > 0 && !now.Before(rec.Touched.Add(m.opts.IdleTimeout))) {
			s.stale = append(s.stale, c.Value)
			s.clearCookie = single
			continue
		}
		return &Session{token: c.Value, loaded: c.Value, rec: rec, stale: s.stale}, nil
	}
	return s, nil
}

// expiry is the row's expires_at: the earlier of the absolute and idle deadlines.
func (m *Manager) expiry(rec record) time.Time {
	if m.opts.IdleTimeout > 0 {
		return minTime(rec.Deadline, rec.Touched.Add(m.opts.IdleTimeout))
	}
	return rec.Deadline
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// save writes what changed in s and returns the cookie to send, if any. headersSent says the response
// has started, so a new token could not reach the browser.
//
// A loaded session is written with an update (or, renewed, moved to its new token) that never
// creates a row; only a token issued here is inserted. So when a concurrent request ended the
// session (logout, renewal, LogoutUser) or it expired meanwhile, nothing is written back: the
// change is dropped and the response expires the cookie.
func (m *Manager) save(ctx context.Context, s *Session, headersSent bool) (*http.Cookie, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.store.opts.Clock.Now()
	touch := !s.modified && s.token != "" && m.opts.IdleTimeout > 0 && now.Sub(s.rec.Touched) >= m.opts.TouchInterval
	if !s.modified && !touch && len(s.stale) == 0 && !s.clearCookie {
		return nil, nil
	}
	var cookie *http.Cookie
	switch {
	case s.empty():
		// Never store an empty session (an anonymous logout must not create rows); delete the row
		// if the session had one.
		if s.token != "" {
			s.stale = append(s.stale, s.token)
			s.token = ""
			s.clearCookie = true
		}
	case headersSent && s.token == "":
		// The new token could not reach the browser. Tokens ended by RenewToken or Destroy are
		// still deleted below: failing closed logs the user out rather than leaving alive a token
		// the application meant to end.
		m.opts.Logger.LogAttrs(ctx, slog.LevelError, "session changed after the response started and needs a new cookie; change not saved",
			slog.Bool("old_token_invalidated", len(s.stale) > 0))
	default:
		if err := checkUserID(s.rec.UserID); err != nil {
			return nil, fmt.Errorf("session: save: %w", err)
		}
		issued := s.token == ""
		token := s.token
		if issued {
			token = newToken()
		}
		rec := s.rec
		if rec.Created.IsZero() {
			rec.Created = now
			rec.Deadline = now.Add(m.opts.Lifetime)
		}
		rec.V = recordVersion
		rec.Touched = now
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("session: encode: %w", err)
		}
		renewing := issued && s.loaded != ""
		found := true
		switch {
		case renewing:
			found, err = m.store.rekey(ctx, s.loaded, token, b, m.expiry(rec), rec.UserID)
		case issued:
			err = m.store.insert(ctx, token, b, m.expiry(rec), rec.UserID)
		default:
			found, err = m.store.update(ctx, token, b, m.expiry(rec), rec.UserID)
		}
		if err != nil {
			return nil, err
		}
		if !found {
			// A concurrent request ended this session (or it expired) after this one loaded it:
			// writing it back would undo a logout or a renewal. Drop the change, end the session.
			from := s.token
			if renewing {
				from = s.loaded
			}
			m.opts.Logger.LogAttrs(ctx, slogInfo, "session ended by a concurrent request; change dropped",
				attrSession(from))
			if renewing {
				s.stale = removeToken(s.stale, s.loaded)
			}
			s.token, s.loaded, s.rec = "", "", record{}
			s.clearCookie = true
			break
		}
		if renewing {
			// The row moved: the old token is gone with it.
			m.opts.Logger.LogAttrs(ctx, slogInfo, "session token invalidated", attrSession(s.loaded))
			s.stale = removeToken(s.stale, s.loaded)
		}
		s.token, s.rec = token, rec
		s.loaded = token
		if issued {
			cookie = m.cookie(token, rec.Deadline, now)
			m.opts.Logger.LogAttrs(ctx, slogInfo, "session token issued", attrSession(token), attrRenewed(renewing || len(s.stale) > 0))
		}
	}
	// Tokens ended by Destroy (or found dead at load) are deleted after the write, so a failure in
	// between leaves the user with a working session; the error still fails the request, so a
	// logout is never reported done while its token remains valid.
	for len(s.stale) > 0 {
		if err := m.store.DeleteCtx(ctx, s.stale[0]); err != nil {
			return nil, err
		}
		m.opts.Logger.LogAttrs(ctx, slogInfo, "session token invalidated", attrSession(s.stale[0]))
		s.stale = s.stale[1:]
	}
	if cookie == nil && s.clearCookie && s.token == "" {
		cookie = m.expiredCookie()
	}
	s.clearCookie = false
	s.modified = false
	return cookie, nil
}

func removeToken(list []string, tok string) []string {
	out := list[:0]
	for _, t := range list {
		if t != tok {
			out = append(out, t)
		}
	}
	return out
}

func (m *Manager) cookie(token string, deadline, now time.Time) *http.Cookie {
	c := m.baseCookie()
	c.Value = token
	if m.opts.PersistentCookie {
		c.Expires = deadline
		c.MaxAge = max(1, int(deadline.Sub(now)/time.Second))
	}
	return c
}

func (m *Manager) expiredCookie() *http.Cookie {
	c := m.baseCookie()
	c.MaxAge = -1
	c.Expires = time.Unix(1, 0)
	return c
}

func (m *Manager) baseCookie() *http.Cookie {
	return &http.Cookie{
		Name:     m.opts.CookieName,
		Path:     m.opts.CookiePath,
		Domain:   m.opts.CookieDomain,
		Secure:   !m.opts.InsecureCookie,
		HttpOnly: true,
		SameSite: m.opts.SameSite,
	}
}

// fail answers a request whose session the database could not load or save.
func (m *Manager) fail(w http.ResponseWriter, r *http.Request, err error) {
	if permanent(err) {
		// Trying again cannot help: not a "try again later".
		m.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "session not saved", attrErr(err))
		if m.opts.ErrorHandler != nil {
			m.opts.ErrorHandler(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	level := slog.LevelError
	if r.Context().Err() != nil {
		// The client went away (or the server is shutting down): not a store outage worth an alert.
		level = slog.LevelDebug
	}
	m.opts.Logger.LogAttrs(r.Context(), level, "session store unavailable", attrErr(err))
	if m.opts.ErrorHandler != nil {
		m.opts.ErrorHandler(w, r, err)
		return
	}
	secs := int(math.Ceil(m.opts.RetryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}

// permanent reports whether err is about the request's own session, which no retry can store.
func permanent(err error) bool {
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUserIDTooLong)
}

// errNotSent is returned by the response writer's Write after the session could not be saved and an
// error response was sent instead.
var errNotSent = errors.New("session: response replaced by an error response: the session could not be saved")

// writer saves the session just before the response starts, so the cookie can still be set.
type writer struct {
	http.ResponseWriter
	m       *Manager
	s       *Session
	r       *http.Request
	started bool // the session was saved (or its save failed) at the start of the response
	failed  bool // saving failed and an error response was written
}

// start saves the session before the first byte of the response; it reports whether the handler's
// response may proceed.
func (w *writer) start() bool {
	if w.started {
		return !w.failed
	}
	w.started = true
	cookie, err := w.m.save(w.r.Context(), w.s, false)
	if err != nil {
		w.failed = true
		w.m.fail(w.ResponseWriter, w.r, err)
		return false
	}
	h := w.Header()
	h.Add("Vary", "Cookie")
	if cookie != nil {
		http.SetCookie(w.ResponseWriter, cookie)
		h.Add("Cache-Control", `no-cache="Set-Cookie"`)
	}
	return true
}

// WriteHeader saves the session, then writes the header; informational (1xx) headers pass through.
func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.start() {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write saves the session before the first byte, then writes p.
func (w *writer) Write(p []byte) (int, error) {
	if !w.start() {
		return 0, errNotSent
	}
	return w.ResponseWriter.Write(p)
}

// Flush saves the session, then flushes the underlying writer if it can.
func (w *writer) Flush() {
	if w.start() {
		if f, ok := w.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish saves the session when the handler returns: the whole save if the handler wrote nothing,
// otherwise what changed after the response started.
func (w *writer) finish() {
	if !w.started {
		w.start()
		return
	}
	if w.failed {
		return
	}
	if _, err := w.m.save(w.r.Context(), w.s, true); err != nil {
		w.m.opts.Logger.LogAttrs(w.r.Context(), slog.LevelError, "session changes made after the response started were not saved", attrErr(err))
	}
}
