package cert

import (
	"crypto/x509"
	"log/slog"
	"regexp"
	"time"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/check"
)

// Defaults for [Options].
const (
	// DefaultExpiryMargin is how long before its expiry a certificate counts as expiring: Check
	// refuses it and Report flags it. Thirty days leaves room for a renewal that goes wrong.
	DefaultExpiryMargin = 30 * 24 * time.Hour
	// DefaultNameTag is the ACM tag key whose value is the name given to ImportACM; it is how a
	// renewal finds the certificate to re-import into.
	DefaultNameTag = "portalkit:certificate"
	// DefaultIAMPath is the path under which UploadIAM stores server certificates.
	DefaultIAMPath = "/portalkit/"
)

// Options configure a [Client] and [Check]. Pass overrides to New, Check or any method as
// func(*Options); a method's overrides apply to a copy of the client's options.
type Options struct {
	// ExpiryMargin is how long before expiry a certificate counts as expiring. Zero means
	// DefaultExpiryMargin; negative is invalid.
	ExpiryMargin time.Duration
	// Roots verifies the chain. Nil means the system's roots, plus the chain's last certificate
	// when it is self-signed (a root included in the chain).
	Roots *x509.CertPool
	// AllowOlder lets ImportACM re-import a certificate that expires before the one it replaces.
	// False (the default) refuses such a downgrade, which is usually an old file picked by mistake.
	AllowOlder bool
	// NameTag is the ACM tag key that names an imported certificate. Empty means DefaultNameTag.
	NameTag string
	// Tags are added to a newly uploaded IAM server certificate, and to a newly imported ACM
	// certificate besides the name tag (ACM refuses tags
	// on a re-import). Nil means none.
	Tags map[string]string
	// IAMPath is the path of uploaded IAM server certificates, starting and ending with "/".
	// Empty means DefaultIAMPath.
	IAMPath string
	// WarnOnly makes Report log expiring certificates as warnings and return no error for them.
	// False (the default) returns an error matching ErrExpiring.
	WarnOnly bool
	// Clock tells the time for validity checks. Nil means the wall clock.
	Clock clock.Clock
	// Logger receives a line per change and per expiring certificate, never key material. Nil
	// means discard.
	Logger *slog.Logger
}

var iamPathPattern = regexp.MustCompile(`^/([\x21-\x7e]*/)?$`)

// resolve applies optFns to a copy of o, fills the defaults and validates.
func (o Options) resolve(optFns []func(*Options)) (Options, error) {
	for _, fn := range optFns {
		fn(&o)
	}
	var p check.Problems
	p.If(o.ExpiryMargin < 0, "ExpiryMargin is negative (%s)", o.ExpiryMargin)
	p.If(o.IAMPath != "" && (!iamPathPattern.MatchString(o.IAMPath) || len(o.IAMPath) > 512),
		"IAMPath %q must start and end with / and hold printable ASCII (at most 512 characters)", o.IAMPath)
	for k := range o.Tags {
		p.If(k == "" || len(k) > 128, "Tags: key %q must be 1-128 characters", k)
	}
	if err := p.Err(ErrInvalidOptions); err != nil {
		return o, err
	}
	if o.ExpiryMargin == 0 {
		o.ExpiryMargin = DefaultExpiryMargin
	}
	if o.NameTag == "" {
		o.NameTag = DefaultNameTag
	}
	if o.IAMPath == "" {
		o.IAMPath = DefaultIAMPath
	}
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
