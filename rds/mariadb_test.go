package rds_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds"
	"github.com/portalkit/portalkit/rds/session"
)

// TestConnSettingsCarrySessionsThroughRestart opens a pool with OpenDB's failover settings on a
// private MariaDB server, stores a session through rds/session, restarts the server (what the
// application sees of a failover: every pooled connection dies), and reads and writes the session
// again through the same pool. The local server has no TLS, so the test uses NoTLS; everything
// else is the package's defaults, apart from shorter I/O timeouts.
func TestConnSettingsCarrySessionsThroughRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a database server")
	}
	mdb := testenv.StartMariaDB(t)
	base, err := mysql.ParseDSN(mdb.DSN)
	require.NoError(t, err)
	host, portText, err := net.SplitHostPort(base.Addr)
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	ep := rds.Endpoint{Address: host, Port: int32(port)}

	db, err := rds.OpenDB(ep, rds.ConnOptions{
		User: base.User, Password: rds.Password(base.Passwd), DBName: base.DBName, NoTLS: true,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
	})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	store, err := session.New(db, func(o *session.Options) { o.RetryMaxElapsed = 30 * time.Second })
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, store.Migrate(ctx))
	token := newSessionToken(t)
	expiry := time.Now().Add(time.Hour)
	require.NoError(t, store.CommitCtx(ctx, token, []byte("cart=3"), expiry))
	b, found, err := store.FindCtx(ctx, token)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "cart=3", string(b))
	require.Positive(t, db.Stats().Idle, "a pooled connection is waiting to be reused")

	mdb.Stop()
	mdb.Start()

	b, found, err = store.FindCtx(ctx, token)
	require.NoError(t, err, "the dead pooled connection is replaced")
	assert.True(t, found, "a failover logs nobody out")
	assert.Equal(t, "cart=3", string(b))
	require.NoError(t, store.CommitCtx(ctx, token, []byte("cart=4"), expiry))
	b, _, err = store.FindCtx(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, "cart=4", string(b))
}

func newSessionToken(t *testing.T) string {
	t.Helper()
	raw := make([]byte, session.TokenBytes)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}
