// Package backup makes MySQL backups that can be trusted, and keeps the places they live
// recoverable: mysqldump (or mariadb-dump) streamed through compression into S3 with a
// commit-on-success manifest, listing, retention, restore, verification by test restore, EBS
// snapshots of volumes, and backup-bucket protection.
//
// # Backup
//
// [Manager.Backup] runs the dump client with [DefaultDumpFlags] (--single-transaction --quick
// --routines --triggers --events --hex-blob --no-tablespaces; --set-gtid-purged=OFF as well when
// the client is MySQL's mysqldump, which has the flag; see [Options.SetGTIDPurged]) on one
// database (restorable under any name) or several, optionally limited to some tables. Its
// output flows, without a temporary file, through zstd (default; gzip optional; both parallel,
// klauspost/compress and klauspost/pgzip), optionally client-side encryption
// ([Options.Encryption], [AgeX25519]), and into an S3 multipart upload, with SSE-S3 or SSE-KMS if
// asked ([Options.ServerSideEncryption]).
//
// Memory does not grow with the database: the upload holds at most
// [Options.UploadConcurrency]+1 part buffers (8 MiB each by default), and the zstd encoder a few
// 4 MiB windows. The part size grows with [Spec.ExpectedSize] so an upload never needs more than
// [MaxParts] (10,000) parts; without a hint 8 MiB parts allow 78 GiB of compressed dump.
//
// # Commit only on full success
//
// A backup exists only once its manifest ([Manifest], "manifest.json" next to the dump object) is
// written, and the manifest is written last, after:
//
//   - the dump client exited 0 (otherwise its exit status and stderr are in the error),
//   - its output ended with the "-- Dump completed" trailer (a client that exits 0 on a
//     truncated dump is caught: [ErrIncompleteDump]; flags that drop the trailer are refused),
//   - compression, encryption and the multipart upload completed.
//
// The manifest records the byte counts, the SHA-256 and ETag of the stored object, the flags, the
// client and server versions and, with [Options.RecordTableStats], each table's row count and
// CHECKSUM TABLE value. On any failure the multipart upload is aborted (no invisible billed
// parts stay behind) and the error is a [*StageError] naming the stage: dump, compress, encrypt,
// upload or manifest. [Manager.List] and [Manager.Prune] see only backups with a manifest, so a
// failed run can never count as a backup nor push a good one out.
//
// # Credentials
//
// The password goes into a [client] option file passed with --defaults-extra-file. On Linux
// that file is a pipe the client inherits (/dev/fd/3), so the password is never written to disk
// and a killed process leaves nothing behind; elsewhere it is a 0600 file in [Options.TempDir],
// removed when the client exits. The password is never on the command line
// (/proc/<pid>/cmdline, ps) and never in the environment. Client processes get an allow-listed
// environment (PATH, HOME, locale, TZ, ...), so MYSQL_PWD, DSNs and AWS keys of the calling
// process do not reach them. Logs and errors never carry the password ([Connection.LogValue]).
//
// # Restore and verify
//
// [Manager.Restore] streams the object from S3 through decryption and decompression into the
// mysql client, with no temporary file. A backup whose manifest is missing or unreadable, or
// whose object does not match the manifest's size and SHA-256, is refused before anything is
// written: Restore reads the object twice, first only to hash it, and starts writing (creating
// the target database, running the client) only when that pass matched. The second pass asks for
// the same object version (If-Match on the ETag, VersionId on a versioned bucket) and hashes
// again. Loading into a scratch database and renaming it afterwards was rejected: MySQL cannot
// rename a database, and routines, events and views do not move with RENAME TABLE. The cost is
// one extra read of the object. A target that already has tables is refused unless
// [RestoreOptions.Overwrite].
//
// [Manager.Verify] restores into a scratch database, compares every table's row count and
// CHECKSUM TABLE value with the manifest and drops the scratch database, also on failure.
//
// # Retention
//
// [Retention] keeps the last N backups plus the newest backup of each of the last N days, ISO
// weeks and months (grandfather-father-son), and always the newest backup and the newest backup
// that passed [Manager.Verify]. [Manager.Prune]
// applies it to the committed backups of a set: a failed listing deletes nothing, a dry run
// reports what would go, and each backup's manifest is deleted before its data. Run it after a
// successful backup.
//
// # Snapshots
//
// [Snapshotter] snapshots EBS volumes picked by id or tag (the volumes that hold logs and code
// replicas), copies each volume's tags onto its snapshot, waits (bounded, [ErrTimeout];
// [ErrSnapshotFailed] when a snapshot ends in error) and prunes per volume with the same
// [Retention] rules, counting only completed snapshots. RDS manual snapshots belong to package
// github.com/portalkit/portalkit/rds (rds.Client's CreateSnapshot, WaitSnapshot, CopySnapshot
// across regions, ListSnapshots and PruneSnapshots); this package does not duplicate them. A
// nightly job typically runs both: an RDS snapshot (fast restore of the whole instance) and a
// logical dump with this package (restorable anywhere, per database, verifiable).
//
// # The bucket: S3 is not a backup
//
// A delete or an overwrite in S3 is final unless the bucket says otherwise. [ProtectBucket]
// creates the bucket if needed (with Object Lock when asked: it can only be enabled at creation),
// enables versioning, blocks public access and adds one lifecycle rule ([LifecycleRuleID]) that
// expires noncurrent versions after [BucketProtection.NoncurrentDays] and aborts incomplete
// multipart uploads after [BucketProtection.AbortIncompleteDays], keeping the bucket's other
// rules. It is idempotent; [InspectBucket] reports the settings and what is missing without
// changing anything.
//
// # Code and log directories
//
// Directories go to S3 through package github.com/portalkit/portalkit/s3sync, not through this
// package (there is one sync engine). The recipe, into the protected bucket:
//
//	syncer, _ := s3sync.New(s3Client)
//	_, err := syncer.Push(ctx, "/var/www/current", bucket, "code/"+hostname)       // code replica
//	shipper, _ := s3sync.NewShipper(syncer, ...)                                   // rotated logs
//
// Versioning on the bucket keeps what a later push overwrites or deletes for NoncurrentDays.
//
// # Performance
//
// bench/backup.sh compares Backup with `mariadb-dump | gzip | aws s3 cp -` and with the dump
// alone, on the same generated database and loopback S3 server, in the same run (medians of 3
// runs, per-run ratios). Measured on a 2-core machine shared with other work (load average 7 to
// 18 during the runs; three runs of the 100 MiB case):
//
//	database   vs shell pipeline   vs dump alone        peak RSS
//	100 MiB    3.9x, 6.4x, 8.0x    0.67x, 0.64x, 0.71x  42, 41, 42 MiB
//	1 GiB      6.5x                0.80x                47 MiB
//
// Against the dump alone the pipeline pays in CPU, on the same two cores as the server and the
// dump client: per 100 MiB of dump the backup process used about 0.55 CPU-seconds with zstd
// (0.28 with [CompressionS2], 0.12 uncompressed), the dump client 0.5. The tail after the dump
// ends (last part, completing the upload, manifest) took 0.1-0.15 s. On a loaded machine that
// CPU is time the dump waits; s2 stores a third more and was no faster there (0.68x).
// Memory is the part buffers (UploadConcurrency+1 times PartSize) plus the encoder, not the
// database.
package backup
