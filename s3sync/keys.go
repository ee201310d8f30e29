package s3sync

import (
	"fmt"
	"runtime"
	"strings"
)

// normPrefix turns a user prefix into the listing prefix: no leading "/", and a trailing "/" unless
// empty, so "releases/v1" lists "releases/v1/..." and never "releases/v10/...".
// Repeated slashes at either end count as one ("rel/v1//" is "rel/v1/"): a push must not write
// keys that a pull of the parent prefix would refuse.
func normPrefix(p string) string {
	p = strings.Trim(p, "/")
	if p != "" {
		p += "/"
	}
	return p
}

// checkEscape reports a key path that would lead out of the destination directory (NUL,
// absolute, a ".." segment with either separator, a drive on Windows). Such a key fails a whole
// pull: it is an attack or a gross mistake, not an odd name.
func checkEscape(rel string) error {
	switch {
	case strings.ContainsRune(rel, 0):
		return fmt.Errorf("contains NUL")
	case strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`):
		return fmt.Errorf("absolute path")
	case runtime.GOOS == "windows" && strings.ContainsRune(rel, ':'):
		return fmt.Errorf("contains a drive or stream separator")
	}
	// A backslash is a separator on Windows, and "..\\x" is a classic way around "/" checks.
	for seg := range strings.FieldsFuncSeq(rel, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return fmt.Errorf(`".." path segment`)
		}
	}
	return nil
}

// checkRel validates a path below the prefix before anything is written for it, in both
// directions: a pull writes only such paths, and a push sends only such names, so what one pushes
// the other can pull. It must be a clean relative path without backslash that stays inside the
// destination directory.
func checkRel(rel string) error {
	if err := checkEscape(rel); err != nil {
		return err
	}
	if strings.ContainsRune(rel, '\\') {
		return fmt.Errorf("contains a backslash")
	}
	return checkInside(rel)
}

// checkInside is the part of checkRel that any path joined below a directory must pass: relative,
// no NUL, and no empty, "." or ".." segment.
func checkInside(rel string) error {
	switch {
	case rel == "":
		return fmt.Errorf("empty path")
	case strings.ContainsRune(rel, 0):
		return fmt.Errorf("contains NUL")
	case strings.HasPrefix(rel, "/"):
		return fmt.Errorf("absolute path")
	}
	for seg := range strings.SplitSeq(rel, "/") {
		switch seg {
		case "":
			if strings.HasSuffix(rel, "/") {
				return fmt.Errorf("ends in \"/\"")
			}
			return fmt.Errorf("empty path segment")
		case ".", "..":
			return fmt.Errorf("%q path segment", seg)
		}
	}
	return nil
}

// isDirMarker reports whether a key is a "folder" placeholder (zero-length, ending in "/"), as the
// S3 console creates. Such keys carry no file and are skipped.
func isDirMarker(key string, size int64) bool { return size == 0 && strings.HasSuffix(key, "/") }
