package s3sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// formatMtime writes t as "<unix seconds>.<nanoseconds>", rclone's X-Amz-Meta-Mtime format.
func formatMtime(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// parseMtime reads formatMtime's output (and plain or shorter-fraction seconds).
func parseMtime(s string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, false
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return time.Unix(n, ns), true
}

// mtimeGranularities are the timestamp resolutions of common file systems coarser than a
// nanosecond: NTFS (100 ns), some network file systems (1 µs, 1 ms), HFS+ and ext3 (1 s), FAT (2 s).
var mtimeGranularities = [...]time.Duration{100 * time.Nanosecond, time.Microsecond, time.Millisecond, time.Second, 2 * time.Second}

// mtimeEqual reports whether a local file's mtime is the stored one, as far as the local file
// system can keep it: equal, or the stored time cut down to a coarser resolution. The tolerance
// runs one way only: a stored whole second never matches a local time with a fraction, since a
// file system that keeps fractions would have kept the stored value exactly (the local file was
// modified since).
func mtimeEqual(stored, local time.Time) bool {
	if stored.Equal(local) {
		return true
	}
	for _, g := range mtimeGranularities {
		if stored.Truncate(g).Equal(local) {
			return true
		}
	}
	return false
}

// formatMode and parseMode store the permission bits only: setuid, setgid and sticky bits from a
// bucket are never applied to local files.
func formatMode(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

func parseMode(s string) (fs.FileMode, bool) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, false
	}
	return fs.FileMode(n).Perm(), true
}

// metaGet looks a metadata key up case-insensitively (the SDK lower-cases them, other servers may not).
func metaGet(m map[string]string, key string) (string, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// fileSHA256 returns the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
