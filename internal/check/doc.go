// Package check collects the problems of an Options value so a constructor can report every
// invalid field in one error that matches its package's ErrInvalidOptions.
package check
