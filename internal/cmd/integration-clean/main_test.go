package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestCleanListsDeletesThenFindsNothing: leftovers of an interrupted run (an EBS volume, a
// hosted zone, a bucket) are listed by -check (exit 1), deleted by -confirm, and a last -check
// lists nothing; a resource without the tag is not touched.
func TestCleanListsDeletesThenFindsNothing(t *testing.T) {
	sim := awstest.NewForTest(t)
	ctx := context.Background()
	const run = "oldrun-3"
	tag := []ec2types.Tag{{Key: aws.String(testenv.TagRun), Value: aws.String(run)}}
	ec2c := ec2.NewFromConfig(sim.Config())
	_, err := ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(sim.Zones()[0]), Size: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: tag}}})
	require.NoError(t, err)
	_, err = ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(sim.Zones()[0]), Size: aws.Int32(1)})
	require.NoError(t, err)
	r53 := route53.NewFromConfig(sim.Config())
	z, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("old.test"), CallerReference: aws.String("old")})
	require.NoError(t, err)
	_, err = r53.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone,
		ResourceId: aws.String(aws.ToString(z.HostedZone.Id)[len("/hostedzone/"):]), AddTags: []r53types.Tag{{Key: aws.String(testenv.TagRun), Value: aws.String(run)}}})
	require.NoError(t, err)
	_, err = sim.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pkit-" + run + "-data")})
	require.NoError(t, err)
	require.NoError(t, sim.Clock().Sleep(ctx, time.Minute))

	var out, errs bytes.Buffer
	code := clean(ctx, sim.Config(), sim.Clock(), "sim", options{check: true}, &out, &errs)
	assert.Equal(t, 1, code, out.String()+errs.String())
	assert.Contains(t, out.String(), "3 resource(s) left")
	assert.Contains(t, out.String(), "found "+testenv.KindHostedZone)

	out.Reset()
	assert.Equal(t, 0, clean(ctx, sim.Config(), sim.Clock(), "sim", options{confirm: true}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), "deleted 3 resource(s)")

	out.Reset()
	assert.Equal(t, 0, clean(ctx, sim.Config(), sim.Clock(), "sim", options{check: true}, &out, &errs), errs.String())
	assert.Contains(t, out.String(), "nothing left by integration runs on sim")
	vols, err := ec2c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
	require.NoError(t, err)
	assert.Len(t, vols.Volumes, 1, "the untagged volume stays")
}
