package s3sync_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/s3sync"
)

// rewrite overwrites a file in place with data of the same length and gives it mtime, as an
// editor or a build writing over a file does.
func rewrite(t *testing.T, name string, data []byte, mtime time.Time) {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if !assert.NoError(t, err) {
		return
	}
	_, err = f.WriteAt(data, 0)
	assert.NoError(t, err)
	assert.NoError(t, f.Close())
	assert.NoError(t, os.Chtimes(name, mtime, mtime))
}

// isPart reports whether r uploads part n of a multipart upload; n = 0 means a single PutObject.
func isPart(r *http.Request, n int) bool {
	if r.Method != http.MethodPut {
		return false
	}
	if n == 0 {
		return !r.URL.Query().Has("partNumber")
	}
	return r.URL.Query().Get("partNumber") == fmt.Sprint(n)
}

func TestUploadOfFileChangingWhileReadNeverKeepsTornObject(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		size int
		part int // the request during which the file changes
	}{
		{"single put", 2 << 20, 0},
		{"multipart", 13 << 20, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			src := t.TempDir()
			name := filepath.Join(src, "app.bin")
			oldData, newData := randBytes(t, tc.size), randBytes(t, tc.size)
			writeTree(t, src, map[string]file{"app.bin": {data: oldData, mtime: old1}})

			t.Run("changed once: sent again", func(t *testing.T) {
				var changed atomic.Bool
				e.reqs.set(nil, func(r *http.Request) {
					if objectKey(r) == "r/app.bin" && isPart(r, tc.part) && changed.CompareAndSwap(false, true) {
						rewrite(t, name, newData, old1.Add(time.Hour)) // while the body is being sent
					}
				})
				defer e.reqs.set(nil, nil)
				_, err := e.sync.Push(ctx, src, e.bucket, "r")
				require.NoError(t, err)
				require.True(t, changed.Load())
				body, err := io.ReadAll(e.get(t, "r/app.bin").Body)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(newData, body), "the object holds the new content, whole")
				plan, err := e.sync.PlanPush(ctx, src, e.bucket, "r")
				require.NoError(t, err)
				assert.True(t, plan.Empty(), plan.String())
			})

			t.Run("keeps changing: no object claims to be it", func(t *testing.T) {
				rewrite(t, name, oldData, time.Now().Add(time.Hour)) // edited since the last push
				var n atomic.Int32
				e.reqs.set(nil, func(r *http.Request) {
					if objectKey(r) == "r/app.bin" && isPart(r, tc.part) {
						i := n.Add(1)
						data := oldData
						if i%2 == 0 {
							data = newData
						}
						// Now, as an editor would: after the object any earlier run stored.
						rewrite(t, name, data, time.Now().Add(time.Duration(i)*time.Millisecond))
					}
				})
				_, err := e.sync.Push(ctx, src, e.bucket, "r")
				e.reqs.set(nil, nil)
				require.ErrorIs(t, err, s3sync.ErrFileChanged)
				assert.EqualValues(t, s3sync.MaxChangedAttempts, n.Load(), "tried a bounded number of times")
				var se *s3sync.SyncError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, "app.bin", se.Files[0].Path)
				if tc.part == 0 {
					assert.NotContains(t, e.keys(t), "r/app.bin", "the object the last attempt stored is removed")
				} else {
					body, err := io.ReadAll(e.get(t, "r/app.bin").Body)
					require.NoError(t, err)
					assert.True(t, bytes.Equal(newData, body), "the previous object is intact: no upload completed")
				}
				// The next run sees the difference and uploads the file as it is now.
				plan, err := e.sync.Push(ctx, src, e.bucket, "r")
				require.NoError(t, err)
				assert.Equal(t, []string{"app.bin"}, paths(plan.Transfers))
				want, err := os.ReadFile(name)
				require.NoError(t, err)
				body, err := io.ReadAll(e.get(t, "r/app.bin").Body)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(want, body))
			})
		})
	}
}

func TestFollowSymlinksSkipsLinkToItsOwnDirectory(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	writeTree(t, src, map[string]file{"a.txt": {data: []byte("a"), mtime: old1}, "dir/b.txt": {data: []byte("b"), mtime: old1}})
	require.NoError(t, os.Symlink(".", filepath.Join(src, "dir", "self")))
	require.NoError(t, os.Symlink(".", filepath.Join(src, "here")))
	require.NoError(t, os.Symlink("..", filepath.Join(src, "dir", "up")))
	_, err := e.sync.Push(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) { o.FollowSymlinks = true })
	require.NoError(t, err)
	assert.Equal(t, []string{"r/a.txt", "r/dir/b.txt"}, e.keys(t))
}

func TestPushSendsOnlyWhatPullAccepts(t *testing.T) {
	ctx := context.Background()
	t.Run("local names", func(t *testing.T) {
		e := newEnv(t)
		src := t.TempDir()
		writeTree(t, src, map[string]file{`build\out.txt`: {data: []byte("x"), mtime: old1}, "ok.txt": {data: []byte("ok"), mtime: old1}})
		_, err := e.sync.Push(ctx, src, e.bucket, "r")
		var se *s3sync.SyncError
		require.ErrorAs(t, err, &se)
		require.Len(t, se.Files, 1)
		assert.Equal(t, `build\out.txt`, se.Files[0].Path, "refused per file, by name")
		assert.ErrorIs(t, se.Files[0], s3sync.ErrInvalidName)
		assert.Contains(t, err.Error(), "backslash")
		assert.Equal(t, []string{"r/ok.txt"}, e.keys(t), "the rest is pushed")

		dst := t.TempDir()
		_, err = e.sync.Pull(ctx, dst, e.bucket, "r")
		require.NoError(t, err, "what push wrote, pull takes")
		assert.Equal(t, []string{"ok.txt"}, listTree(t, dst))
	})
	t.Run("prefixes", func(t *testing.T) {
		e := newEnv(t)
		src := t.TempDir()
		writeTree(t, src, map[string]file{"ok.txt": {data: []byte("ok"), mtime: old1}})
		_, err := e.sync.Push(ctx, src, e.bucket, "rel/v1//")
		require.NoError(t, err)
		assert.Equal(t, []string{"rel/v1/ok.txt"}, e.keys(t), "trailing slashes count as one")
		_, err = e.sync.Pull(ctx, t.TempDir(), e.bucket, "rel")
		require.NoError(t, err)
		for _, bad := range []string{"rel//v1", "rel/./v1", "rel/../v1", `rel\v1`} {
			_, err := e.sync.Push(ctx, src, e.bucket, bad)
			require.ErrorIs(t, err, s3sync.ErrInvalidOptions, bad)
			assert.Contains(t, err.Error(), "prefix", bad)
		}
		assert.Equal(t, []string{"rel/v1/ok.txt"}, e.keys(t), "nothing written under a refused prefix")
	})
}

func TestOddKeysFailAloneAndTheRestIsPulled(t *testing.T) {
	e := newEnv(t, func(o *s3sync.Options) { o.Delete = true })
	odd := []string{"r/", "r/a//b", "r/c/./d", "r/e/", `r/f\g`}
	for _, k := range append([]string{"r/ok.txt", "r/dir/", "r/sub/ok2.txt"}, odd...) {
		body := "x"
		if k == "r/dir/" {
			body = "" // a folder marker: no file, no error
		}
		e.put(t, k, body)
	}
	require.Subset(t, e.keys(t), odd, "the server kept the keys as sent")
	dst := t.TempDir()
	writeTree(t, dst, map[string]file{"stale.txt": {data: []byte("stale")}})
	plan, err := e.sync.Pull(context.Background(), dst, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	var failed []string
	for _, f := range se.Files {
		assert.ErrorIs(t, f, s3sync.ErrInvalidName)
		assert.Equal(t, s3sync.ActionDownload, f.Action)
		failed = append(failed, f.Key)
	}
	assert.ElementsMatch(t, odd, failed, "each odd key is named, the key equal to the prefix too")
	assert.Len(t, plan.Refused, len(odd))
	assert.Equal(t, 1, se.DeletesSkipped, "no delete while a source entry failed")
	assert.ElementsMatch(t, []string{"ok.txt", "stale.txt", "sub", "sub/ok2.txt"}, listTree(t, dst), "the rest completed")
}

func TestFileDirectoryConflictsConverge(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		local map[string]file
		key   string
		want  []string
	}{
		{"file to directory", map[string]file{"x": {data: []byte("was a file")}}, "r/x/y", []string{"x", "x/y"}},
		{"directory to file", map[string]file{"x/y": {data: []byte("1")}, "x/z/w": {data: []byte("2")}}, "r/x", []string{"x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(t, tc.key, "new")
			e.put(t, "r/other", "other")

			dst := t.TempDir()
			writeTree(t, dst, tc.local)
			_, err := e.sync.Pull(ctx, dst, e.bucket, "r")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Options.Delete", "the error names the option that fixes it")

			plan, err := e.sync.Pull(ctx, dst, e.bucket, "r", func(o *s3sync.Options) { o.Delete = true })
			require.NoError(t, err, "converges in one run")
			assert.NotEmpty(t, plan.Deletes)
			assert.ElementsMatch(t, append([]string{"other"}, tc.want...), listTree(t, dst))
			got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(strings.TrimPrefix(tc.key, "r/"))))
			require.NoError(t, err)
			assert.Equal(t, "new", string(got))
			plan, err = e.sync.PlanPull(ctx, dst, e.bucket, "r", func(o *s3sync.Options) { o.Delete = true })
			require.NoError(t, err)
			assert.True(t, plan.Empty(), plan.String())
		})
	}
}

func TestDeleteFromEmptySourceIsRefused(t *testing.T) {
	ctx := context.Background()
	del := func(o *s3sync.Options) { o.Delete = true }
	setup := func(t *testing.T) (*env, string) {
		e := newEnv(t)
		e.put(t, "r/a.txt", "a")
		e.put(t, "r/b.txt", "b")
		dst := t.TempDir()
		writeTree(t, dst, map[string]file{"a.txt": {data: []byte("a")}, "site/index.html": {data: []byte("i")}})
		return e, dst
	}

	t.Run("pull of a missing prefix", func(t *testing.T) {
		e, dst := setup(t)
		_, err := e.sync.Pull(ctx, dst, e.bucket, "r-typo", del)
		require.ErrorIs(t, err, s3sync.ErrEmptySource)
		assert.Contains(t, err.Error(), "AllowEmptySource")
		assert.ElementsMatch(t, []string{"a.txt", "site", "site/index.html"}, listTree(t, dst), "nothing deleted")
	})
	t.Run("push of an empty directory", func(t *testing.T) {
		e, _ := setup(t)
		_, err := e.sync.Push(ctx, t.TempDir(), e.bucket, "r", del)
		require.ErrorIs(t, err, s3sync.ErrEmptySource)
		assert.ElementsMatch(t, []string{"r/a.txt", "r/b.txt"}, e.keys(t), "nothing deleted")
	})
	t.Run("allowed explicitly", func(t *testing.T) {
		e, dst := setup(t)
		allow := func(o *s3sync.Options) { o.AllowEmptySource = true }
		_, err := e.sync.Pull(ctx, dst, e.bucket, "r-typo", del, allow)
		require.NoError(t, err)
		assert.Equal(t, []string{"site"}, listTree(t, dst))
		_, err = e.sync.Push(ctx, t.TempDir(), e.bucket, "r", del, allow)
		require.NoError(t, err)
		assert.Empty(t, e.keys(t))
	})
	t.Run("a partial delete is not affected", func(t *testing.T) {
		e, dst := setup(t)
		_, err := e.sync.Pull(ctx, dst, e.bucket, "r", del)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"a.txt", "b.txt", "site"}, listTree(t, dst))
	})
}

// logRecorder is an slog handler that keeps the messages it receives.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	l.msgs = append(l.msgs, msg)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }
func (l *logRecorder) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.msgs)
}

func TestPullRemovesStaleTemporaryFiles(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	logs := &logRecorder{}
	e := newEnv(t, func(o *s3sync.Options) { o.Clock = clock.NewFake(now); o.Logger = slog.New(logs) })
	e.put(t, "r/keep.txt", "keep")
	dst := t.TempDir()
	stale := now.Add(-s3sync.StaleTempAge - time.Minute)
	writeTree(t, dst, map[string]file{
		".s3sync-123.tmp":      {data: randBytes(t, 1<<10), mtime: stale},
		"sub/.s3sync-456.tmp":  {data: []byte("x"), mtime: stale},
		".s3sync-789.tmp":      {data: []byte("a download in progress"), mtime: now.Add(-time.Minute)},
		".s3sync-notes.txt":    {data: []byte("a user's file"), mtime: stale},
		"s3sync-1.tmp":         {data: []byte("a user's file"), mtime: stale},
		"dir/.s3sync-9.tmp/in": {data: []byte("a directory of that name is not ours"), mtime: stale},
	})
	require.NoError(t, os.Chtimes(filepath.Join(dst, "dir/.s3sync-9.tmp"), stale, stale))

	plan, err := e.sync.PlanPull(context.Background(), dst, e.bucket, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{".s3sync-123.tmp", "sub/.s3sync-456.tmp"}, plan.TempFiles)
	assert.Contains(t, plan.String(), "remove stale temporary file sub/.s3sync-456.tmp")
	assert.FileExists(t, filepath.Join(dst, ".s3sync-123.tmp"), "planning changes nothing")

	require.NoError(t, e.sync.Apply(context.Background(), plan))
	assert.ElementsMatch(t, []string{".s3sync-789.tmp", ".s3sync-notes.txt", "s3sync-1.tmp", "dir", "dir/.s3sync-9.tmp", "dir/.s3sync-9.tmp/in", "keep.txt", "sub"}, listTree(t, dst))
	var said []string
	for _, m := range logs.messages() {
		if strings.Contains(m, "stale temporary file") {
			said = append(said, m)
		}
	}
	assert.Len(t, said, 2, "each removal is logged: %q", logs.messages())
}

func TestSyncWritesNothingThroughTheSDKLogger(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	e := newEnv(t)
	client := s3.NewFromConfig(e.srv.Config, func(o *s3.Options) {
		o.UsePathStyle = true
		// What config.LoadDefaultConfig gives every client: validate response checksums where
		// the operation supports them.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
		// The default logger writes to standard error; this one keeps what would have gone there.
		o.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			mu.Lock()
			defer mu.Unlock()
			logged = append(logged, fmt.Sprintf("%s "+format, append([]any{c}, v...)...))
		})
	})
	s, err := s3sync.New(client, testOptions)
	require.NoError(t, err)
	ctx := context.Background()
	src := t.TempDir()
	writeTree(t, src, map[string]file{"big.bin": {data: randBytes(t, 13<<20), mtime: old1}, "small.txt": {data: []byte("s"), mtime: old1}})
	_, err = s.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	for _, compare := range []s3sync.Compare{s3sync.CompareSizeMtime, s3sync.CompareChecksum} {
		_, err = s.Pull(ctx, t.TempDir(), e.bucket, "r", func(o *s3sync.Options) { o.Compare = compare })
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, logged)
}

func TestFileErrorQuotesControlCharacters(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	writeTree(t, src, map[string]file{"bad\nname\x1b[31m.txt": {data: []byte("x"), mtime: old1}})
	e.reqs.set(func(r *http.Request) bool { return r.Method == http.MethodPut }, nil)
	_, err := e.sync.Push(context.Background(), src, e.bucket, "r")
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "\x1b")
	assert.Contains(t, msg, `"bad\nname\x1b[31m.txt"`)
	assert.Equal(t, "bad\nname\x1b[31m.txt", se.Files[0].Path, "the field keeps the name as it is")
	assert.Equal(t, "upload plain name.txt: x", (&s3sync.FileError{Action: s3sync.ActionUpload, Path: "plain name.txt", Err: fmt.Errorf("x")}).Error())
}

// The first failed part stops the parts not yet sent and aborts the upload; other files go on.
func TestFailedPartStopsTheRestOfItsFile(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	writeTree(t, src, map[string]file{"big.bin": {data: randBytes(t, 5*s3sync.MinPartSize), mtime: old1}, "small.txt": {data: []byte("s"), mtime: old1}})
	var parts, aborts atomic.Int32
	e.reqs.set(func(r *http.Request) bool { return isPart(r, 1) }, func(r *http.Request) {
		// The SDK may send part 1 again (the server answers before it read the body, which the
		// client may see as a reset connection); no other part may follow.
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") && !isPart(r, 1) {
			parts.Add(1)
		}
		if r.Method == http.MethodDelete && r.URL.Query().Has("uploadId") {
			aborts.Add(1)
		}
	})
	// One request at a time: part 1 fails before any other part is sent.
	_, err := e.sync.Push(context.Background(), src, e.bucket, "r", func(o *s3sync.Options) { o.Concurrency = 1 })
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Files, 1)
	assert.Equal(t, "big.bin", se.Files[0].Path)
	assert.Contains(t, se.Files[0].Error(), "upload part 1")
	assert.Zero(t, parts.Load(), "no part after the failed one")
	assert.EqualValues(t, 1, aborts.Load())
	e.reqs.set(nil, nil)
	assert.Equal(t, []string{"r/small.txt"}, e.keys(t))
}

// The first failed HEAD fails the plan and stops the HEADs not yet sent.
func TestFailedHeadStopsThePlan(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src := t.TempDir()
	files := map[string]file{}
	for i := range 6 {
		files[fmt.Sprintf("f%d", i)] = file{data: []byte("x"), mtime: old1}
	}
	writeTree(t, src, files)
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	e.reqs.reset()
	e.reqs.set(func(r *http.Request) bool { return r.Method == http.MethodHead }, nil)
	plan, err := e.sync.PlanPush(ctx, src, e.bucket, "r", func(o *s3sync.Options) { o.ExactMtime = true; o.Concurrency = 1 })
	require.Error(t, err)
	assert.Nil(t, plan)
	assert.Contains(t, err.Error(), "head s3://portal/r/f")
	assert.Equal(t, 1, e.reqs.snapshot()["HEAD"])
}

// A single PUT that stored a torn object is followed by another attempt; when that attempt fails
// for another reason (a refused request, a cancelled run), the torn object must not stay: its
// LastModified is after the file's last change, so the next push would call it unchanged.
func TestTornObjectRemovedWhenTheRetryFails(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	src := t.TempDir()
	name := filepath.Join(src, "app.bin")
	oldData, newData := randBytes(t, 2<<20), randBytes(t, 2<<20)
	writeTree(t, src, map[string]file{"app.bin": {data: oldData, mtime: old1}})
	edited := time.Now().Add(-time.Minute) // e.g. restored with its original mtime by cp -p or tar
	var puts atomic.Int32
	e.reqs.set(func(r *http.Request) bool {
		return objectKey(r) == "r/app.bin" && isPart(r, 0) && puts.Load() > 1
	}, func(r *http.Request) {
		if objectKey(r) == "r/app.bin" && isPart(r, 0) && puts.Add(1) == 1 {
			rewrite(t, name, newData, edited) // while the body is being sent
		}
	})
	_, err := e.sync.Push(ctx, src, e.bucket, "r")
	e.reqs.set(nil, nil)
	require.Error(t, err)
	// Sent again after the change. The refused retry may itself be resent by the SDK: the server
	// answers 403 without reading the 2 MiB body, and a client still sending it sees the
	// connection close, a retryable error.
	require.GreaterOrEqual(t, puts.Load(), int32(2), "sent again after the change")

	if slices.Contains(e.keys(t), "r/app.bin") {
		body, err := io.ReadAll(e.get(t, "r/app.bin").Body)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(newData, body), "no torn object under the file's key")
	}
	plan, err := e.sync.PlanPush(ctx, src, e.bucket, "r")
	require.NoError(t, err)
	assert.Equal(t, []string{"app.bin"}, paths(plan.Transfers), "the next run uploads the file")
}

// truncatingAPI lists one key per page and drops the continuation token while still saying the
// page is truncated, as a broken server or proxy may.
type truncatingAPI struct{ s3sync.API }

func (a truncatingAPI) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	in2 := *in
	in2.MaxKeys = aws.Int32(1)
	out, err := a.API.ListObjectsV2(ctx, &in2, optFns...)
	if err == nil && aws.ToBool(out.IsTruncated) {
		out.NextContinuationToken = nil
	}
	return out, err
}

// A listing cut short must not pass for complete: a pull with Delete would remove every local
// file past the cut.
func TestPullDeletesNothingAfterATruncatedListingWithoutAToken(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.put(t, "r/a.txt", "a")
	e.put(t, "r/b.txt", "b")
	dst := t.TempDir()
	_, err := e.sync.Pull(ctx, dst, e.bucket, "r")
	require.NoError(t, err)
	require.Equal(t, []string{"a.txt", "b.txt"}, listTree(t, dst))

	s, err := s3sync.New(truncatingAPI{e.srv.Client}, testOptions, func(o *s3sync.Options) { o.Delete = true })
	require.NoError(t, err)
	_, err = s.Pull(ctx, dst, e.bucket, "r")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "continuation token")
	assert.Equal(t, []string{"a.txt", "b.txt"}, listTree(t, dst), "nothing deleted")
}
