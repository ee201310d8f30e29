package session_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	s, db := newStore(t, withClock(fc))
	const token = "b0J0c2Vzc2lvbi10b2tlbi1mb3ItdGhlLXJvdW5kLXQ"

	_, found, err := s.FindCtx(ctx, token)
	require.NoError(t, err)
	assert.False(t, found, "FindCtx before Commit")

	require.NoError(t, s.CommitCtx(ctx, token, []byte("payload-1"), t0.Add(time.Hour)))
	b, found, err := s.FindCtx(ctx, token)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []byte("payload-1"), b)

	// Commit overwrites in place.
	require.NoError(t, s.CommitCtx(ctx, token, []byte("payload-2"), t0.Add(time.Hour)))
	b, _, err = s.FindCtx(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, []byte("payload-2"), b)
	assert.Equal(t, 1, countRows(t, db.DB, s.Table()))

	// The row is keyed by the token's SHA-256; the token itself is nowhere in the table.
	var id []byte
	require.NoError(t, db.DB.QueryRow("SELECT id FROM sessions").Scan(&id))
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, sum[:], id)
	var hits int
	require.NoError(t, db.DB.QueryRow("SELECT COUNT(*) FROM sessions WHERE LOCATE(?, id) > 0 OR LOCATE(?, data) > 0", token, token).Scan(&hits))
	assert.Zero(t, hits, "the token is stored only hashed")

	require.NoError(t, s.DeleteCtx(ctx, token))
	_, found, err = s.FindCtx(ctx, token)
	require.NoError(t, err)
	assert.False(t, found, "FindCtx after Delete")
	require.NoError(t, s.DeleteCtx(ctx, token), "deleting a missing session is not an error")
}

func TestStoreEmptyDataRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	require.NoError(t, s.CommitCtx(ctx, "tok", nil, time.Now().Add(time.Hour)))
	b, found, err := s.FindCtx(ctx, "tok")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Empty(t, b)
}

func TestStoreExpiryUsesStoreClock(t *testing.T) {
	ctx := context.Background()
	fc := clock.NewFake(t0)
	s, _ := newStore(t, withClock(fc))
	require.NoError(t, s.CommitCtx(ctx, "tok", []byte("x"), t0.Add(time.Minute)))

	fc.Advance(time.Minute - time.Microsecond)
	_, found, err := s.FindCtx(ctx, "tok")
	require.NoError(t, err)
	assert.True(t, found, "one microsecond before expiry")

	fc.Advance(time.Microsecond)
	_, found, err = s.FindCtx(ctx, "tok")
	require.NoError(t, err)
	assert.False(t, found, "at expiry")

	require.NoError(t, s.CommitCtx(ctx, "past", []byte("x"), t0.Add(-time.Hour)))
	_, found, err = s.FindCtx(ctx, "past")
	require.NoError(t, err)
	assert.False(t, found, "an expiry in the past is never found")
}

func TestStoreDatabaseErrorIsNotNotFound(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	require.NoError(t, s.CommitCtx(ctx, "tok", []byte("x"), time.Now().Add(time.Hour)))

	_, err := db.DB.Exec("DROP TABLE sessions")
	require.NoError(t, err)
	b, found, err := s.FindCtx(ctx, "tok")
	require.Error(t, err, "a missing table is a system error")
	assert.False(t, found)
	assert.Nil(t, b)
	assert.Contains(t, err.Error(), "session: find")
	require.Error(t, s.CommitCtx(ctx, "tok", []byte("x"), time.Now().Add(time.Hour)))
	require.Error(t, s.DeleteCtx(ctx, "tok"))
}

func TestStoreClosedDBFailsFast(t *testing.T) {
	db := testenv.MySQL(t)
	s := openStore(t, db.DB)
	other, err := sql.Open("mysql", db.DSN)
	require.NoError(t, err)
	closed := openStore(t, other)
	require.NoError(t, other.Close())

	_, found, err := closed.FindCtx(context.Background(), "tok")
	require.Error(t, err)
	assert.False(t, found)
	assert.False(t, session.IsTransient(err), "a closed *sql.DB is not retried")
	_, _, err = s.FindCtx(context.Background(), "tok")
	require.NoError(t, err)
}

func TestStoreDeleteUser(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	exp := time.Now().Add(time.Hour)
	require.NoError(t, s.CommitUserCtx(ctx, "a1", []byte("x"), exp, "alice"))
	require.NoError(t, s.CommitUserCtx(ctx, "a2", []byte("x"), exp, "alice"))
	require.NoError(t, s.CommitUserCtx(ctx, "b1", []byte("x"), exp, "bob"))
	require.NoError(t, s.CommitCtx(ctx, "anon", []byte("x"), exp))

	n, err := s.DeleteUserCtx(ctx, "alice")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	assert.Equal(t, 2, countRows(t, db.DB, s.Table()))
	for tok, want := range map[string]bool{"a1": false, "a2": false, "b1": true, "anon": true} {
		_, found, err := s.FindCtx(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, want, found, "FindCtx(%s) after DeleteUserCtx(alice)", tok)
	}
	_, err = s.DeleteUserCtx(ctx, "")
	assert.Error(t, err, "an empty user id would match nothing useful")
}

// TestStoreConcurrentWriters commits 50 different payloads to one session at once: the row must end
// up equal to exactly one of them (last write wins, never a mix).
func TestStoreConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const writers = 50
	payload := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("writer-%02d;", i)), 400) }
	exp := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, writers*5)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				errs <- s.CommitCtx(ctx, "shared", payload(i), exp)
				if _, _, err := s.FindCtx(ctx, "shared"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	b, found, err := s.FindCtx(ctx, "shared")
	require.NoError(t, err)
	require.True(t, found)
	matches := 0
	for i := range writers {
		if bytes.Equal(b, payload(i)) {
			matches++
		}
	}
	assert.Equal(t, 1, matches, "the row holds exactly one writer's payload")
}
