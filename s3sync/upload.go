package s3sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"os"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// abortTimeout bounds the AbortMultipartUpload sent after a failed or cancelled upload.
const abortTimeout = 30 * time.Second

// uploadHeaders are the per-object settings shared by PutObject and CreateMultipartUpload.
type uploadHeaders struct {
	contentType  string
	cacheControl *string
	sse          types.ServerSideEncryption
	kmsKey       *string
	storageClass types.StorageClass
	metadata     map[string]string
}

// openUpload opens the file and builds its headers: content type, the options' settings, and the
// metadata carrying the mtime, mode and (in checksum mode) SHA-256 of what is about to be sent.
func (r *run) openUpload(it *Item) (*os.File, os.FileInfo, uploadHeaders, error) {
	name := localPath(r.p.Dir, it.Path)
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, uploadHeaders{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, uploadHeaders{}, err
	}
	h := uploadHeaders{
		contentType:  r.o.ContentType,
		sse:          r.o.ServerSideEncryption,
		storageClass: r.o.StorageClass,
		metadata:     make(map[string]string, len(r.o.Metadata)+3),
	}
	if h.contentType == "" {
		h.contentType = mime.TypeByExtension(path.Ext(it.Path))
		if h.contentType == "" {
			h.contentType = "application/octet-stream"
		}
	}
	if r.o.CacheControl != "" {
		h.cacheControl = aws.String(r.o.CacheControl)
	}
	if r.o.SSEKMSKeyID != "" {
		h.kmsKey = aws.String(r.o.SSEKMSKeyID)
	}
	maps.Copy(h.metadata, r.o.Metadata)
	h.metadata[MetaMtime] = formatMtime(fi.ModTime())
	h.metadata[MetaMode] = formatMode(fi.Mode())
	if r.o.Compare == CompareChecksum {
		sum, err := fileSHA256(name)
		if err != nil {
			f.Close()
			return nil, nil, uploadHeaders{}, fmt.Errorf("hash: %w", err)
		}
		h.metadata[MetaSHA256] = sum
	}
	return f, fi, h, nil
}

// errChanged is the outcome of one upload attempt during which the file changed.
var errChanged = errors.New("file changed while uploading")

// checkUnchanged returns errChanged when the file's size or mtime is not what it was when the
// upload started (and the metadata was made): what was sent may be half old, half new.
func checkUnchanged(f *os.File, before os.FileInfo) error {
	after, err := f.Stat()
	if err != nil {
		return err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return errChanged
	}
	return nil
}

// whileChanging runs one upload attempt after the other while the file changes during them, up to
// MaxChangedAttempts. It returns the last attempt's error, wrapping ErrFileChanged when the file
// never held still.
func (r *run) whileChanging(ctx context.Context, it *Item, attempt func(ctx context.Context, it *Item, last bool) error) error {
	for n := 1; ; n++ {
		err := attempt(ctx, it, n == MaxChangedAttempts)
		if !errors.Is(err, errChanged) {
			return err
		}
		if n == MaxChangedAttempts {
			return fmt.Errorf("%w (%d attempts): %w", ErrFileChanged, n, err)
		}
		r.o.Logger.Info("s3sync: file changed while uploading, sending it again", "path", it.Path, "attempt", n)
	}
}

// uploadSmall puts the file in one request (again if it changed meanwhile). The request slot is
// the one Apply took for this file.
func (r *run) uploadSmall(ctx context.Context, it *Item) error {
	return r.whileChanging(ctx, it, r.putOnce)
}

// putOnce is one PutObject of the file. The object is stored by the time the file can be checked
// again, so when the file changed and this was the last attempt, the object (which may hold part
// of the old content and part of the new, under metadata that claims the old mtime) is removed:
// listed, it would pass for current, since it was written after the file's last change.
func (r *run) putOnce(ctx context.Context, it *Item, last bool) error {
	f, fi, h, err := r.openUpload(it)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = r.s.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key),
		Body: f, ContentLength: aws.Int64(fi.Size()),
		ContentType: aws.String(h.contentType), CacheControl: h.cacheControl,
		ServerSideEncryption: h.sse, SSEKMSKeyId: h.kmsKey, StorageClass: h.storageClass,
		Metadata: h.metadata,
	})
	if err != nil {
		if errors.Is(checkUnchanged(f, fi), errChanged) {
			return fmt.Errorf("put object: %w: %w", errChanged, err) // a short read, say: nothing stored
		}
		return fmt.Errorf("put object: %w", err)
	}
	if err := checkUnchanged(f, fi); err != nil {
		if errors.Is(err, errChanged) && last {
			return r.removeTorn(ctx, it, err)
		}
		return err
	}
	r.addBytes(fi.Size())
	return nil
}

// removeTorn deletes the object a single PutObject of a changing file left, and returns cause
// with what became of it.
func (r *run) removeTorn(ctx context.Context, it *Item, cause error) error {
	if errs := r.deleteBatch(ctx, []Item{*it}, false); len(errs) > 0 {
		return fmt.Errorf("%w; removing the object it may have torn failed: %w", cause, errs[0].Err)
	}
	r.o.Logger.Warn("s3sync: removed an object uploaded while its file changed", "path", it.Path, "key", it.Key)
	return fmt.Errorf("%w; the object was removed, so the next run uploads it again", cause)
}

// partSize returns the part size for a file: the configured size, grown so the file fits in
// MaxParts parts.
func partSize(size, configured int64) int64 {
	ps := configured
	if minPS := (size + MaxParts - 1) / MaxParts; ps < minPS {
		ps = minPS
	}
	return ps
}

// uploadLarge sends the file as a multipart upload whose parts run in parallel on the request
// pool, each read straight from the file through a section reader (no part buffers). A failed or
// cancelled upload is aborted so no parts are left billed, and so is one whose file changed while
// its parts were read (then it is tried again): nothing is stored until it completes.
func (r *run) uploadLarge(ctx context.Context, it *Item) error {
	return r.whileChanging(ctx, it, func(ctx context.Context, it *Item, _ bool) error { return r.multipartOnce(ctx, it) })
}

// multipartOnce is one multipart upload of the file.
func (r *run) multipartOnce(ctx context.Context, it *Item) (err error) {
	f, fi, h, err := r.openUpload(it)
	if err != nil {
		return err
	}
	defer f.Close()
	size := fi.Size()
	ps := partSize(size, r.o.PartSize)

	if err := r.acquire(ctx); err != nil {
		return err
	}
	created, err := r.s.api.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key),
		ContentType: aws.String(h.contentType), CacheControl: h.cacheControl,
		ServerSideEncryption: h.sse, SSEKMSKeyId: h.kmsKey, StorageClass: h.storageClass,
		Metadata: h.metadata,
		// Parts carry a CRC32 (the SDK's default integrity check); S3 rejects part checksums of a
		// type the upload was not created with, so name it here and on every part.
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	r.release()
	if err != nil {
		return fmt.Errorf("create multipart upload: %w", err)
	}
	uploadID := created.UploadId
	defer func() {
		if err == nil {
			return
		}
		// The caller's ctx may be cancelled already; the abort must still go out.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
		defer cancel()
		if _, aerr := r.s.api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key), UploadId: uploadID,
		}); aerr != nil {
			r.o.Logger.Warn("s3sync: abort multipart upload failed", "key", it.Key, "upload_id", aws.ToString(uploadID), "err", aerr)
		}
	}()

	nparts := int((size + ps - 1) / ps)
	if nparts == 0 {
		nparts = 1
	}
	parts := make([]types.CompletedPart, nparts)
	err = r.inParts(ctx, nparts, func(ctx context.Context, i int) error {
		off := int64(i) * ps
		n := min(ps, size-off)
		num := int32(i + 1)
		out, err := r.s.api.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key), UploadId: uploadID,
			PartNumber: aws.Int32(num), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, Body: io.NewSectionReader(f, off, n), ContentLength: aws.Int64(n),
		})
		if err != nil {
			return fmt.Errorf("upload part %d: %w", num, err)
		}
		parts[i] = types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag,
			ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C,
			ChecksumCRC64NVME: out.ChecksumCRC64NVME, ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256}
		r.addBytes(n)
		return nil
	})
	if err != nil {
		if errors.Is(checkUnchanged(f, fi), errChanged) {
			return fmt.Errorf("%w: %w", errChanged, err) // a short read, say
		}
		return err
	}
	if err := checkUnchanged(f, fi); err != nil {
		return err
	}
	if err := r.acquire(ctx); err != nil {
		return err
	}
	_, err = r.s.api.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(r.p.Bucket), Key: aws.String(it.Key), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	r.release()
	if err != nil {
		return fmt.Errorf("complete multipart upload: %w", err)
	}
	return nil
}
