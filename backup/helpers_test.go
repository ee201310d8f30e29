package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/stretchr/testify/require"
)

// fixture is a source database, an S3 bucket and a Manager over them.
type fixture struct {
	db     *testenv.Database
	s3     *testenv.S3Server
	bucket string
	conn   Connection
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testenv.MySQL(t)
	srv := testenv.S3(t)
	conn, err := ConnectionFromDSN(db.DSN)
	require.NoError(t, err)
	return &fixture{db: db, s3: srv, bucket: srv.Bucket(t, "backups"), conn: conn, logs: &syncBuffer{}}
}

func (f *fixture) manager(t *testing.T, optFns ...func(*Options)) *Manager {
	t.Helper()
	fns := append([]func(*Options){func(o *Options) {
		o.Bucket = f.bucket
		o.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}}, optFns...)
	m, err := New(f.s3.Client, f.conn, fns...)
	require.NoError(t, err)
	return m
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
}

// seed creates a small schema with the object kinds a dump must carry: typed columns, a blob, a
// trigger, a routine and a view.
func seed(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db,
		"CREATE TABLE customers (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) CHARACTER SET utf8mb4, balance DECIMAL(12,2), score DOUBLE, created DATETIME(6), avatar BLOB)",
		"CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, customer_id INT, total DECIMAL(12,2), note TEXT)",
		"CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, msg VARCHAR(200))",
		"CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (msg) VALUES (CONCAT('order ', NEW.id))",
		"CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
		"CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100",
	)
	for i := 0; i < 200; i++ {
		blob := make([]byte, 64)
		_, _ = rand.Read(blob)
		_, err := db.Exec("INSERT INTO customers (name, balance, score, created, avatar) VALUES (?, ?, ?, NOW(6), ?)",
			fmt.Sprintf("cüstomer %d 'quoted' \\ back", i), float64(i)*1.25, 1.0/float64(i+3), blob)
		require.NoError(t, err)
		_, err = db.Exec("INSERT INTO orders (customer_id, total, note) VALUES (?, ?, ?)", i, i*3, strings.Repeat("x", i))
		require.NoError(t, err)
	}
	_, err := db.Exec("INSERT INTO customers (name, avatar) VALUES ('empty blob', '')")
	require.NoError(t, err)
}

// bulk adds n rows of 1 MiB random (incompressible) blobs.
func bulk(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	mustExec(t, db, "CREATE TABLE IF NOT EXISTS bulk (id INT PRIMARY KEY AUTO_INCREMENT, data LONGBLOB)")
	for i := 0; i < n; i++ {
		b := make([]byte, 1<<20)
		_, _ = rand.Read(b)
		_, err := db.Exec("INSERT INTO bulk (data) VALUES (?)", b)
		require.NoError(t, err)
	}
}

func checksums(t *testing.T, db *sql.DB, database string, tables ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var name string
		var sum sql.NullInt64
		require.NoError(t, db.QueryRow("CHECKSUM TABLE "+quoteIdent(database)+"."+quoteIdent(tb)).Scan(&name, &sum))
		require.True(t, sum.Valid, "table %s.%s missing", database, tb)
		out[tb] = sum.Int64
	}
	return out
}

// incompleteUploads lists the bucket's multipart uploads still open.
func (f *fixture) incompleteUploads(t *testing.T) []string {
	t.Helper()
	out, err := f.s3.Client.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(f.bucket)})
	if awserr.IsCode(err, "NoSuchUpload") {
		// gofakes3 answers so for a bucket that never had a multipart upload; S3 lists none.
		return nil
	}
	require.NoError(t, err)
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

func (f *fixture) keys(t *testing.T) []string {
	t.Helper()
	out, err := f.s3.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket)})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func databaseExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n))
	return n > 0
}

func itoa(n int) string { return strconv.Itoa(n) }

func readAll(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

func bytesReader(b []byte) io.ReadSeeker { return bytes.NewReader(b) }

// s3Error answers like S3 with an error document.
func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><RequestId>test</RequestId></Error>`, code)
}

// failPart makes every UploadPart of part n fail with 500 InternalError (retries included).
func failPart(n int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.Method == http.MethodPut && q.Get("uploadId") != "" && q.Get("partNumber") == strconv.Itoa(n) {
				_, _ = io.Copy(io.Discard, r.Body)
				s3Error(w, http.StatusInternalServerError, "InternalError")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// failList makes every ListObjectsV2 fail with 403 AccessDenied.
func failList() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
				s3Error(w, http.StatusForbidden, "AccessDenied")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// s3PartChecksums makes the server hold multipart uploads to S3's checksum rule: a part sent with
// a checksum (the SDK sends a CRC32 by default) belongs to an upload created with that algorithm,
// and the completion must list each part's checksum; S3 refuses the completion otherwise.
func s3PartChecksums() func(http.Handler) http.Handler {
	var mu sync.Mutex
	declared := map[string]bool{} // key -> created with x-amz-checksum-algorithm
	partSums := map[string]bool{} // key -> some part carried a checksum
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			key := r.URL.Path
			switch {
			case r.Method == http.MethodPost && q.Has("uploads"):
				mu.Lock()
				declared[key] = r.Header.Get("X-Amz-Checksum-Algorithm") != ""
				mu.Unlock()
			case r.Method == http.MethodPut && q.Has("uploadId"):
				if strings.Contains(strings.ToLower(r.Header.Get("X-Amz-Trailer")), "x-amz-checksum-") || r.Header.Get("X-Amz-Checksum-Crc32") != "" {
					mu.Lock()
					partSums[key] = true
					mu.Unlock()
				}
			case r.Method == http.MethodPost && q.Has("uploadId"):
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				mu.Lock()
				d, p := declared[key], partSums[key]
				mu.Unlock()
				parts, sums := strings.Count(string(body), "<Part>"), strings.Count(string(body), "<ChecksumCRC32>")
				switch {
				case p && !d:
					s3Error(w, http.StatusBadRequest, "InvalidPart")
					return
				case d && sums < parts:
					s3Error(w, http.StatusBadRequest, "InvalidRequest")
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
