package backup

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidOptions is matched by every error reporting invalid Options; the message names
	// each invalid field.
	ErrInvalidOptions = errors.New("backup: invalid options")
	// ErrInvalidSpec is matched by every error reporting an invalid Spec or restore target.
	ErrInvalidSpec = errors.New("backup: invalid spec")
	// ErrTimeout is matched by the error of a wait that ran out of time (with wait.ErrTimeout).
	ErrTimeout = errors.New("backup: timed out")
	// ErrNotFound is matched when the backup asked for has no manifest (it does not exist or
	// never completed).
	ErrNotFound = errors.New("backup: backup not found")
	// ErrIntegrity is matched when a stored object does not match its manifest (size or
	// SHA-256), or the manifest is unreadable. Restore refuses such a backup before writing
	// anything.
	ErrIntegrity = errors.New("backup: integrity check failed")
	// ErrIncompleteDump is matched when the dump client exited 0 but its output lacks the
	// "-- Dump completed" trailer.
	ErrIncompleteDump = errors.New("backup: dump incomplete")
	// ErrVerifyMismatch is matched when Verify finds a table whose row count or checksum differs
	// from the manifest.
	ErrVerifyMismatch = errors.New("backup: verify mismatch")
	// ErrTargetNotEmpty is matched when Restore is asked to write into a database that holds
	// tables and RestoreOptions.Overwrite is false.
	ErrTargetNotEmpty = errors.New("backup: target database is not empty")
)

// Stage names a step of the backup pipeline.
type Stage string

// The stages a StageError names.
const (
	StageDump     Stage = "dump"
	StageCompress Stage = "compress"
	StageEncrypt  Stage = "encrypt"
	StageUpload   Stage = "upload"
	StageManifest Stage = "manifest"
	StageDownload Stage = "download"
	StageRestore  Stage = "restore"
)

// StageError is the error of a backup or restore that failed: Stage says where. For the dump
// stage, Stderr holds what the client wrote on stderr (the package never passes secrets on the
// command line, so it holds none of ours) and ExitCode its exit status (-1 when killed by a signal).
type StageError struct {
	// Stage is the step that failed.
	Stage Stage
	// Stderr is the dump or mysql client's standard error (trimmed to the last 8 KiB), if any.
	Stderr string
	// ExitCode is the client's exit status, -1 for a signal, 0 when it is not a client failure.
	ExitCode int
	// Err is the underlying error.
	Err error
}

// Error names the stage and the cause, with the client's stderr when there is one.
func (e *StageError) Error() string {
	msg := fmt.Sprintf("backup: %s failed: %v", e.Stage, e.Err)
	if e.Stderr != "" {
		msg += ": stderr: " + e.Stderr
	}
	return msg
}

// Unwrap returns Err.
func (e *StageError) Unwrap() error { return e.Err }
