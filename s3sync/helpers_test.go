package s3sync_test

import (
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/s3sync"
)

// env is one test's S3 server, bucket and syncer.
type env struct {
	srv    *testenv.S3Server
	bucket string
	sync   *s3sync.Syncer
	reqs   *requests
}

// small sizes so the multipart paths run on test-sized files.
func testOptions(o *s3sync.Options) {
	o.Concurrency = 8
	o.MultipartThreshold = 6 << 20
	o.PartSize = s3sync.MinPartSize
}

func newEnv(t *testing.T, optFns ...func(*s3sync.Options)) *env {
	t.Helper()
	srv := testenv.S3(t)
	e := &env{srv: srv, bucket: srv.Bucket(t, "portal"), reqs: &requests{}}
	srv.Wrap(e.reqs.middleware)
	s, err := s3sync.New(srv.Client, append([]func(*s3sync.Options){testOptions}, optFns...)...)
	require.NoError(t, err)
	e.sync = s
	return e
}

// requests counts the S3 requests the server sees and can fail chosen ones.
type requests struct {
	mu     sync.Mutex
	counts map[string]int
	fail   func(r *http.Request) bool
	hook   func(r *http.Request)
}

// kind names a request: LIST, HEAD, GET, PUT, POST, DELETE.
func kind(r *http.Request) string {
	if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
		return "LIST"
	}
	return r.Method
}

// objectKey returns the key of a path-style request ("/bucket/key").
func objectKey(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/")
	_, key, _ := strings.Cut(p, "/")
	return key
}

func (q *requests) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q.mu.Lock()
		if q.counts == nil {
			q.counts = map[string]int{}
		}
		q.counts[kind(r)]++
		fail, hook := q.fail, q.hook
		q.mu.Unlock()
		if hook != nil {
			hook(r)
		}
		if fail != nil && fail(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>injected</Message></Error>`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (q *requests) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.counts = map[string]int{}
}

func (q *requests) snapshot() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]int{}
	for k, v := range q.counts {
		out[k] = v
	}
	return out
}

func (q *requests) set(fail func(*http.Request) bool, hook func(*http.Request)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fail, q.hook = fail, hook
}

// file describes a local test file.
type file struct {
	data  []byte
	mode  fs.FileMode
	mtime time.Time
}

func writeTree(t *testing.T, dir string, files map[string]file) {
	t.Helper()
	for rel, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		require.NoError(t, os.WriteFile(p, f.data, mode))
		require.NoError(t, os.Chmod(p, mode))
		if !f.mtime.IsZero() {
			require.NoError(t, os.Chtimes(p, f.mtime, f.mtime))
		}
	}
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// listTree returns every path below dir (files and directories), slash-separated.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return out
}

func (e *env) put(t *testing.T, key, body string) {
	t.Helper()
	_, err := e.srv.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(e.bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	require.NoError(t, err)
}

func (e *env) keys(t *testing.T) []string {
	t.Helper()
	out, err := e.srv.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(e.bucket)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func (e *env) get(t *testing.T, key string) *s3.GetObjectOutput {
	t.Helper()
	out, err := e.srv.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key)})
	require.NoError(t, err)
	t.Cleanup(func() { out.Body.Close() })
	return out
}
