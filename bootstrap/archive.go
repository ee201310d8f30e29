package bootstrap

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extractTar unpacks a tar stream (gzipped or not) into dir, which must exist. It refuses, with
// an error matching ErrUnsafePath, any entry whose name is absolute or leaves dir, a symlink whose
// target leaves dir (also through other links), hard links and special files. Files are written through an os.Root, so no
// entry can write outside dir even through a link created by an earlier entry. On error the
// caller removes dir.
func extractTar(r io.Reader, dir string) error {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("bootstrap: archive: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("bootstrap: archive: %w", err)
	}
	defer root.Close()
	tr := tar.NewReader(r)
	var links []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return checkLinks(root, links)
		}
		if err != nil {
			return fmt.Errorf("bootstrap: archive: %w", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "." {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := mkdirAllRoot(root, name); err != nil {
				return err
			}
		case tar.TypeReg: // the reader reports old-style TypeRegA entries as TypeReg
			if err := mkdirAllRoot(root, path.Dir(name)); err != nil {
				return err
			}
			f, err := root.OpenFile(filepath.FromSlash(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, fs.FileMode(hdr.Mode).Perm()|0o200)
			if err != nil {
				return fmt.Errorf("%w: archive entry %q: %v", ErrUnsafePath, hdr.Name, err)
			}
			_, err = io.Copy(f, tr)
			if err == nil {
				err = f.Sync() // on disk before current can point at it
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("bootstrap: archive entry %q: %w", hdr.Name, err)
			}
		case tar.TypeSymlink:
			target := hdr.Linkname
			if target == "" || path.IsAbs(target) || strings.Contains(target, `\`) || !filepath.IsLocal(path.Join(path.Dir(name), target)) {
				return fmt.Errorf("%w: archive entry %q links to %q, outside the release", ErrUnsafePath, hdr.Name, target)
			}
			if err := mkdirAllRoot(root, path.Dir(name)); err != nil {
				return err
			}
			// The parent was created through the root, so it is a real directory inside dir.
			if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				return fmt.Errorf("bootstrap: archive entry %q: %w", hdr.Name, err)
			}
			links = append(links, name)
		case tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("%w: archive entry %q has type %q (only files, directories and contained symlinks)", ErrUnsafePath, hdr.Name, string(hdr.Typeflag))
		}
	}
}

// entryName cleans an archive entry name and refuses one that is absolute or leaves the tree.
func entryName(raw string) (string, error) {
	if raw == "" || strings.ContainsAny(raw, "\x00\\") || path.IsAbs(raw) || filepath.IsAbs(raw) {
		return "", fmt.Errorf("%w: archive entry %q is absolute or malformed", ErrUnsafePath, raw)
	}
	for _, seg := range strings.Split(raw, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: archive entry %q has a '..' segment", ErrUnsafePath, raw)
		}
	}
	name := path.Clean(raw)
	if name != "." && !filepath.IsLocal(name) {
		return "", fmt.Errorf("%w: archive entry %q leaves the release", ErrUnsafePath, raw)
	}
	return name, nil
}

// mkdirAllRoot creates dir and its parents inside root (os.Root in Go 1.24 has no MkdirAll).
func mkdirAllRoot(root *os.Root, dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	cur := ""
	for _, seg := range strings.Split(dir, "/") {
		cur = path.Join(cur, seg)
		err := root.Mkdir(filepath.FromSlash(cur), 0o755)
		if err == nil || errors.Is(err, fs.ErrExist) {
			fi, serr := root.Lstat(filepath.FromSlash(cur))
			if serr != nil {
				return fmt.Errorf("bootstrap: archive: %w", serr)
			}
			if !fi.IsDir() {
				return fmt.Errorf("%w: archive directory %q is not a directory (a link or file)", ErrUnsafePath, cur)
			}
			continue
		}
		return fmt.Errorf("%w: archive directory %q: %v", ErrUnsafePath, cur, err)
	}
	return nil
}

// checkLinks refuses a link that resolves outside root once every entry is in place: the lexical
// check of each target cannot see a path through another link ("d" -> ".", then "e" -> "d/..").
// A link that resolves to nothing inside the release (a shared path linked later) is fine.
func checkLinks(root *os.Root, links []string) error {
	for _, name := range links {
		if _, err := root.Stat(filepath.FromSlash(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: archive entry %q links outside the release: %v", ErrUnsafePath, name, err)
		}
	}
	return nil
}
