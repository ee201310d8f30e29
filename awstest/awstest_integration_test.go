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
// AWS_ENDPOINT_URL with the wall clock and no simulated cloud, or without one the simulated cloud
// on its virtual clock; S3 reached by path-style, the bucket named for the run and swept when the
// test ends.
func TestIntegrationEnvironment(t *testing.T) {
	env := testenv.Cloud(t)
	if testenv.Endpoint() == "" {
		require.NotNil(t, env.Sim)
		assert.Equal(t, env.Sim.Clock(), env.Clock)
	} else {
		assert.Nil(t, env.Sim)
		assert.Equal(t, clock.Real, env.Clock)
	}

	ctx := context.Background()
	client := env.S3Client()
	bucket := aws.String(env.Bucket(t, "env"))
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("v")})
	require.NoError(t, err)
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
	require.NoError(t, err)
	defer got.Body.Close()
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	assert.Equal(t, "v", string(body))

	left := env.Leftovers(t)
	require.Len(t, left, 1)
	assert.Equal(t, testenv.Leftover{Kind: testenv.KindBucket, ID: *bucket, Run: *bucket}, left[0], "found by its name, before the cleanup deletes it")
}
