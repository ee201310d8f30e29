package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os/exec"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// RestoreOptions are per-call settings of Restore.
type RestoreOptions struct {
	// Overwrite allows restoring into a database that already has tables (the dump's DROP TABLE
	// IF EXISTS statements replace them). Zero value: false, such a target is refused with
	// ErrTargetNotEmpty before anything is written; for a multi-database backup every recorded
	// database is such a target.
	Overwrite bool
}

// Restore loads backup id of set name into database, streaming from S3 through decryption and
// decompression into the mysql client with no temporary file.
//
// Nothing is written unless the stored object matches its manifest. Restore reads the object
// twice: a first streaming pass hashes it (SHA-256 and size) and compares with the manifest; a
// mismatch, a missing or unreadable manifest, or a missing encryption key is refused at this
// point, before the target database is created or the client started. The second pass, which
// feeds the client, asks S3 for the same object version (If-Match on the ETag the first pass
// saw, and the same VersionId when the bucket is versioned), so it cannot read different bytes;
// it hashes again as a last check. The cost is reading the object twice from S3; the memory is a
// few buffers. (Loading into a scratch database and renaming afterwards was rejected: MySQL
// cannot rename a database, and routines, events and triggers do not move with RENAME TABLE.)
//
// database is required for a single-database backup (it may differ from the source's name);
// it must be empty for a multi-database backup, which restores into the recorded names.
func (m *Manager) Restore(ctx context.Context, name, id, database string, ro RestoreOptions) error {
	man, err := m.Manifest(ctx, name, id)
	if err != nil {
		return err
	}
	return m.restore(ctx, man, database, ro)
}

func (m *Manager) restore(ctx context.Context, man *Manifest, database string, ro RestoreOptions) error {
	o := m.opts
	switch {
	case man.SingleDatabase && database == "":
		return fmt.Errorf("%w: restore of %s/%s needs a target database", ErrInvalidSpec, man.Name, man.ID)
	case !man.SingleDatabase && database != "":
		return fmt.Errorf("%w: backup %s/%s holds databases %v and restores into those names; pass no target database", ErrInvalidSpec, man.Name, man.ID, man.Databases)
	}
	if man.Encryption != "" && (o.Encryption == nil || o.Encryption.Name() != man.Encryption) {
		return fmt.Errorf("%w: backup %s/%s is encrypted with %s: set Options.Encryption to it", ErrInvalidOptions, man.Name, man.ID, man.Encryption)
	}
	if c, ok := o.Encryption.(interface{ canDecrypt() error }); ok && man.Encryption != "" {
		if err := c.canDecrypt(); err != nil {
			return fmt.Errorf("%w: backup %s/%s: %v", ErrInvalidOptions, man.Name, man.ID, err)
		}
	}
	log := o.Logger.With("backup", man.Name, "id", man.ID)

	// Pass 1: hash the stored object and compare with the manifest. Nothing is written.
	get := &s3.GetObjectInput{Bucket: aws.String(man.Bucket), Key: aws.String(man.Key)}
	out, err := m.s3.GetObject(ctx, get)
	if err != nil {
		return &StageError{Stage: StageDownload, Err: fmt.Errorf("get s3://%s/%s: %w", man.Bucket, man.Key, err)}
	}
	etag, version := aws.ToString(out.ETag), aws.ToString(out.VersionId)
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	out.Body.Close()
	if err != nil {
		return &StageError{Stage: StageDownload, Err: fmt.Errorf("read s3://%s/%s: %w", man.Bucket, man.Key, err)}
	}
	if err := man.check(n, h); err != nil {
		log.Error("backup: restore refused", "error", err)
		return err
	}
	log.Info("backup: checksum verified", "bytes", n, "sha256", man.SHA256)

	// A multi-database dump restores into the recorded names: those are the targets that must be
	// empty unless Overwrite (they are often the live databases the backup was taken from).
	targets := []string{database}
	if database == "" {
		targets = man.Databases
	}
	if err := m.prepareTargets(ctx, targets, ro.Overwrite); err != nil {
		return err
	}

	// Pass 2: the same object version, into the client.
	get.IfMatch = aws.String(etag)
	if version != "" {
		get.VersionId = aws.String(version)
	}
	out, err = m.s3.GetObject(ctx, get)
	if err != nil {
		return &StageError{Stage: StageDownload, Err: fmt.Errorf("get s3://%s/%s again: %w", man.Bucket, man.Key, err)}
	}
	defer out.Body.Close()
	if aws.ToString(out.ETag) != etag {
		return fmt.Errorf("%w: s3://%s/%s changed between the checksum pass and the restore (ETag %s, then %s)", ErrIntegrity, man.Bucket, man.Key, etag, aws.ToString(out.ETag))
	}
	h2 := sha256.New()
	counted := &countingReader{r: io.TeeReader(out.Body, h2)}
	var plain io.Reader = counted
	if man.Encryption != "" {
		if plain, err = o.Encryption.Decrypt(plain); err != nil {
			return &StageError{Stage: StageRestore, Err: fmt.Errorf("decrypt: %w", err)}
		}
	}
	dec, err := decompressor(man.Compression, plain)
	if err != nil {
		return &StageError{Stage: StageRestore, Err: fmt.Errorf("decompress: %w", err)}
	}
	defer dec.Close()

	if err := m.runClient(ctx, o, database, dec); err != nil {
		return err
	}
	// Drain what the decompressor did not need (nothing, for a well-formed object) and check.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return &StageError{Stage: StageDownload, Err: err}
	}
	if err := man.check(counted.n, h2); err != nil {
		return fmt.Errorf("%w (after the restore ran: the object changed during it)", err)
	}
	log.Info("backup: restored", "database", database)
	return nil
}

// check compares a stored object's size and hash with the manifest.
func (man *Manifest) check(n int64, h hash.Hash) error {
	sum := hex.EncodeToString(h.Sum(nil))
	if n != man.StoredBytes || sum != man.SHA256 {
		return fmt.Errorf("%w: s3://%s/%s has %d bytes, SHA-256 %s; the manifest of %s/%s says %d bytes, %s",
			ErrIntegrity, man.Bucket, man.Key, n, sum, man.Name, man.ID, man.StoredBytes, man.SHA256)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// prepareTargets refuses non-empty targets (unless overwrite), checking all of them before
// anything is created, and creates the missing ones.
func (m *Manager) prepareTargets(ctx context.Context, databases []string, overwrite bool) error {
	db, err := m.conn.openDB()
	if err != nil {
		return &StageError{Stage: StageRestore, Err: err}
	}
	defer db.Close()
	for _, database := range databases {
		var tables int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", database).Scan(&tables); err != nil {
			return &StageError{Stage: StageRestore, Err: fmt.Errorf("inspect target %s: %w", database, err)}
		}
		if tables > 0 && !overwrite {
			return fmt.Errorf("%w: %s has %d tables (set RestoreOptions.Overwrite to replace them)", ErrTargetNotEmpty, database, tables)
		}
	}
	for _, database := range databases {
		if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(database)); err != nil {
			return &StageError{Stage: StageRestore, Err: fmt.Errorf("create database %s: %w", database, err)}
		}
	}
	return nil
}

// runClient feeds input to the mysql client (into database, when not empty).
func (m *Manager) runClient(ctx context.Context, o Options, database string, input io.Reader) error {
	cnf, cnfFiles, removeCnf, err := m.conn.clientOptions(o.TempDir)
	if err != nil {
		return &StageError{Stage: StageRestore, Err: err}
	}
	defer removeCnf()
	args := []string{"--defaults-extra-file=" + cnf, "--batch", "--binary-mode"}
	if database != "" {
		args = append(args, "--database="+database)
	}
	cmd := exec.CommandContext(ctx, o.MySQLCommand, args...)
	cmd.Env = clientEnv()
	cmd.ExtraFiles = cnfFiles
	cmd.Stdin = input
	stderr := &tailBuffer{max: 8 << 10}
	cmd.Stderr = stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return &StageError{Stage: StageRestore, ExitCode: code, Stderr: stderr.String(), Err: fmt.Errorf("%s: %w", o.MySQLCommand, err)}
	}
	return nil
}
