package testenv

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Failed is what [RunFailing] saw: whether fn failed, with its messages.
type Failed struct {
	// Failed reports whether fn failed (Error, Fatal, FailNow, a failed require).
	Failed bool
	// Messages are the failure messages, in order.
	Messages []string
}

// RunFailing runs fn as a test of its own that may fail without failing t: fn's Fatal and FailNow
// end it (as in a test), and the cleanups it registered (a scope's sweep among them) run after it
// in reverse order, as after a real test. Use it to prove that a scenario that fails half way still
// leaves nothing behind; Skip in fn ends it as a pass.
func RunFailing(t testing.TB, fn func(tb testing.TB)) Failed {
	t.Helper()
	r := &failingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	for {
		r.mu.Lock()
		n := len(r.cleanups)
		if n == 0 {
			r.mu.Unlock()
			break
		}
		f := r.cleanups[n-1]
		r.cleanups = r.cleanups[:n-1]
		r.mu.Unlock()
		ran := make(chan struct{})
		go func() { defer close(ran); f() }() // a cleanup that calls FailNow ends only itself
		<-ran
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return Failed{Failed: r.failed, Messages: append([]string(nil), r.msgs...)}
}

// failingTB is a testing.TB whose failures are recorded instead of reported to the parent test.
type failingTB struct {
	testing.TB // Helper, Name, Logf, TempDir, Context... from the parent

	mu       sync.Mutex
	failed   bool
	msgs     []string
	cleanups []func()
}

func (r *failingTB) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if msg != "" {
		r.msgs = append(r.msgs, msg)
	}
}

func (r *failingTB) Fail()                             { r.fail("") }
func (r *failingTB) FailNow()                          { r.fail(""); runtime.Goexit() }
func (r *failingTB) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *failingTB) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *failingTB) Fatal(args ...any)                 { r.Error(args...); runtime.Goexit() }
func (r *failingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *failingTB) Skip(args ...any)                  { r.SkipNow() }
func (r *failingTB) Skipf(format string, args ...any)  { r.SkipNow() }
func (r *failingTB) SkipNow()                          { runtime.Goexit() }
func (r *failingTB) Skipped() bool                     { return false }

func (r *failingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *failingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}
