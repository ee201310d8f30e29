package s3sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Apply carries out a plan: every transfer, then, only if all of them succeeded and the context is
// still live, the deletes. All S3 requests (whole files, parts, deletes) share one pool of
// Options.Concurrency slots. Failures are collected per file and returned as a *SyncError; a
// cancelled context stops new transfers, and no delete is made. Apply blocks until every request it
// started has ended, and it never leaves a partial file at a final path.
//
// Before anything else, a pull removes the stale temporary files the plan found and, with
// Options.Delete, the extraneous local entries that stand where a transfer needs a directory or a
// file (a file "x" where the source now has "x/y", or the reverse), so such a change converges.
func (s *Syncer) Apply(ctx context.Context, p *Plan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	o := p.opts
	if o.MaxDelete > 0 && len(p.Deletes) > o.MaxDelete {
		return fmt.Errorf("%w: plan deletes %d entries, MaxDelete is %d; nothing was changed", ErrTooManyDeletes, len(p.Deletes), o.MaxDelete)
	}
	if len(p.Deletes) > 0 && p.sourceEmpty() && !o.AllowEmptySource {
		return fmt.Errorf("%w: plan deletes all %d entries at the destination and the source has none (a mistyped prefix or directory?); set Options.AllowEmptySource to allow it; nothing was changed",
			ErrEmptySource, len(p.Deletes))
	}
	r := &run{s: s, p: p, o: o, reqs: semaphore.NewWeighted(int64(o.Concurrency))}
	r.prog.FilesTotal = len(p.Transfers)
	r.prog.BytesTotal = p.Bytes()
	r.errs = append(r.errs, p.Refused...)
	deletes := p.Deletes
	if p.Direction == DirPull {
		r.removeStaleTemps()
		if len(p.Transfers) > 0 {
			if err := os.MkdirAll(p.Dir, 0o755); err != nil {
				return fmt.Errorf("s3sync: create %s: %w", p.Dir, err)
			}
		}
		var errs []*FileError
		deletes, errs = r.removeBlockers()
		r.errs = append(r.errs, errs...)
	}

	// A small file holds one request slot for its single request; a large file holds one of
	// LargeFiles places while its parts take request slots one by one. A failed file does not stop
	// the others; a cancelled ctx stops dispatching.
	var small, large errgroup.Group
	large.SetLimit(o.LargeFiles)
	for i := range p.Transfers {
		it := &p.Transfers[i]
		if ctx.Err() != nil {
			break
		}
		if it.Size >= o.MultipartThreshold && it.Size > 0 {
			large.Go(func() error {
				if ctx.Err() != nil {
					return nil // cancelled while waiting for a place: never started
				}
				if it.Action == ActionUpload {
					r.fileDone(it, r.uploadLarge(ctx, it))
				} else {
					r.fileDone(it, r.downloadLarge(ctx, it))
				}
				return nil
			})
			continue
		}
		if r.acquire(ctx) != nil {
			break
		}
		small.Go(func() error {
			defer r.release()
			if it.Action == ActionUpload {
				r.fileDone(it, r.uploadSmall(ctx, it))
			} else {
				r.fileDone(it, r.downloadSmall(ctx, it))
			}
			return nil
		})
	}
	_ = small.Wait() // the functions report through fileDone and return nil
	_ = large.Wait()

	if len(r.errs) > 0 || ctx.Err() != nil {
		return &SyncError{Files: r.errs, Cause: ctx.Err(), DeletesSkipped: len(deletes)}
	}
	return r.deletes(ctx, deletes)
}

// checkPlan refuses a plan that PlanPush or PlanPull did not make (its options would be unset, and
// a zero Concurrency would block Apply forever), and re-checks every item's path, since Plan's
// fields are exported and a path edited after planning must not leave the directory either.
func checkPlan(p *Plan) error {
	if p == nil || (p.Direction != DirPush && p.Direction != DirPull) || p.opts.Concurrency < 1 || p.opts.LargeFiles < 1 || p.opts.Clock == nil {
		return fmt.Errorf("%w: plan not made by PlanPush or PlanPull", ErrInvalidOptions)
	}
	for _, list := range [][]Item{p.Transfers, p.Deletes} {
		for _, it := range list {
			// Downloads name files after keys, which must pass the full check; the other paths
			// come from the local walk (a file may have a backslash in its name on Linux) and
			// only must not leave the directory.
			check := checkInside
			if it.Action == ActionDownload {
				check = checkRel
			}
			if err := check(it.Path); err != nil {
				return &UnsafeKeyError{Key: it.Key, Reason: "path " + err.Error()}
			}
			if it.Key != p.Prefix+it.Path {
				return &UnsafeKeyError{Key: it.Key, Reason: fmt.Sprintf("does not match path %q below prefix %q", it.Path, p.Prefix)}
			}
		}
	}
	return nil
}

// run is the state of one Apply.
type run struct {
	s    *Syncer
	p    *Plan
	o    Options
	reqs *semaphore.Weighted // request slots

	mu   sync.Mutex
	prog Progress
	errs []*FileError
	dirs sync.Map // local directories known to be safe to write into (pull)
}

// acquire takes a request slot, or fails when ctx ends first.
func (r *run) acquire(ctx context.Context) error { return r.reqs.Acquire(ctx, 1) }

// release returns a request slot.
func (r *run) release() { r.reqs.Release(1) }

// inParts runs fn(ctx, i) for i in 0..n-1, each on a request slot, and returns the first error;
// that error cancels the ctx of the parts still running and stops the ones not started. It
// returns only after every part it started has ended.
func (r *run) inParts(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	var stopped error
	for i := range n {
		if stopped = r.acquire(gctx); stopped != nil {
			break
		}
		g.Go(func() error {
			err := fn(gctx, i)
			if err != nil {
				cancel() // before the slot is released: no further part may take it
			}
			r.release()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return stopped // the caller's ctx ended before every part started
}

func (r *run) addBytes(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prog.BytesDone += n
	if r.o.OnProgress != nil {
		r.o.OnProgress(r.prog)
	}
}

func (r *run) fileDone(it *Item, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prog.FilesDone++
	if err != nil {
		r.prog.Failed++
		r.errs = append(r.errs, &FileError{Action: it.Action, Path: it.Path, Key: it.Key, Err: err})
		r.o.Logger.Warn("s3sync: transfer failed", "action", it.Action.String(), "path", it.Path, "err", err)
	}
	if r.o.OnProgress != nil {
		r.o.OnProgress(r.prog)
	}
}

// deletes removes the plan's extraneous entries: objects in DeleteObjects batches of up to 1000
// keys, local files one by one.
func (r *run) deletes(ctx context.Context, deletes []Item) error {
	var errs []*FileError
	if r.p.Direction == DirPull {
		for _, it := range deletes {
			err := ctx.Err()
			if err == nil {
				err = removeLocal(localPath(r.p.Dir, it.Path))
			}
			if err != nil {
				errs = append(errs, &FileError{Action: ActionDelete, Path: it.Path, Key: it.Key, Err: err})
			}
		}
	} else {
		for start := 0; start < len(deletes); start += MaxDeleteBatch {
			batch := deletes[start:min(start+MaxDeleteBatch, len(deletes))]
			errs = append(errs, r.deleteBatch(ctx, batch, true)...)
		}
	}
	if len(errs) > 0 {
		return &SyncError{Files: errs, Cause: ctx.Err()}
	}
	return nil
}

// deleteBatch deletes up to MaxDeleteBatch objects in one request, on a request slot of its own
// when acquire is set (else on the caller's).
func (r *run) deleteBatch(ctx context.Context, batch []Item, acquire bool) []*FileError {
	fail := func(err error) []*FileError {
		errs := make([]*FileError, len(batch))
		for i, it := range batch {
			errs[i] = &FileError{Action: ActionDelete, Path: it.Path, Key: it.Key, Err: err}
		}
		return errs
	}
	objs := make([]types.ObjectIdentifier, len(batch))
	byKey := make(map[string]Item, len(batch))
	for i, it := range batch {
		objs[i] = types.ObjectIdentifier{Key: aws.String(it.Key)}
		byKey[it.Key] = it
	}
	if acquire {
		if err := r.acquire(ctx); err != nil {
			return fail(err)
		}
		defer r.release()
	}
	out, err := r.s.api.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(r.p.Bucket),
		Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
	})
	if err != nil {
		return fail(fmt.Errorf("delete objects: %w", err))
	}
	var errs []*FileError
	for _, e := range out.Errors {
		it := byKey[aws.ToString(e.Key)]
		errs = append(errs, &FileError{Action: ActionDelete, Path: it.Path, Key: aws.ToString(e.Key),
			Err: fmt.Errorf("%s: %s", aws.ToString(e.Code), aws.ToString(e.Message))})
	}
	return errs
}

// removeLocal deletes a file found by the plan's walk, if it is still a regular file.
func removeLocal(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("%s is no longer a regular file", path)
	}
	return os.Remove(path)
}

// removeStaleTemps removes the stale temporary files of an interrupted pull that the plan found,
// if they are still the pull's regular files, and logs each.
func (r *run) removeStaleTemps() {
	for _, rel := range r.p.TempFiles {
		if !isTempName(path.Base(rel)) || checkRel(rel) != nil {
			continue // an edited plan: only the pull's own temporary files are ever removed
		}
		name := localPath(r.p.Dir, rel)
		if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.o.Logger.Warn("s3sync: cannot remove stale temporary file", "path", rel, "err", err)
			continue
		}
		r.o.Logger.Info("s3sync: removed stale temporary file of an interrupted pull", "path", rel)
	}
}

// removeBlockers removes, before any transfer, the planned deletes that stand in a download's way:
// a file where a download needs a directory ("x" for "x/y"), and the files below a directory where
// a download needs a file ("x/y" for "x", then the directories left empty). It returns the other
// deletes, for the end of the run, and the failures.
func (r *run) removeBlockers() (rest []Item, errs []*FileError) {
	if len(r.p.Deletes) == 0 || len(r.p.Transfers) == 0 {
		return r.p.Deletes, nil
	}
	files := make(map[string]bool, len(r.p.Transfers)) // paths downloads write
	dirs := make(map[string]bool)                      // directories they need
	for _, it := range r.p.Transfers {
		files[it.Path] = true
		for d := path.Dir(it.Path); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, it := range r.p.Deletes {
		under := "" // the download path this entry lies below
		for d := path.Dir(it.Path); d != "."; d = path.Dir(d) {
			if files[d] {
				under = d
			}
		}
		if !dirs[it.Path] && under == "" {
			rest = append(rest, it)
			continue
		}
		if err := removeLocal(localPath(r.p.Dir, it.Path)); err != nil {
			errs = append(errs, &FileError{Action: ActionDelete, Path: it.Path, Key: it.Key, Err: err})
			continue
		}
		r.o.Logger.Info("s3sync: removed an extraneous entry in a download's way", "path", it.Path)
		// Remove the directories this left empty, up to the one the download replaces; one that
		// still holds entries (to be removed next, or excluded) stays.
		for d := path.Dir(it.Path); under != "" && d != path.Dir(under); d = path.Dir(d) {
			if os.Remove(localPath(r.p.Dir, d)) != nil {
				break
			}
		}
	}
	return rest, errs
}
