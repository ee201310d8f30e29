package awstest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Timing of the simulated Elastic Load Balancing service.
const (
	// LoadBalancerProvisioning is how long a new ALB or NLB stays provisioning before it is
	// active. (The Classic API reports no state.)
	LoadBalancerProvisioning = 2 * time.Minute
)

// elbv2Model is Elastic Load Balancing v2: Application and Network Load Balancers, target groups,
// listeners, rules and target health. Its state is guarded by Cloud.mu.
type elbv2Model struct {
	cloud *Cloud
	svc   *service
	seq   uint64

	lbs       []*loadBalancer
	groups    []*targetGroup
	listeners []*listener
}

func newELBv2Model(c *Cloud) model {
	// ELB answers throttled calls with Throttling and HTTP 400 ("Rate exceeded").
	m := &elbv2Model{cloud: c, svc: newService(ServiceELBv2, "Throttling", http.StatusBadRequest)}
	m.svc.newError = elbv2Error
	m.registerLoadBalancers()
	m.registerTargetGroups()
	m.registerListeners()
	m.registerTargets()
	handle(m.svc, "DescribeTags", m.describeTags)
	return m
}

// elbv2Error returns the SDK's typed exception for an ELBv2 error code; codes without one
// (ValidationError, Throttling) are generic, as the SDK's deserializer makes them.
func elbv2Error(code, msg string) error { return typedError(elbv2Exceptions, code, msg) }

func (m *elbv2Model) errorf(code, format string, args ...any) error {
	return m.svc.errorf(code, format, args...)
}

// validation is ELB's generic input error: ValidationError, HTTP 400.
func (m *elbv2Model) validation(format string, args ...any) error {
	return m.svc.errorf("ValidationError", format, args...)
}

// newHexID returns the next resource ID as ELB shapes them: 16 hex digits, derived from a counter
// so that runs are repeatable.
func (m *elbv2Model) newHexID() string {
	m.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("elbv2-%d", m.seq)))
	return hex.EncodeToString(sum[:8])
}

// arn returns an ELB ARN for the resource path, for example "targetgroup/web/73e2d6bc24d8a067".
func (c *Cloud) elbARN(resource string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", c.opts.Region, c.opts.AccountID, resource)
}

// elbNameOK reports whether name is a valid load balancer or target group name: at most 32
// alphanumeric characters or hyphens, not beginning or ending with a hyphen.
func elbNameOK(name string) bool {
	if name == "" || len(name) > 32 || strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// elbTags returns the tag set a request's tags give an ELB resource.
func elbTags(in []elbv2types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range in {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// pageMarker cuts one page of items for ELB's Marker/PageSize pagination (PageSize 1 to 400),
// in the order of key (see pageAfter). Both ELB APIs answer a bad marker or page size with
// ValidationError.
func pageMarker[T any](svc *service, op string, items []T, key func(T) string, marker *string, pageSize *int32) ([]T, *string, error) {
	var after string
	if tok := aws.ToString(marker); tok != "" {
		var ok bool
		if after, ok = decodeToken(svc.id+" "+op, tok); !ok {
			return nil, nil, svc.errorf("ValidationError", "Invalid value for marker: %s", tok)
		}
	}
	size := 400
	if pageSize != nil {
		if *pageSize < 1 || *pageSize > 400 {
			return nil, nil, svc.errorf("ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", *pageSize)
		}
		size = int(*pageSize)
	}
	pg, next := pageAfter(svc.id+" "+op, items, key, after, size)
	if next == "" {
		return pg, nil, nil
	}
	return pg, &next, nil
}

func (m *elbv2Model) service() *service { return m.svc }

// elbv2 returns the cloud's ServiceELBv2 model.
func (c *Cloud) elbv2() *elbv2Model { return modelOf[*elbv2Model](c, ServiceELBv2) }
