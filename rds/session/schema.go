package session

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/internal/retry"
)

// SchemaVersion is the version of the table layout this package writes. [Store.Migrate] brings an
// older table up to it.
const SchemaVersion = 1

// migrations[i] upgrades the schema from version i to i+1. Each statement is safe to run again (IF
// NOT EXISTS), because MySQL commits DDL implicitly and a crash may fall between a step and the
// version row that records it. Steps must stay additive so that instances still running the
// previous release keep working during a rolling deploy.
func migrations(table string) [][]string {
	return [][]string{
		{
			// id is the SHA-256 of the token (see tokenID): compact, fixed-size, binary, so no charset
			// or collation can fold two tokens together. expires_at is the effective expiry (the
			// earlier of the idle and absolute deadlines), DATETIME(6) rather than TIMESTAMP to avoid
			// the 2038 limit and time-zone conversion. user_id serves "log out everywhere".
			"CREATE TABLE IF NOT EXISTS `" + table + "` (" +
				"id BINARY(32) NOT NULL, " +
				"data MEDIUMBLOB NOT NULL, " +
				"expires_at DATETIME(6) NOT NULL, " +
				"user_id VARBINARY(255) NULL, " +
				"PRIMARY KEY (id), " +
				"KEY `" + table + "_expires_at` (expires_at), " +
				"KEY `" + table + "_user_id` (user_id)" +
				") ENGINE=InnoDB",
		},
	}
}

// queries are the statements of one table, built once (the table name is validated, so plain
// concatenation is safe).
type queries struct {
	schemaTable, find, exists, commit, insert, update, delete, deleteUser, deleteExpired, lockName string
}

// strict makes a write statement run with a strict sql_mode whatever the connection's, so that a
// value too long for its column is an error (1406) and never silently truncated. The store does not
// own its *sql.DB's connections (the application may share them), so it sets the mode per
// statement rather than per connection, adding STRICT_ALL_TABLES to the connection's own mode so
// that every other flag (NO_BACKSLASH_ESCAPES for one, which client-side interpolation relies on)
// stays as it is:
//
//   - MariaDB runs the executable comment /*M! ... */: SET STATEMENT ... FOR <statement>;
//   - MySQL 8.0.3+ ignores that comment and applies the SET_VAR optimizer hint after the verb
//     (a hint takes a literal, so there the mode is replaced by a strict one for the statement's
//     execution; the statement is parsed under the connection's mode all the same).
//
// Both are comments to the other server, and both run within the one statement: no extra round
// trip.
func strict(verb, rest string) string {
	return "/*M! SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES') FOR */ " +
		verb + " /*+ SET_VAR(sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION') */ " + rest
}

func newQueries(table string) queries {
	t := "`" + table + "`"
	return queries{
		schemaTable: table + "_schema",
		find:        "SELECT data FROM " + t + " WHERE id = ? AND expires_at > ?",
		exists:      "SELECT 1 FROM " + t + " WHERE id = ? AND expires_at > ?",
		// VALUES() in ON DUPLICATE KEY UPDATE works on every MySQL and MariaDB version (MySQL 8.0.20+
		// deprecates it in favour of a row alias that MariaDB does not understand).
		commit: strict("INSERT", "INTO "+t+" (id, data, expires_at, user_id) VALUES (?, ?, ?, ?) "+
			"ON DUPLICATE KEY UPDATE data = VALUES(data), expires_at = VALUES(expires_at), user_id = VALUES(user_id)"),
		insert: strict("INSERT", "INTO "+t+" (id, data, expires_at, user_id) VALUES (?, ?, ?, ?)"),
		// update saves a live row in place, or moves it to a new id (a renewed token): it never
		// creates a row, so a session that ended meanwhile stays ended.
		update:        strict("UPDATE", t+" SET id = ?, data = ?, expires_at = ?, user_id = ? WHERE id = ? AND expires_at > ?"),
		delete:        "DELETE FROM " + t + " WHERE id = ?",
		deleteUser:    "DELETE FROM " + t + " WHERE user_id = ?",
		deleteExpired: "DELETE FROM " + t + " WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
		lockName:      table,
	}
}

// migrateLockTimeout is how long Migrate waits for another instance that is migrating the same table.
const migrateLockTimeout = 60 * time.Second

// Migrate creates the session table if it is missing and upgrades an older one to SchemaVersion,
// recording each applied version in the schema version table (Table + "_schema"). It is safe when
// many instances start at once: a MySQL advisory lock (GET_LOCK) lets one migrate while the others
// wait and then find nothing to do. Transient errors (a database mid-failover at start-up) are
// retried within ctx. A table already at a newer version is left alone and logged, so an instance
// of an older release can still start during a rolling deploy.
func (s *Store) Migrate(ctx context.Context) error {
	err := retry.Do(ctx, s.migrateOnce, retry.Options{
		Retryable:       IsTransient,
		InitialInterval: s.opts.RetryInitialInterval,
		MaxInterval:     s.opts.RetryMaxInterval,
		MaxElapsed:      max(s.opts.RetryMaxElapsed, time.Minute),
		Clock:           s.opts.Clock,
		OnRetry: func(err error, d time.Duration) {
			s.opts.Logger.LogAttrs(ctx, slogWarn, "session store: migration failed, retrying", attrErr(err), attrDelay(d))
		},
	})
	if err != nil {
		return fmt.Errorf("session: migrate table %s: %w", s.opts.Table, err)
	}
	return nil
}

func (s *Store) migrateOnce(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	release, err := advisoryLock(ctx, conn, "migrate", s.q.lockName, migrateLockTimeout)
	if err != nil {
		return err
	}
	defer release()

	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS `"+s.q.schemaTable+"` ("+
		"version INT NOT NULL PRIMARY KEY, applied_at DATETIME(6) NOT NULL) ENGINE=InnoDB"); err != nil {
		return fmt.Errorf("create schema version table: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM `"+s.q.schemaTable+"`").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > SchemaVersion {
		s.opts.Logger.LogAttrs(ctx, slogWarn, "session store: table has a newer schema than this release; leaving it alone",
			attrCount("version", int64(current)), attrCount("supported", SchemaVersion))
		return nil
	}
	steps := migrations(s.opts.Table)
	for v := current; v < SchemaVersion; v++ {
		for _, stmt := range steps[v] {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("schema version %d: %w", v+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT IGNORE INTO `"+s.q.schemaTable+"` (version, applied_at) VALUES (?, ?)",
			v+1, s.opts.Clock.Now().UTC()); err != nil {
			return fmt.Errorf("record schema version %d: %w", v+1, err)
		}
		s.opts.Logger.LogAttrs(ctx, slogInfo, "session store: schema migrated", attrCount("version", int64(v+1)))
	}
	return nil
}

// errLockBusy reports that another instance holds an advisory lock.
var errLockBusy = errors.New("advisory lock held by another instance")

// advisoryLock takes the MySQL named lock for (purpose, table) in the current database on conn,
// waiting up to wait. The lock is tied to the connection: if the connection dies, the server releases
// it, so a crashed instance never leaves it held. The name is hashed because lock names are limited
// to 64 characters. It returns errLockBusy when the wait ran out.
func advisoryLock(ctx context.Context, conn *sql.Conn, purpose, table string, wait time.Duration) (release func(), err error) {
	const name = "SHA1(CONCAT('portalkit.session.', ?, '.', DATABASE(), '.', ?))"
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+name+", ?)", purpose, table, int(wait/time.Second)).Scan(&got); err != nil {
		return nil, fmt.Errorf("take %s lock: %w", purpose, err)
	}
	if !got.Valid || got.Int64 != 1 {
		return nil, errLockBusy
	}
	return func() {
		// The caller's ctx may be done by now; the release must still be attempted.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK("+name+")", purpose, table); err != nil {
			// A connection that may still hold the lock must not go back to the pool, where it
			// would keep the lock (and every instance's collector skipping) until the pool closed
			// it: discard it, and the server releases the lock with the connection.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}
