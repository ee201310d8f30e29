package bootstrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Config]; a zero field means the matching default.
const (
	// DefaultPrefix is the key prefix of releases in the bucket.
	DefaultPrefix = "releases"
	// DefaultPointer is the name, under the prefix, of the object that holds the current
	// version.
	DefaultPointer = "current"
	// DefaultAppDir is the application root on the instance when no instance store is mounted.
	DefaultAppDir = "/srv/app"
	// DefaultKeep is how many good releases are kept (the current and the previous good one
	// are always kept on top of failed ones).
	DefaultKeep = 5
	// DefaultHookTimeout bounds a hook that sets no timeout.
	DefaultHookTimeout = 5 * time.Minute
	// MaxHookTimeout is the longest timeout a hook may set, CodeDeploy's per-event maximum.
	MaxHookTimeout = time.Hour
	// DefaultHealthTimeout bounds the health gate when HealthTimeoutSeconds is zero.
	DefaultHealthTimeout = 2 * time.Minute
)

// Event is a deploy lifecycle event at which hooks run. Events run in this order:
// before-install (in the new release directory, before shared paths are linked), after-install
// (after linking, before the switch), then the atomic switch of current, then application-start
// and validate-service, then the health gate. A failure before the switch leaves current alone;
// a failure after it switches back to the previous good release.
type Event string

// The lifecycle events, in the order they run.
const (
	EventBeforeInstall    Event = "before-install"
	EventAfterInstall     Event = "after-install"
	EventApplicationStart Event = "application-start"
	EventValidateService  Event = "validate-service"
)

// Events lists the lifecycle events in the order they run.
var Events = []Event{EventBeforeInstall, EventAfterInstall, EventApplicationStart, EventValidateService}

// Hook is one command run at a lifecycle event.
type Hook struct {
	// Event is when the hook runs.
	Event Event `json:"event"`
	// Command is the program to run: a path relative to the release directory (a script
	// shipped with the release, e.g. "deploy/start.sh") or an absolute path. It runs with the
	// release directory as working directory, without a shell, and with the environment
	// described in the package documentation.
	Command string `json:"command"`
	// Args are extra arguments. Default none.
	Args []string `json:"args,omitempty"`
	// TimeoutSeconds bounds the hook; it is killed (with its process group) after it. Zero
	// means DefaultHookTimeout; at most MaxHookTimeout.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// Timeout returns the hook's timeout with the default applied.
func (h Hook) Timeout() time.Duration {
	if h.TimeoutSeconds == 0 {
		return DefaultHookTimeout
	}
	return time.Duration(h.TimeoutSeconds) * time.Second
}

// GitConfig names a release in a git repository, fetched with the system's git.
type GitConfig struct {
	// URL is the repository, for example "https://git.example.com/shop.git" or
	// "file:///srv/shop.git". It must not carry a password (the agent refuses it): give the
	// instance read access another way, such as a deploy key on disk or a credential helper.
	URL string `json:"url"`
	// Ref is the tag (or branch) to deploy when no version is pinned. A version from the
	// manifest or the config is used as the tag name when set.
	Ref string `json:"ref,omitempty"`
	// Commit is the expected full commit id (40 or 64 hex digits) the ref must resolve to; a
	// manifest's Commit takes precedence. Without either, the agent refuses the git release:
	// a tag alone can move.
	Commit string `json:"commit,omitempty"`
}

// Config is what the agent needs on an instance: where releases are, where to put them, and
// what to run. User data carries it as JSON; it holds pointers only (bucket, keys, SSM parameter
// names), never secrets.
type Config struct {
	// Bucket holds the releases. Required unless Git is set.
	Bucket string `json:"bucket,omitempty"`
	// Prefix is the key prefix of the releases: a release is under <Prefix>/<version>/ with
	// its manifest at <Prefix>/<version>/manifest.json. Default DefaultPrefix.
	Prefix string `json:"prefix,omitempty"`
	// Pointer is the name under Prefix of the object whose content is the version to deploy.
	// Default DefaultPointer.
	Pointer string `json:"pointer,omitempty"`
	// Version pins the version to deploy instead of reading the pointer. Default: the pointer.
	Version string `json:"version,omitempty"`
	// AppDir is the application root: releases/, shared/ and the current symlink live there.
	// Default DefaultAppDir.
	AppDir string `json:"appDir,omitempty"`
	// InstanceStore is the mount point of the instance store. When a file system is mounted
	// there, the application root is InstanceStore/app instead of AppDir (fast local disk that
	// is empty after a stop). Default: none.
	InstanceStore string `json:"instanceStore,omitempty"`
	// Keep is how many good releases to keep. Failed releases never count, and the current and
	// previous good releases are never deleted. Default DefaultKeep.
	Keep int `json:"keep,omitempty"`
	// SharedDirs are paths relative to the release that link to shared/<path> (uploads, logs);
	// missing shared directories are created. Default none.
	SharedDirs []string `json:"sharedDirs,omitempty"`
	// SharedFiles are paths relative to the release that link to shared/<path> (config files);
	// a missing shared file fails the deploy before the switch. Default none.
	SharedFiles []string `json:"sharedFiles,omitempty"`
	// Hooks run at the lifecycle events, in the documented event order, and in slice order
	// within one event. Default none.
	Hooks []Hook `json:"hooks,omitempty"`
	// HealthURL is a loopback HTTP URL (127.0.0.1, ::1 or localhost) that must answer 2xx
	// itself (redirects are not followed) after validate-service before the release counts as
	// good. Default: no health gate.
	HealthURL string `json:"healthURL,omitempty"`
	// HealthTimeoutSeconds bounds the health gate. Zero means DefaultHealthTimeout.
	HealthTimeoutSeconds int `json:"healthTimeoutSeconds,omitempty"`
	// Git is a git release source, used after S3 (or alone when Bucket is empty). Default none.
	Git *GitConfig `json:"git,omitempty"`
	// Sources is the order in which release sources are tried: "s3", "git". Default: "s3"
	// when Bucket is set, then "git" when Git is set.
	Sources []string `json:"sources,omitempty"`
	// AutoScalingGroup and LifecycleHook name the launching lifecycle hook that Launch completes
	// (CONTINUE on success, ABANDON on failure). Both or neither. Default: no lifecycle action.
	AutoScalingGroup string `json:"autoScalingGroup,omitempty"`
	// LifecycleHook is the name of the group's launching lifecycle hook; see AutoScalingGroup.
	LifecycleHook string `json:"lifecycleHook,omitempty"`
	// Parameters maps environment variable names given to hooks to SSM parameter names: the
	// hooks read the values with the instance role, so secrets never appear in user data or in
	// the agent's logs. Default none.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// ParseConfig decodes a JSON config (unknown fields are refused) and validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// withDefaults returns c with its zero fields filled.
func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Pointer == "" {
		c.Pointer = DefaultPointer
	}
	if c.AppDir == "" {
		c.AppDir = DefaultAppDir
	}
	if c.Keep == 0 {
		c.Keep = DefaultKeep
	}
	if len(c.Sources) == 0 {
		if c.Bucket != "" {
			c.Sources = append(c.Sources, SourceS3)
		}
		if c.Git != nil {
			c.Sources = append(c.Sources, SourceGit)
		}
	}
	return c
}

func (c Config) healthTimeout() time.Duration {
	if c.HealthTimeoutSeconds == 0 {
		return DefaultHealthTimeout
	}
	return time.Duration(c.HealthTimeoutSeconds) * time.Second
}

// Source names in Config.Sources.
const (
	SourceS3  = "s3"
	SourceGit = "git"
)

var (
	bucketRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	versionRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)
	gitRefRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/+-]{0,254}$`)
	commitRE    = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	asgNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _.:/@+=-]{0,254}$`)
	hookNameRE  = regexp.MustCompile(`^[A-Za-z0-9_./-]{1,255}$`)
	envNameRE   = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,127}$`)
	ssmNameRE   = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Validate returns nil or one error matching ErrInvalidConfig that names every invalid field.
func (c Config) Validate() error {
	var p check.Problems
	c.validate(&p)
	return p.Err(ErrInvalidConfig)
}

func (c Config) validate(p *check.Problems) {
	p.If(c.Bucket == "" && c.Git == nil, "Bucket is empty and Git is not set: there is no release source")
	if c.Bucket != "" {
		p.If(!bucketRE.MatchString(c.Bucket) || strings.Contains(c.Bucket, ".."), "Bucket %q is not a valid S3 bucket name", c.Bucket)
	}
	if c.Prefix != "" {
		if err := checkKey(c.Prefix); err != nil {
			p.Addf("Prefix: %v", err)
		}
	}
	if c.Pointer != "" {
		if err := checkKey(c.Pointer); err != nil {
			p.Addf("Pointer: %v", err)
		}
	}
	if c.Version != "" {
		p.If(!validVersion(c.Version), "Version %q is not a version (letters, digits, '.', '_', '+', '-'; at most 128)", c.Version)
	}
	for _, f := range []struct{ name, v string }{{"AppDir", c.AppDir}, {"InstanceStore", c.InstanceStore}} {
		if f.v != "" {
			if err := checkAbsPath(f.v); err != nil {
				p.Addf("%s: %v", f.name, err)
			}
		}
	}
	p.If(c.Keep < 0, "Keep is negative (%d)", c.Keep)
	for _, f := range []struct {
		name  string
		paths []string
	}{{"SharedDirs", c.SharedDirs}, {"SharedFiles", c.SharedFiles}} {
		for _, s := range f.paths {
			if err := checkRelPath(s); err != nil {
				p.Addf("%s: %v", f.name, err)
			}
		}
	}
	for i, h := range c.Hooks {
		known := false
		for _, e := range Events {
			known = known || h.Event == e
		}
		p.If(!known, "Hooks[%d].Event %q is not one of %v", i, h.Event, Events)
		if filepath.IsAbs(h.Command) {
			if err := checkAbsPath(h.Command); err != nil {
				p.Addf("Hooks[%d].Command: %v", i, err)
			}
		} else if err := checkRelPath(h.Command); err != nil {
			p.Addf("Hooks[%d].Command: %v", i, err)
		}
		for _, a := range h.Args {
			p.If(hasControl(a), "Hooks[%d].Args: %q holds a control character", i, a)
		}
		p.If(h.TimeoutSeconds < 0 || time.Duration(h.TimeoutSeconds)*time.Second > MaxHookTimeout,
			"Hooks[%d].TimeoutSeconds %d is outside 0..%d", i, h.TimeoutSeconds, int(MaxHookTimeout/time.Second))
	}
	if c.HealthURL != "" {
		if err := checkHealthURL(c.HealthURL); err != nil {
			p.Addf("HealthURL: %v", err)
		}
	}
	p.If(c.HealthTimeoutSeconds < 0, "HealthTimeoutSeconds is negative (%d)", c.HealthTimeoutSeconds)
	if c.Git != nil {
		if err := checkGitURL(c.Git.URL); err != nil {
			p.Addf("Git.URL: %v", err)
		}
		p.If(c.Git.Ref != "" && !validGitRef(c.Git.Ref), "Git.Ref %q is not a valid ref name", c.Git.Ref)
		p.If(c.Git.Commit != "" && !commitRE.MatchString(c.Git.Commit), "Git.Commit %q is not a full lowercase hex commit id", c.Git.Commit)
	}
	for _, s := range c.Sources {
		switch s {
		case SourceS3:
			p.If(c.Bucket == "", "Sources names %q but Bucket is empty", s)
		case SourceGit:
			p.If(c.Git == nil, "Sources names %q but Git is not set", s)
		default:
			p.Addf("Sources: unknown source %q (want %q or %q)", s, SourceS3, SourceGit)
		}
	}
	p.If((c.AutoScalingGroup == "") != (c.LifecycleHook == ""), "AutoScalingGroup and LifecycleHook must be set together")
	p.If(c.AutoScalingGroup != "" && !asgNameRE.MatchString(c.AutoScalingGroup), "AutoScalingGroup %q is not a valid group name", c.AutoScalingGroup)
	p.If(c.LifecycleHook != "" && !hookNameRE.MatchString(c.LifecycleHook), "LifecycleHook %q is not a valid hook name", c.LifecycleHook)
	for env, name := range c.Parameters {
		p.If(!envNameRE.MatchString(env), "Parameters: %q is not an environment variable name (A-Z, 0-9, _)", env)
		p.If(!ssmNameRE.MatchString(name) || len(name) > 2048, "Parameters[%s]: %q is not an SSM parameter name", env, name)
	}
}

func validVersion(v string) bool {
	return versionRE.MatchString(v) && v != "." && v != ".." && !strings.HasPrefix(v, ".")
}

func validGitRef(r string) bool {
	return gitRefRE.MatchString(r) && !strings.Contains(r, "..") && !strings.Contains(r, "//") &&
		!strings.HasSuffix(r, "/") && !strings.HasSuffix(r, ".lock") && !strings.HasPrefix(r, "-")
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// checkKey accepts an S3 key (or prefix) without control characters, a leading or trailing "/",
// empty segments or "." and ".." segments. Quotes, '$' and backticks are legal in keys and allowed:
// rendering quotes them.
func checkKey(k string) error {
	switch {
	case len(k) > 512:
		return fmt.Errorf("%q is longer than 512 bytes", k[:32]+"...")
	case hasControl(k):
		return fmt.Errorf("%q holds a control character", k)
	case strings.HasPrefix(k, "/") || strings.HasSuffix(k, "/"):
		return fmt.Errorf("%q starts or ends with '/'", k)
	}
	for _, seg := range strings.Split(k, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%q has an empty, '.' or '..' segment", k)
		}
	}
	return nil
}

func checkAbsPath(s string) error {
	switch {
	case hasControl(s):
		return fmt.Errorf("%q holds a control character", s)
	case !path.IsAbs(s):
		return fmt.Errorf("%q is not an absolute path", s)
	case path.Clean(s) != s:
		return fmt.Errorf("%q is not a clean path (want %q)", s, path.Clean(s))
	case s == "/":
		return fmt.Errorf("%q is the root directory", s)
	}
	return nil
}

func checkRelPath(s string) error {
	switch {
	case hasControl(s):
		return fmt.Errorf("%q holds a control character", s)
	case s == "" || !filepath.IsLocal(s) || path.Clean(s) != s || strings.Contains(s, `\`):
		return fmt.Errorf("%q is not a clean relative path inside the release", s)
	}
	return nil
}

func checkHealthURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || hasControl(s) {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: scheme must be http or https", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials", u.Redacted())
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: host must be loopback (127.0.0.1, ::1 or localhost)", s)
	}
	return nil
}

func checkGitURL(s string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	if hasControl(s) || strings.HasPrefix(s, "-") {
		return fmt.Errorf("%q is not a URL", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	switch u.Scheme {
	case "https", "http", "ssh", "git", "file":
	default:
		return fmt.Errorf("%q: scheme must be https, ssh, git or file", u.Redacted())
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return fmt.Errorf("%q carries a password: credentials never go in the config", u.Redacted())
		}
		if u.Scheme == "https" || u.Scheme == "http" {
			return fmt.Errorf("%q carries a user name (often a token): credentials never go in the config", u.Redacted())
		}
	}
	return nil
}

// redactURL returns s with any password replaced, for logs and errors.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}
