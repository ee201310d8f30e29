package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// hookEnv is what a hook learns about the deploy, as environment variables.
type hookEnv struct {
	event              Event
	version, previous  string
	releaseDir, appDir string
	identity           Identity
	parameters         map[string]string
	extra              []string
}

func (e hookEnv) environ() []string {
	env := append(os.Environ(),
		"PORTALKIT_EVENT="+string(e.event),
		"PORTALKIT_VERSION="+e.version,
		"PORTALKIT_PREVIOUS_VERSION="+e.previous,
		"PORTALKIT_RELEASE_DIR="+e.releaseDir,
		"PORTALKIT_APP_DIR="+e.appDir,
		"PORTALKIT_INSTANCE_ID="+e.identity.InstanceID,
		"PORTALKIT_AVAILABILITY_ZONE="+e.identity.AvailabilityZone,
		"PORTALKIT_REGION="+e.identity.Region,
	)
	for k, v := range e.parameters {
		env = append(env, k+"="+v)
	}
	return append(env, e.extra...)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// runHook runs one hook in the release directory with its timeout; on timeout or cancellation
// its whole process group is killed.
func runHook(ctx context.Context, h Hook, env hookEnv, output io.Writer) error {
	cmdPath := h.Command
	if !filepath.IsAbs(cmdPath) {
		cmdPath = filepath.Join(env.releaseDir, filepath.FromSlash(cmdPath))
	}
	hctx, cancel := context.WithTimeout(ctx, h.Timeout())
	defer cancel()
	cmd := exec.CommandContext(hctx, cmdPath, h.Args...)
	cmd.Dir = env.releaseDir
	cmd.Env = env.environ()
	tail := &tailBuffer{max: 4096}
	var w io.Writer = tail
	if output != nil {
		w = io.MultiWriter(tail, output)
	}
	cmd.Stdout, cmd.Stderr = w, w
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	he := &HookError{Event: h.Event, Version: env.version, Output: tail.String(), Err: err}
	if errors.Is(hctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		he.TimedOut = true
		he.Err = fmt.Errorf("killed after %v: %w", h.Timeout(), err)
	}
	return he
}
