package awstest

import (
	"fmt"
	"net"
	"syscall"
	"time"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// faults holds the injected faults. It is guarded by Cloud.mu.
type faults struct {
	rules       []*failRule
	fractions   map[opKey]float64
	visibility  map[string]time.Duration
	failedZones map[string]bool
	failedInsts map[string]bool
}

// opKey names an operation; an empty operation matches all of the service's operations.
type opKey struct{ service, operation string }

// failRule fails the next n matching calls with code; throttle rules use the service's
// throttling code; lose rules let the call succeed and lose its response.
type failRule struct {
	key      opKey
	n        int
	code     string
	throttle bool
	lose     bool
}

func newFaults() faults {
	return faults{
		fractions:   map[opKey]float64{},
		visibility:  map[string]time.Duration{},
		failedZones: map[string]bool{},
		failedInsts: map[string]bool{},
	}
}

// ThrottleNext makes the next n calls to the operation fail with the service's throttling error
// (RequestLimitExceeded and HTTP 503 for EC2, SlowDown and 503 for S3, Throttling and 400
// elsewhere), which the SDK retryer retries after a backoff on the virtual clock. An empty
// operation matches every operation of the service; n of zero or less does nothing. It panics if
// the service is not modeled.
func (c *Cloud) ThrottleNext(service, operation string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustService(service)
	if n <= 0 {
		return
	}
	c.faults.rules = append(c.faults.rules, &failRule{key: opKey{service, operation}, n: n, throttle: true})
}

// ThrottleFraction throttles each call to the operation with probability fraction (0 to 1),
// drawn from the cloud's seeded random source, until set to 0 or ClearFaults. An empty operation
// matches every operation of the service. It panics if the service is not modeled or fraction is
// outside [0, 1].
func (c *Cloud) ThrottleFraction(service, operation string, fraction float64) {
	if fraction < 0 || fraction > 1 {
		panic(fmt.Sprintf("awstest: ThrottleFraction: fraction %v outside [0, 1]", fraction))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustService(service)
	if fraction == 0 {
		delete(c.faults.fractions, opKey{service, operation})
		return
	}
	c.faults.fractions[opKey{service, operation}] = fraction
}

// FailNext makes the next n calls to the operation fail with the AWS error code, as the SDK's typed
// exception where the service model knows one. Server codes (InternalError, ServiceUnavailable,
// InsufficientInstanceCapacity, ...) carry an HTTP 5xx status, so the SDK retryer retries them as
// it would in AWS; other codes carry 400. An empty operation matches every operation of the
// service; n of zero or less does nothing. It panics if the service is not modeled or code is empty.
func (c *Cloud) FailNext(service, operation string, n int, code string) {
	if code == "" {
		panic("awstest: FailNext: empty error code")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustService(service)
	if n <= 0 {
		return
	}
	c.faults.rules = append(c.faults.rules, &failRule{key: opKey{service, operation}, n: n, code: code})
}

// LoseResponseNext makes the next n calls to the operation that succeed lose their response:
// the call takes effect in the cloud, but the client sees the connection reset before the
// response arrives ("read tcp: connection reset by peer" in an *smithyhttp.RequestSendError),
// which the SDK retryer retries as a connection error, so the same request arrives again. This
// is how a create call runs twice against AWS; whether the second attempt returns the resource
// the first made (CreateLoadBalancer, CreateTargetGroup and CreateListener with the same
// settings do) or an error (CreateRule answers PriorityInUse) is the model's. A call that fails
// keeps its error and does not use up the fault. The call log marks the lost attempts
// ([Call.Lost]). An empty operation matches every operation of the service; n of zero or less
// does nothing. It panics if the service is not modeled or is S3, whose calls go over the wire.
func (c *Cloud) LoseResponseNext(service, operation string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustService(service)
	if c.services[service].passThrough {
		panic(fmt.Sprintf("awstest: LoseResponseNext: %s calls are answered over the wire, not by the model", service))
	}
	if n <= 0 {
		return
	}
	c.faults.rules = append(c.faults.rules, &failRule{key: opKey{service, operation}, n: n, lose: true})
}

// DelayVisibility makes resources the service creates from now on invisible for d after their
// creation, as AWS's eventual consistency does. EC2 applies it to instances: a new instance
// answers InvalidInstanceID.NotFound to calls that name it (DescribeInstances, TerminateInstances,
// CreateTags) and is missing from listings until d has passed on the virtual clock; the
// RunInstances response itself lists it. ELBv2 applies it to load balancers, target groups,
// listeners, rules and target registrations (see the package documentation). Each service model
// documents what it delays. Zero turns the delay off. It panics if the service is not modeled.
func (c *Cloud) DelayVisibility(service string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustService(service)
	c.faults.visibility[service] = d
}

// FailZone simulates the failure of an Availability Zone: launches there fail with
// InsufficientInstanceCapacity, launches without a placement avoid it, and its instances stop
// answering health checks ([Cloud.InstanceHealthy] reports false). Their EC2 state stays running,
// as it does in a real zone outage. It panics if the zone is not one of the cloud's.
func (c *Cloud) FailZone(zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustZone(zone)
	c.faults.failedZones[zone] = true
}

// RecoverZone ends a FailZone.
func (c *Cloud) RecoverZone(zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustZone(zone)
	delete(c.faults.failedZones, zone)
}

// FailInstance makes one instance stop answering health checks ([Cloud.InstanceHealthy] reports
// false) while EC2 still reports it running, as a hung web server would.
func (c *Cloud) FailInstance(instanceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults.failedInsts[instanceID] = true
}

// RecoverInstance ends a FailInstance.
func (c *Cloud) RecoverInstance(instanceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.faults.failedInsts, instanceID)
}

// ClearFaults removes every injected fault: pending failures, throttles and lost responses,
// throttle fractions, visibility delays, failed zones and failed instances.
func (c *Cloud) ClearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = newFaults()
}

// injected returns the error a fault injects into this call, or nil. Called with c.mu held.
func (c *Cloud) injected(s *service, operation string) error {
	for i, r := range c.faults.rules {
		if r.lose || !r.key.matches(s.id, operation) {
			continue
		}
		r.n--
		if r.n <= 0 {
			c.faults.rules = append(c.faults.rules[:i:i], c.faults.rules[i+1:]...)
		}
		if r.throttle {
			return c.throttleError(s)
		}
		return s.apiError(r.code, "injected fault: "+r.code) // shapeError gives it its HTTP status
	}
	for _, k := range []opKey{{s.id, operation}, {s.id, ""}} {
		if f, ok := c.faults.fractions[k]; ok && c.rng.Float64() < f {
			return c.throttleError(s)
		}
	}
	return nil
}

// lostResponse returns the error a client sees when LoseResponseNext is in force for this
// successful call, or nil. Called with c.mu held.
func (c *Cloud) lostResponse(s *service, operation string) error {
	for i, r := range c.faults.rules {
		if !r.lose || !r.key.matches(s.id, operation) {
			continue
		}
		r.n--
		if r.n <= 0 {
			c.faults.rules = append(c.faults.rules[:i:i], c.faults.rules[i+1:]...)
		}
		// What net/http returns when the peer resets the connection while the client waits for
		// the response, as the SDK wraps it; its ConnectionError method makes it retryable.
		return &smithyhttp.RequestSendError{Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	}
	return nil
}

func (k opKey) matches(service, operation string) bool {
	return k.service == service && (k.operation == "" || k.operation == operation)
}

func (c *Cloud) throttleError(s *service) error {
	return &statusError{status: s.throttleStatus, err: s.apiError(s.throttleCode, "Rate exceeded")}
}

// visibleFrom returns when a resource of the service created at created becomes visible, under the
// visibility delay in force now. Models store it at creation. Called with c.mu held.
func (c *Cloud) visibleFrom(service string, created time.Time) time.Time {
	return created.Add(c.faults.visibility[service])
}

// zoneFailed reports whether FailZone is in force for zone. Called with c.mu held.
func (c *Cloud) zoneFailed(zone string) bool { return c.faults.failedZones[zone] }

func (c *Cloud) mustService(id string) {
	if _, ok := c.services[id]; !ok {
		panic(fmt.Sprintf("awstest: service %q is not modeled (use the SDK service ID, such as %q)", id, ServiceEC2))
	}
}

func (c *Cloud) mustZone(zone string) {
	for _, z := range c.opts.Zones {
		if z == zone {
			return
		}
	}
	panic(fmt.Sprintf("awstest: %q is not an Availability Zone of this cloud (%v)", zone, c.opts.Zones))
}
