package session_test

import (
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds/session"
)

// unopened returns a *sql.DB that was never connected: New, NewManager and NewCollector do no I/O,
// so their validation needs no database.
func unopened(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "nobody@tcp(127.0.0.1:1)/none")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// requireInvalid checks that err matches ErrInvalidOptions and names each field.
func requireInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	require.ErrorIs(t, err, session.ErrInvalidOptions)
	for _, f := range fields {
		assert.Contains(t, err.Error(), f)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	_, err := session.New(unopened(t), func(o *session.Options) {
		o.Table = "bad-name;"
		o.RetryInitialInterval = 2 * time.Second
		o.RetryMaxInterval = time.Second
		o.NoContextTimeout = -1
		o.MaxDataSize = session.MaxDataSizeLimit + 1
	})
	requireInvalid(t, err, "Table", "RetryMaxInterval", "NoContextTimeout", "MaxDataSize")

	_, err = session.New(nil, func(o *session.Options) { o.MaxDataSize = -1 })
	requireInvalid(t, err, "db is nil", "MaxDataSize")

	s, err := session.New(unopened(t))
	require.NoError(t, err)
	assert.Equal(t, session.DefaultTable, s.Table())
}

func TestNewManagerValidatesOptions(t *testing.T) {
	s, err := session.New(unopened(t))
	require.NoError(t, err)
	_, err = session.NewManager(s, func(o *session.ManagerOptions) {
		o.CookieName = "__Host-sid"
		o.CookiePath = "/app"
		o.IdleTimeout = 2 * time.Hour
		o.Lifetime = time.Hour
		o.SameSite = http.SameSite(9)
		o.RetryAfter = -time.Second
	})
	requireInvalid(t, err, "CookieName", "IdleTimeout", "SameSite", "RetryAfter")

	_, err = session.NewManager(s, func(o *session.ManagerOptions) { o.CookieName = "bad name" })
	requireInvalid(t, err, "CookieName")
	_, err = session.NewManager(nil)
	requireInvalid(t, err, "store is nil")
	_, err = session.NewManager(s, func(o *session.ManagerOptions) { o.IdleTimeout = 5 * time.Minute; o.TouchInterval = 5 * time.Minute })
	requireInvalid(t, err, "TouchInterval")

	m, err := session.NewManager(s, func(o *session.ManagerOptions) { o.IdleTimeout = -1 })
	require.NoError(t, err, "a negative IdleTimeout disables it")
	assert.Equal(t, session.DefaultCookieName, m.CookieName())
}

func TestNewCollectorValidatesOptions(t *testing.T) {
	s, err := session.New(unopened(t))
	require.NoError(t, err)
	_, err = session.NewCollector(s, func(o *session.CollectorOptions) {
		o.Interval = -time.Second
		o.BatchSize = session.MaxBatchSize + 1
	})
	requireInvalid(t, err, "Interval", "BatchSize")
	_, err = session.NewCollector(nil)
	requireInvalid(t, err, "store is nil")
	_, err = s.DeleteExpired(t.Context(), func(o *session.CollectorOptions) { o.BatchSize = -1 })
	requireInvalid(t, err, "BatchSize")
}
