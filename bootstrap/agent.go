package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/portalkit/portalkit/internal/poll"
)

// Agent deploys releases on an instance: it fetches a release into releases/<version>, verifies
// it, runs the hooks, switches current atomically, passes the health gate, keeps N releases and
// rolls back on failure. Launch does that at first boot and answers the launching lifecycle hook;
// Deploy does it on a running instance. An Agent is safe for use by one deploy at a time.
type Agent struct {
	cfg Config
	// base is the options as NewAgent's optFns left them, before sources and defaults are
	// filled in: per-call overrides apply to a copy of it, so an override of S3, SyncOptions or
	// GitPath reaches the sources built for that call.
	base Options
}

// NewAgent returns an agent for cfg. It validates the config and the options once; the error
// matches ErrInvalidConfig or ErrInvalidOptions and names every problem.
func NewAgent(cfg Config, optFns ...func(*Options)) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	a := &Agent{cfg: cfg}
	base := Options{}.copy()
	for _, fn := range optFns {
		fn(&base)
	}
	if _, err := a.resolveOptions(base, nil); err != nil {
		return nil, err
	}
	a.base = base
	return a, nil
}

func (a *Agent) resolveOptions(base Options, optFns []func(*Options)) (Options, error) {
	o := base.copy()
	for _, fn := range optFns {
		fn(&o)
	}
	var missing []string
	if o.Sources == nil && o.S3 == nil && slices.Contains(a.cfg.Sources, SourceS3) {
		missing = append(missing, "S3 is nil but the config uses the s3 source")
	}
	if err := o.validate(missing...); err != nil {
		return Options{}, err
	}
	if o.Sources == nil {
		srcs, err := a.buildSources(o)
		if err != nil {
			return Options{}, err
		}
		o.Sources = srcs
	}
	o.resolve()
	return o, nil
}

func (a *Agent) buildSources(o Options) ([]Source, error) {
	var srcs []Source
	for _, name := range a.cfg.Sources {
		switch name {
		case SourceS3:
			if o.S3 == nil {
				return nil, fmt.Errorf("%w: S3 is nil but the config uses the s3 source", ErrInvalidOptions)
			}
			s, err := NewS3Source(o.S3, a.cfg.Bucket, a.cfg.Prefix, a.cfg.Pointer, o.SyncOptions...)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, s)
		case SourceGit:
			g, err := NewGitSource(*a.cfg.Git, o.GitPath)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, g)
		}
	}
	return srcs, nil
}

// AppDir returns the application root the agent uses: InstanceStore/app when a file system is
// mounted at Config.InstanceStore (checked at each call), else Config.AppDir.
func (a *Agent) AppDir() string {
	if a.cfg.InstanceStore != "" && isMountPoint(a.cfg.InstanceStore) {
		return filepath.Join(a.cfg.InstanceStore, "app")
	}
	return a.cfg.AppDir
}

// Releases returns the release log, oldest first.
func (a *Agent) Releases() ([]Release, error) { return layout{a.AppDir()}.readState() }

// Result is what a deploy did.
type Result struct {
	// Version is the release deployed (or attempted).
	Version string
	// Previous is the release current pointed to before ("" on first boot).
	Previous string
	// Source names the source the release came from.
	Source string
	// Unchanged is true when the release was already current and good: nothing was done.
	Unchanged bool
	// RolledBack is true when a failure after the switch put RolledBackTo back as current.
	RolledBack bool
	// RolledBackTo is the release current points to again after a rollback ("" without one).
	RolledBackTo string
	// Pruned lists the releases deleted by keep-N cleanup.
	Pruned []string
	// Identity is the instance identity (Launch, or Deploy with a Metadata client).
	Identity Identity
	// LifecycleResult is "CONTINUE" or "ABANDON" when Launch completed the lifecycle action.
	LifecycleResult string
}

func (a *Agent) step(o Options, name, version, detail string) {
	o.Logger.Info("bootstrap: "+name, "version", version, "detail", detail)
	if o.OnStep != nil {
		o.OnStep(Step{Name: name, Version: version, Detail: detail})
	}
}

// Deploy deploys the configured release (Options.Version, Config.Version or the pointer) on a
// running instance: the same steps as Launch, without a lifecycle action. A failure before the
// switch leaves current unchanged; a failure after it rolls back to the previous good release.
func (a *Agent) Deploy(ctx context.Context, optFns ...func(*Options)) (*Result, error) {
	o, err := a.resolveOptions(a.base, optFns)
	if err != nil {
		return nil, err
	}
	var id Identity
	if o.Metadata != nil {
		a.step(o, "identity", "", "")
		if id, err = FetchIdentity(ctx, o.Metadata); err != nil {
			return nil, err
		}
	}
	return a.deploy(ctx, o, id)
}

func (a *Agent) deploy(ctx context.Context, o Options, id Identity) (*Result, error) {
	l := layout{a.AppDir()}
	res := &Result{Identity: id}
	if err := l.init(); err != nil {
		return res, err
	}
	unlock, err := lockDir(l.root)
	if err != nil {
		return res, err
	}
	defer unlock()
	cur, err := l.currentVersion()
	if err != nil {
		return res, err
	}
	res.Previous = cur
	rs, err := l.readState()
	if err != nil {
		return res, err
	}
	status := map[string]Status{}
	for _, r := range rs {
		status[r.Version] = r.Status
	}
	version := o.Version
	if version == "" {
		version = a.cfg.Version
	}

	stage, err := os.MkdirTemp(l.releasesDir(), ".stage-*.tmp")
	if err != nil {
		return res, fmt.Errorf("bootstrap: %w", err)
	}
	defer os.RemoveAll(stage)
	current := func(m *Manifest) bool { return m.Version == cur && status[cur] == StatusGood }
	m, src, err := a.fetch(ctx, o, version, stage, current)
	if m != nil {
		res.Version = m.Version
	}
	if err != nil && !errors.Is(err, errUnchanged) {
		return res, err
	}
	res.Source = src
	if current(m) {
		a.step(o, "unchanged", cur, "already current")
		res.Unchanged = true
		return res, nil
	}

	final := l.releaseDir(m.Version)
	if _, err := os.Lstat(final); err == nil {
		trash := filepath.Join(l.releasesDir(), ".trash-"+randomSuffix()+".tmp")
		if err := os.Rename(final, trash); err != nil {
			return res, fmt.Errorf("bootstrap: %w", err)
		}
		defer os.RemoveAll(trash)
	}
	if err := os.Rename(stage, final); err != nil {
		return res, fmt.Errorf("bootstrap: install release %s: %w", m.Version, err)
	}
	if err := syncDir(l.releasesDir()); err != nil {
		return res, err
	}
	if err := l.record(Release{Version: m.Version, Status: StatusPending, Source: src, Commit: m.Commit, DeployedAt: o.Clock.Now().UTC()}, true); err != nil {
		return res, err
	}
	rollbackTo := ""
	if cur != "" && status[cur] == StatusGood {
		rollbackTo = cur
	} else {
		rollbackTo = previousGood(rs, m.Version)
	}
	env := hookEnv{version: m.Version, previous: rollbackTo, releaseDir: final, appDir: l.root, identity: id, parameters: a.cfg.Parameters}

	switched := false
	fail := func(err error) (*Result, error) {
		o.Logger.Error("bootstrap: release failed", "version", m.Version, "error", err.Error())
		if serr := l.setStatus(m.Version, StatusFailed, err.Error()); serr != nil {
			err = errors.Join(err, serr)
		}
		if !switched {
			return res, err
		}
		if rollbackTo == "" {
			return res, errors.Join(err, fmt.Errorf("%w: release %s stays current", ErrNoRollback, m.Version))
		}
		// A deploy cancelled after the switch (the agent was told to stop) still rolls back.
		if rerr := a.rollbackTo(context.WithoutCancel(ctx), o, l, rollbackTo, id); rerr != nil {
			return res, errors.Join(err, rerr)
		}
		res.RolledBack, res.RolledBackTo = true, rollbackTo
		return res, err
	}

	if err := a.runHooks(ctx, o, EventBeforeInstall, env); err != nil {
		return fail(err)
	}
	a.step(o, "link", m.Version, "")
	if err := l.linkShared(m.Version, a.cfg.SharedDirs, a.cfg.SharedFiles); err != nil {
		return fail(err)
	}
	if err := a.runHooks(ctx, o, EventAfterInstall, env); err != nil {
		return fail(err)
	}
	a.step(o, "switch", m.Version, "from "+orNone(cur))
	if err := l.switchTo(m.Version); err != nil {
		return fail(err)
	}
	switched = true
	if err := a.runHooks(ctx, o, EventApplicationStart, env); err != nil {
		return fail(err)
	}
	if err := a.runHooks(ctx, o, EventValidateService, env); err != nil {
		return fail(err)
	}
	if err := a.healthGate(ctx, o, m.Version); err != nil {
		return fail(err)
	}
	if err := l.setStatus(m.Version, StatusGood, ""); err != nil {
		return res, err
	}
	a.step(o, "prune", m.Version, fmt.Sprintf("keep %d", a.cfg.Keep))
	pruned, err := l.prune(a.cfg.Keep)
	res.Pruned = pruned
	if err != nil {
		// The release is deployed and good; a failed cleanup is worth a warning, not a rollback.
		o.Logger.Warn("bootstrap: prune failed", "error", err.Error())
	}
	a.step(o, "done", m.Version, "")
	return res, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// errUnchanged is fetch's answer when the resolved release is already current and good.
var errUnchanged = errors.New("bootstrap: release unchanged")

// fetch resolves and fetches the release into stage from the first source that manages,
// falling back to the next on failure. When unchanged reports a resolved files or archive
// release as the one already in place, it returns errUnchanged without fetching anything.
func (a *Agent) fetch(ctx context.Context, o Options, version, stage string, unchanged func(*Manifest) bool) (*Manifest, string, error) {
	if len(o.Sources) == 0 {
		return nil, "", fmt.Errorf("%w: no release source", ErrNoRelease)
	}
	var errs []error
	var known *Manifest
	for _, src := range o.Sources {
		if err := resetDir(stage); err != nil {
			return known, "", err
		}
		m := known
		if m != nil {
			a.step(o, "fetch", m.Version, src.Name())
			err := src.Fetch(ctx, m, stage)
			if err == nil {
				return m, src.Name(), nil
			}
			if !errors.Is(err, errors.ErrUnsupported) {
				o.Logger.Warn("bootstrap: source failed", "source", src.Name(), "version", m.Version, "error", err.Error())
				errs = append(errs, fmt.Errorf("%s: %w", src.Name(), err))
				continue
			}
			if err := resetDir(stage); err != nil {
				return known, "", err
			}
		}
		a.step(o, "resolve", version, src.Name())
		want := version
		if known != nil {
			want = known.Version
		}
		m, err := src.Resolve(ctx, want)
		if err != nil {
			o.Logger.Warn("bootstrap: source failed", "source", src.Name(), "error", err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", src.Name(), err))
			continue
		}
		if known == nil {
			known = m
		}
		// A manifest read from the store (files or an archive with their digests) says all
		// there is to know; a git release is still fetched, so a tag that moved is noticed.
		if (len(m.Files) > 0 || m.Archive != nil) && unchanged(m) {
			return m, src.Name(), errUnchanged
		}
		a.step(o, "fetch", m.Version, src.Name())
		if err := src.Fetch(ctx, m, stage); err != nil {
			o.Logger.Warn("bootstrap: source failed", "source", src.Name(), "version", m.Version, "error", err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", src.Name(), err))
			continue
		}
		return m, src.Name(), nil
	}
	return known, "", fmt.Errorf("%w: every source failed: %w", ErrNoRelease, errors.Join(errs...))
}

func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}

func (a *Agent) runHooks(ctx context.Context, o Options, ev Event, env hookEnv) error {
	env.event = ev
	for _, h := range a.cfg.Hooks {
		if h.Event != ev {
			continue
		}
		a.step(o, string(ev), env.version, h.Command)
		if err := runHook(ctx, h, env, o.HookOutput); err != nil {
			return err
		}
	}
	return nil
}

// healthGate waits for the loopback health URL to answer 2xx.
func (a *Agent) healthGate(ctx context.Context, o Options, version string) error {
	if a.cfg.HealthURL == "" {
		return nil
	}
	a.step(o, "health", version, a.cfg.HealthURL)
	// The gate checks this instance's server: a redirect (often to the site's canonical host,
	// served by the other instances behind the load balancer) is an answer, not a pass.
	hc := *o.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	check := func(ctx context.Context) (poll.Result, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.HealthURL, nil)
		if err != nil {
			return poll.Result{}, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return poll.Result{}, ctx.Err()
			}
			return poll.Result{Status: poll.Pending, State: "unreachable"}, nil
		}
		resp.Body.Close()
		state := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return poll.Result{Status: poll.Done, State: state}, nil
		}
		return poll.Result{Status: poll.Pending, State: state}, nil
	}
	_, err := poll.Wait(ctx, check, poll.Options{
		What:     "release " + version + " healthy at " + a.cfg.HealthURL,
		MinDelay: o.HealthInterval, MaxDelay: 5 * o.HealthInterval, MaxWait: a.cfg.healthTimeout(),
		Package: "bootstrap", ErrTimeout: ErrTimeout, Clock: o.Clock,
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHealth, err)
	}
	return nil
}

// rollbackTo switches current back to version and re-runs its application-start hooks.
func (a *Agent) rollbackTo(ctx context.Context, o Options, l layout, version string, id Identity) error {
	a.step(o, "rollback", version, "")
	if err := l.switchTo(version); err != nil {
		return err
	}
	env := hookEnv{version: version, releaseDir: l.releaseDir(version), appDir: l.root, identity: id, parameters: a.cfg.Parameters}
	if err := a.runHooks(ctx, o, EventApplicationStart, env); err != nil {
		return fmt.Errorf("bootstrap: rolled back to %s but its application-start failed: %w", version, err)
	}
	return nil
}

// Rollback switches current back to the previous good release, marks the release it leaves as
// failed and re-runs the previous release's application-start hooks. It fails with ErrNoRollback
// when there is no previous good release.
func (a *Agent) Rollback(ctx context.Context, optFns ...func(*Options)) (*Result, error) {
	o, err := a.resolveOptions(a.base, optFns)
	if err != nil {
		return nil, err
	}
	l := layout{a.AppDir()}
	unlock, err := lockDir(l.root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := l.currentVersion()
	if err != nil {
		return nil, err
	}
	rs, err := l.readState()
	if err != nil {
		return nil, err
	}
	prev := previousGood(rs, cur)
	if prev == "" {
		return nil, fmt.Errorf("%w: current is %s", ErrNoRollback, orNone(cur))
	}
	if cur != "" {
		if err := l.setStatus(cur, StatusFailed, "rolled back"); err != nil {
			return nil, err
		}
	}
	res := &Result{Version: cur, Previous: cur, RolledBack: true, RolledBackTo: prev}
	return res, a.rollbackTo(ctx, o, l, prev, Identity{})
}
