package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

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
// session".
type Store struct {
	db   *sql.DB
	opts Options
	q    queries

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// New returns a Store on db. It does no I/O: call [Store.Migrate] once at start-up to create or
// upgrade the table. db should be opened with a DSN that sets timeout, readTimeout and writeTimeout
// and rejectReadOnly=true (see the package documentation); the store does not close db.
func New(db *sql.DB, optFns ...func(*Options)) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: db is nil", ErrInvalidOptions)
	}
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.resolve()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Store{db: db, opts: o, q: newQueries(o.Table), stmts: map[string]*sql.Stmt{}}, nil
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
// user id set by [Store.CommitUserCtx].
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.commit(ctx, token, b, expiry, nil)
}

// CommitUserCtx is CommitCtx that also records the user the session belongs to, so that
// [Store.DeleteUserCtx] can log that user out everywhere. An empty userID stores no user.
func (s *Store) CommitUserCtx(ctx context.Context, token string, b []byte, expiry time.Time, userID string) error {
	if userID == "" {
		return s.commit(ctx, token, b, expiry, nil)
	}
	return s.commit(ctx, token, b, expiry, &userID)
}

func (s *Store) commit(ctx context.Context, token string, b []byte, expiry time.Time, userID *string) error {
	if b == nil {
		b = []byte{} // the column is NOT NULL
	}
	id := tokenID(token)
	return s.do(ctx, "commit", func(ctx context.Context) error {
		st, err := s.stmt(ctx, s.q.commit)
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, id, b, expiry.UTC(), userID)
		return err
	})
}

// DeleteCtx removes the session with token. Deleting a missing session is not an error.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	id := tokenID(token)
	return s.do(ctx, "delete", func(ctx context.Context) error {
		st, err := s.stmt(ctx, s.q.delete)
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, id)
		return err
	})
}

// DeleteUserCtx removes every session committed with userID by [Store.CommitUserCtx] ("log out
// everywhere") and returns how many it removed.
func (s *Store) DeleteUserCtx(ctx context.Context, userID string) (int64, error) {
	if userID == "" {
		return 0, fmt.Errorf("session: delete user sessions: empty user id")
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
		return fmt.Errorf("session: %s: %w", what, err)
	}
	return nil
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
