package s3sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Apply carries out a plan: every transfer, then, only if all of them succeeded and the context is
// still live, the deletes. All S3 requests (whole files, parts, deletes) share one pool of
// Options.Concurrency slots. Failures are collected per file and returned as a *SyncError; a
// cancelled context stops new transfers, and no delete is made. Apply blocks until every request it
// started has ended, and it never leaves a partial file at a final path.
func (s *Syncer) Apply(ctx context.Context, p *Plan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	o := p.opts
	if o.MaxDelete > 0 && len(p.Deletes) > o.MaxDelete {
		return fmt.Errorf("%w: plan deletes %d entries, MaxDelete is %d; nothing was changed", ErrTooManyDeletes, len(p.Deletes), o.MaxDelete)
	}
	r := &run{s: s, p: p, o: o, sem: make(chan struct{}, o.Concurrency), large: make(chan struct{}, o.LargeFiles)}
	r.prog.FilesTotal = len(p.Transfers)
	r.prog.BytesTotal = p.Bytes()
	if p.Direction == DirPull && len(p.Transfers) > 0 {
		if err := os.MkdirAll(p.Dir, 0o755); err != nil {
			return fmt.Errorf("s3sync: create %s: %w", p.Dir, err)
		}
	}

	var wg sync.WaitGroup
dispatch:
	for i := range p.Transfers {
		it := &p.Transfers[i]
		isLarge := it.Size >= o.MultipartThreshold && it.Size > 0
		// A large file holds a LargeFiles slot while its parts take request slots one by one; a
		// small file holds one request slot for its single request.
		gate := r.sem
		if isLarge {
			gate = r.large
		}
		select {
		case gate <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		wg.Add(1)
		go func() {
			defer func() { <-gate; wg.Done() }()
			var err error
			switch {
			case it.Action == ActionUpload && isLarge:
				err = r.uploadLarge(ctx, it)
			case it.Action == ActionUpload:
				err = r.uploadSmall(ctx, it)
			case isLarge:
				err = r.downloadLarge(ctx, it)
			default:
				err = r.downloadSmall(ctx, it)
			}
			r.fileDone(it, err)
		}()
	}
	wg.Wait()

	if len(r.errs) > 0 || ctx.Err() != nil {
		return &SyncError{Files: r.errs, Cause: ctx.Err(), DeletesSkipped: len(p.Deletes)}
	}
	if err := r.deletes(ctx); err != nil {
		return err
	}
	return nil
}

// checkPlan refuses a plan that PlanPush or PlanPull did not make (its options would be unset, and
// a zero Concurrency would block Apply forever), and re-checks every item's path, since Plan's
// fields are exported and a path edited after planning must not leave the directory either.
func checkPlan(p *Plan) error {
	if p == nil || (p.Direction != DirPush && p.Direction != DirPull) || p.opts.Concurrency < 1 || p.opts.LargeFiles < 1 {
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
	s     *Syncer
	p     *Plan
	o     Options
	sem   chan struct{} // request slots
	large chan struct{} // open multipart transfers

	mu   sync.Mutex
	prog Progress
	errs []*FileError
	dirs sync.Map // local directories known to be safe to write into (pull)
}

// acquire takes a request slot, or fails when ctx ends first.
func (r *run) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *run) release() { <-r.sem }

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
func (r *run) deletes(ctx context.Context) error {
	var errs []*FileError
	if r.p.Direction == DirPull {
		for _, it := range r.p.Deletes {
			err := ctx.Err()
			if err == nil {
				err = removeLocal(localPath(r.p.Dir, it.Path))
			}
			if err != nil {
				errs = append(errs, &FileError{Action: ActionDelete, Path: it.Path, Key: it.Key, Err: err})
			}
		}
	} else {
		for start := 0; start < len(r.p.Deletes); start += MaxDeleteBatch {
			batch := r.p.Deletes[start:min(start+MaxDeleteBatch, len(r.p.Deletes))]
			errs = append(errs, r.deleteBatch(ctx, batch)...)
		}
	}
	if len(errs) > 0 {
		return &SyncError{Files: errs, Cause: ctx.Err()}
	}
	return nil
}

func (r *run) deleteBatch(ctx context.Context, batch []Item) []*FileError {
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
	if err := r.acquire(ctx); err != nil {
		return fail(err)
	}
	out, err := r.s.api.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(r.p.Bucket),
		Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
	})
	r.release()
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
