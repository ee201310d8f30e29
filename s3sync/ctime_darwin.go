package s3sync

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime returns the inode change time (ctime) of a file, which no user call can set back:
// renaming, writing or re-timing a file all move it to "now".
func changeTime(fi fs.FileInfo) (time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Ctimespec.Sec, st.Ctimespec.Nsec), true
}
