package s3sync

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults and limits.
const (
	// DefaultConcurrency is the number of S3 requests in flight when Options.Concurrency is zero.
	DefaultConcurrency = 32
	// DefaultMultipartThreshold is the file size from which transfers use multipart upload or
	// ranged parallel download when Options.MultipartThreshold is zero.
	DefaultMultipartThreshold = 16 << 20
	// DefaultPartSize is the part size when Options.PartSize is zero.
	DefaultPartSize = 16 << 20
	// MinPartSize is the smallest part S3 accepts (except for the last part).
	MinPartSize = 5 << 20
	// MaxPartSize is the largest part S3 accepts, and the largest single PutObject.
	MaxPartSize = 5 << 30
	// MaxParts is the largest number of parts in one multipart upload.
	MaxParts = 10000
	// MaxDeleteBatch is the number of keys in one DeleteObjects request (the S3 limit).
	MaxDeleteBatch = 1000
	// DefaultLargeFiles is the number of multipart transfers open at once when Options.LargeFiles
	// is zero. Their parts share the Concurrency budget with every other request.
	DefaultLargeFiles = 4
	// StaleTempAge is how long a temporary file of an interrupted pull (".s3sync-*.tmp") must have
	// gone unmodified before the next pull into the same directory removes it. A running download
	// writes its temporary file continuously, so only an abandoned one is this old.
	StaleTempAge = time.Hour
	// MaxChangedAttempts is how many times an upload is tried when the file changes while it is
	// read, before the file fails with ErrFileChanged.
	MaxChangedAttempts = 3
)

// Compare selects how a local file and an object are judged equal.
type Compare int

const (
	// CompareSizeMtime treats a file and an object as equal when the size matches and the
	// modification time agrees. The mtime is stored in object metadata on push and restored on pull.
	// Decisions come from the listing where it suffices (see the package documentation), with a
	// HEAD only when the listing cannot decide. This is the default.
	CompareSizeMtime Compare = iota
	// CompareChecksum treats them as equal when the size and SHA-256 of the content match. The
	// digest is stored in object metadata on push and compared without downloading: it costs a
	// local read of every same-size file and one HEAD per same-size object. An object without a
	// stored digest is uploaded again by a push (to add one) and compared by its stored mtime on
	// pull.
	CompareChecksum
	// CompareSizeOnly treats them as equal when the size matches. It never issues a HEAD, and it
	// misses same-size edits.
	CompareSizeOnly
)

// String returns the mode's name.
func (c Compare) String() string {
	switch c {
	case CompareSizeMtime:
		return "size+mtime"
	case CompareChecksum:
		return "checksum"
	case CompareSizeOnly:
		return "size-only"
	}
	return fmt.Sprintf("Compare(%d)", int(c))
}

// Metadata keys the package writes on push and reads on pull (x-amz-meta-<key>). The mtime format
// is "<unix seconds>.<nanoseconds>", the one rclone uses, so either tool can read the other's.
const (
	MetaMtime  = "mtime"
	MetaMode   = "mode"
	MetaSHA256 = "sha256"
)

// Progress is a snapshot of an Apply: files and bytes done out of the plan's totals.
type Progress struct {
	// FilesDone counts the transfers ended (succeeded or failed) out of FilesTotal in the plan.
	FilesDone, FilesTotal int
	// BytesDone counts the bytes moved so far (parts included as they complete) out of the
	// plan's BytesTotal.
	BytesDone, BytesTotal int64
	// Failed counts files that failed so far.
	Failed int
}

// Options configure a Syncer. Every field's zero value means the documented default.
type Options struct {
	// Compare selects the change detection. Default CompareSizeMtime.
	Compare Compare
	// ExactMtime makes CompareSizeMtime compare the stored mtime exactly, with one HEAD per object
	// whose size matches (rclone's default behaviour). Default false: the listing decides when it can.
	ExactMtime bool
	// Delete removes destination files or objects that the source does not have (excluded paths,
	// and on push the objects at or below a local symlink the walk skipped, are left alone). Deletes run only after every transfer succeeded and both listings were complete.
	// Default false.
	Delete bool
	// MaxDelete refuses to delete anything when a plan would delete more than this many entries.
	// Default 0: no limit.
	MaxDelete int
	// AllowEmptySource lets Delete empty the destination when the source has no file at all (after
	// filters). Default false: Apply refuses such a plan with ErrEmptySource before changing
	// anything, since a mistyped prefix or directory looks exactly like an empty source.
	AllowEmptySource bool
	// Include, when not empty, limits the sync to paths matching at least one pattern. Patterns use
	// "/" separators: "*" and "?" stay within one path segment, "**" crosses segments, a pattern
	// without "/" matches the base name, a pattern ending in "/" matches everything below that
	// directory. Default: everything.
	Include []string
	// Exclude removes paths matching any pattern (same syntax as Include). Default: nothing.
	Exclude []string
	// FollowSymlinks follows symbolic links in the local tree, skipping links that loop back to a
	// directory being walked. Default false: symlinks are skipped, and pull refuses to write through
	// a symlinked directory.
	FollowSymlinks bool
	// Concurrency bounds the S3 requests in flight for all transfers and parts together.
	// Default DefaultConcurrency.
	Concurrency int
	// MultipartThreshold is the size from which a file moves in parallel parts; at most
	// MaxPartSize. On pull, objects of this size or more are compared through a HEAD (see the
	// package documentation). Default DefaultMultipartThreshold.
	MultipartThreshold int64
	// PartSize is the size of each part; it grows when a file would need more than MaxParts.
	// Default DefaultPartSize; from MinPartSize to MaxPartSize.
	PartSize int64
	// LargeFiles bounds the multipart transfers open at once. Default DefaultLargeFiles.
	LargeFiles int
	// Fsync flushes each downloaded file (and its directory after the rename) to stable storage.
	// Default false.
	Fsync bool
	// ContentType sets the Content-Type of every upload. Default: guessed from the file extension,
	// application/octet-stream when unknown.
	ContentType string
	// CacheControl sets the Cache-Control of every upload. Default: none.
	CacheControl string
	// ServerSideEncryption is the SSE mode of uploads: types.ServerSideEncryptionAes256 or
	// types.ServerSideEncryptionAwsKms. Default: none requested (the bucket default applies).
	ServerSideEncryption types.ServerSideEncryption
	// SSEKMSKeyID is the KMS key for ServerSideEncryptionAwsKms. Default: the AWS managed key.
	SSEKMSKeyID string
	// StorageClass of uploads. Default: none requested (STANDARD).
	StorageClass types.StorageClass
	// Metadata is user metadata added to every upload. The keys MetaMtime, MetaMode and MetaSHA256
	// are reserved. Default: none.
	Metadata map[string]string
	// OnProgress is called after each file or part completes during Apply. Calls are serialized
	// and must return quickly. Default: none.
	OnProgress func(Progress)
	// Logger receives debug and warning records (skipped symlinks and keys, failed transfers and
	// aborts). Default: discard.
	Logger *slog.Logger
	// Clock dates the age of stale temporary files and Plan.Took. Default: clock.Real.
	Clock clock.Clock
	// UsePathStyle is used by NewFromConfig only: path-style addressing, as LocalStack and other
	// S3-compatible servers need. Default false (virtual-hosted style, as AWS prefers).
	UsePathStyle bool

	// modifiedBefore, when set, leaves out local files modified at or after it (the Shipper's quiet
	// period). It is not exported: a push with it set must not delete.
	modifiedBefore time.Time
}

// copy returns a deep copy of o.
func (o Options) copy() Options {
	o.Include = slices.Clone(o.Include)
	o.Exclude = slices.Clone(o.Exclude)
	o.Metadata = maps.Clone(o.Metadata)
	return o
}

// resolve fills zero fields with their defaults.
func (o *Options) resolve() {
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MultipartThreshold == 0 {
		o.MultipartThreshold = DefaultMultipartThreshold
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.LargeFiles == 0 {
		o.LargeFiles = DefaultLargeFiles
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Clock = clock.Or(o.Clock)
}

// check records every invalid field in p.
func (o *Options) check(p *check.Problems) {
	p.If(o.Compare < CompareSizeMtime || o.Compare > CompareSizeOnly, "Compare: unknown mode %d", int(o.Compare))
	p.If(o.MaxDelete < 0, "MaxDelete: %d is negative", o.MaxDelete)
	p.If(o.Concurrency < 0, "Concurrency: %d is negative", o.Concurrency)
	p.If(o.LargeFiles < 0, "LargeFiles: %d is negative", o.LargeFiles)
	p.If(o.MultipartThreshold < 0 || o.MultipartThreshold > MaxPartSize,
		"MultipartThreshold: %d is outside 0..%d (the largest PutObject)", o.MultipartThreshold, int64(MaxPartSize))
	p.If(o.PartSize != 0 && (o.PartSize < MinPartSize || o.PartSize > MaxPartSize),
		"PartSize: %d is outside the S3 part sizes %d..%d", o.PartSize, MinPartSize, int64(MaxPartSize))
	checkPatterns(p, "Include", o.Include)
	checkPatterns(p, "Exclude", o.Exclude)
	switch o.ServerSideEncryption {
	case "", types.ServerSideEncryptionAes256, types.ServerSideEncryptionAwsKms, types.ServerSideEncryptionAwsKmsDsse:
	default:
		p.Addf("ServerSideEncryption: unknown mode %q", o.ServerSideEncryption)
	}
	p.If(o.SSEKMSKeyID != "" && o.ServerSideEncryption != types.ServerSideEncryptionAwsKms && o.ServerSideEncryption != types.ServerSideEncryptionAwsKmsDsse,
		"SSEKMSKeyID: needs ServerSideEncryption aws:kms")
	keys := slices.Sorted(maps.Keys(o.Metadata))
	for _, k := range keys {
		switch strings.ToLower(k) {
		case MetaMtime, MetaMode, MetaSHA256:
			p.Addf("Metadata: key %q is reserved", k)
		case "":
			p.Addf("Metadata: empty key")
		}
	}
}

// checkPatterns records every invalid filter pattern of a field.
func checkPatterns(p *check.Problems, field string, pats []string) {
	for _, pat := range pats {
		if err := checkPattern(pat); err != nil {
			p.Addf("%s: %v", field, err)
		}
	}
}
