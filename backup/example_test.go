package backup_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/backup"
	"github.com/portalkit/portalkit/s3sync"
)

// Protect a backup bucket: versioning, lifecycle rules, Block Public Access, and Object Lock for a
// new bucket. A second run finds nothing missing.
func ExampleProtectBucket() {
	cloud, err := awstest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	p := backup.BucketProtection{NoncurrentDays: 30, AbortIncompleteDays: 7, ObjectLock: &backup.ObjectLock{Mode: "GOVERNANCE", Days: 14}}

	rep, err := backup.ProtectBucket(ctx, cloud.S3Client(), "shop-backups", p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Changed)
	rep, err = backup.InspectBucket(ctx, cloud.S3Client(), "shop-backups", p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep)
	// Output:
	// [created the bucket lifecycle rule portalkit-backup-protection object lock GOVERNANCE 14d]
	// s3://shop-backups: versioning "Enabled", public access blocked true, noncurrent expiry 30d, abort incomplete 7d, object lock "GOVERNANCE 14d"; nothing missing
}

// Preview a grandfather-father-son policy.
func ExampleRetention_Apply() {
	start := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	var ids []string
	var times []time.Time
	for d := 0; d < 10; d++ {
		t := start.AddDate(0, 0, d)
		ids, times = append(ids, t.Format("Jan 2")), append(times, t)
	}
	for _, d := range (backup.Retention{KeepLast: 2, KeepWeekly: 2}).Apply(ids, times) {
		if d.Keep {
			fmt.Println(d.ID, d.Reasons)
		}
	}
	// Output:
	// Mar 10 [newest last weekly 2026-W11]
	// Mar 9 [last]
	// Mar 8 [weekly 2026-W10]
}

// Back a database up, list, restore into another database, verify and prune. It needs a MySQL
// or MariaDB server and the mariadb-dump/mysqldump and mysql clients.
func ExampleManager() {
	ctx := context.Background()
	var s3Client *s3.Client // s3.NewFromConfig(cfg)
	conn, err := backup.ConnectionFromDSN(os.Getenv("SHOP_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	m, err := backup.New(s3Client, conn, func(o *backup.Options) {
		o.Bucket = "shop-backups"
		o.ServerSideEncryption = "aws:kms"
		o.RecordTableStats = true
		o.OnProgress = func(p backup.Progress) {
			log.Printf("dumped %d, compressed %d, uploaded %d bytes", p.Dumped, p.Compressed, p.Uploaded)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	man, err := m.Backup(ctx, backup.Spec{Databases: []string{"shop"}, ExpectedSize: 20 << 30})
	if err != nil {
		log.Fatal(err) // a *backup.StageError: Stage says dump, compress, upload, ...
	}
	log.Printf("backup %s: %d bytes stored, sha256 %s", man.ID, man.StoredBytes, man.SHA256)
	if _, err := m.Verify(ctx, "shop", man.ID); err != nil {
		log.Fatal(err)
	}
	if err := m.Restore(ctx, "shop", man.ID, "shop_copy", backup.RestoreOptions{}); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Prune(ctx, "shop", backup.Retention{KeepLast: 7, KeepDaily: 14, KeepWeekly: 8, KeepMonthly: 12}, false); err != nil {
		log.Fatal(err)
	}
}

// Snapshot the volumes tagged role=logs and prune old snapshots.
func ExampleSnapshotter() {
	cloud, err := awstest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	client := ec2.NewFromConfig(cloud.Config())
	if _, err := client.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(cloud.Zones()[0]), Size: aws.Int32(50),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume,
			Tags: []ec2types.Tag{{Key: aws.String("role"), Value: aws.String("logs")}}}}}); err != nil {
		log.Fatal(err)
	}
	cloud.Clock().Advance(time.Minute) // the volume becomes available

	s, err := backup.NewSnapshotter(client, func(o *backup.SnapshotOptions) { o.Clock = cloud.Clock() })
	if err != nil {
		log.Fatal(err)
	}
	for day := 0; day < 3; day++ {
		snaps, err := s.Snapshot(ctx, "logs", backup.VolumeSelector{Tags: map[string]string{"role": "logs"}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(snaps[0].SnapshotID, snaps[0].State)
		cloud.Clock().Advance(24 * time.Hour)
	}
	res, err := s.PruneSnapshots(ctx, "logs", backup.Retention{KeepLast: 2}, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted", res.Deleted)
	// Output:
	// snap-00000000000000001 completed
	// snap-00000000000000002 completed
	// snap-00000000000000003 completed
	// deleted [snap-00000000000000001]
}

// Code and log directories go to the protected bucket through package s3sync, the one sync
// engine: a push of the code replica, and a Shipper for closed log files.
func Example_codeAndLogDirectories() {
	cloud, err := awstest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	client := cloud.S3Client()
	if _, err := backup.ProtectBucket(ctx, client, "shop-backups", backup.BucketProtection{}); err != nil {
		log.Fatal(err)
	}
	code, err := os.MkdirTemp("", "code")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(code)
	if err := os.WriteFile(filepath.Join(code, "index.php"), []byte("<?php echo 'shop';"), 0o644); err != nil {
		log.Fatal(err)
	}

	syncer, err := s3sync.New(client)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := syncer.Push(ctx, code, "shop-backups", "code/web-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", len(plan.Transfers))

	shipper, err := s3sync.NewShipper(syncer, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Prefix, o.Host = code, "shop-backups", "logs", "web-1" // /var/log/shop in production
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = shipper // shipper.Start(ctx) ships closed log files every DefaultShipInterval
	// Output: uploaded 1
}
