package backup

import (
	"fmt"
	"log/slog"
	"os/exec"
	"runtime"
	"strings"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults of Options.
const (
	// DefaultPartSize is the multipart part size when neither PartSize nor an expected-size hint
	// asks for more.
	DefaultPartSize int64 = 8 << 20
	// MinPartSize is S3's smallest part (every part but the last).
	MinPartSize int64 = 5 << 20
	// MaxPartSize is S3's largest part.
	MaxPartSize int64 = 5 << 30
	// MaxParts is S3's limit on the parts of one multipart upload.
	MaxParts = 10000
	// DefaultUploadConcurrency is the number of parts uploaded at once.
	DefaultUploadConcurrency = 3
	// DefaultCompression is the compression used when Options.Compression is empty.
	DefaultCompression = CompressionZstd
	// DefaultPrefix is the key prefix under which backups are stored.
	DefaultPrefix = "mysql/"
)

// DefaultDumpFlags are the dump client flags used when Options.DumpFlags is nil: a consistent
// InnoDB snapshot without locking, row-by-row streaming, every schema object, binary-safe
// values, and no tablespace statements (MySQL 8's mysqldump needs the PROCESS privilege for
// them, which managed servers such as RDS do not grant, and a restore does not need them).
// --set-gtid-purged is added separately (see Options.SetGTIDPurged).
var DefaultDumpFlags = []string{
	"--single-transaction", "--quick", "--routines", "--triggers", "--events", "--hex-blob", "--no-tablespaces",
}

// forbiddenDumpFlags would remove the "-- Dump completed" trailer or put a secret on argv.
var forbiddenDumpFlags = []string{"--skip-comments", "--compact", "--password", "-p", "--result-file", "-r", "--defaults-file", "--defaults-extra-file", "--no-defaults"}

// forbiddenDumpFlag reports whether f is one of forbiddenDumpFlags as the client reads it: the
// clients accept any unambiguous prefix of a long option ("--pass=x" is --password) and a
// "--loose-" or "--maximum-" in front of it, and a short option's value attached ("-r/tmp/x").
func forbiddenDumpFlag(f string) bool {
	if name, ok := strings.CutPrefix(f, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		for _, pre := range []string{"loose-", "maximum-"} {
			name = strings.TrimPrefix(name, pre)
		}
		if name == "" {
			return false // "--" ends the options
		}
		for _, bad := range forbiddenDumpFlags {
			if long, ok := strings.CutPrefix(bad, "--"); ok && strings.HasPrefix(long, name) {
				return true
			}
		}
		return false
	}
	for _, bad := range forbiddenDumpFlags {
		if !strings.HasPrefix(bad, "--") && strings.HasPrefix(f, bad) {
			return true
		}
	}
	return false
}

// Compression names a compression format.
type Compression string

// The supported compressions.
const (
	CompressionZstd Compression = "zstd"
	CompressionGzip Compression = "gzip"
	// CompressionS2 is klauspost/compress/s2 (an extension of Snappy): less CPU than zstd's
	// fastest level for a worse ratio (a third more bytes on the benchmark's data), for hosts
	// where compression, not the network, limits the backup.
	CompressionS2   Compression = "s2"
	CompressionNone Compression = "none"
)

// Options configure a Manager. Per-call overrides take the same shape.
type Options struct {
	// Bucket is the S3 bucket holding the backups. Required.
	Bucket string
	// Prefix is prepended to every key; a trailing "/" is added when missing. Zero value:
	// DefaultPrefix ("mysql/"). Listing and retention look only at keys under Prefix+name+"/".
	Prefix string

	// DumpCommand is the dump client. Zero value: "mariadb-dump" when it is on PATH, else
	// "mysqldump".
	DumpCommand string
	// MySQLCommand is the client used by Restore and Verify. Zero value: "mariadb" when it is on
	// PATH, else "mysql".
	MySQLCommand string
	// DumpFlags replace DefaultDumpFlags when non-nil. Flags that would drop the
	// "-- Dump completed" trailer (--skip-comments, --compact), pass a password or redirect the
	// output are refused.
	DumpFlags []string
	// ExtraDumpFlags are appended to DumpFlags (for example "--no-tablespaces"); the same flags
	// are refused.
	ExtraDumpFlags []string
	// SetGTIDPurged is the value of --set-gtid-purged, passed only when the client supports it
	// (MySQL's mysqldump; MariaDB's has no such flag). Zero value: "OFF", which restores on
	// managed servers (RDS) without SUPER. "-" leaves the flag out.
	SetGTIDPurged string

	// Compression is the stored format. Zero value: DefaultCompression (zstd).
	Compression Compression
	// CompressionLevel is the zstd level (1 fastest .. 4 best, per klauspost/compress/zstd), the
	// gzip level (1..9) or the s2 level (1 default, 2 better). Zero value: zstd 1 (SpeedFastest),
	// gzip 1 (BestSpeed), s2 1, which keep up with the dump client.
	CompressionLevel int
	// CompressionConcurrency is the number of goroutines compressing. Zero value: GOMAXPROCS,
	// at most 4.
	CompressionConcurrency int
	// Encryption encrypts the compressed stream on the client before upload. Zero value: none
	// (use ServerSideEncryption). See AgeX25519.
	Encryption Encryption

	// PartSize is the smallest multipart part size; it grows with Spec.ExpectedSize so that
	// MaxParts is never exceeded. Zero value: DefaultPartSize. Memory use is about
	// PartSize*(UploadConcurrency+1) plus the compressor's windows.
	PartSize int64
	// UploadConcurrency is the number of parts in flight. Zero value: DefaultUploadConcurrency.
	UploadConcurrency int
	// ServerSideEncryption is "" (bucket default), "AES256" or "aws:kms".
	ServerSideEncryption string
	// SSEKMSKeyID is the KMS key for "aws:kms". Zero value: the account's aws/s3 key.
	SSEKMSKeyID string

	// RecordTableStats makes Backup record each table's row count and CHECKSUM TABLE value in
	// the manifest (taken in its own consistent-snapshot transaction just before the dump), for
	// Verify. Zero value: false. On a database with concurrent writes they can differ from the
	// dump's snapshot, so record them on a quiescent server or a replica.
	RecordTableStats bool

	// TempDir holds the 0600 client option file while a client runs, where the platform cannot
	// hand it over as a pipe (on Linux it is a pipe, never a file, and TempDir is unused). Zero
	// value: os.TempDir().
	TempDir string
	// Clock gives backup times (IDs and retention periods). Zero value: clock.Real.
	Clock clock.Clock
	// Logger receives progress and decisions; never secrets. Zero value: discard.
	Logger *slog.Logger
	// OnProgress is called with the byte counts as a backup runs (every MiB dumped and after
	// each part). Zero value: none. It must not block for long.
	OnProgress func(Progress)
}

// Progress is a backup's byte counts so far.
type Progress struct {
	// Dumped is the bytes read from the dump client.
	Dumped int64
	// Compressed is the bytes out of the compressor (and encryption, if any).
	Compressed int64
	// Uploaded is the bytes of parts S3 has acknowledged.
	Uploaded int64
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(o.Prefix, "/") {
		o.Prefix += "/"
	}
	if o.DumpCommand == "" {
		o.DumpCommand = firstOnPath("mariadb-dump", "mysqldump")
	}
	if o.MySQLCommand == "" {
		o.MySQLCommand = firstOnPath("mariadb", "mysql")
	}
	if o.DumpFlags == nil {
		o.DumpFlags = append([]string(nil), DefaultDumpFlags...)
	}
	if o.SetGTIDPurged == "" {
		o.SetGTIDPurged = "OFF"
	}
	if o.Compression == "" {
		o.Compression = DefaultCompression
	}
	if o.CompressionConcurrency == 0 {
		o.CompressionConcurrency = min(runtime.GOMAXPROCS(0), 4)
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.UploadConcurrency == 0 {
		o.UploadConcurrency = DefaultUploadConcurrency
	}
	if o.Clock == nil {
		o.Clock = clock.Real
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) validate() error {
	var p check.Problems
	p.If(o.Bucket == "", "Bucket is required")
	p.If(strings.HasPrefix(o.Prefix, "/"), "Prefix must not start with \"/\" (%q)", o.Prefix)
	for _, f := range append(append([]string(nil), o.DumpFlags...), o.ExtraDumpFlags...) {
		if forbiddenDumpFlag(f) {
			p.Addf("dump flag %q is not allowed (it drops the completion trailer, passes a password or redirects output)", f)
		}
	}
	switch o.Compression {
	case CompressionZstd:
		p.If(o.CompressionLevel < 0 || o.CompressionLevel > 4, "CompressionLevel %d is outside 1..4 for zstd", o.CompressionLevel)
	case CompressionGzip:
		p.If(o.CompressionLevel < 0 || o.CompressionLevel > 9, "CompressionLevel %d is outside 1..9 for gzip", o.CompressionLevel)
	case CompressionS2:
		p.If(o.CompressionLevel < 0 || o.CompressionLevel > 2, "CompressionLevel %d is outside 1..2 for s2", o.CompressionLevel)
	case CompressionNone:
	default:
		p.Addf("Compression %q is not one of zstd, gzip, s2, none", o.Compression)
	}
	p.If(o.CompressionConcurrency < 0, "CompressionConcurrency is negative (%d)", o.CompressionConcurrency)
	p.If(o.PartSize < MinPartSize || o.PartSize > MaxPartSize, "PartSize %d is outside %d..%d", o.PartSize, MinPartSize, MaxPartSize)
	p.If(o.UploadConcurrency < 1, "UploadConcurrency is %d, need at least 1", o.UploadConcurrency)
	switch o.ServerSideEncryption {
	case "", "AES256":
		p.If(o.SSEKMSKeyID != "", "SSEKMSKeyID needs ServerSideEncryption \"aws:kms\"")
	case "aws:kms":
	default:
		p.Addf("ServerSideEncryption %q is not one of \"\", AES256, aws:kms", o.ServerSideEncryption)
	}
	return p.Err(ErrInvalidOptions)
}

func firstOnPath(names ...string) string {
	for _, n := range names {
		if _, err := exec.LookPath(n); err == nil {
			return n
		}
	}
	return names[len(names)-1]
}

// Connection says how the dump and mysql clients reach the server. The password reaches a client
// only through its option file (a pipe on Linux, a 0600 file elsewhere, for the client's
// lifetime): never argv, never the environment.
type Connection struct {
	// Host is the server host. Zero value: the client's default (localhost).
	Host string
	// Port is the TCP port. Zero value: the client's default (3306).
	Port int
	// Socket is a Unix socket path, used instead of Host/Port when set.
	Socket string
	// User is the account name. Required.
	User string
	// Password is the account's password. Never logged.
	Password string
}

// String describes the connection without its password.
func (c Connection) String() string {
	if c.Socket != "" {
		return fmt.Sprintf("%s@unix(%s)", c.User, c.Socket)
	}
	return fmt.Sprintf("%s@%s:%d", c.User, c.Host, c.Port)
}

// LogValue keeps the password out of slog output.
func (c Connection) LogValue() slog.Value { return slog.StringValue(c.String()) }
