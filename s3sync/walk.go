package s3sync

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// localFile is a regular file found by the walk.
type localFile struct {
	rel   string // slash-separated path below the root, the key suffix
	size  int64
	mtime time.Time
	ctime time.Time // zero when unknown
	mode  fs.FileMode
}

// localPath returns the file's path below root.
func localPath(root, rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

// tempPrefix and tempSuffix name the temporary files pull writes before renaming; walks skip them.
const (
	tempPrefix = ".s3sync-"
	tempSuffix = ".tmp"
)

func isTempName(name string) bool {
	return strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix)
}

// walker yields the regular files under a root in S3 key order (byte order of the slash-separated
// path), one directory at a time, so memory is bounded by the entries of the directories on the
// current path rather than the whole tree.
type walker struct {
	root   string
	before time.Time // zero, or leave out files modified at or after it
	filter *filter
	follow bool
	log    *slog.Logger
	stack  []*frame

	// staleBefore, when set, makes the walk collect the temporary files modified before it.
	staleBefore time.Time

	// skipped holds the symlinks the walk left out, temps the stale temporary files it saw. They
	// are read by the merge while the walk runs.
	mu      sync.Mutex
	skipped []string
	temps   []string
}

// staleTemps returns the stale temporary files seen so far.
func (w *walker) staleTemps() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.temps)
}

// skip records a symlink the walk leaves out.
func (w *walker) skip(rel string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.skipped = append(w.skipped, rel)
}

// covers reports whether rel is a skipped symlink or lies below one. A push must not delete such
// an object: the walk did not look there (a link skipped by default, or one whose target is
// missing for now), which says nothing about what the source has. Callers ask only about paths
// the walk has passed, so the directory holding the link has been read.
func (w *walker) covers(rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.skipped {
		if rel == s || (strings.HasPrefix(rel, s) && rel[len(s)] == '/') {
			return true
		}
	}
	return false
}

type frame struct {
	abs, rel string
	info     fs.FileInfo // the directory itself, for symlink loop detection
	entries  []dirEntry
	next     int
}

type dirEntry struct {
	name string
	key  string // name, plus "/" for directories: the order S3 lists them in
	dir  bool
	info fs.FileInfo
}

// newWalker opens root. A missing root yields no files when missingOK (a pull into a new
// directory) and an error otherwise (a push must never treat a missing source as empty).
// With staleBefore set, the walk collects the temporary files modified before it (see staleTemps).
func newWalker(root string, f *filter, follow, missingOK bool, staleBefore time.Time, log *slog.Logger) (*walker, error) {
	w := &walker{root: root, filter: f, follow: follow, staleBefore: staleBefore, log: log}
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) && missingOK {
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("local directory %s: not a directory", root)
	}
	if err := w.push(root, "", info); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *walker) push(abs, rel string, info fs.FileInfo) error {
	des, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("read directory %s: %w", abs, err)
	}
	entries := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		if isTempName(name) {
			w.noteTemp(de, childRel)
			continue
		}
		fi, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", filepath.Join(abs, name), err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if !w.follow {
				w.log.Debug("s3sync: skipping symlink", "path", childRel)
				w.skip(childRel)
				continue
			}
			target, err := os.Stat(filepath.Join(abs, name))
			if err != nil {
				w.log.Warn("s3sync: skipping broken symlink", "path", childRel, "err", err)
				w.skip(childRel)
				continue
			}
			// The directory being read is not on the stack yet: a link to it ("self -> .")
			// loops as well as one to an ancestor.
			if target.IsDir() && (os.SameFile(target, info) || w.loops(target)) {
				w.log.Warn("s3sync: skipping symlink loop", "path", childRel)
				w.skip(childRel)
				continue
			}
			fi = target
		}
		if !utf8.ValidString(childRel) {
			w.log.Warn("s3sync: skipping path that is not valid UTF-8", "path", childRel)
			continue
		}
		switch {
		case fi.IsDir():
			if w.filter.pruneDir(childRel) {
				continue
			}
			entries = append(entries, dirEntry{name: name, key: name + "/", dir: true, info: fi})
		case fi.Mode().IsRegular():
			entries = append(entries, dirEntry{name: name, key: name, info: fi})
		}
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.key, b.key) })
	w.stack = append(w.stack, &frame{abs: abs, rel: rel, info: info, entries: entries})
	return nil
}

// noteTemp records a temporary file of a pull when it is stale: a regular file (never a link or a
// directory) unmodified since staleBefore.
func (w *walker) noteTemp(de fs.DirEntry, rel string) {
	if w.staleBefore.IsZero() || !de.Type().IsRegular() {
		return
	}
	if fi, err := de.Info(); err == nil && fi.ModTime().Before(w.staleBefore) {
		w.mu.Lock()
		w.temps = append(w.temps, rel)
		w.mu.Unlock()
	}
}

// loops reports whether dir is one of the directories being walked (a symlink cycle).
func (w *walker) loops(dir fs.FileInfo) bool {
	for _, f := range w.stack {
		if os.SameFile(f.info, dir) {
			return true
		}
	}
	return false
}

// next returns the next file, or ok=false at the end. An error means the walk is incomplete.
func (w *walker) next() (lf localFile, ok bool, err error) {
	for len(w.stack) > 0 {
		top := w.stack[len(w.stack)-1]
		if top.next == len(top.entries) {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		e := top.entries[top.next]
		top.entries[top.next] = dirEntry{} // let the FileInfo go
		top.next++
		rel := e.name
		if top.rel != "" {
			rel = top.rel + "/" + e.name
		}
		if e.dir {
			if err := w.push(filepath.Join(top.abs, e.name), rel, e.info); err != nil {
				return localFile{}, false, err
			}
			continue
		}
		if !w.filter.match(rel) || (!w.before.IsZero() && !e.info.ModTime().Before(w.before)) {
			continue
		}
		ct, _ := changeTime(e.info)
		return localFile{rel: rel, size: e.info.Size(), mtime: e.info.ModTime(), ctime: ct, mode: e.info.Mode()}, true, nil
	}
	return localFile{}, false, nil
}
