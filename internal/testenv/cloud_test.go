//go:build !integration

package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestCloudIsSimulatedByDefault(t *testing.T) {
	env := Cloud(t, func(o *awstest.Options) { o.Region = "eu-central-1" })
	require.NotNil(t, env.Sim)
	assert.Same(t, env.Sim, env.RequireSim(t))
	assert.Equal(t, "eu-central-1", env.Config.Region)

	before := env.Clock.Now()
	require.NoError(t, env.Clock.Sleep(context.Background(), time.Hour))
	assert.Equal(t, time.Hour, env.Sim.Clock().Since(before), "Clock is the virtual clock")

	zones, err := ec2.NewFromConfig(env.Config).DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err)
	assert.Len(t, zones.AvailabilityZones, 3)

	_, err = env.S3Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("env-bucket")})
	require.NoError(t, err)
	assert.Equal(t, []string{"EC2.DescribeAvailabilityZones", "S3.CreateBucket"}, env.Sim.Calls().Names())
}
