//go:build !unix

package bootstrap

import "os/exec"

// setProcessGroup does nothing where process groups do not exist; cancellation kills the hook
// process only.
func setProcessGroup(*exec.Cmd) {}

// isMountPoint reports false where it cannot be told.
func isMountPoint(string) bool { return false }

// lockDir does not lock where flock does not exist.
func lockDir(string) (func(), error) { return func() {}, nil }
