package cert

import (
	"errors"
	"strings"
)

var (
	// ErrInvalidOptions is matched by the error for invalid [Options] or a missing client; the
	// message names every problem.
	ErrInvalidOptions = errors.New("cert: invalid options")
	// ErrInvalidCertificate is matched by the error of a bundle that fails [Check]; the error is a
	// [*CheckError] listing every problem.
	ErrInvalidCertificate = errors.New("cert: invalid certificate")
	// ErrExpiring is matched by the error of [Client.Report] when a certificate in use expires
	// within the margin (or has expired); the error is an [*ExpiryError].
	ErrExpiring = errors.New("cert: certificate expiring")
	// ErrNotFound is matched when a listener or load balancer named in a call does not exist.
	ErrNotFound = errors.New("cert: not found")
)

// CheckError lists every problem [Check] found with a bundle. It never holds key material.
type CheckError struct {
	// Subject names the certificate checked, for example "CN=example.com", when it could be
	// parsed.
	Subject string
	// Problems are the problems, one sentence each.
	Problems []string
}

// Error names the certificate and every problem.
func (e *CheckError) Error() string {
	s := "cert: invalid certificate"
	if e.Subject != "" {
		s += " " + e.Subject
	}
	return s + ": " + strings.Join(e.Problems, "; ")
}

// Is makes errors.Is(err, ErrInvalidCertificate) true.
func (e *CheckError) Is(target error) bool { return target == ErrInvalidCertificate }

// ExpiryError lists the certificates in use that expire within the margin.
type ExpiryError struct {
	// Expiring are the report entries that expire within the margin, soonest first.
	Expiring []Entry
}

// Error names each expiring certificate with its days left and where it is used.
func (e *ExpiryError) Error() string {
	parts := make([]string, len(e.Expiring))
	for i, x := range e.Expiring {
		parts[i] = x.String()
	}
	return "cert: certificates expiring: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrExpiring) true.
func (e *ExpiryError) Is(target error) bool { return target == ErrExpiring }
