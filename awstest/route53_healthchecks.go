package awstest

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

func (m *route53Model) healthCheck(id string) *r53HealthCheck {
	for _, hc := range m.checks {
		if hc.id == id && !hc.deleted {
			return hc
		}
	}
	return nil
}

// resolveHealthCheckConfig fills the defaults Route 53 applies (request interval 30 s, failure
// threshold 3, port 80 or 443 by type) so that settings compare as Route 53 compares them.
func resolveHealthCheckConfig(in r53types.HealthCheckConfig) r53types.HealthCheckConfig {
	c := deepCopy(in).(r53types.HealthCheckConfig)
	if c.RequestInterval == nil {
		c.RequestInterval = aws.Int32(30)
	}
	if c.FailureThreshold == nil {
		c.FailureThreshold = aws.Int32(3)
	}
	if c.Port == nil {
		switch c.Type {
		case r53types.HealthCheckTypeHttps, r53types.HealthCheckTypeHttpsStrMatch:
			c.Port = aws.Int32(443)
		case r53types.HealthCheckTypeHttp, r53types.HealthCheckTypeHttpStrMatch:
			c.Port = aws.Int32(80)
		}
	}
	if c.FullyQualifiedDomainName != nil {
		c.FullyQualifiedDomainName = aws.String(strings.ToLower(*c.FullyQualifiedDomainName))
	}
	return c
}

func (hc *r53HealthCheck) output() *r53types.HealthCheck {
	return &r53types.HealthCheck{
		Id: aws.String(hc.id), CallerReference: aws.String(hc.callerRef), HealthCheckVersion: aws.Int64(1),
		HealthCheckConfig: ptrTo(deepCopy(hc.config).(r53types.HealthCheckConfig)),
	}
}

func ptrTo[T any](v T) *T { return &v }

// createHealthCheck is idempotent by CallerReference, as Route 53 documents it: the same reference
// with the same settings returns the existing health check; the same reference with other
// settings, or the reference of a deleted health check, is HealthCheckAlreadyExists.
func (m *route53Model) createHealthCheck(r *request, in *route53.CreateHealthCheckInput) (*route53.CreateHealthCheckOutput, error) {
	ref := aws.ToString(in.CallerReference)
	cfg := resolveHealthCheckConfig(*in.HealthCheckConfig)
	switch cfg.Type {
	case r53types.HealthCheckTypeHttp, r53types.HealthCheckTypeHttps, r53types.HealthCheckTypeTcp,
		r53types.HealthCheckTypeHttpStrMatch, r53types.HealthCheckTypeHttpsStrMatch:
		if cfg.IPAddress == nil && cfg.FullyQualifiedDomainName == nil {
			return nil, m.svc.errorf("InvalidInput", "Invalid parameter : Either IP address or fully qualified domain name must be specified.")
		}
		if cfg.Type == r53types.HealthCheckTypeTcp && cfg.Port == nil {
			return nil, m.svc.errorf("InvalidInput", "Invalid parameter : Port is required for a TCP health check.")
		}
	default:
		return nil, r.unmodeled("health check type %s (HTTP, HTTPS, TCP and the string-matching types are modeled)", cfg.Type)
	}
	if v := aws.ToInt32(cfg.RequestInterval); v != 10 && v != 30 {
		return nil, m.svc.errorf("InvalidInput", "Invalid parameter : RequestInterval must be 10 or 30.")
	}
	if v := aws.ToInt32(cfg.FailureThreshold); v < 1 || v > 10 {
		return nil, m.svc.errorf("InvalidInput", "Invalid parameter : FailureThreshold must be between 1 and 10.")
	}
	for _, hc := range m.checks {
		if hc.callerRef != ref {
			continue
		}
		if hc.deleted || !reflect.DeepEqual(hc.config, cfg) {
			return nil, m.svc.statusErrorf(http.StatusConflict, "HealthCheckAlreadyExists",
				"A health check with caller reference %s already exists, or was deleted, with other settings.", ref)
		}
		return &route53.CreateHealthCheckOutput{HealthCheck: hc.output(), Location: aws.String(hcLocation(hc.id))}, nil
	}
	m.seq++
	sum := m.newID("", 32)
	id := strings.ToLower(fmt.Sprintf("%s-%s-%s-%s-%s", sum[:8], sum[8:12], sum[12:16], sum[16:20], sum[20:32]))
	hc := &r53HealthCheck{id: id, callerRef: ref, config: cfg, seq: m.seq}
	m.checks = append(m.checks, hc)
	return &route53.CreateHealthCheckOutput{HealthCheck: hc.output(), Location: aws.String(hcLocation(id))}, nil
}

func hcLocation(id string) string {
	return "https://route53.amazonaws.com/2013-04-01/healthcheck/" + id
}

func (m *route53Model) noSuchHealthCheck(id string) error {
	return m.svc.statusErrorf(http.StatusNotFound, "NoSuchHealthCheck", "No health check exists with the specified ID %s.", id)
}

func (m *route53Model) getHealthCheck(r *request, in *route53.GetHealthCheckInput) (*route53.GetHealthCheckOutput, error) {
	hc := m.healthCheck(aws.ToString(in.HealthCheckId))
	if hc == nil {
		return nil, m.noSuchHealthCheck(aws.ToString(in.HealthCheckId))
	}
	return &route53.GetHealthCheckOutput{HealthCheck: hc.output()}, nil
}

func (m *route53Model) listHealthChecks(r *request, in *route53.ListHealthChecksInput) (*route53.ListHealthChecksOutput, error) {
	limit := 100
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < 1000 {
		limit = int(*in.MaxItems)
	}
	var live []*r53HealthCheck
	for _, hc := range m.checks {
		if !hc.deleted {
			live = append(live, hc)
		}
	}
	// The marker is the ID of the first health check of the next page.
	start := 0
	if mk := aws.ToString(in.Marker); mk != "" {
		start = -1
		for i, hc := range live {
			if hc.id == mk {
				start = i
			}
		}
		if start < 0 {
			return nil, m.svc.errorf("InvalidInput", "Invalid marker: %s", mk)
		}
	}
	out := &route53.ListHealthChecksOutput{HealthChecks: []r53types.HealthCheck{}, MaxItems: aws.Int32(int32(limit)), Marker: in.Marker}
	for _, hc := range live[start:] {
		if len(out.HealthChecks) == limit {
			out.IsTruncated = true
			out.NextMarker = aws.String(hc.id)
			break
		}
		out.HealthChecks = append(out.HealthChecks, *hc.output())
	}
	return out, nil
}

func (m *route53Model) deleteHealthCheck(r *request, in *route53.DeleteHealthCheckInput) (*route53.DeleteHealthCheckOutput, error) {
	id := aws.ToString(in.HealthCheckId)
	hc := m.healthCheck(id)
	if hc == nil {
		return nil, m.noSuchHealthCheck(id)
	}
	for _, z := range m.zones {
		for _, rr := range z.records {
			if aws.ToString(rr.HealthCheckId) == id {
				return nil, m.svc.errorf("HealthCheckInUse", "The health check with id %s is still referenced from resource record set %s", id, rrDesc(rr))
			}
		}
	}
	hc.deleted = true
	return &route53.DeleteHealthCheckOutput{}, nil
}
