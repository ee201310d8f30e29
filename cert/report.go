package cert

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/portalkit/portalkit/internal/check"
)

// Targets name the load balancers whose listeners a report covers.
type Targets struct {
	// LoadBalancerARNs are ALBs and NLBs: every HTTPS and TLS listener, default and SNI
	// certificates.
	LoadBalancerARNs []string
	// ClassicNames are Classic Load Balancers: every HTTPS and SSL listener.
	ClassicNames []string
}

// Entry is one certificate in use by one listener.
type Entry struct {
	// Listener is the listener: its ARN, or "<name>:<port>" for a Classic Load Balancer.
	Listener string
	// CertificateARN is the ACM certificate or IAM server certificate.
	CertificateARN string
	// Default is false for an SNI certificate of an ALB/NLB listener.
	Default bool
	// Domain is the certificate's domain name (ACM) or server certificate name (IAM).
	Domain string
	// NotAfter is when it expires.
	NotAfter time.Time
	// DaysLeft is the whole days until NotAfter; negative once expired.
	DaysLeft int
	// Expiring reports NotAfter within Options.ExpiryMargin (or past).
	Expiring bool
}

// String reads like "arn:...:certificate/x (example.com) on <listener>: 12 days left".
func (e Entry) String() string {
	left := fmt.Sprintf("%d days left", e.DaysLeft)
	if e.DaysLeft < 0 {
		left = "expired " + e.NotAfter.Format("2006-01-02")
	}
	return fmt.Sprintf("%s (%s) on %s: %s", e.CertificateARN, e.Domain, e.Listener, left)
}

// Report is the certificates in use by the targets' listeners, soonest expiry first.
type Report struct {
	// Entries are every (listener, certificate) pair, soonest expiry first.
	Entries []Entry
	// Margin is the expiry margin the entries were judged by.
	Margin time.Duration
}

// Expiring returns the entries within the margin.
func (r *Report) Expiring() []Entry {
	var out []Entry
	for _, e := range r.Entries {
		if e.Expiring {
			out = append(out, e)
		}
	}
	return out
}

// Report lists the certificates in use by the targets' secure listeners with the days each has
// left, so a deploy tool can fail before a certificate lapses. When one expires within
// Options.ExpiryMargin (or has expired) it returns the report and an [*ExpiryError] matching
// [ErrExpiring], or, with Options.WarnOnly, logs a warning per certificate and returns no error.
// A certificate that cannot be read (deleted, no permission) is an error, never "fine"; so are
// Targets naming no load balancer (ErrInvalidOptions).
func (c *Client) Report(ctx context.Context, t Targets, optFns ...func(*Options)) (*Report, error) {
	var need []string
	if len(t.LoadBalancerARNs) > 0 {
		need = append(need, "ELBv2")
	}
	if len(t.ClassicNames) > 0 {
		need = append(need, "ELB")
	}
	o, err := c.opts(optFns, need...)
	if err != nil {
		return nil, err
	}
	var p check.Problems
	p.If(len(t.LoadBalancerARNs)+len(t.ClassicNames) == 0, "Targets names no load balancer: a report over nothing would find nothing expiring")
	p.If(slices.Contains(t.LoadBalancerARNs, ""), "Targets.LoadBalancerARNs holds an empty ARN")
	p.If(slices.Contains(t.ClassicNames, ""), "Targets.ClassicNames holds an empty name")
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	var entries []Entry
	for _, arn := range t.LoadBalancerARNs {
		es, err := c.albEntries(ctx, o, arn)
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	for _, name := range t.ClassicNames {
		es, err := c.classicEntries(ctx, o, name)
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	if err := c.fillExpiry(ctx, o, entries); err != nil {
		return nil, err
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].NotAfter.Before(entries[j].NotAfter) })
	rep := &Report{Entries: entries, Margin: o.ExpiryMargin}
	expiring := rep.Expiring()
	if len(expiring) == 0 {
		return rep, nil
	}
	if o.WarnOnly {
		for _, e := range expiring {
			o.Logger.Warn("cert: certificate expiring", "certificate", e.CertificateARN, "domain", e.Domain, "listener", e.Listener, "days_left", e.DaysLeft)
		}
		return rep, nil
	}
	return rep, &ExpiryError{Expiring: expiring}
}

func (c *Client) albEntries(ctx context.Context, o Options, lbARN string) ([]Entry, error) {
	in := &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)}
	var entries []Entry
	for {
		var out *elasticloadbalancingv2.DescribeListenersOutput
		if err := call(ctx, o, func(ctx context.Context) (err error) { out, err = c.api.ELBv2.DescribeListeners(ctx, in); return err }); err != nil {
			return nil, fmt.Errorf("cert: listeners of %s: %w", lbARN, err)
		}
		for _, l := range out.Listeners {
			if l.Protocol != elbv2types.ProtocolEnumHttps && l.Protocol != elbv2types.ProtocolEnumTls {
				continue
			}
			arn := aws.ToString(l.ListenerArn)
			certs, err := c.listenerCertificates(ctx, o, arn)
			if err != nil {
				return nil, err
			}
			for certARN, def := range certs {
				entries = append(entries, Entry{Listener: arn, CertificateARN: certARN, Default: def})
			}
		}
		if aws.ToString(out.NextMarker) == "" {
			return entries, nil
		}
		in.Marker = out.NextMarker
	}
}

func (c *Client) classicEntries(ctx context.Context, o Options, name string) ([]Entry, error) {
	lb, err := c.classic(ctx, o, name)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	for _, ld := range lb.ListenerDescriptions {
		l := ld.Listener
		if l == nil || aws.ToString(l.SSLCertificateId) == "" {
			continue
		}
		entries = append(entries, Entry{Listener: fmt.Sprintf("%s:%d", name, l.LoadBalancerPort), CertificateARN: aws.ToString(l.SSLCertificateId), Default: true})
	}
	return entries, nil
}

// fillExpiry looks each certificate up once: ACM certificates with DescribeCertificate, IAM
// server certificates from one ListServerCertificates walk.
func (c *Client) fillExpiry(ctx context.Context, o Options, entries []Entry) error {
	type expiry struct {
		domain   string
		notAfter time.Time
	}
	known := map[string]expiry{}
	var iamList map[string]expiry
	for i := range entries {
		arn := entries[i].CertificateARN
		e, ok := known[arn]
		switch {
		case ok:
		case strings.HasPrefix(arn, "arn:aws:iam::") || strings.Contains(arn, ":iam::"):
			if c.api.IAM == nil {
				return fmt.Errorf("%w: Clients.IAM is nil and %s is an IAM server certificate", ErrInvalidOptions, arn)
			}
			if iamList == nil {
				list, err := c.serverCertificates(ctx, o)
				if err != nil {
					return err
				}
				iamList = map[string]expiry{}
				for a, m := range list {
					iamList[a] = expiry{m.name, m.notAfter}
				}
			}
			if e, ok = iamList[arn]; !ok {
				return fmt.Errorf("%w: IAM server certificate %s used by %s", ErrNotFound, arn, entries[i].Listener)
			}
		default:
			if c.api.ACM == nil {
				return fmt.Errorf("%w: Clients.ACM is nil and %s is an ACM certificate", ErrInvalidOptions, arn)
			}
			var out *acm.DescribeCertificateOutput
			err := call(ctx, o, func(ctx context.Context) (err error) {
				out, err = c.api.ACM.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
				return err
			})
			if err != nil {
				return fmt.Errorf("cert: describe %s used by %s: %w", arn, entries[i].Listener, err)
			}
			e = expiry{aws.ToString(out.Certificate.DomainName), aws.ToTime(out.Certificate.NotAfter)}
		}
		known[arn] = e
		now := o.Clock.Now()
		entries[i].Domain, entries[i].NotAfter = e.domain, e.notAfter
		entries[i].DaysLeft = int(e.notAfter.Sub(now).Hours() / 24)
		if e.notAfter.Before(now) {
			entries[i].DaysLeft = -int(now.Sub(e.notAfter).Hours()/24) - 1
		}
		entries[i].Expiring = e.notAfter.Sub(now) < o.ExpiryMargin
	}
	return nil
}

type serverCertMeta struct {
	name     string
	notAfter time.Time
}

func (c *Client) serverCertificates(ctx context.Context, o Options) (map[string]serverCertMeta, error) {
	out := map[string]serverCertMeta{}
	in := &iam.ListServerCertificatesInput{}
	for {
		var page *iam.ListServerCertificatesOutput
		if err := call(ctx, o, func(ctx context.Context) (err error) {
			page, err = c.api.IAM.ListServerCertificates(ctx, in)
			return err
		}); err != nil {
			return nil, fmt.Errorf("cert: list IAM server certificates: %w", err)
		}
		for _, m := range page.ServerCertificateMetadataList {
			out[aws.ToString(m.Arn)] = serverCertMeta{aws.ToString(m.ServerCertificateName), aws.ToTime(m.Expiration)}
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.Marker = page.Marker
	}
}
