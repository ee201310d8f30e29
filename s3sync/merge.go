package s3sync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"errors"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// walkBatch carries local files from the walk goroutine to the merge.
type walkBatch struct {
	files []localFile
	err   error
	last  bool // the walk is complete: a channel closed without it was cut short
}

const walkBatchSize = 512

// walkFiles runs the walk in its own goroutine, so it overlaps with the listing.
func walkFiles(ctx context.Context, w *walker) <-chan walkBatch {
	// Room for 16 batches lets the walk run ahead of the listing (and use another CPU) while a
	// page is in flight; memory stays a few MB.
	ch := make(chan walkBatch, 16)
	go func() {
		defer close(ch)
		batch := make([]localFile, 0, walkBatchSize)
		for {
			lf, ok, err := w.next()
			if err != nil || !ok || len(batch) == walkBatchSize {
				if len(batch) > 0 || err != nil || !ok {
					select {
					case ch <- walkBatch{files: batch, err: err, last: err == nil && !ok}:
					case <-ctx.Done():
						return
					}
					batch = make([]localFile, 0, walkBatchSize)
				}
				if err != nil || !ok {
					return
				}
			}
			batch = append(batch, lf)
		}
	}()
	return ch
}

// errCutShort is the error for a producer that stopped without marking its last batch: only a
// cancelled context does that, and an incomplete side must never pass for a complete one (it would
// turn into deletes).
func errCutShort(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s interrupted: %w", what, err)
	}
	return fmt.Errorf("%s ended early", what)
}

// check is a pair the listing could not decide on: it needs a HEAD (and, in checksum mode, a
// local hash).
type check struct {
	local  localFile
	remote remoteObject
}

// plan merges the sorted local walk with the sorted listing. Both sides stream; memory holds one
// listing page, one walk batch, the directories on the walk's current path and the plan itself.
func (s *Syncer) plan(ctx context.Context, d Direction, dir, bucket, prefix string, o Options) (*Plan, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops both producers when the merge ends early

	flt := newFilter(o.Include, o.Exclude)
	w, err := newWalker(dir, flt, o.FollowSymlinks, d == DirPull, o.Logger)
	if err != nil {
		return nil, err
	}
	w.before = o.modifiedBefore
	p := &Plan{Direction: d, Dir: dir, Bucket: bucket, Prefix: prefix, opts: o}
	locals := walkFiles(ctx, w)
	remotes := listObjects(ctx, s.api, bucket, prefix)

	var (
		lbuf    []localFile
		robjs   []remoteObject
		lDone   bool
		rDone   bool
		lastRel string
		checks  []check
	)
	// nextLocal and nextRemote refill their buffers from the producers.
	nextLocal := func() error {
		for len(lbuf) == 0 && !lDone {
			select {
			case b, ok := <-locals:
				if !ok {
					return errCutShort(ctx, "local walk")
				}
				if b.err != nil {
					return b.err
				}
				lbuf, lDone = b.files, b.last
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	nextRemote := func() error {
		for len(robjs) == 0 && !rDone {
			select {
			case pg, ok := <-remotes:
				if !ok {
					return errCutShort(ctx, "listing")
				}
				p.Requests++
				if pg.err != nil {
					return pg.err
				}
				rDone = pg.last
				for _, obj := range pg.objects {
					if obj.rel <= lastRel && lastRel != "" {
						return fmt.Errorf("listing is not in key order at %q (directory buckets are not supported)", obj.key)
					}
					lastRel = obj.rel
					if obj.rel == "" || isDirMarker(obj.key, obj.size) || !flt.match(obj.rel) {
						continue
					}
					if err := checkRel(obj.rel); err != nil {
						if d == DirPull {
							return &UnsafeKeyError{Key: obj.key, Reason: err.Error()}
						}
						// A key no local file can produce is never deleted by a push.
						o.Logger.Warn("s3sync: ignoring key with no local path", "key", obj.key, "reason", err)
						continue
					}
					robjs = append(robjs, obj)
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}

	for {
		if err := nextLocal(); err != nil {
			return nil, err
		}
		if err := nextRemote(); err != nil {
			return nil, err
		}
		switch {
		case len(lbuf) == 0 && len(robjs) == 0:
			if err := s.resolveChecks(ctx, p, checks, o); err != nil {
				return nil, err
			}
			p.Took = time.Since(start)
			return p, nil
		case len(robjs) == 0 || (len(lbuf) > 0 && lbuf[0].rel < robjs[0].rel):
			lf := lbuf[0]
			lbuf = lbuf[1:]
			if d == DirPush {
				p.Transfers = append(p.Transfers, Item{Action: ActionUpload, Path: lf.rel, Key: prefix + lf.rel, Size: lf.size, Reason: ReasonNew, local: lf})
			} else if o.Delete {
				p.Deletes = append(p.Deletes, Item{Action: ActionDelete, Path: lf.rel, Key: prefix + lf.rel, Size: lf.size, Reason: ReasonExtraneous, local: lf})
			}
		case len(lbuf) == 0 || robjs[0].rel < lbuf[0].rel:
			ro := robjs[0]
			robjs = robjs[1:]
			if d == DirPull {
				p.Transfers = append(p.Transfers, Item{Action: ActionDownload, Path: ro.rel, Key: ro.key, Size: ro.size, Reason: ReasonNew, etag: ro.etag})
			} else if o.Delete {
				p.Deletes = append(p.Deletes, Item{Action: ActionDelete, Path: ro.rel, Key: ro.key, Size: ro.size, Reason: ReasonExtraneous})
			}
		default:
			lf, ro := lbuf[0], robjs[0]
			lbuf, robjs = lbuf[1:], robjs[1:]
			reason, decided := decide(d, lf, ro, o)
			switch {
			case !decided:
				checks = append(checks, check{local: lf, remote: ro})
			case reason == "":
				p.Unchanged++
			default:
				p.Transfers = append(p.Transfers, transferItem(d, lf, ro, reason))
			}
		}
	}
}

func transferItem(d Direction, lf localFile, ro remoteObject, reason string) Item {
	if d == DirPush {
		return Item{Action: ActionUpload, Path: lf.rel, Key: ro.key, Size: lf.size, Reason: reason, local: lf}
	}
	return Item{Action: ActionDownload, Path: ro.rel, Key: ro.key, Size: ro.size, Reason: reason, local: lf, etag: ro.etag}
}

// decide compares a file and an object present on both sides using the listing only. It returns
// the reason to transfer ("" for equal), or decided=false when only a HEAD can tell.
//
// The listing carries size and LastModified but no user metadata (ListObjectsV2 never returns
// x-amz-meta-*), so the stored mtime is not available without a HEAD. The rules:
//   - push: equal when the object's LastModified (the upload time) is not before the file's mtime:
//     the object was written after the file last changed (the rule of aws s3 sync). A file newer
//     by a whole second or more is uploaded. A file modified within the second LastModified is
//     truncated to (S3 lists whole seconds) needs a HEAD to compare the stored mtime.
//   - pull: pulled files get the stored mtime, which is older than LastModified, so the push rule
//     cannot tell a fresh object from an old one. Instead, a file is equal when its mtime (truncated
//     to the second) is not after LastModified (not edited since the upload), its inode change time
//     is not before LastModified (it was written, by a pull, after the object was), and the two
//     differ (a write in place sets both to the same instant; a pull sets the mtime, then renames).
//     Re-uploading the object moves LastModified past the ctime; editing the file moves its mtime
//     past LastModified or onto its ctime.
//
// Anything else falls back to a HEAD and an exact comparison with the stored mtime.
func decide(d Direction, lf localFile, ro remoteObject, o Options) (reason string, decided bool) {
	if lf.size != ro.size {
		return ReasonSize, true
	}
	switch o.Compare {
	case CompareSizeOnly:
		return "", true
	case CompareChecksum:
		return "", false
	}
	if o.ExactMtime {
		return "", false
	}
	mtime := lf.mtime.Truncate(time.Second)
	lm := ro.lastModified
	if d == DirPush {
		switch {
		case !lf.mtime.After(lm):
			return "", true
		case mtime.After(lm):
			return ReasonNewer, true
		}
		// Modified within the second LastModified was truncated to: only the stored mtime can tell.
		return "", false
	}
	// A write sets mtime and ctime to the same instant; a pull sets mtime to the stored value, then
	// renames (ctime = now). Equal times mean the file was written in place after the pull, even
	// within the second of truncation above.
	if !mtime.After(lm) && !lf.ctime.IsZero() && !lf.ctime.Before(lm) && !lf.ctime.Equal(lf.mtime) {
		return "", true
	}
	return "", false
}

// resolveChecks settles the undecided pairs with a HEAD each (and a local hash in checksum mode),
// Concurrency at a time, then puts the transfers back in key order.
func (s *Syncer) resolveChecks(ctx context.Context, p *Plan, checks []check, o Options) error {
	if len(checks) == 0 {
		return nil
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, o.Concurrency)
	)
	for _, c := range checks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			reason, err := s.checkPair(ctx, p, c, o)
			mu.Lock()
			defer mu.Unlock()
			p.Requests++
			switch {
			case err != nil:
				if firstErr == nil {
					firstErr = err
				}
			case reason == "":
				p.Unchanged++
			default:
				p.Transfers = append(p.Transfers, transferItem(p.Direction, c.local, c.remote, reason))
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	slices.SortFunc(p.Transfers, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

// checkPair decides one pair with a HEAD.
func (s *Syncer) checkPair(ctx context.Context, p *Plan, c check, o Options) (string, error) {
	d, bucket := p.Direction, p.Bucket
	out, err := s.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(c.remote.key)})
	if err != nil {
		if isNotFound(err) {
			// Deleted since the listing: a push uploads it; a pull has nothing to fetch.
			if d == DirPush {
				return ReasonNew, nil
			}
			return "", nil
		}
		return "", fmt.Errorf("head s3://%s/%s: %w", bucket, c.remote.key, err)
	}
	if o.Compare == CompareChecksum {
		stored, ok := metaGet(out.Metadata, MetaSHA256)
		if !ok {
			return ReasonNoChecksum, nil
		}
		path := localPath(p.Dir, c.local.rel)
		sum, err := fileSHA256(path)
		if err != nil {
			return "", fmt.Errorf("hash %s: %w", path, err)
		}
		if !strings.EqualFold(sum, stored) {
			return ReasonChecksum, nil
		}
		return "", nil
	}
	stored, ok := storedMtime(out.Metadata, out.LastModified)
	if !ok {
		return ReasonUnknownMtime, nil
	}
	if !mtimeEqual(stored, c.local.mtime) {
		return ReasonMtime, nil
	}
	return "", nil
}

// storedMtime is the mtime from metadata, or LastModified for objects written by other tools (pull
// sets that as the file's mtime, as aws s3 sync does).
func storedMtime(meta map[string]string, lastModified *time.Time) (time.Time, bool) {
	if v, ok := metaGet(meta, MetaMtime); ok {
		if t, ok := parseMtime(v); ok {
			return t, true
		}
	}
	if lastModified != nil {
		return *lastModified, true
	}
	return time.Time{}, false
}

// isNotFound reports a missing object (HEAD answers a bare 404, GET NoSuchKey).
func isNotFound(err error) bool {
	var nf *types.NotFound
	var nk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}
