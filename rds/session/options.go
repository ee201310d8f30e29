package session

import (
	"log/slog"
	"regexp"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults and limits of [Options].
const (
	// DefaultTable is the session table name.
	DefaultTable = "sessions"
	// DefaultRetryMaxElapsed bounds how long one store operation retries transient errors when the
	// caller's context has no earlier deadline.
	DefaultRetryMaxElapsed = 10 * time.Second
	// DefaultRetryInitialInterval is the first delay between retries.
	DefaultRetryInitialInterval = 50 * time.Millisecond
	// DefaultRetryMaxInterval caps the delay between retries.
	DefaultRetryMaxInterval = time.Second
	// DefaultNoContextTimeout bounds the context-less Find, Commit and Delete methods.
	DefaultNoContextTimeout = 15 * time.Second
	// MaxTableNameLen leaves room for the suffix of the schema version table within MySQL's 64.
	MaxTableNameLen = 48
	// DefaultMaxDataSize is the default largest encoded session the store writes: 1 MiB, far above
	// what a session should hold and below every MySQL and MariaDB default max_allowed_packet.
	DefaultMaxDataSize = 1 << 20
	// MaxDataSizeLimit is the largest MaxDataSize accepted: what the MEDIUMBLOB data column holds.
	MaxDataSizeLimit = 1<<24 - 1
	// MaxUserIDLen is the longest user id, in bytes, that a session can record (the user_id column
	// is VARBINARY(255)).
	MaxUserIDLen = 255
)

var tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Options configures a [Store].
type Options struct {
	// Table is the name of the session table, in the database the *sql.DB is connected to. The schema
	// version table is named Table + "_schema". Letters, digits and underscores, at most
	// MaxTableNameLen characters. Empty means DefaultTable.
	Table string
	// Logger receives retries and migration steps. Tokens and DSNs are never logged; a session is
	// identified by a short prefix of its stored hash. Nil discards.
	Logger *slog.Logger
	// Clock is the time source for expiry checks and retry delays. Expiry is compared against this
	// clock, not the database's, so app servers must keep their clocks in sync (NTP). Nil means the
	// wall clock.
	Clock clock.Clock
	// RetryMaxElapsed bounds the time one operation spends retrying transient errors (the context's
	// deadline, when earlier, wins). Zero means DefaultRetryMaxElapsed; negative disables retries.
	RetryMaxElapsed time.Duration
	// RetryInitialInterval is the delay after the first transient failure. Zero means
	// DefaultRetryInitialInterval.
	RetryInitialInterval time.Duration
	// RetryMaxInterval caps the delay between retries. Zero means DefaultRetryMaxInterval.
	RetryMaxInterval time.Duration
	// NoContextTimeout bounds the scs-compatible Find, Commit and Delete methods, which take no
	// context. Zero means DefaultNoContextTimeout.
	NoContextTimeout time.Duration
	// MaxDataSize is the largest session data, in bytes as encoded, that the store writes. A larger
	// commit fails with [ErrTooLarge] before anything is sent to the database. It must not exceed
	// MaxDataSizeLimit, and should stay well below the server's max_allowed_packet. Zero means
	// DefaultMaxDataSize.
	MaxDataSize int
}

func (o *Options) resolve() {
	if o.Table == "" {
		o.Table = DefaultTable
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Clock = clock.Or(o.Clock)
	if o.RetryMaxElapsed == 0 {
		o.RetryMaxElapsed = DefaultRetryMaxElapsed
	}
	if o.RetryInitialInterval == 0 {
		o.RetryInitialInterval = DefaultRetryInitialInterval
	}
	if o.RetryMaxInterval == 0 {
		o.RetryMaxInterval = DefaultRetryMaxInterval
	}
	if o.NoContextTimeout == 0 {
		o.NoContextTimeout = DefaultNoContextTimeout
	}
	if o.MaxDataSize == 0 {
		o.MaxDataSize = DefaultMaxDataSize
	}
}

func (o *Options) validate(p *check.Problems) {
	p.If(len(o.Table) > MaxTableNameLen || !tableNameRE.MatchString(o.Table),
		"Table %q: want letters, digits and underscores, at most %d characters", o.Table, MaxTableNameLen)
	p.If(o.RetryInitialInterval < 0, "RetryInitialInterval %v: must not be negative", o.RetryInitialInterval)
	p.If(o.RetryMaxInterval < o.RetryInitialInterval,
		"RetryMaxInterval %v: must not be below RetryInitialInterval %v", o.RetryMaxInterval, o.RetryInitialInterval)
	p.If(o.NoContextTimeout < 0, "NoContextTimeout %v: must not be negative", o.NoContextTimeout)
	p.If(o.MaxDataSize < 0 || o.MaxDataSize > MaxDataSizeLimit,
		"MaxDataSize %d: want 1..%d bytes (the data column's size)", o.MaxDataSize, MaxDataSizeLimit)
}
