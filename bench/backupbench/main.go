// Command backupbench is the helper of bench/backup.sh: it generates a benchmark database and
// runs one backup with package backup, printing the byte counts as JSON.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/go-sql-driver/mysql"
	"github.com/portalkit/portalkit/backup"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: backupbench gen|backup|cnf [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "backup":
		err = runBackup(os.Args[2:])
	case "cnf":
		err = cnf(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "backupbench:", err)
		os.Exit(1)
	}
}

var words = strings.Fields(`lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut
labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea
commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint
occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum shop order cart checkout
invoice shipping customer product price discount coupon warehouse stock`)

// gen fills database -db with about -size-mb MiB of shop-like rows (text, numbers, dates).
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dsn := fs.String("dsn", os.Getenv("BENCH_DSN"), "go-sql-driver DSN of the server (default $BENCH_DSN, which keeps the password off argv)")
	dbName := fs.String("db", "", "database to create and fill")
	sizeMB := fs.Int("size-mb", 100, "approximate dump size in MiB")
	_ = fs.Parse(args)
	db, err := sql.Open("mysql", *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		"DROP DATABASE IF EXISTS `" + *dbName + "`", "CREATE DATABASE `" + *dbName + "`",
		"CREATE TABLE `" + *dbName + "`.orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(64), email VARCHAR(128), qty INT, price DECIMAL(10,2), created DATETIME, note TEXT) ENGINE=InnoDB",
	} {
		if _, err := db.Exec(s); err != nil {
			return err
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	target := int64(*sizeMB) << 20
	var written int64
	var b strings.Builder
	for written < target {
		b.Reset()
		b.WriteString("INSERT INTO `" + *dbName + "`.orders (customer, email, qty, price, created, note) VALUES ")
		for i := 0; i < 2000; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			name := words[r.IntN(len(words))] + " " + words[r.IntN(len(words))]
			var note strings.Builder
			for j := 0; j < 20+r.IntN(40); j++ {
				note.WriteString(words[r.IntN(len(words))])
				note.WriteByte(' ')
			}
			fmt.Fprintf(&b, "('%s','%s%d@example.com',%d,%d.%02d,'2026-%02d-%02d %02d:%02d:00','%s')", name,
				words[r.IntN(len(words))], r.IntN(1000000), r.IntN(20), r.IntN(1000), r.IntN(100), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), note.String())
		}
		if _, err := db.Exec(b.String()); err != nil {
			return err
		}
		written += int64(b.Len())
	}
	fmt.Println(written)
	return nil
}

// cnf writes a 0600 [client] option file for the DSN (for the shell peers).
func cnf(args []string) error {
	fs := flag.NewFlagSet("cnf", flag.ExitOnError)
	dsn := fs.String("dsn", os.Getenv("BENCH_DSN"), "go-sql-driver DSN (default $BENCH_DSN, which keeps the password off argv)")
	out := fs.String("out", "", "file to write")
	_ = fs.Parse(args)
	c, err := backup.ConnectionFromDSN(*dsn)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("[client]\nuser=%s\npassword=%s\nhost=%s\nport=%d\nprotocol=TCP\n", c.User, c.Password, c.Host, c.Port)
	return os.WriteFile(*out, []byte(body), 0o600)
}

func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ExitOnError)
	dsn := fs.String("dsn", os.Getenv("BENCH_DSN"), "go-sql-driver DSN (default $BENCH_DSN, which keeps the password off argv)")
	dbName := fs.String("db", "", "database to back up")
	endpoint := fs.String("endpoint", "", "S3 endpoint")
	bucket := fs.String("bucket", "bench", "bucket")
	prefix := fs.String("prefix", "ours/", "key prefix")
	compression := fs.String("compression", "zstd", "zstd, gzip or none")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile here")
	concurrency := fs.Int("compression-concurrency", 0, "Options.CompressionConcurrency (0: default)")
	level := fs.Int("compression-level", 0, "Options.CompressionLevel (0: default)")
	verbose := fs.Bool("v", false, "log to stderr (debug level)")
	_ = fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	conn, err := backup.ConnectionFromDSN(*dsn)
	if err != nil {
		return err
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""), BaseEndpoint: aws.String(*endpoint)}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	m, err := backup.New(client, conn, func(o *backup.Options) {
		o.Bucket, o.Prefix, o.Compression = *bucket, *prefix, backup.Compression(*compression)
		o.CompressionConcurrency, o.CompressionLevel = *concurrency, *level
		if *verbose {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})
	if err != nil {
		return err
	}
	start := time.Now()
	man, err := m.Backup(context.Background(), backup.Spec{Databases: []string{*dbName}})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"dumpBytes": man.DumpBytes, "storedBytes": man.StoredBytes, "parts": man.Parts, "seconds": time.Since(start).Seconds(),
		"hwmKiB": vmHWM(),
	})
}

// vmHWM is this process's peak resident set in KiB (VmHWM in /proc/self/status), the dump client
// excluded.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var n int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &n)
			return n
		}
	}
	return -1
}
