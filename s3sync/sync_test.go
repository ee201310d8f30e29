package s3sync_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
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

	for _, tc := range []struct {
		name string
		run  func() (*s3sync.Plan, error)
	}{
		{"push", func() (*s3sync.Plan, error) { return e.sync.Push(ctx, src, e.bucket, "releases/v1") }},
		{"pull", func() (*s3sync.Plan, error) { return e.sync.Pull(ctx, dst, e.bucket, "releases/v1") }},
		// A push from the pulled copy is a no-op too: the restored mtimes match.
		{"push from pulled copy", func() (*s3sync.Plan, error) { return e.sync.Push(ctx, dst, e.bucket, "releases/v1") }},
		{"pull size-only", func() (*s3sync.Plan, error) {
			return e.sync.Pull(ctx, dst, e.bucket, "releases/v1", func(o *s3sync.Options) { o.Compare = s3sync.CompareSizeOnly })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.reqs.reset()
			plan, err := tc.run()
			require.NoError(t, err)
			assert.True(t, plan.Empty(), "plan: %s", plan)
			assert.Equal(t, 8, plan.Unchanged)
			// One listing page, nothing else: no HEAD, GET or PUT.
			assert.Equal(t, map[string]int{"LIST": 1}, e.reqs.snapshot())
			assert.Equal(t, 1, plan.Requests)
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

func TestDeletesOnlyAfterFullSuccess(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*env, string) {
		e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
		e.put(t, "r/extra.txt", "extraneous")
		src := t.TempDir()
		writeTree(t, src, map[string]file{"a.txt": {data: []byte("a")}, "b.txt": {data: []byte("b")}})
		e.reqs.reset()
		return e, src
	}

	t.Run("listing error", func(t *testing.T) {
		e, src := setup(t)
		e.reqs.set(func(r *http.Request) bool { return kind(r) == "LIST" }, nil)
		_, err := e.sync.Push(ctx, src, e.bucket, "r")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "list s3://portal/r/")
		e.reqs.set(nil, nil)
		assert.Contains(t, e.keys(t), "r/extra.txt")
		assert.Zero(t, e.reqs.snapshot()["PUT"])
	})

	t.Run("transfer error", func(t *testing.T) {
		e, src := setup(t)
		e.reqs.set(func(r *http.Request) bool { return r.Method == http.MethodPut && objectKey(r) == "r/b.txt" }, nil)
		plan, err := e.sync.Push(ctx, src, e.bucket, "r")
		require.Error(t, err)
		var se *s3sync.SyncError
		require.ErrorAs(t, err, &se)
		require.Len(t, se.Files, 1)
		assert.Equal(t, "b.txt", se.Files[0].Path)
		assert.Equal(t, s3sync.ActionUpload, se.Files[0].Action)
		assert.Equal(t, 1, se.DeletesSkipped)
		assert.Len(t, plan.Deletes, 1)
		e.reqs.set(nil, nil)
		assert.ElementsMatch(t, []string{"r/a.txt", "r/extra.txt"}, e.keys(t))
		assert.Zero(t, e.reqs.snapshot()["POST"], "no DeleteObjects request")
	})

	t.Run("pull transfer error keeps local files", func(t *testing.T) {
		e, src := setup(t)
		_, err := e.sync.Push(ctx, src, e.bucket, "r", func(o *s3sync.Options) { o.Delete = false })
		require.NoError(t, err)
		dst := t.TempDir()
		writeTree(t, dst, map[string]file{"local-only.txt": {data: []byte("keep")}})
		e.reqs.set(func(r *http.Request) bool { return r.Method == http.MethodGet && objectKey(r) == "r/b.txt" }, nil)
		_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
		var se *s3sync.SyncError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "b.txt", se.Files[0].Path)
		assert.FileExists(t, filepath.Join(dst, "local-only.txt"))
		assert.NoFileExists(t, filepath.Join(dst, "b.txt"))
	})

	t.Run("max delete", func(t *testing.T) {
		e, src := setup(t)
		e.put(t, "r/extra2.txt", "extraneous")
		_, err := e.sync.Push(ctx, src, e.bucket, "r", func(o *s3sync.Options) { o.MaxDelete = 1 })
		require.ErrorIs(t, err, s3sync.ErrTooManyDeletes)
		assert.ElementsMatch(t, []string{"r/extra.txt", "r/extra2.txt"}, e.keys(t), "nothing changed")
	})

	t.Run("success deletes", func(t *testing.T) {
		e, src := setup(t)
		plan, err := e.sync.Push(ctx, src, e.bucket, "r")
		require.NoError(t, err)
		assert.Len(t, plan.Deletes, 1)
		assert.ElementsMatch(t, []string{"r/a.txt", "r/b.txt"}, e.keys(t))
	})

	t.Run("missing source", func(t *testing.T) {
		e, _ := setup(t)
		_, err := e.sync.Push(ctx, filepath.Join(t.TempDir(), "nope"), e.bucket, "r")
		require.Error(t, err)
		assert.Contains(t, e.keys(t), "r/extra.txt")
	})
}

func TestPullRejectsEscapingKeys(t *testing.T) {
	for _, key := range []string{
		"r/../escape",
		"r/a/../../escape",
		"r//etc/escape", // absolute below the prefix
		`r/..\..\escape`,
		"r/a/./b",
	} {
		t.Run(key, func(t *testing.T) {
			e := newEnv(t)
			e.put(t, "r/fine.txt", "fine")
			e.put(t, key, "evil")
			require.Contains(t, e.keys(t), key, "the server kept the key as sent")
			parent := t.TempDir()
			dst := filepath.Join(parent, "dst")

			_, err := e.sync.Pull(context.Background(), dst, e.bucket, "r")
			var ue *s3sync.UnsafeKeyError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, key, ue.Key)
			assert.Contains(t, err.Error(), strconv.Quote(key))
			assert.Empty(t, listTree(t, parent), "nothing written")
			_, err = os.Stat("/etc/escape")
			assert.True(t, os.IsNotExist(err))
		})
	}
}

func TestPullAbsoluteKeyWithoutPrefix(t *testing.T) {
	e := newEnv(t)
	e.put(t, "/abs.txt", "evil")
	if !assert.Contains(t, e.keys(t), "/abs.txt") {
		return
	}
	parent := t.TempDir()
	_, err := e.sync.Pull(context.Background(), filepath.Join(parent, "dst"), e.bucket, "")
	var ue *s3sync.UnsafeKeyError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "/abs.txt", ue.Key)
	assert.Empty(t, listTree(t, parent))
}

func TestCancelledPullLeavesNoPartialFileAndConverges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	big := randBytes(t, 24<<20)
	writeTree(t, src, map[string]file{"big.bin": {data: big, mtime: old1}})
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	// An older copy at the final path must survive the failed pull intact.
	writeTree(t, dst, map[string]file{"big.bin": {data: []byte("previous release")}})

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var gets atomic.Int32
	e.reqs.set(nil, func(r *http.Request) {
		// The first range GET completes; cancel as the second one starts.
		if r.Method == http.MethodGet && objectKey(r) == "r/big.bin" && gets.Add(1) == 2 {
			cancel()
		}
	})
	_, err = e.sync.Pull(cctx, dst, e.bucket, "r")
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	got, err := os.ReadFile(filepath.Join(dst, "big.bin"))
	require.NoError(t, err)
	assert.Equal(t, "previous release", string(got))
	assert.Equal(t, []string{"big.bin"}, listTree(t, dst), "no temporary file left")

	e.reqs.set(nil, nil)
	_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	got, err = os.ReadFile(filepath.Join(dst, "big.bin"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, got))
	plan, err := e.sync.PlanPull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	assert.True(t, plan.Empty())
}

func TestCancelledPushAbortsMultipart(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	writeTree(t, src, map[string]file{"big.bin": {data: randBytes(t, 24<<20)}})
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var aborted atomic.Bool
	e.reqs.set(nil, func(r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2" {
			cancel()
		}
		if r.Method == http.MethodDelete && r.URL.Query().Has("uploadId") {
			aborted.Store(true)
		}
	})
	_, err := e.sync.Push(cctx, src, e.bucket, "r")
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, aborted.Load(), "AbortMultipartUpload sent")
	assert.Empty(t, e.keys(t))
}

func TestPullRefusesToWriteThroughSymlink(t *testing.T) {
	e := newEnv(t)
	e.put(t, "r/conf/app.ini", "x")
	dst, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(dst, "conf")))
	_, err := e.sync.Pull(context.Background(), dst, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Files[0].Err.Error(), "symlink")
	assert.Empty(t, listTree(t, outside))
}

func TestPullDeleteRemovesExtraneousLocalFiles(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true; o.Exclude = []string{"*.log"} })
	e.put(t, "r/keep.txt", "keep")
	dst := t.TempDir()
	writeTree(t, dst, map[string]file{"stale.txt": {data: []byte("old")}, "app.log": {data: []byte("excluded")}})
	plan, err := e.sync.Pull(context.Background(), dst, e.bucket, "r")
	require.NoError(t, err)
	require.Len(t, plan.Deletes, 1)
	assert.ElementsMatch(t, []string{"app.log", "keep.txt"}, listTree(t, dst))
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
	assert.ElementsMatch(t, []string{"b", "d"}, []string{se.Files[0].Path, se.Files[1].Path})
	assert.Contains(t, err.Error(), "2 files failed")
	assert.Equal(t, s3sync.Progress{FilesDone: 5, FilesTotal: 5, BytesDone: 7<<20 + 200, BytesTotal: 7<<20 + 400, Failed: 2}, last)
	assert.Greater(t, calls, 5, "parts report bytes too")
}

func TestOptionsValidation(t *testing.T) {
	_, err := s3sync.New(nil)
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	e := newEnv(t)
	_, err = s3sync.New(e.srv.Client, func(o *s3sync.Options) {
		o.PartSize = 1024
		o.Concurrency = -1
		o.SSEKMSKeyID = "k"
		o.Metadata = map[string]string{"mtime": "x"}
		o.Exclude = []string{""}
		o.MaxDelete = -2
	})
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	for _, field := range []string{"PartSize", "Concurrency", "SSEKMSKeyID", "Metadata", "Exclude", "MaxDelete"} {
		assert.Contains(t, err.Error(), field)
	}
	_, err = e.sync.PlanPush(context.Background(), "", "", "x")
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "bucket is empty")
	assert.Contains(t, err.Error(), "local directory is empty")
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

func TestChecksumModeVerifiesDownloads(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Compare = s3sync.CompareChecksum })
	_, err := e.srv.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(e.bucket), Key: aws.String("r/app.bin"), Body: strings.NewReader("payload"),
		Metadata: map[string]string{"sha256": strings.Repeat("0", 64)}, // not the content's digest
	})
	require.NoError(t, err)
	dst := t.TempDir()
	_, err = e.sync.Pull(context.Background(), dst, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Files, 1)
	assert.Contains(t, se.Files[0].Error(), "does not match stored")
	assert.Empty(t, listTree(t, dst), "nothing at the final path, no temporary file")
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

func TestCancelledPlanIsNeverPartial(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	// Two listing pages, stored straight into the server's backend (fast), and no local files.
	src, dst := t.TempDir(), t.TempDir()
	for i := range 1200 {
		_, err := e.srv.Backend.PutObject(e.bucket, fmt.Sprintf("r/f%04d", i), map[string]string{}, strings.NewReader("x"), 1, nil)
		require.NoError(t, err)
	}
	var err error

	for _, dir := range []s3sync.Direction{s3sync.DirPush, s3sync.DirPull} {
		t.Run(dir.String(), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var lists atomic.Int32
			e.reqs.set(nil, func(r *http.Request) {
				if kind(r) == "LIST" && lists.Add(1) == 2 {
					cancel()
				}
			})
			defer e.reqs.set(nil, nil)
			var plan *s3sync.Plan
			if dir == s3sync.DirPush {
				plan, err = e.sync.PlanPush(ctx, src, e.bucket, "r")
			} else {
				plan, err = e.sync.PlanPull(ctx, dst, e.bucket, "r")
			}
			require.ErrorIs(t, err, context.Canceled)
			assert.Nil(t, plan, "no plan from a cut-short listing")
		})
	}
}
