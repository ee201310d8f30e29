package bootstrap

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by the package wrap one of them where a caller may branch on
// the cause; match them with errors.Is.
var (
	// ErrInvalidOptions matches an error from NewAgent or a per-call override naming every
	// invalid Options field.
	ErrInvalidOptions = errors.New("bootstrap: invalid options")
	// ErrInvalidConfig matches an error naming every invalid field of a Config.
	ErrInvalidConfig = errors.New("bootstrap: invalid config")
	// ErrInvalidSpec matches an error naming every invalid field of a UserData spec or a Manifest.
	ErrInvalidSpec = errors.New("bootstrap: invalid spec")
	// ErrTooLarge matches a rendered user data document over MaxUserDataSize bytes.
	ErrTooLarge = errors.New("bootstrap: user data too large")
	// ErrChecksum matches a release whose content does not match its manifest: a SHA-256 or
	// size mismatch, a listed file missing, or a file not listed.
	ErrChecksum = errors.New("bootstrap: checksum mismatch")
	// ErrUnsafePath matches an archive entry or manifest path that would leave the release
	// directory (absolute, "..", a link pointing outside) or that is not a regular file,
	// directory or contained link.
	ErrUnsafePath = errors.New("bootstrap: unsafe path")
	// ErrCommitMismatch matches a git release whose ref resolves to another commit than the
	// expected one (a tag that moved).
	ErrCommitMismatch = errors.New("bootstrap: commit mismatch")
	// ErrHook matches a failed or timed-out hook; errors.As gives a *HookError.
	ErrHook = errors.New("bootstrap: hook failed")
	// ErrHealth matches a local health gate that did not pass in time.
	ErrHealth = errors.New("bootstrap: health check failed")
	// ErrNoRelease matches a deploy for which no source produced a release.
	ErrNoRelease = errors.New("bootstrap: no release")
	// ErrNoRollback matches a rollback with no previous good release to go back to.
	ErrNoRollback = errors.New("bootstrap: no previous good release")
	// ErrBusy matches a deploy or rollback refused because another one holds the application
	// root's lock.
	ErrBusy = errors.New("bootstrap: another deploy is running")
	// ErrIdentity matches a failure to read the instance identity from IMDSv2 (for example a
	// token endpoint that does not answer: there is no IMDSv1 fallback).
	ErrIdentity = errors.New("bootstrap: instance identity unavailable")
	// ErrLifecycle matches a failure to complete the launching lifecycle action.
	ErrLifecycle = errors.New("bootstrap: lifecycle action")
	// ErrTimeout matches a wait of the package that ran out of time (the health gate);
	// wait.ErrTimeout matches it too.
	ErrTimeout = errors.New("bootstrap: timed out")
)

// HookError is a hook that failed: it exited non-zero, could not start or ran out of time.
type HookError struct {
	// Event is the hook's lifecycle event, for example EventValidateService.
	Event Event
	// Version is the release the hook ran for.
	Version string
	// TimedOut is true when the hook was killed at its timeout.
	TimedOut bool
	// Output is the tail of the hook's combined output (at most 4 KiB).
	Output string
	// Err is the underlying error (an *exec.ExitError, or the start failure).
	Err error
}

// Error implements error.
func (e *HookError) Error() string {
	what := "failed"
	if e.TimedOut {
		what = "timed out"
	}
	return fmt.Sprintf("bootstrap: hook %s of release %s %s: %v", e.Event, e.Version, what, e.Err)
}

// Unwrap returns the underlying error.
func (e *HookError) Unwrap() []error { return []error{ErrHook, e.Err} }
