package s3sync

import (
	"context"
	"fmt"
	"path"
	"slices"
	"time"
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

// headCheck is a pair the listing could not decide on: it needs a HEAD (and, in checksum mode, a
// local hash).
type headCheck struct {
	local  localFile
	remote remoteObject
}

// plan merges the sorted local walk with the sorted listing. Both sides stream; memory holds one
// listing page, one walk batch, the directories on the walk's current path and the plan itself.
func (s *Syncer) plan(ctx context.Context, d Direction, dir, bucket, prefix string, o Options) (*Plan, error) {
	start := o.Clock.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops both producers when the merge ends early

	flt := newFilter(o.Include, o.Exclude)
	var staleBefore time.Time
	if d == DirPull {
		staleBefore = start.Add(-StaleTempAge)
	}
	w, err := newWalker(dir, flt, o.FollowSymlinks, d == DirPull, staleBefore, o.Logger)
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
		checks  []headCheck
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
				if d == DirPush {
					lbuf = slices.DeleteFunc(lbuf, func(lf localFile) bool {
						// Only names that a pull of the key would accept are pushed.
						err := checkRel(lf.rel)
						if err != nil {
							p.sources++
							p.Refused = append(p.Refused, &FileError{Action: ActionUpload, Path: lf.rel, Key: prefix + lf.rel,
								Err: fmt.Errorf("%w: %v (a pull could not write it)", ErrInvalidName, err)})
						}
						return err != nil
					})
				}
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
					if isDirMarker(obj.key, obj.size) || (obj.rel != "" && !flt.match(obj.rel)) {
						continue
					}
					if d == DirPush {
						// A key no local file can produce is never deleted by a push.
						if err := checkRel(obj.rel); err != nil {
							o.Logger.Warn("s3sync: ignoring key with no local path", "key", obj.key, "reason", err)
							continue
						}
					} else {
						// A pull names a file after the key. A key that would leave the directory
						// fails the whole pull; one that merely is no path fails on its own.
						if err := checkEscape(obj.rel); err != nil {
							return &UnsafeKeyError{Key: obj.key, Reason: err.Error()}
						}
						if err := checkRel(obj.rel); err != nil {
							if obj.rel == "" {
								err = fmt.Errorf("object named like the prefix itself")
							}
							p.sources++
							p.Refused = append(p.Refused, &FileError{Action: ActionDownload, Path: obj.rel, Key: obj.key,
								Err: fmt.Errorf("%w: %v (no local path)", ErrInvalidName, err)})
							o.Logger.Warn("s3sync: key with no local path", "key", obj.key, "reason", err)
							continue
						}
					}
					if isTempName(path.Base(obj.rel)) {
						// The walks never see such names, so the key would be downloaded on every
						// pull (over the name a concurrent download may be using) or deleted by a
						// push: leave it alone, like an excluded path.
						o.Logger.Warn("s3sync: ignoring key named like a temporary file", "key", obj.key)
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
			if d == DirPull {
				p.TempFiles = w.staleTemps()
			}
			p.Took = o.Clock.Now().Sub(start)
			return p, nil
		case len(robjs) == 0 || (len(lbuf) > 0 && lbuf[0].rel < robjs[0].rel):
			lf := lbuf[0]
			lbuf = lbuf[1:]
			if d == DirPush {
				p.sources++
				p.Transfers = append(p.Transfers, Item{Action: ActionUpload, Path: lf.rel, Key: prefix + lf.rel, Size: lf.size, Reason: ReasonNew, local: lf})
			} else if o.Delete {
				p.Deletes = append(p.Deletes, Item{Action: ActionDelete, Path: lf.rel, Key: prefix + lf.rel, Size: lf.size, Reason: ReasonExtraneous, local: lf})
			}
		case len(lbuf) == 0 || robjs[0].rel < lbuf[0].rel:
			ro := robjs[0]
			robjs = robjs[1:]
			if d == DirPull {
				p.sources++
				p.Transfers = append(p.Transfers, Item{Action: ActionDownload, Path: ro.rel, Key: ro.key, Size: ro.size, Reason: ReasonNew, etag: ro.etag})
			} else if o.Delete && !w.covers(ro.rel) {
				p.Deletes = append(p.Deletes, Item{Action: ActionDelete, Path: ro.rel, Key: ro.key, Size: ro.size, Reason: ReasonExtraneous})
			}
		default:
			lf, ro := lbuf[0], robjs[0]
			lbuf, robjs = lbuf[1:], robjs[1:]
			p.sources++
			reason, decided := decide(d, lf, ro, o)
			switch {
			case !decided:
				checks = append(checks, headCheck{local: lf, remote: ro})
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
