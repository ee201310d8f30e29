//go:build integration

package backup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/backup"
	"github.com/portalkit/portalkit/internal/testenv"
)

// The integration scenarios: backup's main flows against the environment's AWS (the simulated
// cloud, or AWS_ENDPOINT_URL / real AWS) and the test MariaDB. Each runs in its own scope: the
// bucket is named with env.Name, the volume tagged with env.Tags (its snapshots copy the tags),
// and the scope's sweep deletes them when the scenario ends, also after a failure (the bucket with
// every object version, since ProtectBucket turns versioning on). Every wait is bounded.
var scenarios = []struct {
	name string
	run  func(t testing.TB, env *testenv.CloudEnv)
}{
	{"BucketBackupRestore", scenarioBucket},
	{"VolumeSnapshots", scenarioVolume},
}

// TestIntegrationBackupLifecycle runs the scenarios, then checks that nothing tagged with (or
// named for) this run is left.
func TestIntegrationBackupLifecycle(t *testing.T) {
	env := testenv.Cloud(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, env.Scope(t)) })
	}
	assert.Empty(t, env.Leftovers(t), "every scenario's sweep deleted what it created")
}

// TestIntegrationFailureLeavesNothing: every scenario failing after it created everything (the
// versioned bucket with backups and their old versions; the volume and its snapshots) still
// leaves nothing behind: the scope's sweep runs after the failure.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	env := testenv.Cloud(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res := testenv.RunFailing(t, func(tb testing.TB) {
				s := env.Scope(tb)
				sc.run(tb, s)
				require.NotEmpty(tb, s.Leftovers(tb), "the scenario's resources exist")
				require.Fail(tb, "forced failure")
			})
			if !res.Failed {
				t.Skip("the scenario skipped (no MariaDB or service)")
			}
			assert.Contains(t, strings.Join(res.Messages, "\n"), "forced failure")
		})
	}
	assert.Empty(t, env.Leftovers(t), "the failed scenarios' sweeps deleted everything")
}

// scenarioBucket: protect a fresh bucket, back a database up twice, list, restore into another
// database, verify, prune to one.
func scenarioBucket(t testing.TB, env *testenv.CloudEnv) {
	env.RequireServices(t, "s3")
	src := testenv.MySQL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s3c := env.S3Client()
	bucket := env.Name("backup")

	rep, err := backup.ProtectBucket(ctx, s3c, bucket, backup.BucketProtection{})
	require.NoError(t, err)
	assert.True(t, rep.Created)
	assert.Equal(t, "Enabled", rep.Versioning)

	_, err = src.DB.Exec("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))")
	require.NoError(t, err)
	_, err = src.DB.Exec("INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	require.NoError(t, err)
	conn, err := backup.ConnectionFromDSN(src.DSN)
	require.NoError(t, err)
	m, err := backup.New(s3c, conn, func(o *backup.Options) {
		o.Bucket, o.Prefix, o.RecordTableStats = bucket, "run-"+env.Run+"/", true
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
}

// scenarioVolume: snapshot a tagged volume twice and prune its snapshots to one.
func scenarioVolume(t testing.TB, env *testenv.CloudEnv) {
	env.RequireServices(t, "ec2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ec2c := ec2.NewFromConfig(env.Config)
	zones, err := ec2c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, zones.AvailabilityZones)
	var tags []ec2types.Tag
	for k, v := range env.Tags() {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	vol, err := ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: zones.AvailabilityZones[0].ZoneName, Size: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: tags}}})
	require.NoError(t, err)
	volID := aws.ToString(vol.VolumeId)
	set := env.Name("vol")
	snapper, err := backup.NewSnapshotter(ec2c, func(o *backup.SnapshotOptions) {
		o.Clock, o.WaitTimeout, o.PollInterval, o.MaxPollInterval = env.Clock, 5*time.Minute, time.Second, 10*time.Second
	})
	require.NoError(t, err)
	waitAvailable(t, ctx, env, ec2c, volID)

	for i := 0; i < 2; i++ {
		snaps, err := snapper.Snapshot(ctx, set, backup.VolumeSelector{Tags: env.Tags()})
		require.NoError(t, err)
		require.Len(t, snaps, 1)
		assert.Equal(t, volID, snaps[0].VolumeID)
	}
	pr, err := snapper.PruneSnapshots(ctx, set, backup.Retention{KeepLast: 1}, false)
	require.NoError(t, err)
	assert.Len(t, pr.Deleted, 1)
}

func waitAvailable(t testing.TB, ctx context.Context, env *testenv.CloudEnv, c *ec2.Client, id string) {
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
