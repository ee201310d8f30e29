package session

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/portalkit/portalkit/clock"
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
}

func (o *Options) validate() error {
	var errs []error
	if len(o.Table) > MaxTableNameLen || !tableNameRE.MatchString(o.Table) {
		errs = append(errs, fmt.Errorf("Options.Table %q: want letters, digits and underscores, at most %d characters", o.Table, MaxTableNameLen))
	}
	if o.RetryInitialInterval < 0 {
		errs = append(errs, fmt.Errorf("Options.RetryInitialInterval %v: must not be negative", o.RetryInitialInterval))
	}
	if o.RetryMaxInterval < o.RetryInitialInterval {
		errs = append(errs, fmt.Errorf("Options.RetryMaxInterval %v: must not be below RetryInitialInterval %v", o.RetryMaxInterval, o.RetryInitialInterval))
	}
	if o.NoContextTimeout < 0 {
		errs = append(errs, fmt.Errorf("Options.NoContextTimeout %v: must not be negative", o.NoContextTimeout))
	}
	return invalid(errs)
}

// ErrInvalidOptions is wrapped by every error about invalid [Options], [ManagerOptions] or
// [CollectorOptions]; the message names each invalid field.
var ErrInvalidOptions = errors.New("session: invalid options")

func invalid(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(msgs, "; "))
}
