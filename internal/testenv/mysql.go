package testenv

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// EnvMySQLDSN names the environment variable holding the DSN of a MySQL server tests may use.
// `make test` sets it to a throwaway MariaDB server; a value set by the user wins.
const EnvMySQLDSN = "TEST_MYSQL_DSN"

// Database is a MySQL database that exists for the duration of one test.
type Database struct {
	// Name is the database (schema) name.
	Name string
	// DSN connects to the database, in go-sql-driver/mysql form. It holds a password: never log it.
	DSN string
	// DB is an open handle on DSN, closed when the test ends.
	DB *sql.DB
}

// MySQL creates a fresh, empty database on the server named by TEST_MYSQL_DSN and drops it when
// the test ends.
func MySQL(t testing.TB) *Database {
	t.Helper()
	base := os.Getenv(EnvMySQLDSN)
	if base == "" {
		Need(t, "MySQL", "run the suite with `make test` (it starts a throwaway MariaDB), or set "+EnvMySQLDSN)
	}
	return createDatabase(t, base)
}

func createDatabase(t testing.TB, base string) *Database {
	t.Helper()
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("testenv: %s is not a valid DSN: %v", EnvMySQLDSN, redact(err, cfg))
	}
	admin := openDB(t, cfg.FormatDSN())
	defer admin.Close()

	name := "pk_test_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		admin := openDB(t, cfg.FormatDSN())
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	cfg.DBName = name
	dsn := cfg.FormatDSN()
	db := openDB(t, dsn)
	t.Cleanup(func() { db.Close() })
	return &Database{Name: name, DSN: dsn, DB: db}
}

// openDB opens dsn and checks the server answers, retrying briefly while it starts.
func openDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("testenv: open mysql: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = db.Ping()
		if err == nil {
			return db
		}
		if time.Now().After(deadline) {
			db.Close()
			t.Fatalf("testenv: mysql does not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// redact keeps a DSN parse error from echoing a password.
func redact(err error, cfg *mysql.Config) error {
	if cfg != nil && cfg.Passwd != "" {
		return fmt.Errorf("(details withheld: the DSN holds a password)")
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}
