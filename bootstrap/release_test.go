package bootstrap

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrunePlanNeverDeletesCurrentOrPreviousGood(t *testing.T) {
	r := func(v string, s Status) Release { return Release{Version: v, Status: s} }
	for _, tc := range []struct {
		name    string
		log     []Release
		current string
		keep    int
		want    []string
	}{
		{
			name:    "failed releases do not count",
			log:     []Release{r("v1", StatusGood), r("v2", StatusGood), r("v3", StatusFailed), r("v4", StatusFailed), r("v5", StatusFailed)},
			current: "v2", keep: 1,
			// v2 is current, v1 the previous good (kept although keep is 1); the newest failed
			// release stays for inspection.
			want: []string{"v4", "v3"},
		},
		{
			name:    "old good releases go",
			log:     []Release{r("v1", StatusGood), r("v2", StatusGood), r("v3", StatusGood), r("v4", StatusGood)},
			current: "v4", keep: 2,
			want: []string{"v2", "v1"},
		},
		{
			name:    "current after a rollback is older than newer good ones",
			log:     []Release{r("v1", StatusGood), r("v2", StatusGood), r("v3", StatusGood), r("v4", StatusGood)},
			current: "v1", keep: 1,
			// v1 is current, v4 the newest good (kept by keep and as previous good).
			want: []string{"v3", "v2"},
		},
		{
			name:    "an interrupted pending release counts as failed",
			log:     []Release{r("v1", StatusGood), r("v2", StatusPending), r("v3", StatusFailed)},
			current: "v1", keep: 1,
			want: []string{"v2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := prunePlan(tc.log, tc.current, tc.keep)
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, tc.current)
			assert.NotContains(t, got, previousGood(tc.log, tc.current))
		})
	}
}

func TestKeepNEndToEnd(t *testing.T) {
	f := newS3Fixture(t)
	hooks := t.TempDir()
	validate := hookScript(t, hooks, "validate.sh", `case "$PORTALKIT_VERSION" in bad*) exit 1;; esac`)
	a := f.agent(t, Config{Keep: 1, Hooks: []Hook{{Event: EventValidateService, Command: validate}}})
	deploy := func(v string) error {
		f.publish(t, v, 1)
		_, err := a.Deploy(context.Background())
		return err
	}
	require.NoError(t, deploy("v1"))
	require.NoError(t, deploy("v2"))
	for _, v := range []string{"bad1", "bad2", "bad3"} {
		require.ErrorIs(t, deploy(v), ErrHook)
		assert.Equal(t, filepath.Join(ReleasesDir, "v2"), currentTarget(t, a.AppDir()))
	}
	require.NoError(t, deploy("v3"))
	// Keep 1: v3 is current, v2 the previous good release (kept), v1 goes; of the failed
	// releases only the newest stays.
	dirs, err := os.ReadDir(filepath.Join(a.AppDir(), ReleasesDir))
	require.NoError(t, err)
	var names []string
	for _, d := range dirs {
		names = append(names, d.Name())
	}
	assert.ElementsMatch(t, []string{"v2", "v3", "bad3"}, names)
	rs, err := a.Releases()
	require.NoError(t, err)
	var logged []string
	for _, r := range rs {
		logged = append(logged, r.Version+":"+string(r.Status))
	}
	assert.Equal(t, []string{"v2:good", "bad3:failed", "v3:good"}, logged)

	// Rollback goes to the previous good release, never to a failed one.
	res, err := a.Rollback(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v2", res.RolledBackTo)
	assert.Equal(t, filepath.Join(ReleasesDir, "v2"), currentTarget(t, a.AppDir()))
	_, err = a.Rollback(context.Background())
	require.ErrorIs(t, err, ErrNoRollback)
}

type tarEntry struct {
	name, link string
	typ        byte
	body       string
}

func makeTar(t *testing.T, gz bool, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw *gzip.Writer
	w := any(&buf).(interface{ Write([]byte) (int, error) })
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body))}))
		if typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	if zw != nil {
		require.NoError(t, zw.Close())
	}
	return buf.Bytes()
}

func TestArchiveRefusesEntriesLeavingTheRelease(t *testing.T) {
	for name, bad := range map[string][]tarEntry{
		"dot-dot":              {{name: "ok.txt", body: "ok"}, {name: "../evil.txt", body: "evil"}},
		"nested dot-dot":       {{name: "a/../../evil.txt", body: "evil"}},
		"absolute":             {{name: "/tmp/evil.txt", body: "evil"}},
		"symlink out":          {{name: "link", link: "../../outside", typ: tar.TypeSymlink}},
		"absolute symlink":     {{name: "link", link: "/etc", typ: tar.TypeSymlink}},
		"write through a link": {{name: "d", link: ".", typ: tar.TypeSymlink}, {name: "d/x.txt", body: "x"}},
		"hard link":            {{name: "h", link: "ok.txt", typ: tar.TypeLink}},
		"device":               {{name: "dev", typ: tar.TypeChar}},
	} {
		t.Run(name, func(t *testing.T) {
			outer := t.TempDir()
			dir := filepath.Join(outer, "release")
			require.NoError(t, os.Mkdir(dir, 0o755))
			err := extractTar(bytes.NewReader(makeTar(t, true, bad...)), dir)
			require.ErrorIs(t, err, ErrUnsafePath)
			// Nothing outside the release directory.
			entries, err := os.ReadDir(outer)
			require.NoError(t, err)
			require.Len(t, entries, 1)
			assert.NoFileExists(t, "/tmp/evil.txt")
		})
	}

	dir := t.TempDir()
	require.NoError(t, extractTar(bytes.NewReader(makeTar(t, false,
		tarEntry{name: "./app/", typ: tar.TypeDir},
		tarEntry{name: "./app/index.php", body: "<?php"},
		tarEntry{name: "app/current.php", link: "index.php", typ: tar.TypeSymlink},
	)), dir))
	b, err := os.ReadFile(filepath.Join(dir, "app", "current.php"))
	require.NoError(t, err)
	assert.Equal(t, "<?php", string(b))
}

func TestArchiveReleaseFromS3(t *testing.T) {
	f := newS3Fixture(t)
	put := func(key string, body []byte) {
		_, err := f.srv.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(t, err)
	}
	publishArchive := func(version string, archive []byte) {
		sum := sha256.Sum256(archive)
		m := Manifest{Version: version, Archive: &ManifestFile{Path: "app.tar.gz", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(archive))}}
		body, _ := json.Marshal(m)
		put("releases/"+version+"/app.tar.gz", archive)
		put("releases/"+version+"/manifest.json", body)
		put("releases/current", []byte(version))
	}
	publishArchive("v1", makeTar(t, true, tarEntry{name: "VERSION", body: "v1"}))
	a := f.agent(t, Config{})
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))

	// An archive with a '..' entry (correct digest: the publisher signed a bad archive) is refused
	// and nothing lands outside the release directory.
	publishArchive("v2", makeTar(t, true, tarEntry{name: "VERSION", body: "v2"}, tarEntry{name: "../../evil.txt", body: "evil"}))
	_, err = a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrUnsafePath)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
	assert.NoFileExists(t, filepath.Join(a.AppDir(), "evil.txt"))
	assert.NoFileExists(t, filepath.Join(filepath.Dir(a.AppDir()), "evil.txt"))
	assert.NoDirExists(t, filepath.Join(a.AppDir(), ReleasesDir, "v2"))

	// A tampered archive is refused before it is unpacked.
	archive := makeTar(t, true, tarEntry{name: "VERSION", body: "v3"})
	publishArchive("v3", archive)
	put("releases/v3/app.tar.gz", makeTar(t, true, tarEntry{name: "VERSION", body: "v3!"}))
	_, err = a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrChecksum)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, a.AppDir()))
}

// gitRepo is a bare repository in a temp dir with a work tree that pushes to it.
type gitRepo struct {
	t          *testing.T
	bare, work string
}

func newGitRepo(t *testing.T) *gitRepo {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	g := &gitRepo{t: t, bare: filepath.Join(dir, "shop.git"), work: filepath.Join(dir, "work")}
	g.git(dir, "init", "--quiet", "--bare", g.bare)
	g.git(dir, "init", "--quiet", g.work)
	return g
}

func (g *gitRepo) git(dir string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+g.t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(g.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// commit writes VERSION and returns the new commit id.
func (g *gitRepo) commit(content string) string {
	require.NoError(g.t, os.WriteFile(filepath.Join(g.work, "VERSION"), []byte(content), 0o644))
	require.NoError(g.t, os.MkdirAll(filepath.Join(g.work, "deploy"), 0o755))
	require.NoError(g.t, os.WriteFile(filepath.Join(g.work, "deploy", "check.sh"), []byte("#!/bin/sh\ntest -f VERSION\n"), 0o755))
	g.git(g.work, "add", "-A")
	g.git(g.work, "commit", "--quiet", "-m", content)
	g.git(g.work, "push", "--quiet", "--force", g.bare, "HEAD:refs/heads/main")
	return g.git(g.work, "rev-parse", "HEAD")
}

func (g *gitRepo) tag(name string) {
	g.git(g.work, "tag", "--force", name)
	g.git(g.work, "push", "--quiet", "--force", g.bare, "refs/tags/"+name)
}

func (g *gitRepo) url() string { return "file://" + g.bare }

func TestGitReleaseDeploysTaggedCommitAndRefusesMovedTag(t *testing.T) {
	g := newGitRepo(t)
	c1 := g.commit("release one")
	g.tag("v1")
	cfg := Config{
		AppDir: filepath.Join(t.TempDir(), "app"),
		Git:    &GitConfig{URL: g.url(), Ref: "v1", Commit: c1},
		Hooks:  []Hook{{Event: EventAfterInstall, Command: "deploy/check.sh"}},
	}
	a, err := NewAgent(cfg)
	require.NoError(t, err)
	res, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "git", res.Source)
	assert.Equal(t, "v1", res.Version)
	b, err := os.ReadFile(filepath.Join(a.AppDir(), CurrentLink, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "release one", string(b))
	assert.NoDirExists(t, filepath.Join(a.AppDir(), CurrentLink, ".git"), "the release is the commit's tree, not a clone")
	rs, err := a.Releases()
	require.NoError(t, err)
	assert.Equal(t, c1, rs[0].Commit)

	// The tag is moved to another commit: the same config must refuse it, on a fresh instance
	// and on this one.
	g.commit("something else")
	g.tag("v1")
	fresh := cfg
	fresh.AppDir = filepath.Join(t.TempDir(), "app")
	a2, err := NewAgent(fresh)
	require.NoError(t, err)
	_, err = a2.Deploy(context.Background())
	require.ErrorIs(t, err, ErrCommitMismatch)
	assert.Contains(t, err.Error(), c1)
	assert.Empty(t, currentTarget(t, a2.AppDir()))
	entries, _ := os.ReadDir(filepath.Join(a2.AppDir(), ReleasesDir))
	assert.Empty(t, entries, "nothing of the refused commit is installed")

	_, err = a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrCommitMismatch)
	b, err = os.ReadFile(filepath.Join(a.AppDir(), CurrentLink, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "release one", string(b))
}

func TestDeployFallsBackFromS3ToGit(t *testing.T) {
	g := newGitRepo(t)
	c1 := g.commit("from git")
	g.tag("v7")
	f := newS3Fixture(t)
	// S3 has the manifest (with the commit) but the files are missing: the git source serves the
	// same release.
	m, err := Publish(context.Background(), f.srv.Client, Publication{Dir: releaseTree(t, "v7", 1), Bucket: f.bucket, Version: "v7", Pointer: DefaultPointer, Commit: c1})
	require.NoError(t, err)
	_, err = f.srv.Client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(f.bucket), Key: aws.String("releases/v7/files/" + m.Files[0].Path)})
	require.NoError(t, err)
	a := f.agent(t, Config{Git: &GitConfig{URL: g.url()}})
	res, err := a.Deploy(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "git", res.Source)
	assert.Equal(t, "v7", res.Version)
	b, err := os.ReadFile(filepath.Join(a.AppDir(), CurrentLink, "VERSION"))
	require.NoError(t, err)
	assert.Equal(t, "from git", string(b))
}

func TestGitURLCredentialsNeverLogged(t *testing.T) {
	_, err := NewGitSource(GitConfig{URL: "https://deploy:ghp_secret@git.example.com/shop.git", Ref: "v1"}, "")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.NotContains(t, err.Error(), "ghp_secret")
}
