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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/s3sync"
)

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
		`r/a\..\..\escape`,
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
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	e.put(t, "r/extra", "a cancelled run deletes nothing")
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
	plan, err := e.sync.Push(cctx, src, e.bucket, "r")
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, plan.Deletes, 1)
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1, se.DeletesSkipped)
	assert.True(t, aborted.Load(), "AbortMultipartUpload sent")
	assert.Equal(t, []string{"r/extra"}, e.keys(t))
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

func TestApplyRefusesPlansItDidNotMake(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A zero plan has no options: no request slots, so it must be refused rather than block.
	err := e.sync.Apply(ctx, &s3sync.Plan{Direction: s3sync.DirPull, Dir: t.TempDir(), Bucket: e.bucket,
		Transfers: []s3sync.Item{{Action: s3sync.ActionDownload, Path: "x", Key: "x", Size: 1}}})
	require.ErrorIs(t, err, s3sync.ErrInvalidOptions)
	require.ErrorIs(t, e.sync.Apply(ctx, nil), s3sync.ErrInvalidOptions)

	// A path edited after planning is checked again before anything is written.
	e.put(t, "r/a.txt", "a")
	parent := t.TempDir()
	dst := filepath.Join(parent, "dst")
	for _, edit := range []struct{ path, key string }{
		{"../escape", "r/../escape"}, // consistent with its key, and outside dst
		{"../escape", "r/a.txt"},     // inconsistent with its key
		{"b.txt", "r/a.txt"},
	} {
		plan, err := e.sync.PlanPull(ctx, dst, e.bucket, "r")
		require.NoError(t, err)
		require.Len(t, plan.Transfers, 1)
		plan.Transfers[0].Path, plan.Transfers[0].Key = edit.path, edit.key
		err = e.sync.Apply(ctx, plan)
		var ue *s3sync.UnsafeKeyError
		require.ErrorAs(t, err, &ue, "%+v", edit)
		assert.Equal(t, edit.key, ue.Key)
		assert.Empty(t, listTree(t, parent), "nothing written")
	}
}

func TestKeyThatIsFileAndDirectory(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	e.put(t, "r/a", "a file")
	e.put(t, "r/a/b", "below the file's name")
	e.put(t, "r/c", "c")
	dst := t.TempDir()
	writeTree(t, dst, map[string]file{"stale": {data: []byte("extraneous")}})
	_, err := e.sync.Pull(context.Background(), dst, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Files, 1, "one of the two cannot be written")
	assert.Contains(t, []string{"a", "a/b"}, se.Files[0].Path)
	assert.Equal(t, 1, se.DeletesSkipped)
	tree := listTree(t, dst)
	assert.Contains(t, tree, "stale", "no delete after a failed transfer")
	assert.Contains(t, tree, "c")
	assert.NotContains(t, strings.Join(tree, " "), ".s3sync-", "no temporary file left")
}

func TestTemporaryNamedKeysAreLeftAlone(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	ctx := context.Background()
	e.put(t, "r/d/.s3sync-123.tmp", "not ours to fetch or delete")
	e.put(t, "r/d/keep.txt", "keep")
	dst := t.TempDir()
	plan, err := e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{"d/keep.txt"}, paths(plan.Transfers))
	assert.Equal(t, []string{"d", "d/keep.txt"}, listTree(t, dst))

	plan, err = e.sync.Push(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	assert.True(t, plan.Empty(), plan.String())
	assert.ElementsMatch(t, []string{"r/d/.s3sync-123.tmp", "r/d/keep.txt"}, e.keys(t))
}

func TestPushDeleteLeavesSkippedSymlinksAlone(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	src := t.TempDir()
	// Explicit mtimes, older than any upload: the listing decides (a file modified in the second
	// of an object's LastModified would need a HEAD).
	writeTree(t, src, map[string]file{"a.txt": {data: []byte("a"), mtime: old1}, "target.txt": {data: []byte("t"), mtime: old1}})
	require.NoError(t, os.Symlink(filepath.Join(src, "target.txt"), filepath.Join(src, "link.txt")))
	// A link whose target is missing for now (an unmounted volume, say).
	require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "unmounted"), filepath.Join(src, "shared")))
	for _, k := range []string{"r/a.txt", "r/link.txt", "r/shared/data.bin", "r/shared0", "r/extra"} {
		e.put(t, k, "x")
	}
	for _, follow := range []bool{false, true} {
		plan, err := e.sync.PlanPush(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) { o.FollowSymlinks = follow })
		require.NoError(t, err)
		// "shared0" shares the broken link's name as a prefix only: it is extraneous.
		assert.Equal(t, []string{"extra", "shared0"}, paths(plan.Deletes), "follow=%v: skipped links are not deleted", follow)
		// a.txt, and link.txt when followed (its target has the same size and is older).
		assert.Equal(t, map[bool]int{false: 1, true: 2}[follow], plan.Unchanged, "follow=%v", follow)
	}
}
