// Package session keeps HTTP sessions in MySQL (RDS Multi-AZ), so that any web server behind the
// load balancer can serve any user, a user stays logged in when the instance that served them dies,
// and a database failover costs at most a few 503s, never a logout.
//
// It offers a [Store] (usable on its own or as the store of an scs.SessionManager from
// github.com/alexedwards/scs/v2), a net/http middleware ([Manager]) for applications that do not use
// scs, and a [Collector] that deletes expired sessions.
//
// # Store and schema
//
// [New] wraps a *sql.DB from go-sql-driver/mysql; [Store.Migrate] creates the table (or upgrades an
// older one) at start-up. Many instances may migrate at once: a MySQL advisory lock (GET_LOCK)
// serialises them and a schema version table (Table + "_schema") records what was applied. A row is
//
//	id          BINARY(32)   SHA-256 of the token (primary key)
//	data        MEDIUMBLOB   the session data
//	expires_at  DATETIME(6)  indexed; rows at or past it are never returned
//	user_id     VARBINARY    indexed, optional, for "log out everywhere"
//
// Tokens are stored only hashed, so a dump, replica or backup of the table yields no usable cookie.
// Expiry is checked against the store's clock (the application servers', kept in sync by NTP), not
// the database's.
//
// [Store.FindCtx], [Store.CommitCtx] (one INSERT ... ON DUPLICATE KEY UPDATE, scs's contract) and
// [Store.DeleteCtx] are one statement each, prepared once per connection, so each costs one round
// trip. A missing or expired session is found=false with a nil error; a database failure is always
// an error, never "no session". Find, Commit and Delete, without a context, exist for scs's Store
// interface.
//
// # Limits
//
// Session data is capped at [Options].MaxDataSize bytes as encoded (DefaultMaxDataSize, 1 MiB,
// unless configured), checked before anything is sent, and a user id at MaxUserIDLen (255) bytes;
// beyond them a write fails with [ErrTooLarge] or [ErrUserIDTooLong]. Every write statement runs
// with a strict sql_mode whatever the connection's (MariaDB's SET STATEMENT, MySQL's SET_VAR hint),
// so a value the database cannot hold is an error, never silently truncated; the database's own
// size refusals (data too long, packet above max_allowed_packet) match [ErrTooLarge] too. These
// are permanent: they are not retried, and the middleware answers them with a 500, keeping 503 for
// failures that retrying later can fix.
//
// # Middleware
//
// [Manager.Handler] loads the session named by the request's cookie and hands it to the handler
// ([FromContext]); values are read and written with [Get] and [Session.Put], encoded as JSON. It
// follows the OWASP Session Management Cheat Sheet:
//
//   - tokens are 256 bits from crypto/rand, base64url; only server-issued tokens are accepted (a
//     malformed, unknown, expired or tampered cookie gets a new, empty session, and a client-chosen
//     token is never adopted);
//   - the cookie is Secure, HttpOnly and SameSite=Lax, with no Domain and Path "/" unless configured,
//     and a browser-session cookie unless PersistentCookie is set; with those defaults it is named
//     "__Host-session", a prefix browsers refuse to let another subdomain or plain HTTP set.
//     Responses carry Vary: Cookie and, when they set the cookie, Cache-Control:
//     no-cache="Set-Cookie";
//   - a cookie planted ahead of the real one (several cookies of the name) neither hides the real
//     session, since each is tried in order, nor gets the real one deleted: the cookie is expired
//     only when the request carried just that one, and it named a session this store issued;
//   - idle and absolute timeouts are enforced on the server; [Session.RenewToken] on every privilege
//     change defeats session fixation; [Session.Destroy] deletes the row at logout; and
//     [Manager.LogoutUser] ends every session of a user. All three are final (see Concurrency);
//   - a session is written only when it changed, or at most once per TouchInterval to record
//     activity for the idle timeout, and an empty session is never stored.
//
// # Failover
//
// All statements are idempotent, so transient failures ([IsTransient]: lost or refused connections,
// server shutdown, too many connections, a read-only server, lock wait timeouts and deadlocks) are
// retried with jittered exponential backoff until the request's context ends or RetryMaxElapsed
// passes. When the database stays unreachable, the middleware answers 503 with Retry-After (or
// ManagerOptions.ErrorHandler) rather than running the handler with an empty session.
//
// RDS Multi-AZ failover moves the endpoint's DNS name to the standby in typically 60-120 seconds.
// Open the *sql.DB so that the pool notices it quickly: in the DSN set timeout (dial), readTimeout
// and writeTimeout to a few seconds and rejectReadOnly=true (the driver then drops a connection that
// reaches a demoted, read-only primary), and call SetConnMaxLifetime with at most a few minutes so
// that connections follow the DNS change. See the package examples.
//
// # Garbage collection
//
// A [Collector], started explicitly with [Collector.Start] and stopped with [Collector.Stop], deletes
// expired rows every Interval in batches of BatchSize rows with a pause between batches, each batch a
// short READ COMMITTED transaction. Every instance may run one: an advisory lock lets one instance
// work while the others skip the round. [Store.DeleteExpired] does the same once, for a cron job.
//
// # Concurrency
//
// Concurrent requests of one session do not lock each other: each save writes the whole session in
// one statement, so the row always holds one complete version, and the last save wins. Two
// concurrent requests that change different keys of the same session may therefore lose one change;
// keep data that must not be lost under concurrent updates in the application's own tables.
//
// Ending a session is final, though. [Manager] saves a session it loaded with an UPDATE that cannot
// re-create the row (a renewal moves the row to the new token in the same statement), and INSERTs
// only tokens it has just issued. So a request that loaded the session before a logout, a renewal
// or LogoutUser, and saves a change afterwards, finds no row: its change is dropped and its response
// expires the cookie, instead of bringing the ended token back. (A store used through scs commits
// with scs's insert-or-update and does not have this guarantee.) What stays open is a renewal that
// completes before a concurrent logout of the old token: the logout then ends nothing, and the new
// token lives on; [Manager.LogoutUser] ends both.
//
// # Performance
//
// Every operation is one statement on a warm connection. bench/session.sh measures the store
// against scs's mysqlstore on the same server: with the driver's default DSN, where mysqlstore
// prepares, executes and closes a statement per call, the goal is at least 1.2 times its
// throughput. With interpolateParams=true both stores make one round trip per call, which is the
// limit for both, so there the two are about even and the ratio is noise.
//
// # Logging
//
// Loggers ([Options].Logger, [ManagerOptions].Logger) receive life-cycle events and errors. A session
// is identified by the first 6 bytes of its stored hash, never by its token; DSNs are never logged.
//
// Package github.com/portalkit/portalkit/rds builds connection settings fit for failover from an
// RDS instance's endpoint (rds.OpenDB, rds.MySQLConfig, rds.DSN), with TLS and IAM tokens.
package session
