package session_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

// TestMigrateConcurrentStart runs Migrate from many instances at once on an empty database, then
// again: all succeed, the table exists once and the version is recorded once.
func TestMigrateConcurrentStart(t *testing.T) {
	db := testenv.MySQL(t)
	const instances = 8
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := session.New(db.DB, func(o *session.Options) { o.Table = "web_sessions" })
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			errs[i] = s.Migrate(context.Background())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "instance %d", i)
	}
	s, err := session.New(db.DB, func(o *session.Options) { o.Table = "web_sessions" })
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()), "a second migration is a no-op")

	var versions, maxVersion int
	require.NoError(t, db.DB.QueryRow("SELECT COUNT(*), MAX(version) FROM web_sessions_schema").Scan(&versions, &maxVersion))
	assert.Equal(t, session.SchemaVersion, versions)
	assert.Equal(t, session.SchemaVersion, maxVersion)

	var indexes int
	require.NoError(t, db.DB.QueryRow(`SELECT COUNT(DISTINCT index_name) FROM information_schema.statistics
		WHERE table_schema = DATABASE() AND table_name = 'web_sessions'`).Scan(&indexes))
	assert.Equal(t, 3, indexes, "primary key, expiry index and user id index")
}

func TestMigrateLeavesNewerSchemaAlone(t *testing.T) {
	s, db := newStore(t)
	_, err := db.DB.Exec("INSERT INTO sessions_schema (version, applied_at) VALUES (?, NOW(6))", session.SchemaVersion+1)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(context.Background()), "an older release must still start during a rolling deploy")
}
