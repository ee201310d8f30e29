package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds/session"
)

// The store drops into scs without the package importing it.
var (
	_ scs.Store    = (*session.Store)(nil)
	_ scs.CtxStore = (*session.Store)(nil)
)

func TestScsSessionManager(t *testing.T) {
	s, db := newStore(t)
	sm := scs.New()
	sm.Store = s
	sm.Lifetime = time.Hour
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sm.Put(r.Context(), "user", "alice")
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, sm.GetString(r.Context(), "user"))
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := httptest.NewServer(sm.LoadAndSave(mux))
	defer srv.Close()
	b := newBrowser(t, srv.URL)
	b.name = sm.Cookie.Name

	resp, _ := b.do("/login")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	tok := b.token()
	require.NotEmpty(t, tok)
	_, body := b.do("/whoami")
	assert.Equal(t, "alice", body)
	assert.Equal(t, 1, countRows(t, db.DB, s.Table()))

	// scs hands the store its raw token; the store keeps only the hash.
	_, found, err := s.FindCtx(context.Background(), tok)
	require.NoError(t, err)
	assert.True(t, found)

	resp, _ = b.do("/logout")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Zero(t, countRows(t, db.DB, s.Table()))
	b.setToken(tok)
	_, body = b.do("/whoami")
	assert.Empty(t, body, "a destroyed scs session is gone")
}

func TestScsContextlessMethods(t *testing.T) {
	s, _ := newStore(t)
	require.NoError(t, s.Commit("tok", []byte("v"), time.Now().Add(time.Hour)))
	b, found, err := s.Find("tok")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, []byte("v"), b)
	require.NoError(t, s.Delete("tok"))
	_, found, err = s.Find("tok")
	require.NoError(t, err)
	assert.False(t, found)
}
