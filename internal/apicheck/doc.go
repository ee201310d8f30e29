// Package apicheck finds internal types in a package's exported API: an exported identifier
// whose type, field, parameter or result is a type from an internal package, which users cannot
// name (and `go doc` shows as a type they cannot import). The module's test runs it on every
// public package.
package apicheck
