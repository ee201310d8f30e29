package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/rds/session"
)

// demoDatabase is the database the demo keeps sessions in when the DSN names none.
const demoDatabase = "portal_demo"

// newSessions opens the session store the web servers share (MySQL; MariaDB stands in for the
// RDS endpoint locally), creating the database and table if needed. close releases it.
func newSessions(ctx context.Context, dsn, table string) (m *session.Manager, db *sql.DB, err error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("the MySQL DSN is not valid")
	}
	if cfg.DBName == "" {
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return nil, nil, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+demoDatabase); err != nil {
			return nil, nil, err
		}
		cfg.DBName = demoDatabase
	}
	cfg.RejectReadOnly = true
	db, err = sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, nil, err
	}
	store, err := session.New(db, func(o *session.Options) { o.Table = table })
	if err == nil {
		err = store.Migrate(ctx)
	}
	if err == nil {
		m, err = session.NewManager(store, func(o *session.ManagerOptions) {
			o.InsecureCookie = true // plain HTTP on loopback; behind the ALB it is HTTPS
		})
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return m, db, nil
}
