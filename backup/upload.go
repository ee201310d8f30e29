package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// partSizeFor returns the part size for an object expected to be about expected bytes: at least
// min, and large enough that expected fits in 90% of MaxParts (headroom for a wrong hint),
// rounded up to a MiB.
func partSizeFor(min, expected int64) int64 {
	size := min
	if expected > 0 {
		need := expected / (MaxParts * 9 / 10)
		need = (need + (1 << 20) - 1) &^ ((1 << 20) - 1)
		if need > size {
			size = need
		}
	}
	return size
}

// multipartWriter is an io.WriteCloser that stores what is written as one S3 object through a
// multipart upload. At most concurrency+1 part buffers exist at any time: memory does not grow
// with the object. It hashes the stored bytes (SHA-256). Close completes the upload; Abort (on
// any failure) aborts it after the parts in flight have finished.
type multipartWriter struct {
	ctx     context.Context
	api     S3API
	create  s3.CreateMultipartUploadInput
	size    int64
	onPart  func(n int64)
	free    chan []byte
	buffers int
	limit   int

	g        *errgroup.Group
	gctx     context.Context
	cancel   context.CancelFunc
	stopped  atomic.Bool
	buf      []byte
	uploadID string
	partNum  int32
	mu       sync.Mutex
	parts    []types.CompletedPart
	hash     hash.Hash
	written  int64
	uploaded atomic.Int64
	etag     string
	closed   bool
}

func newMultipartWriter(ctx context.Context, api S3API, create s3.CreateMultipartUploadInput, partSize int64, concurrency int, onPart func(int64)) *multipartWriter {
	// The SDK sends a CRC32 with every part by default; S3 then fails CompleteMultipartUpload
	// (InvalidPart) unless the upload was created with that algorithm and the completion lists
	// each part's checksum. Name it on the upload, on every part and in the completion.
	create.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
	pctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(pctx)
	g.SetLimit(concurrency)
	return &multipartWriter{
		ctx: ctx, api: api, create: create, size: partSize, onPart: onPart,
		free: make(chan []byte, concurrency+1), limit: concurrency + 1,
		g: g, gctx: gctx, cancel: cancel, hash: sha256.New(),
	}
}

// errStopped is what writes get after stop.
var errStopped = errors.New("upload stopped")

// stop makes every later Write fail at once and cancels the parts in flight, so a compressor
// closed after a failure finishes without uploading more. Safe to call from any goroutine.
func (w *multipartWriter) stop() {
	w.stopped.Store(true)
	w.cancel()
}

// getBuffer returns a free part buffer, allocating while fewer than limit exist.
func (w *multipartWriter) getBuffer() ([]byte, error) {
	select {
	case b := <-w.free:
		return b[:0], nil
	default:
	}
	if w.buffers < w.limit {
		w.buffers++
		return make([]byte, 0, w.size), nil
	}
	select {
	case b := <-w.free:
		return b[:0], nil
	case <-w.gctx.Done():
		return nil, w.failure()
	}
}

// failure is the error of a failed part, or the context's.
func (w *multipartWriter) failure() error {
	if err := w.g.Wait(); err != nil {
		return err
	}
	return w.gctx.Err()
}

func (w *multipartWriter) Write(p []byte) (int, error) {
	if w.stopped.Load() {
		return 0, errStopped
	}
	n := 0
	for len(p) > 0 {
		if w.buf == nil {
			b, err := w.getBuffer()
			if err != nil {
				return n, err
			}
			w.buf = b
		}
		k := min(len(p), int(w.size)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		w.hash.Write(p[:k])
		w.written += int64(k)
		p = p[k:]
		n += k
		if int64(len(w.buf)) == w.size {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (w *multipartWriter) flush() error {
	if w.gctx.Err() != nil {
		return w.failure()
	}
	if w.uploadID == "" {
		out, err := w.api.CreateMultipartUpload(w.ctx, &w.create)
		if err != nil {
			return fmt.Errorf("create multipart upload: %w", err)
		}
		w.uploadID = aws.ToString(out.UploadId)
	}
	if w.partNum >= MaxParts {
		return fmt.Errorf("the object needs more than %d parts of %d bytes: pass a larger Spec.ExpectedSize or PartSize", MaxParts, w.size)
	}
	w.partNum++
	num, body := w.partNum, w.buf
	w.buf = nil
	w.g.Go(func() error {
		defer func() { w.free <- body }()
		// Computed here rather than taken from the response, which not every S3 server echoes.
		sum := partCRC32(body)
		out, err := w.api.UploadPart(w.gctx, &s3.UploadPartInput{
			Bucket: w.create.Bucket, Key: w.create.Key, UploadId: aws.String(w.uploadID),
			PartNumber: aws.Int32(num), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
			SSECustomerAlgorithm: w.create.SSECustomerAlgorithm, ChecksumAlgorithm: w.create.ChecksumAlgorithm,
			ChecksumCRC32: aws.String(sum),
		})
		if err != nil {
			return fmt.Errorf("upload part %d: %w", num, err)
		}
		w.mu.Lock()
		w.parts = append(w.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num), ChecksumCRC32: aws.String(sum)})
		w.mu.Unlock()
		w.onPart(w.uploaded.Add(int64(len(body))))
		return nil
	})
	return nil
}

// Close uploads the last part and completes the upload. On error the upload is left for Abort.
func (w *multipartWriter) Close() error {
	if w.closed {
		return errors.New("multipart writer closed twice")
	}
	w.closed = true
	if len(w.buf) > 0 || w.partNum == 0 {
		if w.buf == nil {
			w.buf = []byte{}
		}
		if err := w.flush(); err != nil {
			return err
		}
	}
	if err := w.g.Wait(); err != nil {
		return err
	}
	sort.Slice(w.parts, func(i, j int) bool { return *w.parts[i].PartNumber < *w.parts[j].PartNumber })
	out, err := w.api.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: w.create.Bucket, Key: w.create.Key, UploadId: aws.String(w.uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
	})
	if err != nil {
		return fmt.Errorf("complete multipart upload: %w", err)
	}
	w.etag = aws.ToString(out.ETag)
	w.uploadID = ""
	w.cancel()
	return nil
}

// Abort waits for the parts in flight and aborts the upload, so no part stays stored (and
// billed). It uses a context that outlives a cancelled ctx.
func (w *multipartWriter) Abort() error {
	_ = w.g.Wait()
	defer w.cancel()
	if w.uploadID == "" {
		return nil
	}
	// The caller's ctx may be cancelled already (that may be why the upload failed): abort on a
	// context of its own, bounded so an unreachable S3 cannot hang the caller.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), 2*time.Minute)
	defer cancel()
	_, err := w.api.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: w.create.Bucket, Key: w.create.Key, UploadId: aws.String(w.uploadID),
	})
	if err != nil {
		return fmt.Errorf("abort multipart upload %s: %w", w.uploadID, err)
	}
	w.uploadID = ""
	return nil
}

func (w *multipartWriter) sum() string { return hex.EncodeToString(w.hash.Sum(nil)) }

// partCRC32 is a part's CRC32 (IEEE) as S3 carries it: base64 of the big-endian value.
func partCRC32(b []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)))
}
