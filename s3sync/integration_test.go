//go:build integration

package s3sync_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/s3sync"
)

// countingAPI counts calls and fails the ones chosen, in front of a real endpoint.
type countingAPI struct {
	s3sync.API
	mu       sync.Mutex
	calls    map[string]int
	failList bool
	failPut  string
}

func (c *countingAPI) count(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[kind]++
}

func (c *countingAPI) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = map[string]int{}
	return calls
}

func (c *countingAPI) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, fns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.count("LIST")
	if c.failList {
		return nil, errors.New("injected listing failure")
	}
	return c.API.ListObjectsV2(ctx, in, fns...)
}

func (c *countingAPI) PutObject(ctx context.Context, in *s3.PutObjectInput, fns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.count("PUT")
	if aws.ToString(in.Key) == c.failPut {
		return nil, errors.New("injected upload failure")
	}
	return c.API.PutObject(ctx, in, fns...)
}

func (c *countingAPI) HeadObject(ctx context.Context, in *s3.HeadObjectInput, fns ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	c.count("HEAD")
	return c.API.HeadObject(ctx, in, fns...)
}

func (c *countingAPI) GetObject(ctx context.Context, in *s3.GetObjectInput, fns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.count("GET")
	return c.API.GetObject(ctx, in, fns...)
}

// integrationBucket creates a bucket named for the run on the environment (the simulated cloud's S3
// server, started at the real time so that object times compare with local file times, or the
// endpoint's S3); the scope's cleanup empties and deletes it when the test ends.
func integrationBucket(t *testing.T) (*s3.Client, string) {
	env := testenv.Cloud(t, func(o *awstest.Options) { o.Start = time.Now() })
	return env.S3Client(), env.Bucket(t, "s3sync")
}

func TestIntegrationPushPullFlows(t *testing.T) {
	client, bucket := integrationBucket(t)
	api := &countingAPI{API: client, calls: map[string]int{}}
	sync, err := s3sync.New(api, testOptions)
	require.NoError(t, err)
	ctx := context.Background()
	src, dst := t.TempDir(), t.TempDir()
	files := releaseTree(t)
	writeTree(t, src, files)

	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("releases/v10/keep.txt"), Body: bytes.NewReader([]byte("v10"))})
	require.NoError(t, err)

	// Round trip.
	_, err = sync.Push(ctx, src, bucket, "releases/v1")
	require.NoError(t, err)
	_, err = sync.Pull(ctx, dst, bucket, "releases/v1")
	require.NoError(t, err)
	for rel, f := range files {
		p := filepath.Join(dst, filepath.FromSlash(rel))
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(f.data, got), rel)
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.True(t, f.mtime.Equal(fi.ModTime()), rel)
	}

	// Re-runs are no-ops: listing only, and on pull a HEAD for the one object uploaded in parts.
	for _, tc := range []struct {
		run  func() (*s3sync.Plan, error)
		want map[string]int
	}{
		{func() (*s3sync.Plan, error) { return sync.Push(ctx, src, bucket, "releases/v1") }, map[string]int{"LIST": 1}},
		{func() (*s3sync.Plan, error) { return sync.Pull(ctx, dst, bucket, "releases/v1") }, map[string]int{"LIST": 1, "HEAD": 1}},
	} {
		api.reset()
		plan, err := tc.run()
		require.NoError(t, err)
		assert.True(t, plan.Empty(), plan.String())
		assert.Equal(t, tc.want, api.reset())
	}

	// Deletes only after full success; prefix exactness.
	require.NoError(t, os.Remove(filepath.Join(src, "a0")))
	require.NoError(t, os.WriteFile(filepath.Join(src, "new.txt"), []byte("new"), 0o644))
	del := func(o *s3sync.Options) { o.Delete = true }
	api.failList = true
	_, err = sync.Push(ctx, src, bucket, "releases/v1", del)
	require.Error(t, err)
	api.failList, api.failPut = false, "releases/v1/new.txt"
	_, err = sync.Push(ctx, src, bucket, "releases/v1", del)
	var se *s3sync.SyncError
	require.ErrorAs(t, err, &se)
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("releases/v1/a0")})
	require.NoError(t, err, "not deleted after failures")
	api.failPut = ""
	plan, err := sync.Push(ctx, src, bucket, "releases/v1", del)
	require.NoError(t, err)
	require.Len(t, plan.Deletes, 1)
	assert.Equal(t, "releases/v1/a0", plan.Deletes[0].Key)
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("releases/v10/keep.txt")})
	require.NoError(t, err, "releases/v10 untouched")

	// Checksum mode sees a same-size, same-mtime edit.
	ck := func(o *s3sync.Options) { o.Compare = s3sync.CompareChecksum }
	_, err = sync.Push(ctx, src, bucket, "releases/v1", ck)
	require.NoError(t, err)
	p := filepath.Join(src, "config", "secret.ini")
	require.NoError(t, os.WriteFile(p, []byte("key=VALUE\n"), 0o600))
	require.NoError(t, os.Chtimes(p, old1, old1))
	plan, err = sync.PlanPush(ctx, src, bucket, "releases/v1", ck)
	require.NoError(t, err)
	assert.Equal(t, []string{"config/secret.ini"}, paths(plan.Transfers))
}

func TestIntegrationPullRejectsEscapingKey(t *testing.T) {
	client, bucket := integrationBucket(t)
	ctx := context.Background()
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("r/../escape"), Body: bytes.NewReader([]byte("x"))})
	if err != nil {
		t.Skipf("endpoint refuses the key: %v", err)
	}
	sync, err := s3sync.New(client)
	require.NoError(t, err)
	parent := t.TempDir()
	_, err = sync.Pull(ctx, filepath.Join(parent, "dst"), bucket, "r")
	var ue *s3sync.UnsafeKeyError
	require.ErrorAs(t, err, &ue)
	assert.Empty(t, listTree(t, parent))
}
