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
)

// Manager is the net/http middleware for applications that do not use scs: it loads the session
// named by the request's cookie, hands it to the handler through the request context, and saves it
// when the response starts. It is safe for concurrent use.
//
// Only tokens the server issued are accepted: a cookie that is malformed, unknown, expired or
// tampered with gives the request a new, empty session, and a token is issued only when that session
// is first saved with data. When the database fails (after retries), the request is answered by
// ManagerOptions.ErrorHandler (503 by default) instead.
type Manager struct {
	store *Store
	opts  ManagerOptions
}

// NewManager returns a Manager that keeps sessions in store.
func NewManager(store *Store, optFns ...func(*ManagerOptions)) (*Manager, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: store is nil", ErrInvalidOptions)
	}
	var o ManagerOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if err := o.resolve(store); err != nil {
		return nil, err
	}
	return &Manager{store: store, opts: o}, nil
}

// Store returns the manager's store.
func (m *Manager) Store() *Store { return m.store }

// LogoutUser ends every session of userID (set with [Session.SetUserID]) on every instance, and
// returns how many it ended ("log out everywhere").
//
// When called from a request of that same user, the request's own session row is deleted too, but
// the request still holds the session and would write it back if it changed. So finish with
// [Session.Destroy] to log this browser out as well, or with [Session.RenewToken] to keep it logged
// in under a new token ("log out my other devices").
func (m *Manager) LogoutUser(ctx context.Context, userID string) (int64, error) {
	n, err := m.store.DeleteUserCtx(ctx, userID)
	if err == nil {
		m.opts.Logger.LogAttrs(ctx, slogInfo, "sessions of a user destroyed", attrCount("sessions", n))
	}
	return n, err
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

// load returns the request's session, a new one when the cookie names no live session, or an error
// when the database could not tell.
func (m *Manager) load(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.opts.CookieName)
	if err != nil {
		return &Session{}, nil
	}
	if !wellFormed(c.Value) {
		m.opts.Logger.LogAttrs(r.Context(), slog.LevelDebug, "malformed session cookie ignored")
		return &Session{clearCookie: true}, nil
	}
	ctx := r.Context()
	b, found, err := m.store.FindCtx(ctx, c.Value)
	if err != nil {
		return nil, err
	}
	if !found {
		m.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "unknown or expired session token", attrSession(c.Value))
		return &Session{clearCookie: true}, nil
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil || rec.V != recordVersion {
		// Undecodable data cannot become decodable by retrying; failing every request that carries
		// this cookie would lock the user out, so the session is dropped instead.
		m.opts.Logger.LogAttrs(ctx, slogWarn, "undecodable session data; starting a new session", attrSession(c.Value))
		return &Session{stale: []string{c.Value}, clearCookie: true}, nil
	}
	now := m.store.opts.Clock.Now()
	if !now.Before(rec.Deadline) || (m.opts.IdleTimeout > 0 && !now.Before(rec.Touched.Add(m.opts.IdleTimeout))) {
		return &Session{stale: []string{c.Value}, clearCookie: true}, nil
	}
	return &Session{token: c.Value, rec: rec}, nil
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
		issued := s.token == ""
		if issued {
			s.token = newToken()
		}
		if s.rec.Created.IsZero() {
			s.rec.Created = now
			s.rec.Deadline = now.Add(m.opts.Lifetime)
		}
		s.rec.V = recordVersion
		s.rec.Touched = now
		b, err := json.Marshal(s.rec)
		if err != nil {
			return nil, fmt.Errorf("session: encode: %w", err)
		}
		if err := m.store.CommitUserCtx(ctx, s.token, b, m.expiry(s.rec), s.rec.UserID); err != nil {
			return nil, err
		}
		if issued {
			cookie = m.cookie(s.token, s.rec.Deadline, now)
			m.opts.Logger.LogAttrs(ctx, slogInfo, "session token issued", attrSession(s.token), attrRenewed(len(s.stale) > 0))
		}
	}
	// Old tokens are deleted after the new row is written, so a failure in between leaves the user
	// with a working session; the error still fails the request, so a renewal is never reported
	// done while the old token remains valid.
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
