package s3sync_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/s3sync"
)

var (
	old1 = time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.UTC)
	old2 = time.Date(2023, 7, 9, 22, 30, 5, 0, time.UTC)
)

func releaseTree(t *testing.T) map[string]file {
	return map[string]file{
		"index.php":         {data: []byte("<?php echo 'hi';"), mtime: old1},
		"bin/deploy.sh":     {data: []byte("#!/bin/sh\necho ok\n"), mode: 0o755, mtime: old2},
		"config/secret.ini": {data: []byte("key=value\n"), mode: 0o600, mtime: old1},
		"a.txt":             {data: []byte("dot sorts before slash"), mtime: old2},
		"a/b.txt":           {data: []byte("nested"), mtime: old1},
		"a0":                {data: []byte("zero"), mtime: old2},
		"empty":             {data: nil, mtime: old1},
		"assets/big.bin":    {data: randBytes(t, 13<<20+17), mtime: old2}, // multipart: 3 parts
	}
}

func TestRoundTripPreservesContentMtimeMode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "release")
	files := releaseTree(t)
	writeTree(t, src, files)

	plan, err := e.sync.Push(ctx, src, e.bucket, "releases/v1")
	require.NoError(t, err)
	assert.Len(t, plan.Transfers, len(files))
	for _, it := range plan.Transfers {
		assert.Equal(t, s3sync.ReasonNew, it.Reason)
		assert.Equal(t, "releases/v1/"+it.Path, it.Key)
	}

	plan, err = e.sync.Pull(ctx, dst, e.bucket, "releases/v1")
	require.NoError(t, err)
	assert.Len(t, plan.Transfers, len(files))

	for rel, f := range files {
		p := filepath.Join(dst, filepath.FromSlash(rel))
		got, err := os.ReadFile(p)
		require.NoError(t, err, rel)
		assert.True(t, bytes.Equal(f.data, got), "content of %s", rel)
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.True(t, f.mtime.Equal(fi.ModTime()), "mtime of %s: want %v got %v", rel, f.mtime, fi.ModTime())
		want := f.mode
		if want == 0 {
			want = 0o644
		}
		assert.Equal(t, want, fi.Mode().Perm(), "mode of %s", rel)
	}
	assert.NotContains(t, strings.Join(listTree(t, dst), " "), ".s3sync-", "no temporary files left")
}

func TestRerunIsNoOp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	writeTree(t, src, releaseTree(t))
	_, err := e.sync.Push(ctx, src, e.bucket, "releases/v1")
	require.NoError(t, err)
	_, err = e.sync.Pull(ctx, dst, e.bucket, "releases/v1")
	require.NoError(t, err)

	listOnly := map[string]int{"LIST": 1}
	for _, tc := range []struct {
		name string
		run  func() (*s3sync.Plan, error)
		want map[string]int
	}{
		// One listing page, nothing else: no HEAD, GET or PUT.
		{"push", func() (*s3sync.Plan, error) { return e.sync.Push(ctx, src, e.bucket, "releases/v1") }, listOnly},
		// Pull compares the one multipart object (assets/big.bin) through a HEAD: its
		// LastModified is when its upload started, so the listing cannot vouch for it.
		{"pull", func() (*s3sync.Plan, error) { return e.sync.Pull(ctx, dst, e.bucket, "releases/v1") }, map[string]int{"LIST": 1, "HEAD": 1}},
		// A push from the pulled copy is a no-op too: the restored mtimes match.
		{"push from pulled copy", func() (*s3sync.Plan, error) { return e.sync.Push(ctx, dst, e.bucket, "releases/v1") }, listOnly},
		{"pull size-only", func() (*s3sync.Plan, error) {
			return e.sync.Pull(ctx, dst, e.bucket, "releases/v1", func(o *s3sync.Options) { o.Compare = s3sync.CompareSizeOnly })
		}, listOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.reqs.reset()
			plan, err := tc.run()
			require.NoError(t, err)
			assert.True(t, plan.Empty(), "plan: %s", plan)
			assert.Equal(t, 8, plan.Unchanged)
			assert.Equal(t, tc.want, e.reqs.snapshot())
			want := 0
			for _, n := range tc.want {
				want += n
			}
			assert.Equal(t, want, plan.Requests)
		})
	}
}

func TestChangesAreDetected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	writeTree(t, src, releaseTree(t))
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)

	// Local edit at the destination, same size, new mtime: pull restores the S3 version.
	require.NoError(t, os.WriteFile(filepath.Join(dst, "a0"), []byte("ZERO"), 0o644))
	// Local edit at the source with a new size: push uploads it.
	require.NoError(t, os.WriteFile(filepath.Join(src, "index.php"), []byte("<?php echo 'v2.0';"), 0o644))

	plan, err := e.sync.PlanPull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, "a0", plan.Transfers[0].Path)
	assert.Equal(t, s3sync.ReasonMtime, plan.Transfers[0].Reason)
	require.NoError(t, e.sync.Apply(ctx, plan))
	got, err := os.ReadFile(filepath.Join(dst, "a0"))
	require.NoError(t, err)
	assert.Equal(t, "zero", string(got))

	plan, err = e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, s3sync.ReasonSize, plan.Transfers[0].Reason)

	// An edit within the second of the upload time, same size: the listing cannot tell, a HEAD does.
	lm := listedLastModified(t, e, "r/a.txt")
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("DOT sorts before slash"), 0o644))
	require.NoError(t, os.Chtimes(filepath.Join(src, "a.txt"), lm.Add(time.Nanosecond), lm.Add(time.Nanosecond)))
	e.reqs.reset()
	plan, err = e.sync.PlanPush(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, s3sync.ReasonMtime, plan.Transfers[0].Reason)
	assert.Equal(t, map[string]int{"LIST": 1, "HEAD": 1}, e.reqs.snapshot())
	require.NoError(t, e.sync.Apply(ctx, plan))

	// The object is now newer than the pulled copy: pull fetches it.
	plan, err = e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a.txt", "index.php"}, paths(plan.Transfers))
}

func listedLastModified(t *testing.T, e *env, key string) time.Time {
	t.Helper()
	out, err := e.srv.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(e.bucket), Prefix: aws.String(key)})
	require.NoError(t, err)
	require.Len(t, out.Contents, 1)
	return *out.Contents[0].LastModified
}

func TestChecksumModeDetectsSameSizeSameMtimeEdit(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Compare = s3sync.CompareChecksum })
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	writeTree(t, src, releaseTree(t))
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)

	edit := func(dir string) {
		p := filepath.Join(dir, "config", "secret.ini")
		require.NoError(t, os.WriteFile(p, []byte("key=VALUE\n"), 0o600))
		require.NoError(t, os.Chtimes(p, old1, old1))
	}
	edit(src)
	edit(dst)

	sizeMtime := func(o *s3sync.Options) { o.Compare = s3sync.CompareSizeMtime }
	plan, err := e.sync.PlanPush(ctx, src, e.bucket, "r", sizeMtime)
	require.NoError(t, err)
	assert.True(t, plan.Empty(), "size+mtime cannot see this edit: %s", plan)

	plan, err = e.sync.PlanPush(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, "config/secret.ini", plan.Transfers[0].Path)
	assert.Equal(t, s3sync.ReasonChecksum, plan.Transfers[0].Reason)

	// Pull side, compared without downloading: only HEADs besides the listing.
	e.reqs.reset()
	plan, err = e.sync.PlanPull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, s3sync.ReasonChecksum, plan.Transfers[0].Reason)
	assert.Zero(t, e.reqs.snapshot()["GET"])

	// Pull restores the stored content and the checksum verifies.
	require.NoError(t, e.sync.Apply(ctx, plan))
	got, err := os.ReadFile(filepath.Join(dst, "config", "secret.ini"))
	require.NoError(t, err)
	assert.Equal(t, "key=value\n", string(got))
}

func TestPrefixIsExact(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	ctx := context.Background()
	e.put(t, "releases/v10/index.php", "v10")
	e.put(t, "releases/v1.txt", "sibling file")
	e.put(t, "releases/v1/old.php", "stale")
	src, dst := t.TempDir(), t.TempDir()
	writeTree(t, src, map[string]file{"index.php": {data: []byte("v1")}})

	plan, err := e.sync.Push(ctx, src, e.bucket, "releases/v1")
	require.NoError(t, err)
	require.Len(t, plan.Deletes, 1)
	assert.Equal(t, "releases/v1/old.php", plan.Deletes[0].Key)
	assert.ElementsMatch(t, []string{"releases/v1.txt", "releases/v1/index.php", "releases/v10/index.php"}, e.keys(t))

	_, err = e.sync.Pull(ctx, dst, e.bucket, "/releases/v1/")
	require.NoError(t, err)
	assert.Equal(t, []string{"index.php"}, listTree(t, dst))
}

func TestFiltersAndSymlinks(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	writeTree(t, src, map[string]file{
		"index.php": {data: []byte("x")}, "debug.log": {data: []byte("x")},
		"node_modules/m/i.js": {data: []byte("x")}, "cache/c.tmp": {data: []byte("x")},
		"sub/deep/keep.php": {data: []byte("x")},
	})
	require.NoError(t, os.Symlink(filepath.Join(src, "index.php"), filepath.Join(src, "link.php")))
	require.NoError(t, os.Symlink(src, filepath.Join(src, "sub", "loop"))) // a cycle

	plan, err := e.sync.PlanPush(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) {
		o.Exclude = []string{"*.log", "node_modules/", "cache/**"}
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"index.php", "sub/deep/keep.php"}, paths(plan.Transfers))

	plan, err = e.sync.PlanPush(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) {
		o.Include = []string{"**/*.php"}
		o.FollowSymlinks = true
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"index.php", "link.php", "sub/deep/keep.php"}, paths(plan.Transfers),
		"link followed, loop skipped")
}

func paths(items []s3sync.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Path)
	}
	return out
}

func TestUploadSettings(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) {
		o.CacheControl = "max-age=60"
		o.ServerSideEncryption = "aws:kms"
		o.SSEKMSKeyID = "alias/portal"
		o.StorageClass = "STANDARD_IA"
		o.Metadata = map[string]string{"release": "v1"}
	})
	headers := map[string]http.Header{}
	e.reqs.set(nil, func(r *http.Request) {
		if r.Method == http.MethodPut {
			headers[objectKey(r)] = r.Header.Clone()
		}
	})
	src := t.TempDir()
	writeTree(t, src, map[string]file{"style.css": {data: []byte("a{}"), mtime: old1}, "data.unknownext": {data: []byte("x")}})
	_, err := e.sync.Push(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) { o.Concurrency = 1 })
	require.NoError(t, err)

	h := headers["r/style.css"]
	require.NotNil(t, h)
	assert.Equal(t, "text/css; charset=utf-8", h.Get("Content-Type"))
	assert.Equal(t, "max-age=60", h.Get("Cache-Control"))
	assert.Equal(t, "aws:kms", h.Get("X-Amz-Server-Side-Encryption"))
	assert.Equal(t, "alias/portal", h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
	assert.Equal(t, "STANDARD_IA", h.Get("X-Amz-Storage-Class"))
	assert.Equal(t, "v1", h.Get("X-Amz-Meta-Release"))
	assert.Equal(t, "1709287200.123456789", h.Get("X-Amz-Meta-Mtime"))
	assert.Equal(t, "0644", h.Get("X-Amz-Meta-Mode"))
	assert.Equal(t, "application/octet-stream", headers["r/data.unknownext"].Get("Content-Type"))

	// What the server kept (gofakes3 keeps Content-Type and x-amz-* headers, not Cache-Control).
	out := e.get(t, "r/style.css")
	assert.Equal(t, "v1", out.Metadata["release"])
	assert.Equal(t, "text/css; charset=utf-8", *out.ContentType)
}

func TestProgressAndErrorList(t *testing.T) {
	var last s3sync.Progress
	calls := 0
	e := newEnv(t, func(o *s3sync.Options) {
		o.OnProgress = func(p s3sync.Progress) { last = p; calls++ }
	})
	src := t.TempDir()
	files := map[string]file{"big.bin": {data: randBytes(t, 7<<20)}}
	for _, n := range []string{"a", "b", "c", "d"} {
		files[n] = file{data: []byte(strings.Repeat(n, 100))}
	}
	writeTree(t, src, files)
	e.reqs.set(func(r *http.Request) bool {
		return r.Method == http.MethodPut && (objectKey(r) == "r/b" || objectKey(r) == "r/d")
	}, nil)
	_, err := e.sync.Push(context.Background(), src, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Files, 2)
	assert.ElementsMatch(t, []string{"b", "d"}, []string{se.Files[0].Path, se.Files[1].Path})
	assert.ErrorContains(t, se.Files[0], "AccessDenied", "each file keeps its cause")
	assert.Contains(t, err.Error(), "2 files failed")
	assert.Equal(t, s3sync.Progress{FilesDone: 5, FilesTotal: 5, BytesDone: 7<<20 + 200, BytesTotal: 7<<20 + 400, Failed: 2}, last)
	assert.Greater(t, calls, 5, "parts report bytes too")
}

// noCallsAPI is an S3 client that fails the test on any call: option validation needs none.
type noCallsAPI struct {
	s3sync.API
	t *testing.T
}

func (a noCallsAPI) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	a.t.Error("ListObjectsV2 called")
	return nil, errors.New("no calls")
}

func TestOptionsValidation(t *testing.T) {
	_, err := s3sync.New(nil, func(o *s3sync.Options) { o.MaxDelete = -1 })
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "API")
	assert.Contains(t, err.Error(), "MaxDelete", "every problem is named, the nil client too")

	api := noCallsAPI{t: t}
	bad := func(o *s3sync.Options) {
		o.PartSize = 1024
		o.Concurrency = -1
		o.SSEKMSKeyID = "k"
		o.Metadata = map[string]string{"mtime": "x"}
		o.Exclude = []string{""}
		o.MaxDelete = -2
		o.MultipartThreshold = s3sync.MaxPartSize + 1
	}
	fields := []string{"PartSize", "Concurrency", "SSEKMSKeyID", "Metadata", "Exclude", "MaxDelete", "MultipartThreshold"}
	_, err = s3sync.New(api, bad)
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	for _, field := range fields {
		assert.Contains(t, err.Error(), field)
	}
	_, err = s3sync.New(api, func(o *s3sync.Options) { o.PartSize = s3sync.MaxPartSize + 1 })
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "PartSize")

	// Per-call overrides are validated the same way, together with the call's arguments, before
	// any request.
	s, err := s3sync.New(api)
	require.NoError(t, err)
	_, err = s.PlanPush(context.Background(), "", "", "a//b", bad)
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	for _, want := range append(fields, "bucket is empty", "local directory is empty", "prefix") {
		assert.Contains(t, err.Error(), want)
	}
	_, err = s.Pull(context.Background(), t.TempDir(), "b", "r", func(o *s3sync.Options) { o.LargeFiles = -1 })
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "LargeFiles")
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	e.put(t, "r/extra", "x")
	src := t.TempDir()
	writeTree(t, src, map[string]file{"new": {data: []byte("n")}})
	plan, err := e.sync.PlanPush(context.Background(), src, e.bucket, "r")
	require.NoError(t, err)
	assert.Equal(t, "push "+src+" s3://portal/r/: 1 transfers (1 bytes), 1 deletes, 0 unchanged\nupload new (missing at destination)\ndelete extra (not in source)\n", plan.String())
	assert.Equal(t, []string{"r/extra"}, e.keys(t))
}

func TestTuneHTTPClient(t *testing.T) {
	c := s3sync.TuneHTTPClient(&http.Client{}, 64)
	hc, ok := c.(*http.Client)
	require.True(t, ok)
	assert.Equal(t, 64, hc.Transport.(*http.Transport).MaxIdleConnsPerHost)
	assert.NotSame(t, http.DefaultTransport, hc.Transport, "the shared default transport is not modified")

	sdk := s3sync.TuneHTTPClient(nil, 48)
	bc, ok := sdk.(interface{ GetTransport() *http.Transport })
	require.True(t, ok)
	assert.Equal(t, 48, bc.GetTransport().MaxIdleConnsPerHost)
}

func TestExactMtimeSeesEditWithinStoredSecond(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.ExactMtime = true })
	ctx := context.Background()
	src := t.TempDir()
	writeTree(t, src, map[string]file{"v.txt": {data: []byte("v1"), mtime: old2}}) // old2: a whole second
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)

	// Same size, 700 ms later in the same second, on a file system that keeps nanoseconds.
	p := filepath.Join(src, "v.txt")
	require.NoError(t, os.WriteFile(p, []byte("v2"), 0o644))
	require.NoError(t, os.Chtimes(p, old2.Add(700*time.Millisecond), old2.Add(700*time.Millisecond)))
	plan, err := e.sync.PlanPush(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Transfers, 1, plan.String())
	assert.Equal(t, s3sync.ReasonMtime, plan.Transfers[0].Reason)
}

func TestAwkwardKeysRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	files := map[string]file{
		"with space/file name.txt": {data: []byte("space"), mtime: old1},
		"ünïcödé/日本.txt":           {data: []byte("unicode"), mtime: old1},
		"special/a+b=c&d?e#f%20g":  {data: []byte("url-special"), mtime: old1},
		"special/semi;colon,comma": {data: []byte("punctuation"), mtime: old1},
		"zero/empty":               {data: nil, mtime: old2},
	}
	writeTree(t, src, files)
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	// A console "folder" marker is not a file and is never deleted or downloaded.
	e.put(t, "r/folder/", "")

	plan, err := e.sync.Pull(ctx, dst, e.bucket, "r", func(o *s3sync.Options) { o.Delete = true })
	require.NoError(t, err)
	assert.Len(t, plan.Transfers, len(files))
	for rel, f := range files {
		got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(rel)))
		require.NoError(t, err, rel)
		assert.Equal(t, string(f.data), string(got), rel)
	}
	assert.NoDirExists(t, filepath.Join(dst, "folder"))

	for _, run := range []func() (*s3sync.Plan, error){
		func() (*s3sync.Plan, error) { return e.sync.PlanPull(ctx, dst, e.bucket, "r") },
		func() (*s3sync.Plan, error) {
			return e.sync.PlanPush(ctx, dst, e.bucket, "r", func(o *s3sync.Options) { o.Delete = true })
		},
	} {
		plan, err := run()
		require.NoError(t, err)
		assert.True(t, plan.Empty(), plan.String())
		assert.Equal(t, len(files), plan.Unchanged)
	}
}

func TestChecksumPullOfObjectsWithoutDigestConverges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	writeTree(t, src, map[string]file{"a.txt": {data: []byte("a"), mtime: old1}, "b.txt": {data: []byte("b"), mtime: old2}})
	_, err := e.sync.Push(ctx, src, e.bucket, "r") // size+mtime: no digest stored
	require.NoError(t, err)
	_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	checksum := func(o *s3sync.Options) { o.Compare = s3sync.CompareChecksum }

	// A pull cannot add the digest, so it falls back to the stored mtime instead of fetching again.
	plan, err := e.sync.PlanPull(ctx, dst, e.bucket, "r", checksum)
	require.NoError(t, err)
	assert.True(t, plan.Empty(), plan.String())
	require.NoError(t, os.Chtimes(filepath.Join(dst, "b.txt"), old1, old1))
	plan, err = e.sync.PlanPull(ctx, dst, e.bucket, "r", checksum)
	require.NoError(t, err)
	assert.Equal(t, []string{"b.txt"}, paths(plan.Transfers))

	// A push adds it.
	plan, err = e.sync.Push(ctx, src, e.bucket, "r", checksum)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a.txt", "b.txt"}, paths(plan.Transfers))
	assert.Equal(t, s3sync.ReasonNoChecksum, plan.Transfers[0].Reason)
	plan, err = e.sync.PlanPush(ctx, src, e.bucket, "r", checksum)
	require.NoError(t, err)
	assert.True(t, plan.Empty(), plan.String())
}
