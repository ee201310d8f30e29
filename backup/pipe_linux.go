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
