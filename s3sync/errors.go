package s3sync

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

var (
	// ErrInvalidOptions is wrapped by the error for invalid Options or arguments; its message
	// names every invalid field.
	ErrInvalidOptions = errors.New("s3sync: invalid options")
	// ErrTooManyDeletes is returned by Apply, before anything is transferred or deleted, when a plan
	// would delete more entries than Options.MaxDelete allows.
	ErrTooManyDeletes = errors.New("s3sync: too many deletes")
	// ErrEmptySource is returned by Apply, before anything is transferred or deleted, when a plan
	// with Options.Delete would empty the destination because the source has no file at all (a
	// mistyped prefix or directory looks just like that). Options.AllowEmptySource permits it.
	ErrEmptySource = errors.New("s3sync: source is empty")
	// ErrInvalidName is wrapped by the FileError of a source entry whose name has no counterpart on
	// the other side: a key that is no valid relative path ("a//b", "a/./b", a non-empty object
	// whose key ends in "/"), or a local name that a pull would refuse (a backslash). The rest of
	// the plan is carried out; the SyncError lists the entry and no delete is made.
	ErrInvalidName = errors.New("s3sync: invalid name")
	// ErrFileChanged is wrapped by the FileError of a file that kept changing while it was
	// uploaded, MaxChangedAttempts times in a row. The object it may have left half old, half new
	// is removed, so the next run uploads the file again.
	ErrFileChanged = errors.New("s3sync: file changed while uploading")
)

// UnsafeKeyError reports an object key that does not map to a path inside the destination
// directory (for example "../x", an absolute path, a NUL or a backslash). A pull that meets one
// fails while planning, before anything is written.
type UnsafeKeyError struct {
	// Key is the full object key.
	Key string
	// Reason says what is wrong with it ("\"..\" path segment", "absolute path", ...).
	Reason string
}

// Error names the key and the reason.
func (e *UnsafeKeyError) Error() string {
	return fmt.Sprintf("s3sync: unsafe key %q: %s", e.Key, e.Reason)
}

// FileError is the failure of one file in an Apply.
type FileError struct {
	// Action is what failed: upload, download or delete.
	Action Action
	// Path is the slash-separated path below the local directory.
	Path string
	// Key is the full object key.
	Key string
	// Err is the cause.
	Err error
}

// Error names the action, path and cause. A path with control or other unprintable characters
// is quoted (Go syntax), so it cannot break or forge lines of a log.
func (e *FileError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Action, quoteName(e.Path), e.Err)
}

// quoteName returns s as it is when it is not empty and every rune is printable and not a space
// other than ' ', and strconv.Quote(s) otherwise.
func quoteName(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == unicode.ReplacementChar || (r != ' ' && (!unicode.IsPrint(r) || unicode.IsSpace(r))) {
			return strconv.Quote(s)
		}
	}
	return s
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// SyncError is returned by Apply when files failed or the context ended. Files lists every failed
// file; when it is not empty, or Cause is set, no delete was made. Use errors.As to get it.
type SyncError struct {
	Files []*FileError
	// Cause is the context's error when the run was cut short, or nil.
	Cause error
	// DeletesSkipped counts the planned deletes that were not made because of the failures.
	DeletesSkipped int
}

// Error summarizes the failures and lists the first few.
func (e *SyncError) Error() string {
	var b strings.Builder
	b.WriteString("s3sync: ")
	if e.Cause != nil {
		fmt.Fprintf(&b, "interrupted: %v; ", e.Cause)
	}
	fmt.Fprintf(&b, "%d files failed", len(e.Files))
	if e.DeletesSkipped > 0 {
		fmt.Fprintf(&b, ", %d deletes skipped", e.DeletesSkipped)
	}
	const show = 5
	for i, f := range e.Files {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(e.Files)-show)
			break
		}
		b.WriteString("; ")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns the cause and every file error, so errors.Is sees through them.
func (e *SyncError) Unwrap() []error {
	errs := make([]error, 0, len(e.Files)+1)
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	for _, f := range e.Files {
		errs = append(errs, f)
	}
	return errs
}
