package session

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// recordVersion is the version of the envelope below, stored with the data so that a later release
// can read rows written by this one.
const recordVersion = 1

// record is what the middleware stores in the data column, encoded as JSON. The timestamps are kept
// in the row (not only in the expires_at column) so that the middleware can enforce its current idle
// and absolute timeouts even on rows written under another configuration.
type record struct {
	V        int                        `json:"v"`
	Created  time.Time                  `json:"c"`
	Deadline time.Time                  `json:"d"` // absolute timeout
	Touched  time.Time                  `json:"t"` // last activity recorded (idle timeout)
	UserID   string                     `json:"u,omitempty"`
	Values   map[string]json.RawMessage `json:"m,omitempty"`
}

// Session is the session of one request, obtained with [FromContext] inside [Manager.Handler].
// Values are encoded with encoding/json when put and decoded when read, so any JSON-marshallable type
// works and the stored form is readable by other languages. Its methods are safe for concurrent use
// by the goroutines serving one request.
//
// Changes are saved when the response starts (first Write, WriteHeader or Flush) or when the handler
// returns, whichever comes first; a session that was not changed is not written, except to record
// activity for the idle timeout at most once per TouchInterval. An empty session is never stored.
type Session struct {
	mu     sync.Mutex
	token  string   // "" until a token is issued
	stale  []string // tokens to delete at save (after RenewToken or Destroy)
	loaded string   // the token whose row this request loaded and continues, "" for none
	rec    record
	// modified says the session changed; clearCookie asks the response to expire the cookie,
	// which is done only for a cookie this store issued.
	modified    bool
	clearCookie bool
}

type ctxKey struct{}

// FromContext returns the session of the request whose context is ctx, or nil outside
// [Manager.Handler].
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Get returns the value stored under key, decoded into a T. ok is false when the key is absent; err
// reports a value that does not decode into T.
func Get[T any](s *Session, key string) (v T, ok bool, err error) {
	if s == nil {
		return v, false, ErrNoSession
	}
	s.mu.Lock()
	raw, ok := s.rec.Values[key]
	s.mu.Unlock()
	if !ok {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, true, fmt.Errorf("session: decode value %q: %w", key, err)
	}
	return v, true, nil
}

// Put stores v under key, encoded with encoding/json. It fails, changing nothing, when v cannot be
// encoded.
func (s *Session) Put(key string, v any) error {
	if s == nil {
		return ErrNoSession
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("session: encode value %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec.Values == nil {
		s.rec.Values = map[string]json.RawMessage{}
	}
	s.rec.Values[key] = raw
	s.modified = true
	return nil
}

// Remove deletes key. Removing an absent key changes nothing.
func (s *Session) Remove(key string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rec.Values[key]; ok {
		delete(s.rec.Values, key)
		s.modified = true
	}
}

// Keys returns the stored keys in sorted order.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := slices.Sorted(maps.Keys(s.rec.Values))
	return keys
}

// UserID returns the user id set by SetUserID, or "".
func (s *Session) UserID() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.UserID
}

// SetUserID records which user the session belongs to (stored in an indexed column), so that
// [Manager.LogoutUser] can end all of that user's sessions. Call RenewToken too when the user logs
// in. An id longer than MaxUserIDLen bytes is refused with an error matching [ErrUserIDTooLong]
// and changes nothing (the middleware would refuse to save it too); map long ids to a shorter key,
// such as a database id or a hash, first.
func (s *Session) SetUserID(id string) error {
	if s == nil {
		return ErrNoSession
	}
	if err := checkUserID(id); err != nil {
		return fmt.Errorf("session: set user id: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec.UserID != id {
		s.rec.UserID = id
		s.modified = true
	}
	return nil
}

// RenewToken gives the session a new token, keeping its data, and invalidates the old token when the
// session is saved. Call it on every privilege change (log in, log out, password or role change) to
// defeat session fixation (OWASP). It also restarts the absolute timeout. The old token stops
// working at the moment the new one starts (one statement moves the row); if a concurrent request
// ended the session first (a logout), the renewal is dropped and the response ends the session.
func (s *Session) RenewToken() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" {
		s.stale = append(s.stale, s.token)
		s.token = ""
	}
	s.rec.Created = time.Time{} // reset at save, on the store's clock
	s.modified = true
}

// Destroy ends the session: its row is deleted when the response starts and the cookie is expired in
// the browser. Data put afterwards starts a new session with a new token. A logout is final: a
// concurrent request that loaded the session earlier and saves a change afterwards finds its row
// gone, drops its change and ends the session in its own response too.
func (s *Session) Destroy() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" {
		s.stale = append(s.stale, s.token)
		s.token = ""
	}
	s.loaded = ""
	s.rec = record{}
	s.modified = true
	s.clearCookie = true
}

// IsNew reports whether the request came without a valid session: the token is issued when data is
// first saved.
func (s *Session) IsNew() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token == ""
}

func (s *Session) empty() bool { return len(s.rec.Values) == 0 && s.rec.UserID == "" }
