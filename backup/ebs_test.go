package backup

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/wait"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newVolume(t *testing.T, c *ec2.Client, zone string, tagKV ...string) string {
	t.Helper()
	var tagList []ec2types.Tag
	for i := 0; i+1 < len(tagKV); i += 2 {
		tagList = append(tagList, ec2types.Tag{Key: aws.String(tagKV[i]), Value: aws.String(tagKV[i+1])})
	}
	out, err := c.CreateVolume(context.Background(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zone), Size: aws.Int32(10),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: tagList}}})
	require.NoError(t, err)
	return aws.ToString(out.VolumeId)
}

func TestSnapshotVolumesByTagWaitsAndCopiesTags(t *testing.T) {
	cloud := awstest.NewForTest(t)
	c := ec2.NewFromConfig(cloud.Config())
	zone := cloud.Zones()[0]
	v1 := newVolume(t, c, zone, "role", "logs", "Name", "logs-a")
	v2 := newVolume(t, c, zone, "role", "logs", "Name", "logs-b")
	newVolume(t, c, zone, "role", "db")
	cloud.Clock().Advance(time.Minute)

	var progress []SnapshotProgress
	s, err := NewSnapshotter(c, func(o *SnapshotOptions) {
		o.Clock = cloud.Clock()
		o.OnProgress = func(p SnapshotProgress) { progress = append(progress, p) }
	})
	require.NoError(t, err)
	snaps, err := s.Snapshot(context.Background(), "logs", VolumeSelector{Tags: map[string]string{"role": "logs"}})
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	vols := []string{snaps[0].VolumeID, snaps[1].VolumeID}
	assert.ElementsMatch(t, []string{v1, v2}, vols)
	for _, sn := range snaps {
		assert.Equal(t, "completed", sn.State)
	}
	assert.Equal(t, "pending", progress[0].State)
	assert.Equal(t, "completed", progress[len(progress)-1].State)

	out, err := c.DescribeSnapshots(context.Background(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snaps[0].SnapshotID}})
	require.NoError(t, err)
	got := map[string]string{}
	for _, tg := range out.Snapshots[0].Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	assert.Equal(t, "logs", got["role"])
	assert.Equal(t, "logs", got[DefaultSetTagKey])
	assert.Contains(t, []string{"logs-a", "logs-b"}, got["Name"])
}

func TestSnapshotFailureAndTimeout(t *testing.T) {
	cloud := awstest.NewForTest(t)
	c := ec2.NewFromConfig(cloud.Config())
	v := newVolume(t, c, cloud.Zones()[0])
	cloud.Clock().Advance(time.Minute)
	s, err := NewSnapshotter(c, func(o *SnapshotOptions) { o.Clock = cloud.Clock() })
	require.NoError(t, err)

	cloud.FailSnapshots(v)
	_, err = s.Snapshot(context.Background(), "x", VolumeSelector{VolumeIDs: []string{v}})
	assert.ErrorIs(t, err, ErrSnapshotFailed)
	cloud.RecoverSnapshots(v)

	short, err := NewSnapshotter(c, func(o *SnapshotOptions) { o.Clock = cloud.Clock(); o.WaitTimeout = time.Minute })
	require.NoError(t, err)
	_, err = short.Snapshot(context.Background(), "x", VolumeSelector{VolumeIDs: []string{v}})
	assert.ErrorIs(t, err, ErrTimeout)
	assert.ErrorIs(t, err, wait.ErrTimeout)
	assert.Contains(t, err.Error(), "EBS snapshots of set x")

	_, err = s.Snapshot(context.Background(), "x", VolumeSelector{})
	assert.ErrorIs(t, err, ErrInvalidSpec)
	_, err = s.Snapshot(context.Background(), "x", VolumeSelector{Tags: map[string]string{"role": "none"}})
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestPruneSnapshotsKeepsNewestCompletedWhenTheLatestFailed(t *testing.T) {
	cloud := awstest.NewForTest(t)
	c := ec2.NewFromConfig(cloud.Config())
	v := newVolume(t, c, cloud.Zones()[0])
	cloud.Clock().Advance(time.Minute)
	s, err := NewSnapshotter(c, func(o *SnapshotOptions) { o.Clock = cloud.Clock() })
	require.NoError(t, err)
	ctx := context.Background()
	var good []string
	for day := 0; day < 4; day++ {
		snaps, err := s.Snapshot(ctx, "code", VolumeSelector{VolumeIDs: []string{v}})
		require.NoError(t, err)
		good = append(good, snaps[0].SnapshotID)
		cloud.Clock().Advance(24 * time.Hour)
	}
	cloud.FailSnapshots(v)
	_, err = s.Snapshot(ctx, "code", VolumeSelector{VolumeIDs: []string{v}})
	require.ErrorIs(t, err, ErrSnapshotFailed)

	dry, err := s.PruneSnapshots(ctx, "code", Retention{KeepLast: 2}, true)
	require.NoError(t, err)
	assert.ElementsMatch(t, good[:2], dry.Deleted)
	require.Len(t, dry.Skipped, 1, "the failed snapshot is neither counted nor deleted")

	res, err := s.PruneSnapshots(ctx, "code", Retention{KeepLast: 2}, false)
	require.NoError(t, err)
	assert.ElementsMatch(t, good[:2], res.Deleted)
	out, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	require.NoError(t, err)
	var left []string
	for _, sn := range out.Snapshots {
		if sn.State == ec2types.SnapshotStateCompleted {
			left = append(left, aws.ToString(sn.SnapshotId))
		}
	}
	assert.ElementsMatch(t, good[2:], left)

	// A failed listing deletes nothing.
	cloud.FailNext(awstest.ServiceEC2, "DescribeSnapshots", 1, "UnauthorizedOperation")
	_, err = s.PruneSnapshots(ctx, "code", Retention{}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing deleted")
}

func TestRetentionGrandfatherFatherSon(t *testing.T) {
	base := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	var ids []string
	var times []time.Time
	// One backup a day for 90 days, plus a second one on the last day.
	for d := 0; d < 90; d++ {
		ids = append(ids, base.AddDate(0, 0, d).Format("0102"))
		times = append(times, base.AddDate(0, 0, d))
	}
	ids = append(ids, "last")
	times = append(times, base.AddDate(0, 0, 89).Add(time.Hour))
	ds := Retention{KeepLast: 2, KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 3}.Apply(ids, times)
	var kept []string
	for _, d := range ds {
		if d.Keep {
			kept = append(kept, d.ID)
		}
	}
	// last 2: last, 0331; daily 7: last (03-31), 0330..0325; weekly 4: last (W14), 0329 (W13),
	// 0322, 0315; monthly 3: last (March), 0228, 0131.
	assert.Equal(t, "last", kept[0])
	assert.Contains(t, kept, "0331")
	assert.Contains(t, kept, "0325")
	assert.NotContains(t, kept, "0324", "not the newest of its week (week 13 ends 0329)")
	assert.Contains(t, kept, "0228")
	assert.Contains(t, kept, "0131")
	assert.NotContains(t, kept, "0101")
	assert.Equal(t, []string{"last", "0331", "0330", "0329", "0328", "0327", "0326", "0325", "0322", "0315", "0228", "0131"}, kept)
	assert.Equal(t, []string{"newest", "last", "daily 2026-03-31", "weekly 2026-W14", "monthly 2026-03"}, ds[0].Reasons)

	// Nothing but the newest, whatever the counts.
	ds = Retention{}.Apply(ids[:3], times[:3])
	assert.True(t, ds[0].Keep)
	assert.False(t, ds[1].Keep)
	assert.False(t, ds[2].Keep)
}
