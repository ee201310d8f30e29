package loop

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/portalkit/portalkit/clock"
)

// ErrRunning is returned by Start when the loop is already running.
var ErrRunning = errors.New("loop: already running")

// Loop calls a function every interval after Start until Stop or the Start ctx ends. The zero
// value is not usable; call New. A Loop is safe for concurrent use and may be started again
// after it stopped.
type Loop struct {
	clock    clock.Clock
	interval time.Duration
	run      func(ctx context.Context)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a stopped loop that calls run every interval on c (nil means the wall clock). run
// gets a ctx that ends when the loop stops; errors are run's to report.
func New(c clock.Clock, interval time.Duration, run func(ctx context.Context)) *Loop {
	return &Loop{clock: clock.Or(c), interval: interval, run: run}
}

// Start runs the loop in a new goroutine: sleep an interval, run, repeat. It returns ErrRunning
// if the loop is running; a loop that ended because its ctx ended no longer counts as running.
func (l *Loop) Start(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done != nil {
		select {
		case <-l.done: // ended with its ctx
			l.cancel()
		default:
			return ErrRunning
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	l.cancel, l.done = cancel, make(chan struct{})
	go l.loop(ctx, l.done)
	return nil
}

func (l *Loop) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for {
		if err := l.clock.Sleep(ctx, l.interval); err != nil {
			return
		}
		if ctx.Err() != nil {
			return
		}
		l.run(ctx)
	}
}

// Stop ends the loop and returns only after its goroutine has returned (a run in progress sees
// its ctx cancelled). Stop on a stopped loop does nothing.
func (l *Loop) Stop() {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.cancel, l.done = nil, nil
	l.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Running reports whether the loop's goroutine is running.
func (l *Loop) Running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil {
		return false
	}
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}
