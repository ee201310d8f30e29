package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	// Name and ID identify the backup; ScratchDatabase is where it was restored (dropped again).
	Name, ID, ScratchDatabase string
	// Tables compares each table recorded in the manifest with the restored one.
	Tables []TableCheck
}

// TableCheck compares one table.
type TableCheck struct {
	// Table is the table name.
	Table string
	// Want is the manifest's record; Got what the restored table has (zero Rows and nil
	// Checksum when the table is missing).
	Want, Got TableStat
	// OK is true when rows and checksum are equal.
	OK bool
}

// Verify restores backup id of set name into a scratch database (named after the source with a
// random suffix), compares each table's row count and CHECKSUM TABLE with the values recorded in
// the manifest at dump time, and drops the scratch database (also on failure). A pass is
// recorded next to the manifest ("verified.json"; Info.Verified), and Prune never deletes the
// newest verified backup. It needs a
// single-database backup made with Options.RecordTableStats. A difference is reported in the
// VerifyReport and an error matching ErrVerifyMismatch; a corrupt object is refused before the
// scratch database is created (see Restore).
func (m *Manager) Verify(ctx context.Context, name, id string) (*VerifyReport, error) {
	man, err := m.Manifest(ctx, name, id)
	if err != nil {
		return nil, err
	}
	if !man.SingleDatabase {
		return nil, fmt.Errorf("%w: Verify needs a single-database backup; %s/%s holds %v", ErrInvalidSpec, name, id, man.Databases)
	}
	if len(man.TableStats) == 0 {
		return nil, fmt.Errorf("%w: backup %s/%s recorded no table stats (Options.RecordTableStats was off)", ErrInvalidSpec, name, id)
	}
	src := man.Databases[0]
	base := src
	if len(base) > 40 {
		base = base[:40]
	}
	scratch := base + "_verify_" + randomHex(4)
	rep := &VerifyReport{Name: name, ID: id, ScratchDatabase: scratch}
	defer m.dropDatabase(ctx, scratch)
	if err := m.restore(ctx, man, scratch, RestoreOptions{}); err != nil {
		return rep, err
	}
	tables := make([]string, 0, len(man.TableStats))
	for _, st := range man.TableStats {
		tables = append(tables, st.Table)
	}
	got, _, err := m.tableStats(ctx, []string{scratch}, tables)
	if err != nil {
		return rep, &StageError{Stage: StageRestore, Err: fmt.Errorf("read restored tables: %w", err)}
	}
	var bad []string
	for i, want := range man.TableStats {
		g := got[i]
		ok := want.Rows == g.Rows && eqChecksum(want.Checksum, g.Checksum)
		rep.Tables = append(rep.Tables, TableCheck{Table: want.Table, Want: want, Got: g, OK: ok})
		if !ok {
			bad = append(bad, want.Table)
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("%w: %s/%s: tables %s differ from the manifest", ErrVerifyMismatch, name, id, strings.Join(bad, ", "))
	}
	body, err := json.Marshal(struct {
		Verified time.Time     `json:"verified"`
		Report   *VerifyReport `json:"report"`
	}{m.opts.Clock.Now().UTC(), rep})
	if err != nil {
		return rep, err
	}
	put := &s3.PutObjectInput{Bucket: aws.String(m.opts.Bucket), Key: aws.String(m.backupPrefix(name, id) + verifiedName),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json")}
	applySSE(m.opts, &put.ServerSideEncryption, &put.SSEKMSKeyId)
	if _, err := m.s3.PutObject(ctx, put); err != nil {
		return rep, fmt.Errorf("backup: %s/%s verified, but recording it failed: %w", name, id, err)
	}
	m.opts.Logger.Info("backup: verified", "backup", name, "id", id, "tables", len(rep.Tables))
	return rep, nil
}

func eqChecksum(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func (m *Manager) dropDatabase(ctx context.Context, name string) {
	db, err := m.conn.openDB()
	if err != nil {
		m.opts.Logger.Error("backup: drop scratch database", "database", name, "error", err)
		return
	}
	defer db.Close()
	if _, err := db.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
		m.opts.Logger.Error("backup: drop scratch database", "database", name, "error", err)
	}
}
