package testenv

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// TagRun is the tag key an integration test puts on everything it creates, with its scope's run
// id ([CloudEnv.Run]) as the value; [Sweep] and `make integration-clean` find leftovers by it.
const TagRun = "portalkit:test-run"

// NamePrefix starts every name [CloudEnv.Name] makes (and so every S3 bucket an integration test
// creates: buckets carry no tags here, Sweep finds them by this prefix).
const NamePrefix = "pkit"

// MaxNameLen is the longest name [CloudEnv.Name] returns: 28 characters, so that a suffix of up to
// four characters ("-web") keeps a load balancer or target group name within ELB's 32.
const MaxNameLen = 28

var (
	runOnce sync.Once
	runID   string
	scopes  atomic.Int64
)

// RunID returns this test process's run id: six random lowercase letters and digits, the same for
// every call in the process. Each [CloudEnv] scope extends it ("k3x9qa-4").
func RunID() string {
	runOnce.Do(func() {
		const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			panic(fmt.Sprintf("testenv: run id: %v", err))
		}
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		runID = string(b)
	})
	return runID
}

// newScope returns a fresh run id for one CloudEnv scope: RunID plus a sequence number.
func newScope() string { return fmt.Sprintf("%s-%d", RunID(), scopes.Add(1)) }

// inRun reports whether a TagRun value (or a bucket name's run part) belongs to run: equal to it,
// or a scope of it. An empty run matches every value.
func inRun(value, run string) bool {
	return run == "" || value == run || strings.HasPrefix(value, run+"-")
}

// Name returns a name for a resource of this scope: "pkit-<run>-<label>", lowercase, letters,
// digits and hyphens only, at most MaxNameLen characters (the label is cut to fit), so it is valid
// for ELB load balancers and target groups, S3 buckets and EC2 Name tags. The same label gives
// the same name within a scope (so an Ensure can be re-run); distinct labels should differ in
// their first few characters.
func (e *CloudEnv) Name(label string) string {
	e.used.Store(true)
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := NamePrefix + "-" + e.Run + "-" + strings.Trim(b.String(), "-")
	if len(name) > MaxNameLen {
		name = name[:MaxNameLen]
	}
	return strings.TrimRight(name, "-")
}

// Tags returns the tags for everything this scope creates: TagRun with the scope's run id. Pass
// them to the API's Tags or TagSpecifications (a fresh map each call).
func (e *CloudEnv) Tags() map[string]string {
	e.used.Store(true)
	return map[string]string{TagRun: e.Run}
}
