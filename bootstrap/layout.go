package bootstrap

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names inside the application root.
const (
	// CurrentLink is the symlink to the running release.
	CurrentLink = "current"
	// ReleasesDir holds one directory per release.
	ReleasesDir = "releases"
	// SharedDir holds the paths linked into every release.
	SharedDir = "shared"
	// StateFile is the release log: every release in deploy order with its status.
	StateFile = "releases.json"
)

// Status is a release's state in the release log.
type Status string

// Release statuses.
const (
	// StatusPending is a release being deployed (or one whose deploy was interrupted).
	StatusPending Status = "pending"
	// StatusGood is a release that passed every hook and the health gate.
	StatusGood Status = "good"
	// StatusFailed is a release that failed; it never counts toward Keep and is never a
	// rollback target.
	StatusFailed Status = "failed"
)

// Release is one entry of the release log.
type Release struct {
	// Version names the release and its directory.
	Version string `json:"version"`
	// Status is pending, good or failed.
	Status Status `json:"status"`
	// Source is the source the release came from ("s3", "git").
	Source string `json:"source,omitempty"`
	// Commit is the git commit of the release, when known.
	Commit string `json:"commit,omitempty"`
	// DeployedAt is when the release was fetched.
	DeployedAt time.Time `json:"deployedAt"`
	// Reason says why a failed release failed.
	Reason string `json:"reason,omitempty"`
}

// layout is the application root: releases/<version>, shared/, current and the release log.
type layout struct{ root string }

func (l layout) releasesDir() string              { return filepath.Join(l.root, ReleasesDir) }
func (l layout) releaseDir(version string) string { return filepath.Join(l.root, ReleasesDir, version) }
func (l layout) current() string                  { return filepath.Join(l.root, CurrentLink) }

func (l layout) init() error {
	for _, d := range []string{l.root, l.releasesDir(), filepath.Join(l.root, SharedDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
	}
	return nil
}

// currentVersion returns the release current points to ("" when there is no current link). A
// current that is not a symlink into releases/ is an error: the agent never replaces a real
// directory.
func (l layout) currentVersion() (string, error) {
	fi, err := os.Lstat(l.current())
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return "", fmt.Errorf("bootstrap: %s is not a symlink; move it away before the agent manages releases", l.current())
	}
	target, err := os.Readlink(l.current())
	if err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	dir, v := filepath.Split(filepath.Clean(target))
	if filepath.Clean(dir) != ReleasesDir || !validVersion(v) {
		return "", fmt.Errorf("bootstrap: %s points to %q, not to %s/<version>", l.current(), target, ReleasesDir)
	}
	return v, nil
}

// switchTo points current at releases/<version> atomically: a new symlink under a temporary name
// in the same directory is renamed over current (rename(2) replaces it in one step, so a reader
// sees the old or the new release, never nothing), and the directory is synced.
func (l layout) switchTo(version string) error {
	if _, err := l.currentVersion(); err != nil {
		return err
	}
	tmp := filepath.Join(l.root, "."+CurrentLink+"-"+randomSuffix()+".tmp")
	if err := os.Symlink(filepath.Join(ReleasesDir, version), tmp); err != nil {
		return fmt.Errorf("bootstrap: switch to %s: %w", version, err)
	}
	if err := os.Rename(tmp, l.current()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bootstrap: switch to %s: %w", version, err)
	}
	return syncDir(l.root)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("bootstrap: sync %s: %w", dir, err)
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// readState reads the release log ("no log" is an empty one).
func (l layout) readState() ([]Release, error) {
	b, err := os.ReadFile(filepath.Join(l.root, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	var rs []Release
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("bootstrap: release log %s: %w", StateFile, err)
	}
	return rs, nil
}

// writeState replaces the release log atomically and durably: the new log is written and synced
// under a temporary name, renamed over the old one, and the directory synced. Without the syncs a
// power loss after the rename can leave an empty log (the rename reaches the disk before the
// data), and every later deploy on the instance would fail to read it.
func (l layout) writeState(rs []Release) error {
	b, _ := json.MarshalIndent(rs, "", "  ")
	final := filepath.Join(l.root, StateFile)
	tmp := final + "." + randomSuffix() + ".tmp"
	if err := writeSynced(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bootstrap: %w", err)
	}
	return syncDir(l.root)
}

// writeSynced writes data to a new file and syncs it to disk before closing it.
func writeSynced(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// record adds or updates (moving it to the end when add is true) a release in the log.
func (l layout) record(r Release, add bool) error {
	rs, err := l.readState()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rs, func(x Release) bool { return x.Version == r.Version })
	switch {
	case i >= 0 && add:
		rs = append(slices.Delete(rs, i, i+1), r)
	case i >= 0:
		rs[i] = r
	default:
		rs = append(rs, r)
	}
	return l.writeState(rs)
}

func (l layout) setStatus(version string, s Status, reason string) error {
	rs, err := l.readState()
	if err != nil {
		return err
	}
	for i := range rs {
		if rs[i].Version == version {
			rs[i].Status, rs[i].Reason = s, reason
		}
	}
	return l.writeState(rs)
}

// previousGood returns the newest good release other than except, or "".
func previousGood(rs []Release, except string) string {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Status == StatusGood && rs[i].Version != except {
			return rs[i].Version
		}
	}
	return ""
}

// prunePlan returns the releases to delete: good releases beyond the newest keep, failed (or
// interrupted pending) releases except the newest one kept for inspection. The current release
// and the previous good one are never in it.
func prunePlan(rs []Release, current string, keep int) []string {
	protect := map[string]bool{current: true, previousGood(rs, current): true}
	var del []string
	good, failed := 0, 0
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		switch r.Status {
		case StatusGood:
			good++
			if good <= keep {
				continue
			}
		default:
			failed++
			if failed <= 1 {
				continue
			}
		}
		if !protect[r.Version] {
			del = append(del, r.Version)
		}
	}
	return del
}

// prune deletes what prunePlan names (directory and log entry) and leftover staging directories.
func (l layout) prune(keep int) ([]string, error) {
	rs, err := l.readState()
	if err != nil {
		return nil, err
	}
	cur, err := l.currentVersion()
	if err != nil {
		return nil, err
	}
	del := prunePlan(rs, cur, keep)
	for _, v := range del {
		if err := os.RemoveAll(l.releaseDir(v)); err != nil {
			return nil, fmt.Errorf("bootstrap: remove release %s: %w", v, err)
		}
	}
	rs = slices.DeleteFunc(rs, func(r Release) bool { return slices.Contains(del, r.Version) })
	if err := l.writeState(rs); err != nil {
		return nil, err
	}
	entries, _ := os.ReadDir(l.releasesDir())
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".tmp") {
			os.RemoveAll(filepath.Join(l.releasesDir(), e.Name()))
		}
	}
	return del, nil
}

// linkShared links each shared path of the release to shared/<path> with a relative symlink,
// replacing what the release has there. Missing shared directories are created; a missing shared
// file is an error.
func (l layout) linkShared(version string, dirs, files []string) error {
	rel := l.releaseDir(version)
	link := func(p string, isDir bool) error {
		shared := filepath.Join(l.root, SharedDir, filepath.FromSlash(p))
		if isDir {
			if err := os.MkdirAll(shared, 0o755); err != nil {
				return err
			}
		} else if fi, err := os.Stat(shared); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("shared file %s is missing from %s", p, filepath.Join(l.root, SharedDir))
		}
		dst := filepath.Join(rel, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		target, err := filepath.Rel(filepath.Dir(dst), shared)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	for _, d := range dirs {
		if err := link(d, true); err != nil {
			return fmt.Errorf("bootstrap: link shared %s: %w", d, err)
		}
	}
	for _, f := range files {
		if err := link(f, false); err != nil {
			return fmt.Errorf("bootstrap: link shared %s: %w", f, err)
		}
	}
	return nil
}
