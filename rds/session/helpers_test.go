package session_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newStore returns a migrated store on a fresh database.
func newStore(t *testing.T, fns ...func(*session.Options)) (*session.Store, *testenv.Database) {
	t.Helper()
	db := testenv.MySQL(t)
	return openStore(t, db.DB, fns...), db
}

func openStore(t *testing.T, db *sql.DB, fns ...func(*session.Options)) *session.Store {
	t.Helper()
	s, err := session.New(db, fns...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(context.Background()))
	return s
}

func withClock(c clock.Clock) func(*session.Options) {
	return func(o *session.Options) { o.Clock = c }
}

// logBuffer collects slog output from any number of goroutines.
type logBuffer = testenv.LogBuffer

// countRows returns the number of rows in the store's table.
func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+table+"`").Scan(&n))
	return n
}
