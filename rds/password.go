package rds

import (
	"fmt"
	"log/slog"
	"strings"
)

// Password holds a database password. It never prints: fmt verbs, slog and JSON render it as
// [Redacted] (or "" when it is empty), so a Spec or ConnOptions that ends up in a log line or an
// error message does not leak it. Use Reveal where the password must be sent.
type Password string

// Redacted is how a non-empty [Password] renders.
const Redacted = "[REDACTED]"

// Reveal returns the password itself, for the one place that sends it (CreateDBInstance, the
// MySQL handshake).
func (p Password) Reveal() string { return string(p) }

// String returns [Redacted] for a non-empty password and "" for an empty one.
func (p Password) String() string {
	if p == "" {
		return ""
	}
	return Redacted
}

// GoString redacts the password under %#v.
func (p Password) GoString() string { return fmt.Sprintf("rds.Password(%q)", p.String()) }

// Format redacts the password under every fmt verb.
func (p Password) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, p.GoString())
			return
		}
		fmt.Fprint(f, p.String())
	case 'q':
		fmt.Fprintf(f, "%q", p.String())
	default:
		fmt.Fprint(f, p.String())
	}
}

// LogValue redacts the password in slog output.
func (p Password) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalText redacts the password in JSON, XML and other text encodings.
func (p Password) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MySQL password rules on RDS: 8 to 41 printable ASCII characters other than '/', '"', '@' and
// space (RDS User Guide, "Settings for DB instances", Master password).
const (
	// MinPasswordLength is the shortest master password RDS for MySQL accepts.
	MinPasswordLength = 8
	// MaxPasswordLength is the longest master password RDS for MySQL accepts.
	MaxPasswordLength = 41
)

// passwordProblems returns what is wrong with p under RDS for MySQL's rules, naming field and
// never quoting the password.
func passwordProblems(field string, p Password) []string {
	var out []string
	if n := len(p); n < MinPasswordLength || n > MaxPasswordLength {
		out = append(out, fmt.Sprintf("%s has %d characters; RDS for MySQL needs %d to %d", field, n, MinPasswordLength, MaxPasswordLength))
	}
	var bad []string
	for _, c := range string(p) {
		switch {
		case c == '/' || c == '"' || c == '@':
			bad = appendOnce(bad, fmt.Sprintf("%q", c))
		case c == ' ':
			bad = appendOnce(bad, "space")
		case c < 0x21 || c > 0x7e:
			bad = appendOnce(bad, "non-printable or non-ASCII characters")
		}
	}
	if len(bad) > 0 {
		out = append(out, fmt.Sprintf("%s contains %s, which RDS refuses (printable ASCII other than '/', '\"', '@' and space only)", field, strings.Join(bad, ", ")))
	}
	return out
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
