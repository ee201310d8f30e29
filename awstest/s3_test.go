package awstest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestS3RoundTripOverTheWire(t *testing.T) {
	c, _ := newCloud(t)
	client := c.S3Client()
	ctx := context.Background()

	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("releases")})
	require.NoError(t, err)
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("releases"), Key: aws.String("v1/app.tar.gz"), Body: strings.NewReader("hello")})
	require.NoError(t, err)
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("releases"), Key: aws.String("v1/app.tar.gz")})
	require.NoError(t, err)
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.NoError(t, got.Body.Close())
	assert.Equal(t, "hello", string(body))
	assert.Equal(t, c.Clock().Now(), aws.ToTime(got.LastModified).UTC(), "gofakes3 runs on the virtual clock")

	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("releases"), Key: aws.String("missing")})
	var nsk *s3types.NoSuchKey
	assert.ErrorAs(t, err, &nsk, "the real S3 deserializer read gofakes3's error")

	assert.Equal(t, []string{"S3.CreateBucket", "S3.PutObject", "S3.GetObject", "S3.GetObject"}, c.Calls().Names())
	assert.Equal(t, "NoSuchKey", c.Calls()[3].ErrorCode())
}

func TestS3MultipartUpload(t *testing.T) {
	c, _ := newCloud(t)
	client := c.S3Client()
	ctx := context.Background()
	bucket, key := aws.String("backups"), aws.String("db/dump.sql.gz")
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
	require.NoError(t, err)

	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	const partSize = 5 << 20 // S3's minimum for every part but the last
	parts := [][]byte{bytes.Repeat([]byte{'a'}, partSize), bytes.Repeat([]byte{'b'}, partSize), []byte("tail")}
	var completed []s3types.CompletedPart
	for i, p := range parts {
		n := int32(i + 1)
		res, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(p)})
		require.NoError(t, err)
		completed = append(completed, s3types.CompletedPart{ETag: res.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: key, UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: completed}})
	require.NoError(t, err)

	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.NoError(t, got.Body.Close())
	assert.Equal(t, bytes.Join(parts, nil), body)
	assert.Len(t, c.Calls().Operation(awstest.ServiceS3, "UploadPart"), 3)
}

func TestS3Faults(t *testing.T) {
	c, _ := newCloud(t)
	client := c.S3Client()
	ctx := context.Background()
	c.ThrottleNext(awstest.ServiceS3, "CreateBucket", 1)
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")})
	require.NoError(t, err, "SlowDown is retried by the SDK")
	assert.Equal(t, "SlowDown", c.Calls()[0].ErrorCode())

	c.FailNext(awstest.ServiceS3, "HeadObject", 1, "NotFound")
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	var nf *s3types.NotFound
	assert.ErrorAs(t, err, &nf)
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.HTTPStatusCode(), "an injected NotFound carries S3's 404")

	// The same status as gofakes3's own answer for a missing key.
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusNotFound, re.HTTPStatusCode())
}

func TestConfigReachesNoOtherHost(t *testing.T) {
	c, _ := newCloud(t)
	client := s3.NewFromConfig(c.Config(), func(o *s3.Options) { o.BaseEndpoint = aws.String("https://s3.amazonaws.com") })
	_, err := client.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "refusing to send")
}

func TestPlainS3ClientFromConfigWorks(t *testing.T) {
	// The endpoint is an IP address, for which the SDK's S3 endpoint rules choose path-style
	// addressing on their own.
	c, _ := newCloud(t)
	client := s3.NewFromConfig(c.Config())
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("plain")})
	require.NoError(t, err)
	_, err = c.S3Client().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("plain")})
	assert.NoError(t, err)
}
