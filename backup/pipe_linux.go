package backup

import (
	"os"
	"syscall"
)

// growPipe asks for a 1 MiB pipe buffer (the default 64 KiB makes the dump client stall whenever
// the reader is not scheduled at once, which costs throughput on a busy machine). Best effort:
// the kernel caps it at /proc/sys/fs/pipe-max-size.
func growPipe(f *os.File) {
	const fSetPipeSz = 1031 // F_SETPIPE_SZ
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), fSetPipeSz, 1<<20)
}

// optionPipe returns the read end of a pipe holding text, whose write end is closed: a client
// that inherits it as fd 3 reads text from /dev/fd/3 and then sees EOF. ok is false when text
// does not fit the pipe buffer at once (the caller then uses a file).
func optionPipe(text string) (r *os.File, ok bool) {
	if len(text) > 32<<10 {
		return nil, false
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, false
	}
	_, werr := w.WriteString(text)
	cerr := w.Close()
	if werr != nil || cerr != nil {
		r.Close()
		return nil, false
	}
	return r, true
}
