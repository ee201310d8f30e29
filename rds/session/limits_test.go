package session_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

// openNonStrict opens dsn with an empty sql_mode on every connection: the setting under which MySQL
// silently truncates a value too long for its column.
func openNonStrict(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	require.NoError(t, err)
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var mode string
	require.NoError(t, db.QueryRow("SELECT @@SESSION.sql_mode").Scan(&mode))
	require.Empty(t, mode)
	return db
}

// bigApp is testApp plus /big?n=N, which puts an N-byte value into the session.
func bigApp(t *testing.T, m *session.Manager) *httptest.Server {
	t.Helper()
	mux := testMux(m)
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := session.FromContext(r.Context()).Put("big", strings.Repeat("x", n)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "stored")
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return srv
}

// refusedAsTooLarge checks that an oversized session was answered as a permanent failure (500, no
// Retry-After, the handler's "stored" replaced), never retried, and that the user's session is
// intact afterwards.
func refusedAsTooLarge(t *testing.T, b *browser, logs *logBuffer, n int) {
	t.Helper()
	resp, body := b.do("/big?n=" + strconv.Itoa(n))
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "an oversized session is not a 'try again later'")
	assert.Empty(t, resp.Header.Get("Retry-After"))
	assert.NotEqual(t, "stored", body)
	assert.NotContains(t, logs.String(), "retrying", "a permanent error is not retried")
	_, body = b.do("/whoami")
	assert.Equal(t, "alice", body, "still logged in")
	_, body = b.do("/get?k=big")
	assert.Zero(t, len(body), "bytes of the oversized value stored")
}

// TestManagerRefusesOversizedSession: session data above Options.MaxDataSize is refused before the
// database, with a 500 and an error matching ErrTooLarge, on a strict server and on a connection
// whose sql_mode would truncate it silently.
func TestManagerRefusesOversizedSession(t *testing.T) {
	t.Run("above the default limit", func(t *testing.T) {
		logs := &logBuffer{}
		s, _ := newStore(t, func(o *session.Options) { o.Logger = logs.Logger() })
		var got error
		m := newManager(t, s, func(o *session.ManagerOptions) {
			o.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
				got = err
				http.Error(w, "too large", http.StatusInternalServerError)
			}
		})
		b := newBrowser(t, bigApp(t, m).URL)
		b.do("/login?user=alice")
		refusedAsTooLarge(t, b, logs, 2<<20)
		require.ErrorIs(t, got, session.ErrTooLarge)
		resp, _ := b.do("/big?n=1000")
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a session within the limit is stored")
	})
	t.Run("non-strict connection, above the column", func(t *testing.T) {
		logs := &logBuffer{}
		db := openNonStrict(t, testenv.MySQL(t).DSN)
		s := openStore(t, db, func(o *session.Options) { o.Logger = logs.Logger() })
		b := newBrowser(t, bigApp(t, newManager(t, s)).URL)
		b.do("/login?user=alice")
		refusedAsTooLarge(t, b, logs, 17<<20)
	})
}

// TestStoreWritesAreStrict: on a connection with an empty sql_mode, a value too long for its column
// is an error matching ErrTooLarge, not retried, and never stored truncated. The columns are shrunk
// so that the database, not the store's own limits, is what refuses.
func TestStoreWritesAreStrict(t *testing.T) {
	ctx := context.Background()
	logs := &logBuffer{}
	db := openNonStrict(t, testenv.MySQL(t).DSN)
	s := openStore(t, db, func(o *session.Options) { o.Logger = logs.Logger() })
	_, err := db.Exec("ALTER TABLE sessions MODIFY data BLOB NOT NULL, MODIFY user_id VARBINARY(8) NULL")
	require.NoError(t, err)
	exp := time.Now().Add(time.Hour)

	err = s.CommitCtx(ctx, "tok", bytes.Repeat([]byte("x"), 70000), exp)
	require.ErrorIs(t, err, session.ErrTooLarge)
	_, found, err := s.FindCtx(ctx, "tok")
	require.NoError(t, err)
	assert.False(t, found, "nothing stored truncated")

	err = s.CommitUserCtx(ctx, "tok2", []byte("x"), exp, "a-longer-user-id")
	require.Error(t, err)
	_, found, err = s.FindCtx(ctx, "tok2")
	require.NoError(t, err)
	assert.False(t, found, "no session with a truncated user id")

	// Through the middleware: the insert of a new session and the update of a loaded one.
	m := newManager(t, s)
	b := newBrowser(t, bigApp(t, m).URL)
	resp, _ := b.do("/big?n=70000")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "insert")
	assert.Empty(t, b.token())
	b.do("/put?k=v")
	require.NotEmpty(t, b.token())
	resp, _ = b.do("/big?n=70000")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "update")
	_, body := b.do("/get?k=k")
	assert.Equal(t, "v", body, "the session is intact")
	assert.NotContains(t, logs.String(), "retrying")
}

// TestPacketTooLargeIsPermanent: a write above the server's max_allowed_packet (but within
// MaxDataSize) is refused by the server; that is not retried, and the middleware answers 500.
func TestPacketTooLargeIsPermanent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database server")
	}
	mdb := testenv.StartMariaDB(t)
	admin, err := sql.Open("mysql", mdb.DSN)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec("SET GLOBAL max_allowed_packet = 1048576")
	require.NoError(t, err)
	db, err := sql.Open("mysql", mdb.DSN) // new connections see the new limit
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	// The server closes a connection that sent it a packet too large. Keeping no idle connection
	// means no later statement meets such a dead one (and retries, rightly), so any retry logged
	// below would be a retry of the refused write.
	db.SetMaxIdleConns(0)

	logs := &logBuffer{}
	s := openStore(t, db, func(o *session.Options) {
		o.Logger = logs.Logger()
		o.MaxDataSize = 8 << 20
	})
	ctx := context.Background()
	err = s.CommitCtx(ctx, "tok", bytes.Repeat([]byte("x"), 2<<20), time.Now().Add(time.Hour))
	require.ErrorIs(t, err, session.ErrTooLarge)
	assert.NotContains(t, logs.String(), "retrying")

	b := newBrowser(t, bigApp(t, newManager(t, s)).URL)
	b.do("/login?user=alice")
	refusedAsTooLarge(t, b, logs, 2<<20)
}

// TestUserIDLimit: every user id the API accepts is found by LogoutUser; a longer one is refused
// with ErrUserIDTooLong, never truncated (non-strict connection) nor answered 503 (strict).
func TestUserIDLimit(t *testing.T) {
	ctx := context.Background()
	longest := strings.Repeat("é", session.MaxUserIDLen/2) + "x" // 255 bytes
	require.Len(t, longest, session.MaxUserIDLen)
	for name, open := range map[string]func(t *testing.T) *session.Store{
		"strict": func(t *testing.T) *session.Store { s, _ := newStore(t); return s },
		"non-strict connection": func(t *testing.T) *session.Store {
			return openStore(t, openNonStrict(t, testenv.MySQL(t).DSN))
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			m := newManager(t, s)
			srv := serve(t, m)

			b := newBrowser(t, srv.URL)
			b.do("/login?user=" + longest)
			n, err := m.LogoutUser(ctx, longest)
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, "a %d-byte id", len(longest))
			_, body := b.do("/whoami")
			assert.Equal(t, "anonymous", body)

			for _, id := range []string{longest + "y", strings.Repeat("u", 300)} {
				b := newBrowser(t, srv.URL)
				resp, _ := b.do("/login?user=" + id)
				assert.NotEqual(t, http.StatusServiceUnavailable, resp.StatusCode, "a %d-byte id: not a 'try again later'", len(id))
				_, err := m.LogoutUser(ctx, id)
				assert.ErrorIs(t, err, session.ErrUserIDTooLong, "a %d-byte id", len(id))
				assert.False(t, errors.Is(err, session.ErrTooLarge))
			}
		})
	}
}
