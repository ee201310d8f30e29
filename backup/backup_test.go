package backup

import (
	"context"
	"errors"
	"net/http"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackupRestoreRoundTripGivesIdenticalChecksums(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	var last Progress
	m := f.manager(t, func(o *Options) {
		o.RecordTableStats = true
		o.OnProgress = func(p Progress) { last = p }
	})
	ctx := context.Background()

	man, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)
	assert.Equal(t, f.db.Name, man.Name)
	assert.Positive(t, man.DumpBytes)
	assert.Positive(t, man.StoredBytes)
	assert.Len(t, man.SHA256, 64)
	assert.Equal(t, last.Dumped, man.DumpBytes)
	assert.Equal(t, last.Compressed, man.StoredBytes)
	assert.Equal(t, last.Uploaded, man.StoredBytes)
	assert.Len(t, man.TableStats, 3)
	for _, flag := range DefaultDumpFlags {
		assert.Contains(t, man.DumpArgs, flag)
	}

	list, err := m.List(ctx, f.db.Name)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, man.ID, list[0].ID)

	target := testenv.MySQL(t) // empty database, dropped after the test
	require.NoError(t, m.Restore(ctx, f.db.Name, man.ID, target.Name, RestoreOptions{}))

	tables := []string{"customers", "orders", "audit"}
	assert.Equal(t, checksums(t, f.db.DB, f.db.Name, tables...), checksums(t, f.db.DB, target.Name, tables...))
	// Routines, triggers and views came along.
	var two int
	require.NoError(t, target.DB.QueryRow("SELECT double_it(1)").Scan(&two))
	assert.Equal(t, 2, two)
	var triggers int
	require.NoError(t, target.DB.QueryRow("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", target.Name).Scan(&triggers))
	assert.Equal(t, 1, triggers)
	var views int
	require.NoError(t, target.DB.QueryRow("SELECT COUNT(*) FROM big_orders").Scan(&views))
	assert.Positive(t, views)

	// A second restore into the now non-empty target is refused unless Overwrite.
	err = m.Restore(ctx, f.db.Name, man.ID, target.Name, RestoreOptions{})
	assert.ErrorIs(t, err, ErrTargetNotEmpty)
	require.NoError(t, m.Restore(ctx, f.db.Name, man.ID, target.Name, RestoreOptions{Overwrite: true}))

	rep, err := m.Verify(ctx, f.db.Name, man.ID)
	require.NoError(t, err)
	require.Len(t, rep.Tables, 3)
	for _, tc := range rep.Tables {
		assert.True(t, tc.OK, tc.Table)
	}
	assert.False(t, databaseExists(t, f.db.DB, rep.ScratchDatabase), "scratch database dropped")
}

func TestBackupWithGzipAndAgeEncryptionRoundTrips(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	enc, err := AgeX25519(testAgeRecipient, testAgeIdentity)
	require.NoError(t, err)
	m := f.manager(t, func(o *Options) { o.Compression = CompressionGzip; o.Encryption = enc })
	ctx := context.Background()
	_, err = m.Backup(ctx, Spec{Databases: []string{f.db.Name}, Tables: []string{"customers"}})
	require.ErrorIs(t, err, ErrInvalidSpec, "a partial dump needs a set of its own")
	assert.Contains(t, err.Error(), "Name is required when Tables")
	man, err := m.Backup(ctx, Spec{Name: "customers", Databases: []string{f.db.Name}, Tables: []string{"customers"}})
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(man.Key, ".sql.gz.age"), man.Key)
	assert.Equal(t, "age-x25519", man.Encryption)

	target := testenv.MySQL(t)
	// Without the key the restore is refused before anything is written.
	plain := f.manager(t)
	assert.ErrorIs(t, plain.Restore(ctx, "customers", man.ID, target.Name, RestoreOptions{}), ErrInvalidOptions)
	// Nor with only the public recipient (what a backup host holds): not even the database is created.
	pub, err := AgeX25519(testAgeRecipient, "")
	require.NoError(t, err)
	fresh := "restore_" + randomHex(4)
	t.Cleanup(func() { _, _ = f.db.DB.Exec("DROP DATABASE IF EXISTS " + quoteIdent(fresh)) })
	err = f.manager(t, func(o *Options) { o.Encryption = pub }).Restore(ctx, "customers", man.ID, fresh, RestoreOptions{})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.False(t, databaseExists(t, f.db.DB, fresh), "nothing written")

	require.NoError(t, m.Restore(ctx, "customers", man.ID, target.Name, RestoreOptions{}))
	assert.Equal(t, checksums(t, f.db.DB, f.db.Name, "customers"), checksums(t, f.db.DB, target.Name, "customers"))
	var n int
	require.NoError(t, target.DB.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", target.Name).Scan(&n))
	assert.Equal(t, 1, n, "only the selected table")
}

// Test-only age key pair (generated for these tests; protects nothing).
const (
	testAgeIdentity  = "AGE-SECRET-KEY-1TLRFWZ93QKHGPTHP9YJKPR76AP2MZUPZ0J9W97SW76S9UQ0XFSUQ63FG8Q"
	testAgeRecipient = "age1jpf0w0lvldu9ffdyyycr8qhgshfxnc62ae9wypafp9dh0pnfu5lq58rncr"
)

func TestDumpKilledMidStreamAbortsUploadAndWritesNoManifest(t *testing.T) {
	for _, c := range []Compression{CompressionZstd, CompressionGzip, CompressionNone} {
		t.Run(string(c), func(t *testing.T) {
			f := newFixture(t)
			bulk(t, f.db.DB, 24)
			pids := make(chan int, 1)
			testHookDumpStarted = func(pid int) { pids <- pid }
			t.Cleanup(func() { testHookDumpStarted = nil })
			killed := false
			var pid int
			m := f.manager(t, func(o *Options) {
				o.Compression = c
				o.PartSize = MinPartSize
				o.UploadConcurrency = 1
				o.OnProgress = func(p Progress) {
					if pid == 0 {
						pid = <-pids
					}
					// Kill once S3 holds a part: the multipart upload exists and must be aborted.
					if p.Uploaded > 0 && !killed {
						killed = true
						assert.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
					}
				}
			})
			_, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
			require.Error(t, err)
			require.True(t, killed, "the dump was killed mid-stream")
			var se *StageError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, StageDump, se.Stage)
			assert.Equal(t, -1, se.ExitCode, "killed by a signal")
			assert.Contains(t, err.Error(), "dump failed")

			assert.Empty(t, f.incompleteUploads(t), "multipart upload aborted")
			assert.Empty(t, f.keys(t), "no object and no manifest")
			list, err := m.List(context.Background(), f.db.Name)
			require.NoError(t, err)
			assert.Empty(t, list)
		})
	}
}

func TestUploadFailureAbortsUploadAndNamesTheStage(t *testing.T) {
	for _, c := range []Compression{CompressionZstd, CompressionNone} {
		t.Run(string(c), func(t *testing.T) {
			f := newFixture(t)
			bulk(t, f.db.DB, 16)
			f.s3.Wrap(failPart(2))
			m := f.manager(t, func(o *Options) {
				o.Compression = c
				o.PartSize = MinPartSize
				o.UploadConcurrency = 2
			})
			_, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
			var se *StageError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, StageUpload, se.Stage)
			assert.Contains(t, err.Error(), "upload failed")
			assert.Contains(t, err.Error(), "upload part 2")
			assert.Empty(t, f.incompleteUploads(t), "multipart upload aborted")
			assert.Empty(t, f.keys(t))
		})
	}
}

func TestFailedDumpClientReportsStderrAndStoresNothing(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t)
	_, err := m.Backup(context.Background(), Spec{Name: "x", Databases: []string{"no_such_db_" + f.db.Name}})
	var se *StageError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, StageDump, se.Stage)
	assert.NotZero(t, se.ExitCode)
	assert.Contains(t, se.Stderr, "Unknown database")
	assert.NotContains(t, err.Error(), f.conn.Password)
	assert.NotContains(t, f.logs.String(), f.conn.Password)
	assert.Empty(t, f.keys(t))
	assert.Empty(t, f.incompleteUploads(t))
}

func TestPruneWithFailedNewestBackupKeepsTheLastGoodOne(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	clk := clock.NewFake(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	m := f.manager(t, func(o *Options) { o.Clock = clk })
	ctx := context.Background()
	spec := Spec{Databases: []string{f.db.Name}}
	var good []string
	for i := 0; i < 3; i++ {
		man, err := m.Backup(ctx, spec)
		require.NoError(t, err)
		good = append(good, man.ID)
		clk.Advance(24 * time.Hour)
	}
	// The newest run fails: the dump client cannot read a table.
	mustExec(t, f.db.DB, "CREATE TABLE orders2 (id INT)", "CREATE VIEW broken AS SELECT id FROM orders2", "DROP TABLE orders2")
	_, err := m.Backup(ctx, spec)
	require.Error(t, err)

	dry, err := m.Prune(ctx, f.db.Name, Retention{}, true)
	require.NoError(t, err)
	assert.Equal(t, []string{good[1], good[0]}, dry.Deleted)
	list, err := m.List(ctx, f.db.Name)
	require.NoError(t, err)
	assert.Len(t, list, 3, "dry run deletes nothing")

	res, err := m.Prune(ctx, f.db.Name, Retention{}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{good[1], good[0]}, res.Deleted)
	list, err = m.List(ctx, f.db.Name)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, good[2], list[0].ID, "the last good backup survives")
	for _, k := range f.keys(t) {
		assert.Contains(t, k, good[2])
	}
}

func TestPruneDeletesNothingWhenListingFails(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	m := f.manager(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond) // distinct IDs (millisecond resolution)
	}
	before := f.keys(t)
	f.s3.Wrap(failList())
	_, err := m.Prune(ctx, f.db.Name, Retention{}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing deleted")
	f.s3.Wrap(nil)
	assert.Equal(t, before, f.keys(t))
}

func TestRestoreRefusesCorruptedObjectBeforeWriting(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	m := f.manager(t, func(o *Options) { o.RecordTableStats = true })
	ctx := context.Background()
	man, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)

	// Flip one byte of the stored object.
	out, err := f.s3.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(man.Key)})
	require.NoError(t, err)
	body := readAll(t, out.Body)
	body[len(body)/2] ^= 0x01
	_, err = f.s3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(man.Key), Body: bytesReader(body)})
	require.NoError(t, err)

	target := "pk_restore_" + randomHex(4)
	t.Cleanup(func() { _, _ = f.db.DB.Exec("DROP DATABASE IF EXISTS " + target) })
	err = m.Restore(ctx, f.db.Name, man.ID, target, RestoreOptions{})
	require.ErrorIs(t, err, ErrIntegrity)
	assert.Contains(t, err.Error(), man.SHA256)
	assert.False(t, databaseExists(t, f.db.DB, target), "nothing written: the target was not even created")

	_, err = m.Verify(ctx, f.db.Name, man.ID)
	assert.ErrorIs(t, err, ErrIntegrity)

	// A tampered manifest is refused too.
	_, err = f.s3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket),
		Key: aws.String(f.keyOf(man, manifestName)), Body: strings.NewReader("{not json")})
	require.NoError(t, err)
	assert.ErrorIs(t, m.Restore(ctx, f.db.Name, man.ID, target, RestoreOptions{}), ErrIntegrity)
	assert.False(t, databaseExists(t, f.db.DB, target))
	assert.ErrorIs(t, m.Restore(ctx, f.db.Name, "20000101T000000.000Z", target, RestoreOptions{}), ErrNotFound)
}

func (f *fixture) keyOf(man *Manifest, file string) string {
	return man.Key[:strings.LastIndex(man.Key, "/")+1] + file
}

func TestPasswordNeverOnCommandLineEnvironmentOrLogs(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	bulk(t, f.db.DB, 2) // more than a pipe buffer: the client is alive while the hook looks
	require.NotEmpty(t, f.conn.Password)
	t.Setenv("MYSQL_PWD", "decoy-"+f.conn.Password)

	type seen struct {
		cmdline, environ string
		cnfMode          os.FileMode
		cnf              string
	}
	var s seen
	testHookDumpStarted = func(pid int) {
		cmd, err := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		require.NoError(t, err)
		env, err := os.ReadFile("/proc/" + itoa(pid) + "/environ")
		require.NoError(t, err)
		s.cmdline, s.environ = strings.ReplaceAll(string(cmd), "\x00", " "), string(env)
		for _, a := range strings.Split(string(cmd), "\x00") {
			if p, ok := strings.CutPrefix(a, "--defaults-extra-file="); ok {
				s.cnf = p
				if fd, ok := strings.CutPrefix(p, "/dev/fd/"); ok {
					p = "/proc/" + itoa(pid) + "/fd/" + fd // the client's descriptor, not ours
					s.cnf = ""
				}
				st, err := os.Stat(p)
				require.NoError(t, err)
				s.cnfMode = st.Mode().Perm()
			}
		}
	}
	t.Cleanup(func() { testHookDumpStarted = nil })
	m := f.manager(t, func(o *Options) { o.RecordTableStats = true })
	_, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)

	require.Contains(t, s.cmdline, "--single-transaction", "read the live process")
	assert.NotContains(t, s.cmdline, f.conn.Password)
	assert.NotContains(t, s.environ, f.conn.Password)
	assert.NotContains(t, s.environ, "MYSQL_PWD")
	assert.Equal(t, os.FileMode(0o600), s.cnfMode)
	if s.cnf != "" {
		_, err = os.Stat(s.cnf)
		assert.True(t, errors.Is(err, os.ErrNotExist), "option file removed")
	}
	assert.NotEmpty(t, f.logs.String())
	assert.NotContains(t, f.logs.String(), f.conn.Password)
}

func TestOptionsAndSpecValidation(t *testing.T) {
	_, err := New(nil, Connection{}, func(o *Options) {
		o.PartSize = 1
		o.Compression = "lz4"
		o.DumpFlags = []string{"--skip-comments"}
		o.ExtraDumpFlags = []string{"--password=x"}
		o.ServerSideEncryption = "aes"
	})
	require.ErrorIs(t, err, ErrInvalidOptions)
	for _, want := range []string{"S3 client is nil", "Connection.User", "Bucket is required", "PartSize 1", `Compression "lz4"`, `"--skip-comments"`, `"--password=x"`, `ServerSideEncryption "aes"`} {
		assert.Contains(t, err.Error(), want)
	}

	// The clients read unambiguous prefixes, --loose- forms and attached values too.
	_, err = New(nil, Connection{}, func(o *Options) {
		o.Bucket = "b"
		o.ExtraDumpFlags = []string{"--pass=x", "--loose-password=y", "--result=/tmp/out", "-r/tmp/out", "--skip-comm", "--where=id>0", "-P3306"}
	})
	require.ErrorIs(t, err, ErrInvalidOptions)
	for _, want := range []string{`"--pass=x"`, `"--loose-password=y"`, `"--result=/tmp/out"`, `"-r/tmp/out"`, `"--skip-comm"`} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "--where")
	assert.NotContains(t, err.Error(), "-P3306")

	assert.ErrorIs(t, Spec{}.withDefaults().validate(), ErrInvalidSpec)
	err = Spec{Databases: []string{"a", "b"}, Tables: []string{"t"}}.withDefaults().validate()
	assert.ErrorIs(t, err, ErrInvalidSpec)
	assert.Contains(t, err.Error(), "Tables needs exactly one database")
	assert.Contains(t, err.Error(), "Name")
}

func TestPartSizeGrowsWithExpectedSize(t *testing.T) {
	assert.Equal(t, DefaultPartSize, partSizeFor(DefaultPartSize, 0))
	assert.Equal(t, DefaultPartSize, partSizeFor(DefaultPartSize, 1<<30))
	for _, size := range []int64{100 << 30, 1 << 40, 5 << 40} {
		ps := partSizeFor(DefaultPartSize, size)
		assert.LessOrEqual(t, (size+ps-1)/ps, int64(MaxParts*9/10), "size %d", size)
		assert.Zero(t, ps%(1<<20))
	}
}

func TestConnectionOptionFileQuotesAndIsPrivate(t *testing.T) {
	c := Connection{User: "u", Password: `p"a\ss` + "\nx", Host: "h", Port: 3307}
	path, remove, err := c.optionFile(t.TempDir())
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(body), `password="p\"a\\ss\nx"`)
	remove()
	_, err = os.Stat(path)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	assert.NotContains(t, c.String(), "ss")
}

func TestDumpExitingZeroWithoutTrailerIsNotCommitted(t *testing.T) {
	f := newFixture(t)
	// A client that exits 0 after a truncated dump (as a lost connection can make it do).
	script := t.TempDir() + "/truncating-dump"
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho '-- MariaDB dump'\necho 'CREATE TABLE t (id INT);'\nexit 0\n"), 0o755))
	m := f.manager(t, func(o *Options) { o.DumpCommand = script })
	_, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
	require.ErrorIs(t, err, ErrIncompleteDump)
	var se *StageError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, StageDump, se.Stage)
	assert.Empty(t, f.keys(t))
	assert.Empty(t, f.incompleteUploads(t))
}

func TestCancelledBackupAbortsTheUpload(t *testing.T) {
	f := newFixture(t)
	bulk(t, f.db.DB, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := f.manager(t, func(o *Options) {
		o.Compression = CompressionNone
		o.PartSize = MinPartSize
		o.UploadConcurrency = 1
		o.OnProgress = func(p Progress) {
			if p.Uploaded > 0 {
				cancel()
			}
		}
	})
	_, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, f.incompleteUploads(t), "aborted on a context of its own")
	assert.Empty(t, f.keys(t))
}

func TestServerSideEncryptionAndPartSizeHint(t *testing.T) {
	db := testenv.MySQL(t)
	seed(t, db.DB)
	conn, err := ConnectionFromDSN(db.DSN)
	require.NoError(t, err)
	cloud := awstest.NewForTest(t)
	client := cloud.S3Client()
	_, err = client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("enc")})
	require.NoError(t, err)
	m, err := New(client, conn, func(o *Options) {
		o.Bucket, o.ServerSideEncryption, o.SSEKMSKeyID = "enc", "aws:kms", "alias/backups"
	})
	require.NoError(t, err)
	man, err := m.Backup(context.Background(), Spec{Databases: []string{db.Name}, ExpectedSize: 200 << 30})
	require.NoError(t, err)
	assert.Equal(t, int64(23<<20), man.PartSize, "200 GiB in at most 9,000 parts")

	calls := cloud.Calls()
	create := calls.Operation(awstest.ServiceS3, "CreateMultipartUpload")
	require.Len(t, create, 1)
	in := create[0].Input.(*s3.CreateMultipartUploadInput)
	assert.Equal(t, s3types.ServerSideEncryptionAwsKms, in.ServerSideEncryption)
	assert.Equal(t, "alias/backups", aws.ToString(in.SSEKMSKeyId))
	put := calls.Operation(awstest.ServiceS3, "PutObject")
	require.Len(t, put, 1, "the manifest")
	assert.Equal(t, s3types.ServerSideEncryptionAwsKms, put[0].Input.(*s3.PutObjectInput).ServerSideEncryption)
}

func TestBackupCopiedElsewhereRestoresFromWhereItIs(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	m := f.manager(t)
	ctx := context.Background()
	man, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)
	// Copy the backup under another prefix (as a replication or a manual copy would).
	for _, k := range f.keys(t) {
		_, err := f.s3.Client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(f.bucket),
			CopySource: aws.String(f.bucket + "/" + k), Key: aws.String("replica/" + strings.TrimPrefix(k, DefaultPrefix))})
		require.NoError(t, err)
	}
	replica := f.manager(t, func(o *Options) { o.Prefix = "replica" })
	list, err := replica.List(ctx, f.db.Name)
	require.NoError(t, err)
	require.Len(t, list, 1)
	got, err := replica.Manifest(ctx, f.db.Name, man.ID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.Key, "replica/"), got.Key)
	target := testenv.MySQL(t)
	require.NoError(t, replica.Restore(ctx, f.db.Name, man.ID, target.Name, RestoreOptions{}))
	assert.Equal(t, checksums(t, f.db.DB, f.db.Name, "orders"), checksums(t, f.db.DB, target.Name, "orders"))
}

func TestPruneKeepsTheNewestVerifiedBackup(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	clk := clock.NewFake(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	m := f.manager(t, func(o *Options) { o.Clock = clk; o.RecordTableStats = true })
	ctx := context.Background()
	var ids []string
	for i := 0; i < 3; i++ {
		man, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
		require.NoError(t, err)
		ids = append(ids, man.ID)
		clk.Advance(time.Hour)
	}
	_, err := m.Verify(ctx, f.db.Name, ids[0])
	require.NoError(t, err)
	list, err := m.List(ctx, f.db.Name)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.True(t, list[0].Verified)
	assert.False(t, list[2].Verified)

	res, err := m.Prune(ctx, f.db.Name, Retention{}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{ids[1]}, res.Deleted)
	assert.Equal(t, []string{"newest verified"}, res.Decisions[2].Reasons)
	list, err = m.List(ctx, f.db.Name)
	require.NoError(t, err)
	assert.Equal(t, []string{ids[0], ids[2]}, []string{list[0].ID, list[1].ID})
}

func TestEveryCompressionRoundTrips(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	for _, c := range []Compression{CompressionZstd, CompressionGzip, CompressionS2, CompressionNone} {
		t.Run(string(c), func(t *testing.T) {
			m := f.manager(t, func(o *Options) { o.Compression = c; o.Prefix = "c-" + string(c) })
			man, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
			require.NoError(t, err)
			assert.Equal(t, c, man.Compression)
			assert.True(t, strings.HasSuffix(man.Key, c.extension()), man.Key)
			target := testenv.MySQL(t)
			require.NoError(t, m.Restore(context.Background(), f.db.Name, man.ID, target.Name, RestoreOptions{}))
			assert.Equal(t, checksums(t, f.db.DB, f.db.Name, "customers", "orders"), checksums(t, f.db.DB, target.Name, "customers", "orders"))
		})
	}
}

func TestMultiDatabaseRestoreRefusesNonEmptyRecordedDatabases(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	other := testenv.MySQL(t)
	mustExec(t, other.DB, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	m := f.manager(t)
	ctx := context.Background()
	man, err := m.Backup(ctx, Spec{Name: "both", Databases: []string{f.db.Name, other.Name}})
	require.NoError(t, err)
	require.False(t, man.SingleDatabase)

	// Rows written after the backup are what a restore over the live databases would destroy.
	mustExec(t, other.DB, "INSERT INTO t VALUES (2)")
	err = m.Restore(ctx, "both", man.ID, "", RestoreOptions{})
	require.ErrorIs(t, err, ErrTargetNotEmpty)
	var n int
	require.NoError(t, other.DB.QueryRow("SELECT COUNT(*) FROM t").Scan(&n))
	assert.Equal(t, 2, n, "the live database is untouched")

	require.NoError(t, m.Restore(ctx, "both", man.ID, "", RestoreOptions{Overwrite: true}))
	require.NoError(t, other.DB.QueryRow("SELECT COUNT(*) FROM t").Scan(&n))
	assert.Equal(t, 1, n, "Overwrite restores the recorded state")
}

// A process killed while its client runs (SIGKILL, or a signal nobody handles) runs no deferred
// cleanup: on Linux the password must then not be in any file at all.
func TestPasswordNeverWrittenToDiskWhileTheClientRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the option pipe is Linux-only; elsewhere a 0600 file removed on exit is used")
	}
	f := newFixture(t)
	seed(t, f.db.DB)
	bulk(t, f.db.DB, 2) // more than a pipe buffer: the client is alive while the hook looks
	dir := t.TempDir()
	var during []string
	var fd3 string
	testHookDumpStarted = func(pid int) {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			during = append(during, e.Name())
		}
		fd3, _ = os.Readlink("/proc/" + itoa(pid) + "/fd/3")
	}
	t.Cleanup(func() { testHookDumpStarted = nil })
	m := f.manager(t, func(o *Options) { o.TempDir = dir })
	man, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)
	assert.Empty(t, during, "no option file in TempDir while the dump client runs")
	assert.True(t, strings.HasPrefix(fd3, "pipe:"), "the client reads its options from a pipe (fd 3: %q)", fd3)

	// The restore client gets its options the same way.
	target := testenv.MySQL(t)
	require.NoError(t, m.Restore(context.Background(), f.db.Name, man.ID, target.Name, RestoreOptions{}))
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents)
}

func TestMultipartUploadFollowsS3ChecksumRules(t *testing.T) {
	f := newFixture(t)
	bulk(t, f.db.DB, 12)
	f.s3.Wrap(s3PartChecksums())
	// A client as config.LoadDefaultConfig makes it: checksums on every request that supports one.
	cfg := f.s3.Config.Copy()
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	m, err := New(client, f.conn, func(o *Options) {
		o.Bucket = f.bucket
		o.Compression = CompressionNone
		o.PartSize = MinPartSize
	})
	require.NoError(t, err)
	man, err := m.Backup(context.Background(), Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)
	assert.Greater(t, man.Parts, 1)
	assert.Empty(t, f.incompleteUploads(t))
}

// Two runs with the same ID (a clock that does not move, or two hosts in the same millisecond):
// the second, failing at its manifest, must not overwrite or delete the first one's dump.
func TestCollidingBackupIDsDoNotDestroyTheCommittedBackup(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	clk := clock.NewFake(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	m := f.manager(t, func(o *Options) { o.Clock = clk })
	ctx := context.Background()
	spec := Spec{Databases: []string{f.db.Name}}
	first, err := m.Backup(ctx, spec)
	require.NoError(t, err)

	mustExec(t, f.db.DB, "INSERT INTO audit (msg) VALUES ('after the first backup')")
	f.s3.Wrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/"+manifestName) {
				s3Error(w, http.StatusForbidden, "AccessDenied")
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	second, err := m.Backup(ctx, spec)
	f.s3.Wrap(nil)
	require.Nil(t, second)
	var se *StageError
	require.ErrorAs(t, err, &se)
	require.Equal(t, StageManifest, se.Stage)

	target := testenv.MySQL(t)
	require.NoError(t, m.Restore(ctx, f.db.Name, first.ID, target.Name, RestoreOptions{}), "the committed backup is intact")
}

// A manifest naming a format this package cannot read is refused before the target exists (the
// object itself matches its checksum, so only the manifest check can stop it).
func TestRestoreRefusesUnknownCompressionBeforeWriting(t *testing.T) {
	f := newFixture(t)
	seed(t, f.db.DB)
	m := f.manager(t)
	ctx := context.Background()
	man, err := m.Backup(ctx, Spec{Databases: []string{f.db.Name}})
	require.NoError(t, err)
	mout, err := f.s3.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(f.keyOf(man, manifestName))})
	require.NoError(t, err)
	odd := strings.Replace(string(readAll(t, mout.Body)), `"compression": "zstd"`, `"compression": "lz4"`, 1)
	require.Contains(t, odd, `"lz4"`)
	_, err = f.s3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket),
		Key: aws.String(f.keyOf(man, manifestName)), Body: strings.NewReader(odd)})
	require.NoError(t, err)

	target := "pk_restore_" + randomHex(4)
	t.Cleanup(func() { _, _ = f.db.DB.Exec("DROP DATABASE IF EXISTS " + target) })
	assert.ErrorIs(t, m.Restore(ctx, f.db.Name, man.ID, target, RestoreOptions{}), ErrIntegrity)
	assert.False(t, databaseExists(t, f.db.DB, target), "nothing written")
}
