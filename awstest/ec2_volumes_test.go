package awstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/portalkit/portalkit/awstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEBSVolumesAndSnapshotsOnTheVirtualClock(t *testing.T) {
	cloud := awstest.NewForTest(t)
	c := ec2.NewFromConfig(cloud.Config())
	ctx := context.Background()
	zone := cloud.Zones()[0]

	_, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("mars-1a"), Size: aws.Int32(8)})
	assert.Equal(t, "InvalidZone.NotFound", errCode(err))
	_, err = c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), Size: aws.Int32(0), VolumeType: ec2types.VolumeTypeGp3})
	assert.Equal(t, "InvalidParameterValue", errCode(err))

	vol, err := c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), Size: aws.Int32(20),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{{Key: aws.String("role"), Value: aws.String("logs")}}}}})
	require.NoError(t, err)
	assert.Equal(t, ec2types.VolumeStateCreating, vol.State)
	_, err = c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId})
	assert.Equal(t, "IncorrectState", errCode(err))

	cloud.Clock().Advance(awstest.DefaultVolumeCreating)
	vols, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:role"), Values: []string{"logs"}}}})
	require.NoError(t, err)
	require.Len(t, vols.Volumes, 1)
	assert.Equal(t, ec2types.VolumeStateAvailable, vols.Volumes[0].State)

	snap, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId, Description: aws.String("d")})
	require.NoError(t, err)
	assert.Equal(t, ec2types.SnapshotStatePending, snap.State)
	cloud.Clock().Advance(awstest.DefaultSnapshotDuration / 2)
	got, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(snap.SnapshotId)}})
	require.NoError(t, err)
	assert.Equal(t, ec2types.SnapshotStatePending, got.Snapshots[0].State)
	assert.Equal(t, "50%", aws.ToString(got.Snapshots[0].Progress))
	cloud.Clock().Advance(awstest.DefaultSnapshotDuration / 2)
	got, err = c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("volume-id"), Values: []string{aws.ToString(vol.VolumeId)}}}})
	require.NoError(t, err)
	require.Len(t, got.Snapshots, 1)
	assert.Equal(t, ec2types.SnapshotStateCompleted, got.Snapshots[0].State)

	// A snapshot started during FailSnapshots ends in error.
	cloud.FailSnapshots(aws.ToString(vol.VolumeId))
	bad, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId})
	require.NoError(t, err)
	cloud.RecoverSnapshots(aws.ToString(vol.VolumeId))
	cloud.Clock().Advance(time.Hour)
	got, err = c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(bad.SnapshotId)}})
	require.NoError(t, err)
	assert.Equal(t, ec2types.SnapshotStateError, got.Snapshots[0].State)

	_, err = c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: bad.SnapshotId})
	require.NoError(t, err)
	_, err = c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: bad.SnapshotId})
	assert.Equal(t, "InvalidSnapshot.NotFound", errCode(err))
	_, err = c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-00000000000000099"}})
	assert.Equal(t, "InvalidVolume.NotFound", errCode(err))
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(snap.SnapshotId)}, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	require.NoError(t, err)
}
