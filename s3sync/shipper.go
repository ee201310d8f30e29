package s3sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/loop"
)

// Shipper defaults.
const (
	// DefaultShipInterval is the time between background flushes when ShipperOptions.Interval is zero.
	DefaultShipInterval = 5 * time.Minute
	// DefaultQuietPeriod is how long a log file must be unmodified to count as closed when
	// ShipperOptions.QuietPeriod is zero.
	DefaultQuietPeriod = time.Minute
)

// ErrShipperRunning is returned by Shipper.Start when the shipper is already running.
var ErrShipperRunning = errors.New("s3sync: shipper already running")

// ShipperOptions configure a Shipper. Every field's zero value means the documented default,
// except the required Dir, Bucket and Host.
type ShipperOptions struct {
	// Dir is the local log directory. Required.
	Dir string
	// Bucket receives the logs. Required.
	Bucket string
	// Prefix is the key prefix; files go to Prefix/Host/<path below Dir>. Default: none.
	Prefix string
	// Host names this machine in the keys (an instance ID or host name). Required; it must not
	// contain "/".
	Host string
	// Interval is the time between background flushes after Start. Default DefaultShipInterval.
	Interval time.Duration
	// QuietPeriod is how long a file must be unmodified before it counts as rotated or closed and
	// is shipped by Flush. Default DefaultQuietPeriod.
	QuietPeriod time.Duration
	// Include and Exclude select the files (the syntax of Options.Include). Default: every file.
	Include, Exclude []string
	// OnError receives the error of each failed background flush. Default: logged at warning level.
	OnError func(error)
	// Logger receives warnings. Default: the Syncer's logger.
	Logger *slog.Logger
	// Clock paces the background loop and dates the quiet period. Default: the Syncer's
	// Options.Clock (clock.Real unless set).
	Clock clock.Clock
}

// Shipper uploads closed log files from a directory to S3 on an interval (after Start) or on demand
// (Flush, FlushAll). A file is uploaded again only when its size or mtime changed, and nothing in
// S3 is ever deleted. Keys follow the file names, so a file whose name is reused overwrites its
// object: with numbered rotation (app.log.1 moving to app.log.2) or copytruncate, the content a
// name held at the previous flush is replaced. Use date-stamped rotated names (logrotate's dateext)
// or a versioned bucket to keep every file. No goroutine runs until Start. Its methods are safe for
// concurrent use; flushes are serialized.
type Shipper struct {
	s      *Syncer
	o      ShipperOptions
	prefix string

	flushMu sync.Mutex
	loop    *loop.Loop
}

// NewShipper returns a Shipper that uploads with s (and its options: encryption, storage class and
// so on). It starts nothing.
func NewShipper(s *Syncer, optFns ...func(*ShipperOptions)) (*Shipper, error) {
	var o ShipperOptions
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	p.If(s == nil, "Syncer: nil")
	p.If(o.Dir == "", "Dir: required")
	p.If(o.Bucket == "", "Bucket: required")
	p.If(o.Host == "" || strings.Contains(o.Host, "/") || checkRel(o.Host) != nil, "Host: %q must be a non-empty name without \"/\"", o.Host)
	p.If(o.Interval < 0, "Interval: %v is negative", o.Interval)
	p.If(o.QuietPeriod < 0, "QuietPeriod: %v is negative", o.QuietPeriod)
	checkPatterns(&p, "Include", o.Include)
	checkPatterns(&p, "Exclude", o.Exclude)
	if o.Prefix != "" {
		if err := checkRel(strings.Trim(o.Prefix, "/")); err != nil {
			p.Addf("Prefix: %q %v", o.Prefix, err)
		}
	}
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	if o.Interval == 0 {
		o.Interval = DefaultShipInterval
	}
	if o.QuietPeriod == 0 {
		o.QuietPeriod = DefaultQuietPeriod
	}
	if o.Logger == nil {
		o.Logger = s.opts.Logger
	}
	if o.Clock == nil {
		o.Clock = s.opts.Clock
	}
	sh := &Shipper{s: s, o: o, prefix: path.Join(strings.Trim(o.Prefix, "/"), o.Host)}
	sh.loop = loop.New(o.Clock, o.Interval, sh.background)
	return sh, nil
}

// Flush uploads the files unmodified for at least the quiet period that S3 does not have yet (or
// has with another size or mtime). It blocks until done and returns the plan it carried out.
func (sh *Shipper) Flush(ctx context.Context) (*Plan, error) {
	return sh.flush(ctx, sh.o.Clock.Now().Add(-sh.o.QuietPeriod))
}

// FlushAll is Flush without the quiet period: it ships every file as it is now, for the last
// flush before the instance goes away (a terminate lifecycle hook, after Stop).
func (sh *Shipper) FlushAll(ctx context.Context) (*Plan, error) {
	return sh.flush(ctx, time.Time{})
}

func (sh *Shipper) flush(ctx context.Context, before time.Time) (*Plan, error) {
	sh.flushMu.Lock()
	defer sh.flushMu.Unlock()
	return sh.s.Push(ctx, sh.o.Dir, sh.o.Bucket, sh.prefix, func(o *Options) {
		o.Include, o.Exclude = sh.o.Include, sh.o.Exclude
		o.Delete = false
		o.Compare = CompareSizeMtime
		o.modifiedBefore = before
	})
}

// Start runs Flush every Interval in a goroutine until Stop is called or ctx ends. It returns
// ErrShipperRunning if the shipper is already running; a loop ended by its ctx no longer counts.
func (sh *Shipper) Start(ctx context.Context) error {
	if err := sh.loop.Start(ctx); err != nil {
		if errors.Is(err, loop.ErrRunning) {
			return ErrShipperRunning
		}
		return fmt.Errorf("s3sync: start shipper: %w", err)
	}
	return nil
}

// background is one flush of the loop; its failures go to OnError or the log.
func (sh *Shipper) background(ctx context.Context) {
	if _, err := sh.Flush(ctx); err != nil && ctx.Err() == nil {
		if sh.o.OnError != nil {
			sh.o.OnError(err)
		} else {
			sh.o.Logger.Warn("s3sync: log flush failed", "err", err)
		}
	}
}

// Stop ends the background loop started by Start and blocks until its goroutine has returned
// (an upload in progress is cancelled). It does not flush; call FlushAll after Stop for a final
// upload. Stop on a shipper that is not running does nothing. The shipper may be started again.
func (sh *Shipper) Stop() { sh.loop.Stop() }
