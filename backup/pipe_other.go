//go:build !linux

package backup

import "os"

// growPipe is a no-op where the pipe size cannot be set.
func growPipe(*os.File) {}

// optionPipe is unavailable where /dev/fd cannot open an inherited pipe: the caller uses a file.
func optionPipe(string) (*os.File, bool) { return nil, false }
