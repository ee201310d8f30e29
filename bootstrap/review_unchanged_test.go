package bootstrap

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingS3 counts the object reads and listings of the S3 source.
type countingS3 struct {
	S3API
	gets, lists atomic.Int32
}

func (c *countingS3) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.gets.Add(1)
	return c.S3API.GetObject(ctx, in, optFns...)
}

func (c *countingS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.lists.Add(1)
	return c.S3API.ListObjectsV2(ctx, in, optFns...)
}

// A deploy of the release that is already current and good reads the pointer and the manifest,
// and downloads nothing else (a converge loop or an in-place rolling deploy re-run on every
// instance).
func TestDeployUnchangedDownloadsNothing(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 20)
	s3c := &countingS3{S3API: f.srv.Client}
	a := f.agent(t, Config{}, func(o *Options) { o.S3 = s3c })
	_, err := a.Deploy(context.Background())
	require.NoError(t, err)
	require.Greater(t, s3c.gets.Load(), int32(20))

	s3c.gets.Store(0)
	s3c.lists.Store(0)
	var steps []string
	res, err := a.Deploy(context.Background(), func(o *Options) { o.OnStep = func(s Step) { steps = append(steps, s.Name) } })
	require.NoError(t, err)
	assert.True(t, res.Unchanged)
	assert.Equal(t, "v1", res.Version)
	assert.Equal(t, "s3", res.Source)
	assert.EqualValues(t, 2, s3c.gets.Load(), "the pointer and the manifest")
	assert.Zero(t, s3c.lists.Load())
	assert.Equal(t, []string{"resolve", "unchanged"}, steps)
}
