package backup

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// quoteIdent quotes a MySQL identifier.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// tableStats returns row counts and CHECKSUM TABLE values of the base tables of dbs (limited to
// tables when given), read in one consistent-snapshot transaction, and the server version.
func (m *Manager) tableStats(ctx context.Context, dbs, tables []string) ([]TableStat, string, error) {
	db, err := m.conn.openDB()
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	var version string
	if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, "", fmt.Errorf("server version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return nil, "", fmt.Errorf("start snapshot: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // read-only
	var stats []TableStat
	for _, d := range dbs {
		names := tables
		if len(names) == 0 {
			if names, err = baseTables(ctx, conn, d); err != nil {
				return nil, "", err
			}
		}
		for _, t := range names {
			st, err := statOf(ctx, conn, d, t)
			if err != nil {
				return nil, "", err
			}
			stats = append(stats, st)
		}
	}
	return stats, version, nil
}

func baseTables(ctx context.Context, conn *sql.Conn, db string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", db)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", db, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, rows.Err()
}

func statOf(ctx context.Context, conn *sql.Conn, db, table string) (TableStat, error) {
	st := TableStat{Database: db, Table: table}
	q := quoteIdent(db) + "." + quoteIdent(table)
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q).Scan(&st.Rows); err != nil {
		return st, fmt.Errorf("count rows of %s.%s: %w", db, table, err)
	}
	var name string
	var sum sql.NullInt64
	if err := conn.QueryRowContext(ctx, "CHECKSUM TABLE "+q).Scan(&name, &sum); err != nil {
		return st, fmt.Errorf("checksum %s.%s: %w", db, table, err)
	}
	if sum.Valid {
		v := sum.Int64
		st.Checksum = &v
	}
	return st, nil
}
