package route53

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// WWW says how www.<domain> reaches the site.
type WWW int

const (
	// WWWAlias points www at the load balancer with alias records, like the apex. It is the
	// default: one lookup for clients, and nothing to change in www when the apex changes.
	WWWAlias WWW = iota
	// WWWCNAME makes www a CNAME to the apex (TTL Site.CNAMETTL), which follows the apex's alias.
	WWWCNAME
	// WWWNone leaves www alone.
	WWWNone
)

// String returns "alias", "CNAME" or "none".
func (w WWW) String() string {
	switch w {
	case WWWAlias:
		return "alias"
	case WWWCNAME:
		return "CNAME"
	case WWWNone:
		return "none"
	}
	return fmt.Sprintf("WWW(%d)", int(w))
}

// Site is a domain served by a load balancer: its apex and www.
type Site struct {
	// Domain is the site's domain, usually the zone apex, for example "example.com". Required.
	Domain string
	// Target is the load balancer, from [Client.LoadBalancerTarget] or [Client.ClassicTarget].
	// Required.
	Target Target
	// WWW says how www.<Domain> reaches the site. The zero value is WWWAlias.
	WWW WWW
	// EvaluateTargetHealth sets the alias records' EvaluateTargetHealth: Route 53 then answers
	// for the record only while the load balancer has healthy targets (for an ALB or NLB, every
	// target group with targets has a healthy one). It matters when another record can answer
	// instead, as in [Failover]; false (the default) always answers.
	EvaluateTargetHealth bool
	// CNAMETTL is the TTL in seconds of the www CNAME under WWWCNAME. Zero means
	// DefaultCNAMETTL.
	CNAMETTL int64
}

func (s Site) validate() error {
	var problems []string
	if !validName(fqdn(s.Domain)) {
		problems = append(problems, fmt.Sprintf("Domain %q is not a domain name", s.Domain))
	}
	if strings.HasPrefix(fqdn(s.Domain), "www.") {
		problems = append(problems, fmt.Sprintf("Domain %q starts with www.: name the apex, www is added", s.Domain))
	}
	problems = append(problems, s.Target.problems("Target")...)
	if s.WWW < WWWAlias || s.WWW > WWWNone {
		problems = append(problems, fmt.Sprintf("WWW is %v, not WWWAlias, WWWCNAME or WWWNone", s.WWW))
	}
	if s.CNAMETTL < 0 {
		problems = append(problems, fmt.Sprintf("CNAMETTL is negative (%d)", s.CNAMETTL))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(problems, "; "))
	}
	return nil
}

// Records returns the record sets the site needs: alias A records for the domain (and AAAA when
// the target is dual-stack), and www as Site.WWW says.
func (s Site) Records() []types.ResourceRecordSet {
	apex := fqdn(s.Domain)
	www := "www." + apex
	alias := func(name string, t types.RRType) types.ResourceRecordSet {
		return types.ResourceRecordSet{Name: aws.String(name), Type: t, AliasTarget: &types.AliasTarget{
			DNSName: aws.String(s.Target.DNSName), HostedZoneId: aws.String(stripZonePrefix(s.Target.HostedZoneID)),
			EvaluateTargetHealth: s.EvaluateTargetHealth,
		}}
	}
	types_ := []types.RRType{types.RRTypeA}
	if s.Target.DualStack {
		types_ = append(types_, types.RRTypeAaaa)
	}
	var out []types.ResourceRecordSet
	for _, t := range types_ {
		out = append(out, alias(apex, t))
	}
	switch s.WWW {
	case WWWAlias:
		for _, t := range types_ {
			out = append(out, alias(www, t))
		}
	case WWWCNAME:
		ttl := s.CNAMETTL
		if ttl == 0 {
			ttl = DefaultCNAMETTL
		}
		out = append(out, types.ResourceRecordSet{Name: aws.String(www), Type: types.RRTypeCname, TTL: aws.Int64(ttl),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String(apex)}}})
	}
	return out
}

// stale reports whether an existing record set of the site's names is left over from an earlier
// target: a simple AAAA alias when the target is not dual-stack (it would keep answering with
// the previous load balancer's IPv6 addresses).
func (s Site) stale(rr types.ResourceRecordSet) bool {
	return !s.Target.DualStack && rr.Type == types.RRTypeAaaa && rr.AliasTarget != nil && rr.SetIdentifier == nil
}

// EnsureSite points the site's domain and www at its load balancer, in one atomic change: alias
// A records (AAAA too for a dual-stack load balancer) at the domain, and www as Site.WWW says.
// It finds the hosted zone that serves the domain ([Client.FindZone]), compares with the record
// sets there and sends one ChangeResourceRecordSets request with UPSERTs of only what differs
// (and a DELETE of a simple AAAA alias left from a dual-stack target when the target is not),
// or nothing when everything matches; then it waits until the change is INSYNC (unless
// Options.NoWait). See [Client.EnsureRecords] for what it replaces and how changes to one zone
// are serialised.
func (c *Client) EnsureSite(ctx context.Context, site Site, optFns ...func(*Options)) (*Result, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := site.validate(); err != nil {
		return nil, err
	}
	zone, err := c.findZone(ctx, o, site.Domain)
	if err != nil {
		return nil, wrap(err, "route53: site "+site.Domain)
	}
	res, err := c.ensure(ctx, o, zone, site.Records(), site.stale)
	return res, wrap(err, "route53: site "+site.Domain)
}
