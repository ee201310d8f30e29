package check

import (
	"fmt"
	"strings"
)

// Problems is a list of what is wrong, each naming its field. The zero value is ready to use.
type Problems struct{ list []string }

// Addf records one problem. The message should start with the field name, for example
// "MaxDelete is negative (-1)".
func (p *Problems) Addf(format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// If records the problem when bad is true.
func (p *Problems) If(bad bool, format string, args ...any) {
	if bad {
		p.Addf(format, args...)
	}
}

// Len returns how many problems were recorded.
func (p *Problems) Len() int { return len(p.list) }

// Err returns nil when nothing was recorded, else one error wrapping sentinel (the package's
// ErrInvalidOptions) whose message lists every problem: "<sentinel>: a; b; c".
func (p *Problems) Err(sentinel error) error {
	if len(p.list) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", sentinel, strings.Join(p.list, "; "))
}
