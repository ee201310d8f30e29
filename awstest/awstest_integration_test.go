//go:build integration

package awstest_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationEnvironment checks what the integration suite runs on: the endpoint in
// AWS_ENDPOINT_URL with the wall clock and no simulated cloud, reached by path-style S3.
func TestIntegrationEnvironment(t *testing.T) {
	env := testenv.Cloud(t)
	assert.Nil(t, env.Sim)
	assert.Equal(t, clock.Real, env.Clock)

	ctx := context.Background()
	client := env.S3Client()
	bucket := aws.String("awstest-integration")
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k")})
		_, _ = client.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: bucket})
	})
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("v")})
	require.NoError(t, err)
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
	require.NoError(t, err)
	defer got.Body.Close()
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	assert.Equal(t, "v", string(body))
}
