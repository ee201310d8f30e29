package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GitSource fetches releases from a git repository with the system's git: the ref (a tag, or a
// commit id) is fetched into a scratch repository, its commit is checked against the expected id,
// and the commit's tree is unpacked with the same path guard as archives. Credentials never come
// from the config: git uses what the instance has (a deploy key, a credential helper), and URLs
// are redacted in logs and errors.
type GitSource struct {
	cfg GitConfig
	git string
}

// NewGitSource returns a git source. gitPath is the git program ("" means "git" on PATH).
func NewGitSource(cfg GitConfig, gitPath string) (*GitSource, error) {
	c := Config{Git: &cfg}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if gitPath == "" {
		gitPath = "git"
	}
	return &GitSource{cfg: cfg, git: gitPath}, nil
}

// Name returns "git".
func (g *GitSource) Name() string { return SourceGit }

// Resolve returns a manifest for version (a tag; "" means the configured Ref) with the expected
// commit from the config. A version other than the configured Ref has no expected commit unless it
// is itself a full commit id, and is refused.
func (g *GitSource) Resolve(_ context.Context, version string) (*Manifest, error) {
	ref := version
	if ref == "" {
		ref = g.cfg.Ref
	}
	switch {
	case ref == "":
		return nil, fmt.Errorf("%w: git source has no ref to deploy", ErrNoRelease)
	case commitRE.MatchString(ref):
		return &Manifest{Version: ref[:12], Commit: ref}, nil
	case ref != g.cfg.Ref || g.cfg.Commit == "":
		return nil, fmt.Errorf("%w: no expected commit for git ref %q (set Git.Ref and Git.Commit, or publish a manifest with its commit)", ErrNoRelease, ref)
	}
	v := ref
	if !validVersion(v) {
		v = g.cfg.Commit[:12]
	}
	return &Manifest{Version: v, Ref: ref, Commit: g.cfg.Commit}, nil
}

// Fetch fetches m's ref (m.Ref, else m.Version; or the commit itself) from the repository, checks
// that it is m.Commit (ErrCommitMismatch otherwise: a tag that moved is refused), and unpacks the
// commit's tree into dir. A manifest without a commit is errors.ErrUnsupported.
func (g *GitSource) Fetch(ctx context.Context, m *Manifest, dir string) error {
	if m.Commit == "" {
		return fmt.Errorf("bootstrap: release %s names no git commit: %w", m.Version, errors.ErrUnsupported)
	}
	ref := m.Ref
	if ref == "" {
		ref = m.Version
	}
	scratch, err := os.MkdirTemp(filepath.Dir(dir), ".git-*.tmp")
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer os.RemoveAll(scratch)
	if err := g.initBare(ctx, scratch); err != nil {
		return err
	}
	const local = "refs/portalkit/release"
	var refspec string
	if commitRE.MatchString(ref) {
		refspec = ref + ":" + local
	} else {
		refspec = "+refs/tags/" + ref + ":" + local
	}
	if _, err := g.run(ctx, scratch, nil, "fetch", "--quiet", "--no-tags", "--depth=1", "--", g.cfg.URL, refspec); err != nil {
		if commitRE.MatchString(ref) {
			return err
		}
		// Not a tag: try a branch of that name.
		if _, err2 := g.run(ctx, scratch, nil, "fetch", "--quiet", "--no-tags", "--depth=1", "--", g.cfg.URL, "+refs/heads/"+ref+":"+local); err2 != nil {
			return err
		}
	}
	out, err := g.run(ctx, scratch, nil, "rev-parse", "--verify", "--quiet", local+"^{commit}")
	if err != nil {
		return err
	}
	got := strings.TrimSpace(string(out))
	if got != m.Commit {
		return fmt.Errorf("%w: git ref %q of %s is commit %s, expected %s", ErrCommitMismatch, ref, redactURL(g.cfg.URL), got, m.Commit)
	}
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		_, err := g.run(ctx, scratch, pw, "archive", "--format=tar", m.Commit)
		pw.CloseWithError(err)
		errc <- err
	}()
	xerr := extractTar(pr, dir)
	if xerr == nil {
		io.Copy(io.Discard, pr) //nolint:errcheck // the record padding after the end of the archive
	}
	pr.CloseWithError(io.ErrClosedPipe)
	if gerr := <-errc; xerr == nil && gerr != nil {
		xerr = gerr
	}
	return xerr
}

// initBare makes dir an empty bare repository.
func (g *GitSource) initBare(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, g.git, "init", "--bare", "--quiet", dir)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bootstrap: git init: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// run runs git in the scratch repository with prompts off. stdout goes to out when given, else is
// returned. Errors quote git's stderr with the repository URL redacted.
func (g *GitSource) run(ctx context.Context, gitDir string, out io.Writer, args ...string) ([]byte, error) {
	full := append([]string{"--git-dir", gitDir, "-c", "core.hooksPath=/dev/null", "-c", "credential.interactive=false"}, args...)
	cmd := exec.CommandContext(ctx, g.git, full...)
	cmd.Dir = gitDir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if out != nil {
		cmd.Stdout = out
	}
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if g.cfg.URL != "" {
			msg = strings.ReplaceAll(msg, g.cfg.URL, redactURL(g.cfg.URL))
		}
		if len(msg) > 512 {
			msg = msg[:512] + "..."
		}
		return nil, fmt.Errorf("bootstrap: git %s: %w: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}
