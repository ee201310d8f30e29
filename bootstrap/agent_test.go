package bootstrap

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
)

type s3Fixture struct {
	srv    *testenv.S3Server
	bucket string
}

func newS3Fixture(t *testing.T) s3Fixture {
	srv := testenv.S3(t)
	return s3Fixture{srv: srv, bucket: srv.Bucket(t, "releases")}
}

func (f s3Fixture) publish(t *testing.T, version string, files int) *Manifest {
	t.Helper()
	m, err := Publish(context.Background(), f.srv.Client, Publication{Dir: releaseTree(t, version, files), Bucket: f.bucket, Version: version, Pointer: DefaultPointer})
	require.NoError(t, err)
	return m
}

func (f s3Fixture) agent(t *testing.T, cfg Config, optFns ...func(*Options)) *Agent {
	t.Helper()
	cfg.Bucket = f.bucket
	if cfg.AppDir == "" {
		cfg.AppDir = filepath.Join(t.TempDir(), "app")
	}
	a, err := NewAgent(cfg, append([]func(*Options){func(o *Options) {
		o.S3 = f.srv.Client
		o.Clock = clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	}}, optFns...)...)
	require.NoError(t, err)
	return a
}

func TestDeploySwitchesCurrentAtomically(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 50)
	a := f.agent(t, Config{})
	res, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v1", res.Version)
	assert.Equal(t, "s3", res.Source)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))

	// A reader loops on current while v2 is deployed and switched: every read must find a
	// complete release, and current must never be missing.
	f.publish(t, "v2", 50)
	r := startCurrentReader(a.AppDir(), 50)
	res, err = a.Deploy(context.Background(), func(o *Options) {
		o.OnStep = func(s Step) {
			if s.Name == "switch" {
				r.waitReads(200)
			}
		}
	})
	r.waitReads(200)
	problems, seen, reads := r.stop()
	require.NoError(t, err)
	assert.Equal(t, "v2", res.Version)
	assert.Equal(t, "v1", res.Previous)
	assert.Empty(t, problems, "the reader saw a missing or half-populated release")
	assert.True(t, seen["v1"] && seen["v2"], "the reader ran before and after the switch")
	t.Logf("%d reads of current during the deploy, none failed", reads)
	assert.Equal(t, filepath.Join(ReleasesDir, "v2"), currentTarget(t, a.AppDir()))
	v, err := os.ReadFile(filepath.Join(a.AppDir(), CurrentLink, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "v2", string(v))

	// Nothing is left behind: no staging directory, no temporary link.
	entries, err := os.ReadDir(filepath.Join(a.AppDir(), ReleasesDir))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"v1", "v2"}, names)
	top, _ := filepath.Glob(filepath.Join(a.AppDir(), ".*"))
	assert.Equal(t, []string{filepath.Join(a.AppDir(), ".lock")}, top, "no temporary link is left")

	// A second deploy of the same release changes nothing.
	res, err = a.Deploy(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Unchanged)
}

func TestDeployChecksumMismatchLeavesCurrent(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 3)
	a := f.agent(t, Config{})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)

	f.publish(t, "v2", 3)
	// The object changes after the manifest was written (same size, other content).
	_, err = f.srv.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String("releases/v2/files/app/f001.txt"), Body: bytes.NewReader([]byte("XX")),
	})
	require.NoError(t, err)
	res, err := a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrChecksum)
	require.ErrorIs(t, err, ErrNoRelease)
	assert.Contains(t, err.Error(), "app/f001.txt")
	assert.Equal(t, "v2", res.Version)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()), "current is unchanged")
	assert.NoDirExists(t, filepath.Join(a.AppDir(), ReleasesDir, "v2"), "a refused release is never installed")

	// An extra file that the manifest does not list is refused too.
	f.publish(t, "v3", 3)
	_, err = f.srv.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String("releases/v3/files/app/extra.php"), Body: bytes.NewReader([]byte("<?php")),
	})
	require.NoError(t, err)
	_, err = a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrChecksum)
	assert.Contains(t, err.Error(), "not in the manifest")
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
}

func TestDeployBeforeInstallFailureLeavesCurrent(t *testing.T) {
	f := newS3Fixture(t)
	hooks := t.TempDir()
	check := hookScript(t, hooks, "before.sh", `[ "$PORTALKIT_VERSION" != v2 ] || { echo "refusing v2" >&2; exit 3; }`)
	f.publish(t, "v1", 2)
	a := f.agent(t, Config{Hooks: []Hook{{Event: EventBeforeInstall, Command: check}}})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	f.publish(t, "v2", 2)
	res, err := a.Deploy(context.Background())
	var he *HookError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, EventBeforeInstall, he.Event)
	assert.Contains(t, he.Output, "refusing v2")
	assert.False(t, res.RolledBack, "nothing to roll back before the switch")
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
	rs, err := a.Releases()
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, StatusGood, rs[0].Status)
	assert.Equal(t, StatusFailed, rs[1].Status)
}

func TestLaunchValidateServiceFailureRollsBackAndAbandons(t *testing.T) {
	f := newS3Fixture(t)
	hooks := t.TempDir()
	started := filepath.Join(hooks, "started.log")
	start := hookScript(t, hooks, "start.sh", `echo "$PORTALKIT_VERSION" >>`+shellQuote(started))
	validate := hookScript(t, hooks, "validate.sh", `[ "$(cat "$PORTALKIT_RELEASE_DIR/VERSION")" != v2 ] || exit 1`)
	lc := &recordingLifecycle{}
	cfg := Config{
		AutoScalingGroup: "web", LifecycleHook: "launching",
		Hooks: []Hook{
			{Event: EventApplicationStart, Command: start},
			{Event: EventValidateService, Command: validate, TimeoutSeconds: 10},
		},
	}
	a := f.agent(t, cfg, func(o *Options) {
		o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0abc"))
		o.Lifecycle = lc
	})

	f.publish(t, "v1", 2)
	res, err := a.Launch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, LifecycleContinue, res.LifecycleResult)
	assert.Equal(t, "i-0abc", res.Identity.InstanceID)

	f.publish(t, "v2", 2)
	res, err = a.Launch(context.Background())
	var he *HookError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, EventValidateService, he.Event)
	assert.True(t, res.RolledBack)
	assert.Equal(t, "v1", res.RolledBackTo)
	assert.Equal(t, LifecycleAbandon, res.LifecycleResult)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()), "rolled back to the previous good release")
	log, err := os.ReadFile(started)
	require.NoError(t, err)
	assert.Equal(t, "v1\nv2\nv1\n", string(log), "the previous release is started again")
	assert.Equal(t, []lifecycleCall{
		{"Complete", "web", "launching", "i-0abc", "CONTINUE"},
		{"Complete", "web", "launching", "i-0abc", "ABANDON"},
	}, lc.completes())
	rs, err := a.Releases()
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, Release{Version: "v2", Status: StatusFailed, Source: "s3", DeployedAt: rs[1].DeployedAt, Reason: rs[1].Reason}, rs[1])
}

func TestLaunchRetriesNoActiveLifecycleAction(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	lc := &recordingLifecycle{noActive: 2}
	a := f.agent(t, Config{AutoScalingGroup: "web", LifecycleHook: "launching"}, func(o *Options) {
		o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0abc"))
		o.Lifecycle = lc
	})
	res, err := a.Launch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, LifecycleContinue, res.LifecycleResult)
	assert.Len(t, lc.completes(), 3)

	// It gives up after CompleteTimeout (virtual time) with a clear error.
	lc2 := &recordingLifecycle{noActive: 1 << 30}
	a2 := f.agent(t, Config{AutoScalingGroup: "web", LifecycleHook: "launching"}, func(o *Options) {
		o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0abc"))
		o.Lifecycle = lc2
	})
	_, err = a2.Launch(context.Background())
	require.ErrorIs(t, err, ErrLifecycle)
	assert.Contains(t, err.Error(), "No active Lifecycle Action found")
}

func TestLaunchHeartbeatsWhileHooksRun(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	hooks := t.TempDir()
	beat := filepath.Join(hooks, "beat")
	// The hook runs until the agent has recorded a heartbeat.
	wait := hookScript(t, hooks, "wait.sh", `while [ ! -e `+shellQuote(beat)+` ]; do sleep 0.01; done`)
	var once sync.Once
	lc := &recordingLifecycle{onHeartbeat: func() { once.Do(func() { os.WriteFile(beat, nil, 0o644) }) }}
	a := f.agent(t, Config{AutoScalingGroup: "web", LifecycleHook: "launching", Hooks: []Hook{{Event: EventAfterInstall, Command: wait, TimeoutSeconds: 60}}},
		func(o *Options) {
			o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0abc"))
			o.Lifecycle = lc
			o.HeartbeatInterval = time.Minute
			o.Clock = newStepClock()
		})
	res, err := a.Launch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, LifecycleContinue, res.LifecycleResult)
	assert.GreaterOrEqual(t, lc.heartbeats(), 1)
}

// stepClock is a virtual clock whose Sleep takes a little wall time, so a heartbeat loop on it
// advances virtual minutes without spinning the CPU.
type stepClock struct{ *clock.Fake }

func newStepClock() stepClock {
	return stepClock{clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
}

func (c stepClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Millisecond):
	}
	return c.Fake.Sleep(ctx, d)
}

func TestHealthGate(t *testing.T) {
	var calls atomic.Int32
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(health.Close)
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	a := f.agent(t, Config{HealthURL: health.URL + "/health"})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load())

	// A health endpoint that never passes fails the release with the last state it saw; with
	// no previous good release... here v1 is good, so it rolls back.
	calls.Store(-1 << 30)
	f.publish(t, "v2", 1)
	res, err := a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrHealth)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Contains(t, err.Error(), "HTTP 503")
	assert.True(t, res.RolledBack)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
}

func TestHookTimeoutKillsIt(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	hooks := t.TempDir()
	slow := hookScript(t, hooks, "slow.sh", "sleep 30 & wait")
	a := f.agent(t, Config{Hooks: []Hook{{Event: EventAfterInstall, Command: slow, TimeoutSeconds: 1}}})
	_, err := a.Deploy(context.Background())
	var he *HookError
	require.ErrorAs(t, err, &he)
	assert.True(t, he.TimedOut)
	assert.Empty(t, currentTarget(t, a.AppDir()), "a failure before the first switch leaves no current")
}

func TestDeployLogsStepsWithoutSecrets(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	var buf bytes.Buffer
	var steps []string
	a := f.agent(t, Config{Parameters: map[string]string{"DB_PASSWORD": "/shop/db-password"}}, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.OnStep = func(s Step) { steps = append(steps, s.Name) }
	})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"resolve", "fetch", "link", "switch", "prune", "done"}, steps)
	assert.NotContains(t, buf.String(), "test-secret")
	assert.Contains(t, buf.String(), "bootstrap: switch")
}

func TestSharedPathsAreLinked(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	app := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(filepath.Join(app, SharedDir, "config"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, SharedDir, "config", "db.ini"), []byte("host=db"), 0o600))
	a := f.agent(t, Config{AppDir: app, SharedDirs: []string{"uploads"}, SharedFiles: []string{"config/db.ini"}})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(app, CurrentLink, "config", "db.ini"))
	require.NoError(t, err)
	assert.Equal(t, "host=db", string(b))
	require.NoError(t, os.WriteFile(filepath.Join(app, CurrentLink, "uploads", "a.jpg"), []byte("img"), 0o644))
	assert.FileExists(t, filepath.Join(app, SharedDir, "uploads", "a.jpg"))

	// A missing shared file fails the deploy before the switch.
	a2 := f.agent(t, Config{SharedFiles: []string{"config/missing.ini"}})
	_, err = a2.Deploy(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.ini")
	assert.Empty(t, currentTarget(t, a2.AppDir()))
}

func TestNewAgentValidatesEverything(t *testing.T) {
	_, err := NewAgent(Config{Bucket: "Bad", Keep: -1, Hooks: []Hook{{Event: "deploy", Command: "../x"}}})
	require.ErrorIs(t, err, ErrInvalidConfig)
	for _, want := range []string{"Bucket", "Keep", "Hooks[0].Event", "Hooks[0].Command"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = NewAgent(Config{Bucket: "releases"})
	require.ErrorIs(t, err, ErrInvalidOptions, "the s3 source needs a client")
	_, err = NewAgent(Config{Bucket: "releases"}, func(o *Options) { o.S3 = testenv.S3(t).Client; o.HealthInterval = -1 })
	require.ErrorIs(t, err, ErrInvalidOptions)
	assert.Contains(t, err.Error(), "HealthInterval")
}

func TestAppDirOnInstanceStoreWhenMounted(t *testing.T) {
	srv := testenv.S3(t)
	notMounted := t.TempDir()
	a, err := NewAgent(Config{Bucket: "releases", AppDir: "/srv/app", InstanceStore: notMounted}, func(o *Options) { o.S3 = srv.Client })
	require.NoError(t, err)
	assert.Equal(t, "/srv/app", a.AppDir(), "no file system mounted there: the configured app dir")
	if !isMountPoint("/proc") {
		t.Skip("/proc is not a mount point here")
	}
	a, err = NewAgent(Config{Bucket: "releases", AppDir: "/srv/app", InstanceStore: "/proc"}, func(o *Options) { o.S3 = srv.Client })
	require.NoError(t, err)
	assert.Equal(t, "/proc/app", a.AppDir())
}

func TestConcurrentDeployIsRefused(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	a := f.agent(t, Config{})
	require.NoError(t, os.MkdirAll(a.AppDir(), 0o755))
	unlock, err := lockDir(a.AppDir())
	require.NoError(t, err)
	_, err = a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrBusy)
	unlock()
	_, err = a.Deploy(context.Background())
	require.NoError(t, err)
}

func TestDeployCancelledAfterSwitchStillRollsBack(t *testing.T) {
	f := newS3Fixture(t)
	hooks := t.TempDir()
	started := filepath.Join(hooks, "started.log")
	start := hookScript(t, hooks, "start.sh", `echo "$PORTALKIT_VERSION" >>`+shellQuote(started))
	validate := hookScript(t, hooks, "validate.sh", `true`)
	a := f.agent(t, Config{Hooks: []Hook{{Event: EventApplicationStart, Command: start}, {Event: EventValidateService, Command: validate}}})
	f.publish(t, "v1", 1)
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)

	f.publish(t, "v2", 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := a.Deploy(ctx, func(o *Options) {
		o.OnStep = func(s Step) {
			if s.Name == string(EventValidateService) {
				cancel() // the agent is told to stop while v2 is being validated
			}
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, res.RolledBack)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
	log, err := os.ReadFile(started)
	require.NoError(t, err)
	assert.Equal(t, "v1\nv2\nv1\n", string(log))
}

// currentReader reads through current in a loop, as a web server would, and records every read
// that finds current missing or its release incomplete.
type currentReader struct {
	appDir   string
	files    int
	halt     atomic.Bool
	reads    atomic.Int64
	done     chan struct{}
	mu       sync.Mutex
	problems []string
	seen     map[string]bool
}

func startCurrentReader(appDir string, files int) *currentReader {
	r := &currentReader{appDir: appDir, files: files, done: make(chan struct{}), seen: map[string]bool{}}
	go r.loop()
	return r
}

func (r *currentReader) problem(format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *currentReader) loop() {
	defer close(r.done)
	cur := filepath.Join(r.appDir, CurrentLink)
	for !r.halt.Load() || r.reads.Load() == 0 {
		v, err := os.ReadFile(filepath.Join(cur, "VERSION"))
		if err != nil {
			r.problem("read current/VERSION: %v", err)
			r.reads.Add(1)
			continue
		}
		target, err := os.Readlink(cur)
		if err != nil {
			r.problem("readlink current: %v", err)
			r.reads.Add(1)
			continue
		}
		entries, err := os.ReadDir(filepath.Join(r.appDir, target, "app"))
		if err != nil || len(entries) != r.files {
			r.problem("%s: %d files, err %v", target, len(entries), err)
		}
		r.mu.Lock()
		r.seen[string(v)] = true
		r.mu.Unlock()
		r.reads.Add(1)
	}
}

// waitReads blocks until the reader has finished n more reads.
func (r *currentReader) waitReads(n int64) {
	target := r.reads.Load() + n
	for r.reads.Load() < target {
		select {
		case <-r.done:
			return
		default:
			runtime.Gosched()
		}
	}
}

func (r *currentReader) stop() (problems []string, seen map[string]bool, reads int64) {
	r.halt.Store(true)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.problems, r.seen, r.reads.Load()
}

// TestCurrentReaderCatchesRemoveThenLink shows the reader above has teeth: the rm + ln switch
// that the agent never does leaves a moment without current, and a read in that moment fails.
func TestCurrentReaderCatchesRemoveThenLink(t *testing.T) {
	app := t.TempDir()
	for _, v := range []string{"v1", "v2"} {
		dir := filepath.Join(app, ReleasesDir, v, "app")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(app, ReleasesDir, v, "VERSION"), []byte(v), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f.txt"), []byte(v), 0o644))
	}
	cur := filepath.Join(app, CurrentLink)
	require.NoError(t, os.Symlink(filepath.Join(ReleasesDir, "v1"), cur))
	r := startCurrentReader(app, 1)
	r.waitReads(10)
	require.NoError(t, os.Remove(cur))
	r.waitReads(2) // at least one whole read happens while current is missing
	require.NoError(t, os.Symlink(filepath.Join(ReleasesDir, "v2"), cur))
	r.waitReads(10)
	problems, _, _ := r.stop()
	require.NotEmpty(t, problems)
	assert.Contains(t, problems[0], "no such file or directory")
}

func TestLaunchFreshInstanceBadReleaseAbandons(t *testing.T) {
	f := newS3Fixture(t)
	hooks := t.TempDir()
	validate := hookScript(t, hooks, "validate.sh", `exit 1`)
	lc := &recordingLifecycle{}
	a := f.agent(t, Config{AutoScalingGroup: "web", LifecycleHook: "launching", Hooks: []Hook{{Event: EventValidateService, Command: validate}}}, func(o *Options) {
		o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0new"))
		o.Lifecycle = lc
	})
	f.publish(t, "v1", 1)
	res, err := a.Launch(context.Background())
	require.ErrorIs(t, err, ErrHook)
	require.ErrorIs(t, err, ErrNoRollback, "a fresh instance has nothing to roll back to")
	assert.False(t, res.RolledBack)
	assert.Equal(t, LifecycleAbandon, res.LifecycleResult)
	assert.Equal(t, []lifecycleCall{{"Complete", "web", "launching", "i-0new", "ABANDON"}}, lc.completes())
}

// panickingSource panics in Fetch, like a bug in a custom source.
type panickingSource struct{ failingSource }

func (panickingSource) Resolve(context.Context, string) (*Manifest, error) {
	return &Manifest{Version: "v1"}, nil
}
func (panickingSource) Fetch(context.Context, *Manifest, string) error { panic("boom") }

func TestLaunchAbandonsOnPanic(t *testing.T) {
	lc := &recordingLifecycle{}
	a, err := NewAgent(Config{Bucket: "releases", AppDir: filepath.Join(t.TempDir(), "app"), AutoScalingGroup: "web", LifecycleHook: "launching"}, func(o *Options) {
		o.Sources = []Source{panickingSource{}}
		o.Metadata = NewIMDSClient(fakeIMDS(t, "i-0oops"))
		o.Lifecycle = lc
	})
	require.NoError(t, err)
	require.PanicsWithValue(t, "boom", func() { a.Launch(context.Background()) }) //nolint:errcheck // it panics
	assert.Equal(t, []lifecycleCall{{"Complete", "web", "launching", "i-0oops", "ABANDON"}}, lc.completes(), "a panic still answers ABANDON")
}
