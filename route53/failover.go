package route53

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/portalkit/portalkit/internal/retry"
)

// Failover is a name answered by a primary load balancer while it is healthy and by a secondary
// one otherwise, for example two regions' load balancers: two failover alias record sets with
// EvaluateTargetHealth, each optionally tied to a Route 53 health check.
type Failover struct {
	// Name is the record name, for example "example.com" or "www.example.com". Required.
	Name string
	// Primary answers while it is healthy. Required.
	Primary FailoverTarget
	// Secondary answers when the primary is not healthy. Required.
	Secondary FailoverTarget
}

// FailoverTarget is one side of a [Failover].
type FailoverTarget struct {
	// Target is the load balancer. Required.
	Target Target
	// SetIdentifier tells the two record sets apart. Empty means "primary" or "secondary".
	SetIdentifier string
	// HealthCheck, if not nil, is a Route 53 health check created (or found) for this side and
	// named in its record sets, on top of the load balancer's own health (EvaluateTargetHealth).
	// Nil relies on EvaluateTargetHealth alone, which is what AWS recommends for load balancers.
	HealthCheck *HealthCheck
}

// HealthCheck is a Route 53 health check of an endpoint by name.
type HealthCheck struct {
	// Type is the check's protocol. Empty means HTTPS.
	Type types.HealthCheckType
	// Domain is the name checked (it is resolved, and sent as Host and SNI), for example the
	// load balancer's DNS name or a name that reaches only it. Required.
	Domain string
	// Path is the HTTP(S) path requested. Empty means "/".
	Path string
	// Port is the port checked. Zero means 443 for HTTPS, 80 for HTTP; TCP needs one.
	Port int32
	// RequestInterval is the seconds between checks, 10 or 30. Zero means 30.
	RequestInterval int32
	// FailureThreshold is how many consecutive checks change the status, 1 to 10. Zero means 3.
	FailureThreshold int32
	// CallerReference identifies the health check for idempotency: a health check with this
	// reference is reused, and creating one twice yields one. Empty means a reference derived
	// from the settings above, so equal settings share one health check and changed settings get
	// a new one. At most 64 characters.
	CallerReference string
}

func (h HealthCheck) resolved() HealthCheck {
	if h.Type == "" {
		h.Type = types.HealthCheckTypeHttps
	}
	if h.Path == "" && h.Type != types.HealthCheckTypeTcp {
		h.Path = "/"
	}
	if h.Port == 0 {
		switch h.Type {
		case types.HealthCheckTypeHttps, types.HealthCheckTypeHttpsStrMatch:
			h.Port = 443
		case types.HealthCheckTypeHttp, types.HealthCheckTypeHttpStrMatch:
			h.Port = 80
		}
	}
	if h.RequestInterval == 0 {
		h.RequestInterval = 30
	}
	if h.FailureThreshold == 0 {
		h.FailureThreshold = 3
	}
	h.Domain = strings.TrimSuffix(strings.ToLower(h.Domain), ".")
	if h.CallerReference == "" {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%d|%d|%d", h.Type, h.Domain, h.Path, h.Port, h.RequestInterval, h.FailureThreshold)))
		h.CallerReference = "portalkit-" + hex.EncodeToString(sum[:12])
	}
	return h
}

func (h HealthCheck) problems(field string) []string {
	var out []string
	if !validName(fqdn(h.Domain)) {
		out = append(out, fmt.Sprintf("%s.Domain %q is not a DNS name", field, h.Domain))
	}
	switch h.Type {
	case "", types.HealthCheckTypeHttps, types.HealthCheckTypeHttp, types.HealthCheckTypeTcp:
	default:
		out = append(out, fmt.Sprintf("%s.Type %s is not HTTPS, HTTP or TCP", field, h.Type))
	}
	if h.Type == types.HealthCheckTypeTcp && h.Port == 0 {
		out = append(out, fmt.Sprintf("%s.Port is required for a TCP check", field))
	}
	if h.Port < 0 || h.Port > 65535 {
		out = append(out, fmt.Sprintf("%s.Port %d is not a port", field, h.Port))
	}
	if h.RequestInterval != 0 && h.RequestInterval != 10 && h.RequestInterval != 30 {
		out = append(out, fmt.Sprintf("%s.RequestInterval is %d, not 10 or 30", field, h.RequestInterval))
	}
	if h.FailureThreshold < 0 || h.FailureThreshold > 10 {
		out = append(out, fmt.Sprintf("%s.FailureThreshold is %d, not 1 to 10", field, h.FailureThreshold))
	}
	if len(h.CallerReference) > 64 {
		out = append(out, fmt.Sprintf("%s.CallerReference is longer than 64 characters", field))
	}
	return out
}

func (h HealthCheck) config() *types.HealthCheckConfig {
	cfg := &types.HealthCheckConfig{
		Type: h.Type, FullyQualifiedDomainName: aws.String(h.Domain), Port: aws.Int32(h.Port),
		RequestInterval: aws.Int32(h.RequestInterval), FailureThreshold: aws.Int32(h.FailureThreshold),
	}
	if h.Type != types.HealthCheckTypeTcp {
		cfg.ResourcePath = aws.String(h.Path)
	}
	if h.Type == types.HealthCheckTypeHttps {
		cfg.EnableSNI = aws.Bool(true)
	}
	return cfg
}

// sameConfig compares the settings HealthCheck controls.
func sameConfig(a, b *types.HealthCheckConfig) bool {
	pick := func(c *types.HealthCheckConfig) []any {
		return []any{c.Type, strings.TrimSuffix(strings.ToLower(aws.ToString(c.FullyQualifiedDomainName)), "."), aws.ToString(c.ResourcePath),
			aws.ToInt32(c.Port), aws.ToInt32(c.RequestInterval), aws.ToInt32(c.FailureThreshold)}
	}
	return a != nil && b != nil && reflect.DeepEqual(pick(a), pick(b))
}

// FailoverResult reports an [Client.EnsureFailover].
type FailoverResult struct {
	Result
	// PrimaryHealthCheckID and SecondaryHealthCheckID are the health checks used, "" for a side
	// without one.
	PrimaryHealthCheckID, SecondaryHealthCheckID string
	// HealthChecksCreated counts the health checks created by this call (0 when they existed).
	HealthChecksCreated int
}

// EnsureFailover makes f.Name answer with the primary load balancer while it is healthy and with
// the secondary otherwise: a PRIMARY and a SECONDARY failover alias record set (A, and AAAA for a
// dual-stack target) with EvaluateTargetHealth, each naming its health check if it has one.
// Health checks are found by caller reference (ListHealthChecks) or created with it, so a second
// run creates none; a reference in use with other settings fails with [ErrHealthCheckConflict].
// Records are compared and changed as [Client.EnsureRecords] does, in one atomic change; simple A
// and AAAA record sets of the name (which Route 53 does not allow next to failover ones), and
// failover A and AAAA record sets the pair no longer names (other SetIdentifiers, the AAAA of a
// side that is no longer dual-stack), are deleted in it.
func (c *Client) EnsureFailover(ctx context.Context, f Failover, optFns ...func(*Options)) (*FailoverResult, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	zone, err := c.findZone(ctx, o, f.Name)
	if err != nil {
		return nil, wrap(err, "route53: failover "+f.Name)
	}
	res := &FailoverResult{}
	var records []types.ResourceRecordSet
	for _, side := range []struct {
		ft    FailoverTarget
		role  types.ResourceRecordSetFailover
		defID string
		hcID  *string
	}{
		{f.Primary, types.ResourceRecordSetFailoverPrimary, "primary", &res.PrimaryHealthCheckID},
		{f.Secondary, types.ResourceRecordSetFailoverSecondary, "secondary", &res.SecondaryHealthCheckID},
	} {
		if side.ft.HealthCheck != nil {
			id, created, err := c.ensureHealthCheck(ctx, o, side.ft.HealthCheck.resolved())
			if err != nil {
				return res, wrap(err, "route53: failover "+f.Name+": "+side.defID+" health check")
			}
			*side.hcID = id
			if created {
				res.HealthChecksCreated++
			}
		}
		setID := side.ft.SetIdentifier
		if setID == "" {
			setID = side.defID
		}
		rrTypes := []types.RRType{types.RRTypeA}
		if side.ft.Target.DualStack {
			rrTypes = append(rrTypes, types.RRTypeAaaa)
		}
		for _, t := range rrTypes {
			rr := types.ResourceRecordSet{
				Name: aws.String(fqdn(f.Name)), Type: t, SetIdentifier: aws.String(setID), Failover: side.role,
				AliasTarget: &types.AliasTarget{
					DNSName: aws.String(side.ft.Target.DNSName), HostedZoneId: aws.String(stripZonePrefix(side.ft.Target.HostedZoneID)),
					EvaluateTargetHealth: true,
				},
			}
			if *side.hcID != "" {
				rr.HealthCheckId = aws.String(*side.hcID)
			}
			records = append(records, rr)
		}
	}
	// Simple A/AAAA record sets of the name, and failover ones this pair does not name (other
	// SetIdentifiers, or AAAA of a side that is no longer dual-stack), are deleted in the same change.
	stale := func(rr types.ResourceRecordSet) bool {
		return (rr.SetIdentifier == nil || rr.Failover != "") && (rr.Type == types.RRTypeA || rr.Type == types.RRTypeAaaa)
	}
	r, err := c.ensure(ctx, o, zone, records, stale)
	if r != nil {
		res.Result = *r
	}
	return res, wrap(err, "route53: failover "+f.Name)
}

func (f Failover) validate() error {
	var problems []string
	if !validName(fqdn(f.Name)) {
		problems = append(problems, fmt.Sprintf("Name %q is not a DNS name", f.Name))
	}
	for _, side := range []struct {
		name string
		ft   FailoverTarget
	}{{"Primary", f.Primary}, {"Secondary", f.Secondary}} {
		problems = append(problems, side.ft.Target.problems(side.name+".Target")...)
		if side.ft.HealthCheck != nil {
			problems = append(problems, side.ft.HealthCheck.problems(side.name+".HealthCheck")...)
		}
	}
	if f.Primary.SetIdentifier != "" && f.Primary.SetIdentifier == f.Secondary.SetIdentifier {
		problems = append(problems, "Primary and Secondary have the same SetIdentifier")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(problems, "; "))
	}
	return nil
}

// EnsureHealthCheck returns the ID of the Route 53 health check with h's caller reference,
// creating it if there is none, and whether it created it. It fails with an error matching
// [ErrHealthCheckConflict] when the reference belongs to a health check with other settings (or
// to a deleted one), and [ErrInvalidSpec] when h is invalid.
func (c *Client) EnsureHealthCheck(ctx context.Context, h HealthCheck, optFns ...func(*Options)) (id string, created bool, err error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return "", false, err
	}
	if p := h.problems("HealthCheck"); len(p) > 0 {
		return "", false, fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(p, "; "))
	}
	id, created, err = c.ensureHealthCheck(ctx, o, h.resolved())
	if err != nil {
		return "", false, wrap(err, "route53")
	}
	return id, created, nil
}

func (c *Client) ensureHealthCheck(ctx context.Context, o Options, h HealthCheck) (string, bool, error) {
	cfg := h.config()
	existing, err := c.healthCheckByReference(ctx, o, h.CallerReference)
	if err != nil {
		return "", false, err
	}
	if existing != nil {
		if !sameConfig(existing.HealthCheckConfig, cfg) {
			return "", false, fmt.Errorf("%w: health check %s (caller reference %s) checks %s:%d%s every %ds",
				ErrHealthCheckConflict, aws.ToString(existing.Id), h.CallerReference,
				aws.ToString(existing.HealthCheckConfig.FullyQualifiedDomainName), aws.ToInt32(existing.HealthCheckConfig.Port),
				aws.ToString(existing.HealthCheckConfig.ResourcePath), aws.ToInt32(existing.HealthCheckConfig.RequestInterval))
		}
		o.Logger.Debug("route53: health check exists", "id", aws.ToString(existing.Id), "reference", h.CallerReference)
		return aws.ToString(existing.Id), false, nil
	}
	var out *awsroute53.CreateHealthCheckOutput
	err = c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = c.api.CreateHealthCheck(ctx, &awsroute53.CreateHealthCheckInput{CallerReference: aws.String(h.CallerReference), HealthCheckConfig: cfg}, c.callOptions(o)...)
		return err
	})
	var exists *types.HealthCheckAlreadyExists
	switch {
	case errors.As(err, &exists):
		return "", false, fmt.Errorf("%w: caller reference %s: %w", ErrHealthCheckConflict, h.CallerReference, err)
	case err != nil:
		return "", false, fmt.Errorf("creating health check %s: %w", h.CallerReference, err)
	}
	o.Logger.Debug("route53: health check created", "id", aws.ToString(out.HealthCheck.Id), "reference", h.CallerReference)
	return aws.ToString(out.HealthCheck.Id), true, nil
}

// healthCheckByReference lists the account's health checks for the one with ref, or nil.
func (c *Client) healthCheckByReference(ctx context.Context, o Options, ref string) (*types.HealthCheck, error) {
	in := &awsroute53.ListHealthChecksInput{}
	for {
		var out *awsroute53.ListHealthChecksOutput
		err := c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = c.api.ListHealthChecks(ctx, in, c.callOptions(o)...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing health checks: %w", err)
		}
		for i, hc := range out.HealthChecks {
			if aws.ToString(hc.CallerReference) == ref {
				return &out.HealthChecks[i], nil
			}
		}
		if !out.IsTruncated {
			return nil, nil
		}
		in = &awsroute53.ListHealthChecksInput{Marker: out.NextMarker}
	}
}
