//go:build integration

package backup_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/backup"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationBackupLifecycle runs the package's main flows against the environment's AWS
// (the simulated cloud, or AWS_ENDPOINT_URL) and the test MariaDB: protect a fresh bucket, back a
// database up twice, list, restore into another database, verify, prune to one; snapshot a
// tagged volume and prune its snapshots. Everything is named and tagged with a run id and
// removed in t.Cleanup, also after a failure; every wait is bounded.
func TestIntegrationBackupLifecycle(t *testing.T) {
	env := testenv.Cloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	s3c := env.S3Client()
	bucket := "portalkit-backup-" + run

	rep, err := backup.ProtectBucket(ctx, s3c, bucket, backup.BucketProtection{})
	t.Cleanup(func() { emptyAndDeleteBucket(t, s3c, bucket) })
	require.NoError(t, err)
	assert.True(t, rep.Created)
	assert.Equal(t, "Enabled", rep.Versioning)

	src := testenv.MySQL(t)
	_, err = src.DB.Exec("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))")
	require.NoError(t, err)
	_, err = src.DB.Exec("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	require.NoError(t, err)
	conn, err := backup.ConnectionFromDSN(src.DSN)
	require.NoError(t, err)
	m, err := backup.New(s3c, conn, func(o *backup.Options) {
		o.Bucket, o.Prefix, o.RecordTableStats = bucket, "run-"+run+"/", true
	})
	require.NoError(t, err)

	first, err := m.Backup(ctx, backup.Spec{Databases: []string{src.Name}})
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond) // backup IDs have millisecond resolution
	second, err := m.Backup(ctx, backup.Spec{Databases: []string{src.Name}})
	require.NoError(t, err)
	list, err := m.List(ctx, src.Name)
	require.NoError(t, err)
	require.Len(t, list, 2)

	target := testenv.MySQL(t)
	require.NoError(t, m.Restore(ctx, src.Name, second.ID, target.Name, backup.RestoreOptions{}))
	var n int
	require.NoError(t, target.DB.QueryRow("SELECT COUNT(*) FROM items").Scan(&n))
	assert.Equal(t, 3, n)
	_, err = m.Verify(ctx, src.Name, second.ID)
	require.NoError(t, err)

	res, err := m.Prune(ctx, src.Name, backup.Retention{KeepLast: 1}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{first.ID}, res.Deleted)

	// EBS snapshots of a tagged volume.
	ec2c := ec2.NewFromConfig(env.Config)
	zones, err := ec2c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, zones.AvailabilityZones)
	vol, err := ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: zones.AvailabilityZones[0].ZoneName, Size: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume,
			Tags: []ec2types.Tag{{Key: aws.String("portalkit:run"), Value: aws.String(run)}}}}})
	require.NoError(t, err)
	volID := aws.ToString(vol.VolumeId)
	set := "vol-" + run
	snapper, err := backup.NewSnapshotter(ec2c, func(o *backup.SnapshotOptions) {
		o.Clock, o.WaitTimeout, o.PollInterval, o.MaxPollInterval = env.Clock, 5*time.Minute, time.Second, 10*time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { deleteSnapshotsAndVolume(t, ec2c, set, volID) })
	waitAvailable(t, ctx, env, ec2c, volID)

	for i := 0; i < 2; i++ {
		snaps, err := snapper.Snapshot(ctx, set, backup.VolumeSelector{Tags: map[string]string{"portalkit:run": run}})
		require.NoError(t, err)
		require.Len(t, snaps, 1)
		assert.Equal(t, volID, snaps[0].VolumeID)
	}
	pr, err := snapper.PruneSnapshots(ctx, set, backup.Retention{KeepLast: 1}, false)
	require.NoError(t, err)
	assert.Len(t, pr.Deleted, 1)
}

func waitAvailable(t *testing.T, ctx context.Context, env *testenv.CloudEnv, c *ec2.Client, id string) {
	t.Helper()
	deadline := env.Clock.Now().Add(3 * time.Minute)
	for env.Clock.Now().Before(deadline) {
		out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
		if err == nil && len(out.Volumes) == 1 && out.Volumes[0].State == ec2types.VolumeStateAvailable {
			return
		}
		require.NoError(t, env.Clock.Sleep(ctx, time.Second))
	}
	t.Fatalf("volume %s not available within 3 minutes", id)
}

func deleteSnapshotsAndVolume(t *testing.T, c *ec2.Client, set, volID string) {
	ctx := context.Background()
	out, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag:" + backup.DefaultSetTagKey), Values: []string{set}}}})
	if err != nil {
		t.Errorf("cleanup: describe snapshots: %v", err)
	} else {
		for _, s := range out.Snapshots {
			if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: s.SnapshotId}); err != nil {
				t.Errorf("cleanup: delete snapshot %s: %v", aws.ToString(s.SnapshotId), err)
			}
		}
	}
	if _, err := c.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(volID)}); err != nil {
		t.Errorf("cleanup: delete volume %s: %v", volID, err)
	}
}

// emptyAndDeleteBucket deletes every object version and delete marker, then the bucket.
func emptyAndDeleteBucket(t *testing.T, c *s3.Client, bucket string) {
	ctx := context.Background()
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Errorf("cleanup: list versions of %s: %v", bucket, err)
			return
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, d := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: d.Key, VersionId: d.VersionId})
		}
		for _, id := range ids {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: id.Key, VersionId: id.VersionId}); err != nil {
				t.Errorf("cleanup: delete %s@%s: %v", aws.ToString(id.Key), aws.ToString(id.VersionId), err)
			}
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("cleanup: delete bucket %s: %v", bucket, err)
	}
}
