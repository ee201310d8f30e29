package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// Store keeps sessions in a MySQL table. It is safe for concurrent use by many goroutines and by many
// processes sharing the table.
//
// Its FindCtx, CommitCtx and DeleteCtx methods are the native API; Find, Commit and Delete are the
// same without a context, so that a *Store satisfies the Store and CtxStore interfaces of
// github.com/alexedwards/scs/v2 and can back an scs.SessionManager. (It cannot offer scs's
// IterableStore: only hashes of the tokens are stored.)
//
// Every operation is one statement (one round trip on a warm connection: statements are prepared
// once per connection) and is idempotent, so transient failures are retried with backoff within the
// context's deadline; see [IsTransient]. A database error is returned as an error, never as "no
// session". Writes larger than Options.MaxDataSize fail with [ErrTooLarge] before any I/O, and run
// with a strict sql_mode, so nothing is ever stored truncated.
type Store struct {
	db   *sql.DB
	opts Options
	q    queries

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// New returns a Store on db. It does no I/O: call [Store.Migrate] once at start-up to create or
// upgrade the table. db should be opened with a DSN that sets timeout, readTimeout and writeTimeout
// and rejectReadOnly=true (see the package documentation); the store does not close db. Invalid
// options give an error matching [ErrInvalidOptions] that names every invalid field.
func New(db *sql.DB, optFns ...func(*Options)) (*Store, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.resolve()
	var p check.Problems
	p.If(db == nil, "db is nil")
	o.validate(&p)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	return &Store{db: db, opts: o, q: newQueries(o.Table), stmts: map[string]*sql.Stmt{}}, nil
}

func checkUserID(id string) error {
	if len(id) > MaxUserIDLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrUserIDTooLong, len(id), MaxUserIDLen)
	}
	return nil
}

func (s *Store) checkSize(b []byte) error {
	if len(b) > s.opts.MaxDataSize {
		return fmt.Errorf("%w: %d bytes encoded, Options.MaxDataSize is %d", ErrTooLarge, len(b), s.opts.MaxDataSize)
	}
	return nil
}

// Table returns the name of the session table.
func (s *Store) Table() string { return s.opts.Table }

// Close releases the prepared statements. It does not close the *sql.DB. The Store must not be used
// after Close.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for k, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, k)
	}
	return errors.Join(errs...)
}

// FindCtx returns the data committed for token. found is false, with a nil error, when no live
// session has that token (never created, deleted, expired, or a token this store never issued); any
// database failure that survives the retries is returned as an error, never as found=false.
func (s *Store) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	id := tokenID(token)
	err = s.do(ctx, "find", func(ctx context.Context) error {
		st, err := s.stmt(ctx, s.q.find)
		if err != nil {
			return err
		}
		b = nil
		err = st.QueryRowContext(ctx, id, s.opts.Clock.Now().UTC()).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return b, found, nil
}

// CommitCtx stores b under token until expiry, replacing what was there: one INSERT ... ON DUPLICATE
// KEY UPDATE statement. An expiry in the past makes the session unfindable at once. It clears the
// user id set by [Store.CommitUserCtx]. Data larger than Options.MaxDataSize fails with
// [ErrTooLarge] before any I/O.
//
// This is scs's Commit contract: an insert-or-update, which cannot tell a session being saved from
// one that a concurrent request ended, so a request that loaded a session before a logout and
// commits afterwards writes it back (scs has this flaw). [Manager] does not use CommitCtx for a
// loaded session: it saves one with an update that cannot re-create the row, and inserts only
// tokens it has just issued.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.commit(ctx, token, b, expiry, "")
}

// CommitUserCtx is CommitCtx that also records the user the session belongs to, so that
// [Store.DeleteUserCtx] can log that user out everywhere. An empty userID stores no user; one
// longer than MaxUserIDLen bytes fails with [ErrUserIDTooLong].
func (s *Store) CommitUserCtx(ctx context.Context, token string, b []byte, expiry time.Time, userID string) error {
	return s.commit(ctx, token, b, expiry, userID)
}

// userArg is the user_id column's value for id: NULL for no user.
func userArg(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// checkWrite checks what a write would send, before any I/O.
func (s *Store) checkWrite(b []byte, userID string) error {
	if err := s.checkSize(b); err != nil {
		return err
	}
	return checkUserID(userID)
}

func (s *Store) commit(ctx context.Context, token string, b []byte, expiry time.Time, userID string) error {
	if err := s.checkWrite(b, userID); err != nil {
		return fmt.Errorf("session: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // the column is NOT NULL
	}
	id := tokenID(token)
	return s.doWrite(ctx, "commit", len(b), func(ctx context.Context) error {
		_, err := s.exec(ctx, s.q.commit, id, b, expiry.UTC(), userArg(userID))
		return err
	})
}

// insert stores a session under a token just issued. Such a token is 256 random bits that nobody
// else can hold, so a duplicate key on a retry means the previous attempt took effect and its
// answer was lost.
func (s *Store) insert(ctx context.Context, token string, b []byte, expiry time.Time, userID string) error {
	if err := s.checkWrite(b, userID); err != nil {
		return fmt.Errorf("session: insert: %w", err)
	}
	id := tokenID(token)
	attempt := 0
	return s.doWrite(ctx, "insert", len(b), func(ctx context.Context) error {
		attempt++
		_, err := s.exec(ctx, s.q.insert, id, b, expiry.UTC(), userArg(userID))
		if attempt > 1 && isDuplicateKey(err) {
			return nil
		}
		return err
	})
}

// update saves a loaded session in place. It never creates a row: found is false, and nothing is
// written, when the session no longer exists or has expired (a logout, renewal, "log out
// everywhere" or the idle timeout ended it meanwhile).
func (s *Store) update(ctx context.Context, token string, b []byte, expiry time.Time, userID string) (found bool, err error) {
	return s.move(ctx, "update", token, token, b, expiry, userID)
}

// rekey moves a loaded session to a newly issued token and saves it, in one statement, so that the
// old token stops working exactly when the new one starts. Like update it never creates a row:
// found is false, and nothing is written, when the old session no longer exists.
func (s *Store) rekey(ctx context.Context, oldToken, newToken string, b []byte, expiry time.Time, userID string) (found bool, err error) {
	return s.move(ctx, "renew", oldToken, newToken, b, expiry, userID)
}

func (s *Store) move(ctx context.Context, what, from, to string, b []byte, expiry time.Time, userID string) (bool, error) {
	if err := s.checkWrite(b, userID); err != nil {
		return false, fmt.Errorf("session: %s: %w", what, err)
	}
	fromID, toID := tokenID(from), tokenID(to)
	var found bool
	err := s.doWrite(ctx, what, len(b), func(ctx context.Context) error {
		now := s.opts.Clock.Now().UTC()
		res, err := s.exec(ctx, s.q.update, toID, b, expiry.UTC(), userArg(userID), fromID, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n > 0 {
			found = true
			return nil
		}
		// Zero rows changed: the row is gone, or it already held exactly these values (MySQL
		// counts changed rows, not matched ones; a retry whose first attempt took effect also
		// lands here). Only a live row under the target id tells the two apart.
		found, err = s.exists(ctx, toID, now)
		return err
	})
	return found, err
}

// exists reports whether a live row has id.
func (s *Store) exists(ctx context.Context, id []byte, now time.Time) (bool, error) {
	st, err := s.stmt(ctx, s.q.exists)
	if err != nil {
		return false, err
	}
	var one int
	err = st.QueryRowContext(ctx, id, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// exec runs a prepared write statement.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// DeleteCtx removes the session with token. Deleting a missing session is not an error.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	id := tokenID(token)
	return s.do(ctx, "delete", func(ctx context.Context) error {
		_, err := s.exec(ctx, s.q.delete, id)
		return err
	})
}

// DeleteUserCtx removes every session committed with userID by [Store.CommitUserCtx] ("log out
// everywhere") and returns how many it removed. An empty userID, or one longer than MaxUserIDLen
// bytes ([ErrUserIDTooLong]: no session can hold it), is an error.
func (s *Store) DeleteUserCtx(ctx context.Context, userID string) (int64, error) {
	if userID == "" {
		return 0, fmt.Errorf("session: delete user sessions: empty user id")
	}
	if err := checkUserID(userID); err != nil {
		return 0, fmt.Errorf("session: delete user sessions: %w", err)
	}
	var n int64
	err := s.do(ctx, "delete user", func(ctx context.Context) error {
		res, err := s.db.ExecContext(ctx, s.q.deleteUser, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Find is FindCtx bounded by Options.NoContextTimeout, for the scs Store interface. Prefer FindCtx.
func (s *Store) Find(token string) ([]byte, bool, error) {
	ctx, cancel := s.noCtx()
	defer cancel()
	return s.FindCtx(ctx, token)
}

// Commit is CommitCtx bounded by Options.NoContextTimeout, for the scs Store interface. Prefer
// CommitCtx.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	ctx, cancel := s.noCtx()
	defer cancel()
	return s.CommitCtx(ctx, token, b, expiry)
}

// Delete is DeleteCtx bounded by Options.NoContextTimeout, for the scs Store interface. Prefer
// DeleteCtx.
func (s *Store) Delete(token string) error {
	ctx, cancel := s.noCtx()
	defer cancel()
	return s.DeleteCtx(ctx, token)
}

// noCtx makes the context for the scs methods that have none. scs's manager calls the ...Ctx methods
// when a store has them, so these are reached only by callers that chose not to pass a context.
func (s *Store) noCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.opts.NoContextTimeout)
}

// do runs op, retrying transient errors, and wraps a final error with the package prefix.
func (s *Store) do(ctx context.Context, what string, op func(context.Context) error) error {
	opts := retry.Options{
		Retryable:       IsTransient,
		InitialInterval: s.opts.RetryInitialInterval,
		MaxInterval:     s.opts.RetryMaxInterval,
		MaxElapsed:      s.opts.RetryMaxElapsed,
		Clock:           s.opts.Clock,
		OnRetry: func(err error, d time.Duration) {
			s.opts.Logger.LogAttrs(ctx, slogWarn, "session store: transient database error, retrying",
				attrOp(what), attrErr(err), attrDelay(d))
		},
	}
	if s.opts.RetryMaxElapsed < 0 {
		opts.MaxAttempts = 1
	}
	if err := retry.Do(ctx, op, opts); err != nil {
		if tooLarge(err) && !errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("session: %s: %w: %w", what, ErrTooLarge, err)
		}
		return fmt.Errorf("session: %s: %w", what, err)
	}
	return nil
}

// packetSlack is what a write statement's packet holds besides its data, at most: the id, the
// expiry, a user id of up to MaxUserIDLen bytes, and the protocol's headers.
const packetSlack = 1024

// doWrite is do for a statement that sends size bytes of session data. A server that receives a
// packet above its max_allowed_packet may answer by resetting the connection, which looks like a
// transient failure; so after a connection failure of a large write, the server's limit is read
// (one query, on the failure path only) and a write that cannot fit is not retried.
func (s *Store) doWrite(ctx context.Context, what string, size int, op func(context.Context) error) error {
	return s.do(ctx, what, func(ctx context.Context) error {
		err := op(ctx)
		if err == nil || size < probePacketAbove || !IsTransient(err) {
			return err
		}
		var limit int64
		if qerr := s.db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&limit); qerr == nil && int64(size+packetSlack) > limit {
			return retry.Permanent(fmt.Errorf("%w: %d bytes of data, the server's max_allowed_packet is %d: %w", ErrTooLarge, size, limit, err))
		}
		return err
	})
}

// probePacketAbove is the data size from which a failed write checks the server's
// max_allowed_packet: no server is configured that small in practice, so an outage costs the
// ordinary small writes no extra query.
const probePacketAbove = 64 << 10

// tooLarge reports whether the database refused a write because of its size: a permanent error,
// never worth a retry.
func tooLarge(err error) bool {
	if errors.Is(err, mysql.ErrPktTooLarge) {
		return true
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1406, // ER_DATA_TOO_LONG (strict mode)
		1153, // ER_NET_PACKET_TOO_LARGE
		1301: // ER_WARN_ALLOWED_PACKET_OVERFLOWED
		return true
	case 1105: // ER_UNKNOWN_ERROR, which reports a long-data parameter above max_allowed_packet
		return strings.Contains(me.Message, "max_allowed_packet")
	}
	return false
}

func isDuplicateKey(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062 // ER_DUP_ENTRY
}

// stmt returns the prepared statement for query, preparing it on first use. database/sql prepares it
// again on each new connection (after a failover, for example) by itself.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[query]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepare without holding the lock, so that a slow prepare during an outage does not block
	// requests whose context ends sooner.
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.stmts[query]; ok {
		_ = st.Close()
		return prev, nil
	}
	s.stmts[query] = st
	return st, nil
}
