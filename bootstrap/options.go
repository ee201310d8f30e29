package bootstrap

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/s3sync"
)

// Defaults for [Options]; a zero field means the matching default.
const (
	// DefaultHeartbeatInterval is how often Launch records a lifecycle action heartbeat while it
	// deploys, as CodeDeploy does. Keep it well under the hook's heartbeat timeout.
	DefaultHeartbeatInterval = 5 * time.Minute
	// DefaultCompleteTimeout bounds the retries of CompleteLifecycleAction while Auto Scaling
	// answers "No active Lifecycle Action found" (the action is not visible yet).
	DefaultCompleteTimeout = time.Minute
	// DefaultHealthInterval is the first delay between health gate checks.
	DefaultHealthInterval = time.Second
)

// Step is a deploy step reported to Options.OnStep.
type Step struct {
	// Name is the step: "identity", "resolve", "fetch" (which verifies every checksum), one
	// of the Event names, "link", "switch", "health", "rollback", "prune", "done",
	// "unchanged" (the release was already current and good), "lifecycle".
	Name string
	// Version is the release the step is about ("" before it is known).
	Version string
	// Detail says more, for example the source name or the lifecycle result.
	Detail string
}

// Options configure an [Agent]. Per-call overrides apply to a copy.
type Options struct {
	// S3 is the S3 client of the S3 release source. Required when the Config uses the s3 source
	// and Sources is nil.
	S3 S3API
	// SyncOptions tune the s3sync pulls of the S3 source. Default: s3sync's defaults.
	SyncOptions []func(*s3sync.Options)
	// Metadata is the instance metadata client (use NewIMDSClient: IMDSv2 only). Required by
	// Launch; Deploy uses it when set, to give hooks the instance identity.
	Metadata MetadataAPI
	// Lifecycle is the Auto Scaling client that answers the launching lifecycle hook. Required
	// by Launch when the Config names a lifecycle hook.
	Lifecycle LifecycleAPI
	// Sources replaces the sources built from the Config (in Config.Sources order). Default:
	// built from the Config.
	Sources []Source
	// GitPath is the git program of the git source. Default "git" on PATH.
	GitPath string
	// Version deploys this version instead of Config.Version or the pointer. Default: the
	// Config's.
	Version string
	// HTTPClient performs the health gate's requests; redirects are never followed (a 3xx is
	// not healthy). Default: a client with a 5 s timeout.
	HTTPClient *http.Client
	// HealthInterval is the first delay between health checks (it grows up to 5 x). Default
	// DefaultHealthInterval.
	HealthInterval time.Duration
	// HeartbeatInterval is the lifecycle heartbeat period during Launch. Default
	// DefaultHeartbeatInterval; negative disables heartbeats (for a hook whose heartbeat timeout
	// covers the whole deploy, or a virtual clock whose Sleep returns at once).
	HeartbeatInterval time.Duration
	// CompleteTimeout bounds the retries of CompleteLifecycleAction. Default
	// DefaultCompleteTimeout.
	CompleteTimeout time.Duration
	// HookOutput receives the hooks' stdout and stderr (for example os.Stderr). It is kept out
	// of Logger because hooks may print what they read from SSM. Default: discarded (the last
	// 4 KiB are in a failed hook's HookError.Output).
	HookOutput io.Writer
	// OnStep is called at the start of each step. Default none.
	OnStep func(Step)
	// Logger receives one record per step. No secret is logged: the config holds none, URLs are
	// redacted and hook output is not logged. Default: discard.
	Logger *slog.Logger
	// Clock is the time source of heartbeats, retries and the health gate. Default clock.Real.
	// With a virtual clock whose Sleep returns at once (clock.Fake, awstest's), the heartbeat
	// loop runs back to back while hooks run in real time: disable heartbeats there.
	Clock clock.Clock
}

func (o Options) copy() Options {
	o.Sources = slices.Clone(o.Sources)
	o.SyncOptions = slices.Clone(o.SyncOptions)
	return o
}

func (o *Options) validate(extra ...string) error {
	var p check.Problems
	for _, e := range extra {
		p.Addf("%s", e)
	}
	p.If(o.HealthInterval < 0, "HealthInterval is negative (%v)", o.HealthInterval)
	p.If(o.CompleteTimeout < 0, "CompleteTimeout is negative (%v)", o.CompleteTimeout)
	p.If(o.Version != "" && !validVersion(o.Version), "Version %q is not a version", o.Version)
	for i, s := range o.Sources {
		p.If(s == nil, "Sources[%d] is nil", i)
	}
	return p.Err(ErrInvalidOptions)
}

func (o *Options) resolve() {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if o.HealthInterval == 0 {
		o.HealthInterval = DefaultHealthInterval
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.CompleteTimeout == 0 {
		o.CompleteTimeout = DefaultCompleteTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Clock = clock.Or(o.Clock)
}
