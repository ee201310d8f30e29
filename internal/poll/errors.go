package poll

import "github.com/portalkit/portalkit/wait"

// The errors Wait returns are the public wait types, so callers of any package can match them.
type (
	// TimeoutError is [wait.TimeoutError].
	TimeoutError = wait.TimeoutError
	// FailedError is [wait.FailedError].
	FailedError = wait.FailedError
)

// ErrTimeout is [wait.ErrTimeout], matched by every timeout.
var ErrTimeout = wait.ErrTimeout
