package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
)

// counters reads this connection's statement counters. db must have a single connection, so that
// the session status covers every statement the store sent.
func counters(t testing.TB, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.Query("SHOW SESSION STATUS WHERE Variable_name IN ('Questions', 'Com_stmt_prepare', 'Com_stmt_execute', 'Com_stmt_close')")
	require.NoError(t, err)
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		require.NoError(t, rows.Scan(&k, &v))
		m[k] = v
	}
	require.NoError(t, rows.Err())
	return m
}

// statements counts what the server saw while op ran n times: prepares, executions of prepared
// statements, and Questions (statements of any kind), with the cost of reading the counters removed.
func statements(t testing.TB, db *sql.DB, n int, op func(i int) error) (prepares, executes, questions float64) {
	t.Helper()
	a := counters(t, db)
	b := counters(t, db)
	for i := range n {
		require.NoError(t, op(i))
	}
	c := counters(t, db)
	per := func(k string) float64 { return float64((c[k]-b[k])-(b[k]-a[k])) / float64(n) }
	return per("Com_stmt_prepare"), per("Com_stmt_execute"), per("Questions")
}

// singleConn opens a pool of one connection on a fresh database.
func singleConn(t testing.TB) (*sql.DB, *testenv.Database) {
	t.Helper()
	d := testenv.MySQL(t)
	db, err := sql.Open("mysql", d.DSN)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	t.Cleanup(func() { db.Close() })
	return db, d
}

// TestOneRoundTripPerOperation checks on the server's own counters that a warm Find and a warm
// Commit are each one statement execution, with no prepare: one round trip. scs's mysqlstore on the
// same connection settings is measured alongside for the record.
func TestOneRoundTripPerOperation(t *testing.T) {
	ctx := context.Background()
	db, _ := singleConn(t)
	s := openStore(t, db)
	exp := time.Now().Add(time.Hour)
	tok := func(i int) string { return fmt.Sprintf("token-%d", i%10) }
	require.NoError(t, s.CommitCtx(ctx, tok(0), []byte("warm"), exp)) // prepares once
	_, _, err := s.FindCtx(ctx, tok(0))
	require.NoError(t, err)

	const n = 50
	p, e, q := statements(t, db, n, func(i int) error { return s.CommitCtx(ctx, tok(i), []byte("data"), exp) })
	assert.Equal(t, []float64{0, 1, 1}, []float64{p, e, q}, "Commit: prepares, executes, questions per call")
	p, e, q = statements(t, db, n, func(i int) error { _, _, err := s.FindCtx(ctx, tok(i)); return err })
	assert.Equal(t, []float64{0, 1, 1}, []float64{p, e, q}, "Find: prepares, executes, questions per call")

	peerDB, _ := singleConn(t)
	createMySQLStoreTable(t, peerDB)
	peer := mysqlstore.NewWithCleanupInterval(peerDB, 0)
	p, e, q = statements(t, peerDB, n, func(i int) error { return peer.Commit(tok(i), []byte("data"), exp) })
	t.Logf("scs mysqlstore Commit per call: %.0f prepare, %.0f execute, %.0f questions", p, e, q)
	p, e, q = statements(t, peerDB, n, func(i int) error { _, _, err := peer.Find(tok(i)); return err })
	t.Logf("scs mysqlstore Find per call: %.0f prepare, %.0f execute, %.0f questions", p, e, q)
}

// createMySQLStoreTable creates the table scs's mysqlstore documents in its README.
func createMySQLStoreTable(t testing.TB, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)",
		"CREATE INDEX sessions_expiry_idx ON sessions (expiry)",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
}
