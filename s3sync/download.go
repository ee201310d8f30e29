package s3sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// objectInfo is what a GET says about the object being downloaded.
type objectInfo struct {
	size   int64
	etag   string
	mtime  time.Time
	mode   fs.FileMode
	sha256 string // from metadata, "" when absent
}

func infoFromGet(out *s3.GetObjectOutput, size int64) objectInfo {
	oi := objectInfo{size: size, etag: aws.ToString(out.ETag), mode: 0o644}
	oi.mtime, _ = storedMtime(out.Metadata, out.LastModified)
	if v, ok := metaGet(out.Metadata, MetaMode); ok {
		if m, ok := parseMode(v); ok {
			oi.mode = m
		}
	}
	oi.sha256, _ = metaGet(out.Metadata, MetaSHA256)
	return oi
}

// localTarget returns the absolute path for a plan path, after making sure every directory on the
// way exists and is a real directory inside the destination (not a symlink, unless FollowSymlinks).
// The key was validated by checkRel when the plan was made.
func (r *run) localTarget(rel string) (string, error) {
	dir := ""
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir = rel[:i]
	}
	if err := r.ensureDir(dir); err != nil {
		return "", err
	}
	final := filepath.Join(r.p.Dir, filepath.FromSlash(rel))
	if fi, err := os.Lstat(final); err == nil && fi.IsDir() {
		return "", fmt.Errorf("%s is a directory where the source has a file%s", final, r.deleteHint("the extraneous files in it are"))
	}
	return final, nil
}

func (r *run) ensureDir(rel string) error {
	if rel == "" {
		return nil
	}
	if _, ok := r.dirs.Load(rel); ok {
		return nil
	}
	parent := ""
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		parent = rel[:i]
	}
	if err := r.ensureDir(parent); err != nil {
		return err
	}
	abs := filepath.Join(r.p.Dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(abs, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err = os.Lstat(abs)
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if !r.o.FollowSymlinks {
			return fmt.Errorf("refusing to write through symlink %s", abs)
		}
		if fi, err = os.Stat(abs); err != nil {
			return err
		}
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory%s", abs, r.deleteHint("an extraneous file there is"))
	}
	r.dirs.Store(rel, struct{}{})
	return nil
}

// deleteHint names the option that lets a pull clear a file/directory conflict, when it is off.
func (r *run) deleteHint(what string) string {
	if r.o.Delete {
		return ""
	}
	return " (with Options.Delete, " + what + " removed first)"
}

// tempFile creates the temporary file a download is written to, in the final directory so the
// rename is atomic.
func tempFile(final string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(final), tempPrefix+"*"+tempSuffix)
}

// commit finishes a download: size (and checksum) verified by the caller, then optional fsync,
// mode, mtime, and the rename over the final path. On any error the temporary file is removed.
func (r *run) commit(f *os.File, final string, oi objectInfo, written int64, sum string) (err error) {
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if written != oi.size {
		return fmt.Errorf("got %d bytes, object has %d", written, oi.size)
	}
	if sum != "" && oi.sha256 != "" && !strings.EqualFold(sum, oi.sha256) {
		return fmt.Errorf("sha256 %s does not match stored %s", sum, oi.sha256)
	}
	if r.o.Fsync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Chmod(oi.mode); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The zero access time leaves it as it is.
	if err := os.Chtimes(f.Name(), time.Time{}, oi.mtime); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return err
	}
	if r.o.Fsync {
		if d, err := os.Open(filepath.Dir(final)); err == nil {
			err = d.Sync()
			d.Close()
			if err != nil {
				return fmt.Errorf("sync directory: %w", err)
			}
		}
	}
	return nil
}

func (r *run) wantSum() bool { return r.o.Compare == CompareChecksum }

func (r *run) downloadSmall(ctx context.Context, it *Item) error {
	final, err := r.localTarget(it.Path)
	if err != nil {
		return err
	}
	// The request slot is the one Apply took for this file.
	out, err := r.s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key)}, quietChecksums)
	if err != nil {
		return fmt.Errorf("get object: %w", err)
	}
	defer out.Body.Close()
	oi := infoFromGet(out, aws.ToInt64(out.ContentLength))
	f, err := tempFile(final)
	if err != nil {
		return err
	}
	var h hash.Hash
	var w io.Writer = f
	if r.wantSum() {
		h = sha256.New()
		w = io.MultiWriter(f, h)
	}
	n, err := io.Copy(w, out.Body)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("read object: %w", err)
	}
	var sum string
	if h != nil {
		sum = hex.EncodeToString(h.Sum(nil))
	}
	if err := r.commit(f, final, oi, n, sum); err != nil {
		return err
	}
	r.addBytes(n)
	return nil
}

// downloadLarge fetches the object in ranges of PartSize, in parallel on the request pool, each
// written at its offset in the temporary file. Every range is conditional on the listed ETag
// (If-Match), so an object overwritten since the listing fails the download instead of mixing
// versions; without a listed ETag, the first range is fetched alone to learn it.
func (r *run) downloadLarge(ctx context.Context, it *Item) (err error) {
	final, err := r.localTarget(it.Path)
	if err != nil {
		return err
	}
	f, err := tempFile(final)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	ps := partSize(it.Size, r.o.PartSize)

	var (
		mu      sync.Mutex
		oi      objectInfo
		written int64
		size    = it.Size
	)
	// getRange fetches one range and writes it in place; the range at 0 also yields the metadata.
	getRange := func(ctx context.Context, off int64, ifMatch *string) (*s3.GetObjectOutput, error) {
		out, err := r.s.api.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key),
			Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+ps-1)), IfMatch: ifMatch,
		}, quietChecksums)
		if err != nil {
			return nil, err
		}
		defer out.Body.Close()
		total, err := totalSize(out)
		if err != nil {
			return nil, err
		}
		if ifMatch != nil && total != size {
			return nil, fmt.Errorf("object is %d bytes, the listing said %d", total, size)
		}
		n, err := io.Copy(io.NewOffsetWriter(f, off), out.Body)
		if err == nil && out.ContentLength != nil && n != *out.ContentLength {
			err = fmt.Errorf("range at %d: got %d bytes, expected %d", off, n, *out.ContentLength)
		}
		if err != nil {
			return nil, err
		}
		mu.Lock()
		written += n
		if off == 0 {
			oi = infoFromGet(out, total)
		}
		mu.Unlock()
		r.addBytes(n)
		return out, nil
	}

	start := int64(0)
	etag := it.etag
	if etag == "" {
		if err := r.acquire(ctx); err != nil {
			return err
		}
		first, err := getRange(ctx, 0, nil)
		r.release()
		if err != nil {
			return fmt.Errorf("get object: %w", err)
		}
		etag, size, start = aws.ToString(first.ETag), oi.size, ps
	}

	offsets := make([]int64, 0, (size-start+ps-1)/ps)
	for off := start; off < size; off += ps {
		offsets = append(offsets, off)
	}
	err = r.inParts(ctx, len(offsets), func(ctx context.Context, i int) error {
		if _, err := getRange(ctx, offsets[i], aws.String(etag)); err != nil {
			return fmt.Errorf("get range at %d: %w", offsets[i], err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var sum string
	if r.wantSum() {
		if sum, err = fileSHA256(f.Name()); err != nil {
			return fmt.Errorf("hash: %w", err)
		}
	}
	committed = true // commit owns the file from here, and removes it on failure
	return r.commit(f, final, oi, written, sum)
}

// quietChecksums keeps the SDK from logging, through the client's logger (standard error by
// default), that a response carries no checksum to validate: ranged GETs never do, and a library
// must not write to its user's standard error. Responses that carry one are still validated.
func quietChecksums(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }

// totalSize reads the object size from a ranged GET's Content-Range ("bytes 0-99/1234").
func totalSize(out *s3.GetObjectOutput) (int64, error) {
	cr := aws.ToString(out.ContentRange)
	if i := strings.LastIndexByte(cr, '/'); i >= 0 && cr[i+1:] != "*" {
		var n int64
		if _, err := fmt.Sscan(cr[i+1:], &n); err == nil {
			return n, nil
		}
	}
	if cr == "" && out.ContentLength != nil {
		// Whole object returned (a server that ignores Range on a short object).
		return *out.ContentLength, nil
	}
	return 0, fmt.Errorf("unexpected Content-Range %q", cr)
}
