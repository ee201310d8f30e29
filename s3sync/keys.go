package s3sync

import (
	"fmt"
	"runtime"
	"strings"
)

// normPrefix turns a user prefix into the listing prefix: no leading "/", and a trailing "/" unless
// empty, so "releases/v1" lists "releases/v1/..." and never "releases/v10/...".
func normPrefix(p string) string {
	p = strings.TrimLeft(p, "/")
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// checkRel validates a key's path below the prefix before anything is written for it: it must be a
// clean relative path that stays inside the destination directory.
func checkRel(rel string) error {
	switch {
	case rel == "":
		return fmt.Errorf("empty path")
	case strings.ContainsRune(rel, '\\'):
		// A backslash is a separator on Windows, and "..\\x" is a classic way around "/" checks.
		return fmt.Errorf("contains a backslash")
	case runtime.GOOS == "windows" && strings.ContainsRune(rel, ':'):
		return fmt.Errorf("contains a drive or stream separator")
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
