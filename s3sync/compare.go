package s3sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
)

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
//     past LastModified or onto its ctime. Multipart objects (a multipart ETag, or at least
//     MultipartThreshold bytes) always take a HEAD on pull: their LastModified is the start of
//     the upload.
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
	// The LastModified of a multipart object is when its upload was initiated, not when it
	// completed and became visible (S3 User Guide, "Working with object metadata"), which can be
	// minutes later. A pull in between fetched the previous version, and its ctime is after
	// LastModified: only the stored mtime can tell. Multipart ETags end in "-<parts>" on AWS;
	// servers that list another ETag are covered by the size from which this package (and most
	// tools) upload in parts.
	if strings.Contains(ro.etag, "-") || ro.size >= o.MultipartThreshold {
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
func (s *Syncer) resolveChecks(ctx context.Context, p *Plan, checks []headCheck, o Options) error {
	if len(checks) == 0 {
		return nil
	}
	// The first failure cancels the HEADs still to come: the plan fails as a whole anyway.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	var mu sync.Mutex
	for _, c := range checks {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err // failed or cancelled while waiting for a slot
			}
			reason, err := s.checkPair(gctx, p, c, o)
			mu.Lock()
			defer mu.Unlock()
			p.Requests++
			switch {
			case err != nil:
				return err
			case reason == "":
				p.Unchanged++
			default:
				p.Transfers = append(p.Transfers, transferItem(p.Direction, c.local, c.remote, reason))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	slices.SortFunc(p.Transfers, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

// checkPair decides one pair with a HEAD.
func (s *Syncer) checkPair(ctx context.Context, p *Plan, c headCheck, o Options) (string, error) {
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
	if stored, ok := metaGet(out.Metadata, MetaSHA256); o.Compare == CompareChecksum && (ok || d == DirPush) {
		if !ok {
			// A push adds the missing digest. A pull could not (the object would still have
			// none, and every pull would fetch it again), so it compares the stored mtime below.
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
