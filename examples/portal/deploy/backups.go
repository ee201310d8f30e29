package deploy

import (
	"context"

	"github.com/portalkit/portalkit/backup"
)

// BackupProtection is how the backup bucket is protected: versioning (a delete or overwrite
// keeps the old version for 30 days), public access blocked, incomplete uploads aborted.
var BackupProtection = backup.BucketProtection{NoncurrentDays: 30, AbortIncompleteDays: 7}

// ProtectBackupBucket creates the backup bucket if needed and protects it (BackupProtection);
// a second run changes nothing.
func ProtectBackupBucket(ctx context.Context, env Env, bucket string) (*backup.BucketReport, error) {
	out := env.printer()
	rep, err := backup.ProtectBucket(ctx, env.s3(), bucket, BackupProtection)
	if err != nil {
		return nil, err
	}
	switch {
	case rep.Created:
		out.line("created backup bucket %s: versioning %s, noncurrent versions kept %d days, public access blocked: %v", bucket, rep.Versioning, rep.NoncurrentDays, rep.PublicAccessBlocked)
	case len(rep.Changed) > 0:
		out.line("backup bucket %s: set %v", bucket, rep.Changed)
	default:
		out.line("backup bucket %s already protected, nothing changed", bucket)
	}
	return rep, nil
}

// BackUpDatabase dumps database (mysqldump or mariadb-dump, streamed through zstd into the
// protected bucket; the manifest is written last, only when everything succeeded) and verifies
// the backup by restoring it into a scratch database and comparing every table's row count and
// checksum with the manifest. dsn reaches the database (go-sql-driver/mysql form); its password
// goes to the dump client in a private option file, never on a command line or in a log.
func BackUpDatabase(ctx context.Context, env Env, bucket, dsn, database string) (*backup.Manifest, *backup.VerifyReport, error) {
	out := env.printer()
	conn, err := backup.ConnectionFromDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	m, err := backup.New(env.s3(), conn, func(o *backup.Options) {
		o.Bucket = bucket
		o.RecordTableStats = true
		o.Clock = env.Clock
	})
	if err != nil {
		return nil, nil, err
	}
	man, err := m.Backup(ctx, backup.Spec{Databases: []string{database}})
	if err != nil {
		return nil, nil, err
	}
	out.line("backup %s of %s: %d bytes dumped, %d stored (%s), sha256 %s; object s3://%s/%s, manifest next to it", man.ID, database, man.DumpBytes, man.StoredBytes, man.Compression, shortHash(man.SHA256), bucket, man.Key)
	rep, err := m.Verify(ctx, man.Name, man.ID)
	if err != nil {
		return man, nil, err
	}
	out.line("verified by a test restore into %s: %d table(s), row counts and checksums match", rep.ScratchDatabase, len(rep.Tables))
	return man, rep, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
