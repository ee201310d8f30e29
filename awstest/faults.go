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
	failedZones map[string]*timeline
	failedInsts map[string]*timeline
}

// A window is a span of virtual time during which a fault is in force: [from, to), with a zero
// to while it lasts.
type window struct{ from, to time.Time }

// timeline is the history of one fault on one thing (a zone, an instance, ...). Models evaluate
// state lazily at past instants (health checks due since the last read), so a fault must be
// looked up at the instant being evaluated, not at the time of the read: an outage that began
// and ended between two reads still leaves its trace, and no transition is stamped before the
// fault that caused it.
type timeline struct{ windows []window }

// start opens a window at t unless one is open already.
func (tl *timeline) start(t time.Time) {
	if n := len(tl.windows); n > 0 && tl.windows[n-1].to.IsZero() {
		return
	}
	tl.windows = append(tl.windows, window{from: t})
}

// end closes the open window at t, if any.
func (tl *timeline) end(t time.Time) {
	if n := len(tl.windows); n > 0 && tl.windows[n-1].to.IsZero() {
		tl.windows[n-1].to = t
	}
}

// at reports whether the fault was in force at t.
func (tl *timeline) at(t time.Time) bool {
	if tl == nil {
		return false
	}
	for _, w := range tl.windows {
		if !t.Before(w.from) && (w.to.IsZero() || t.Before(w.to)) {
			return true
		}
	}
	return false
}

// timelineFor returns the timeline for key in m, creating it.
func timelineFor(m map[string]*timeline, key string) *timeline {
	tl := m[key]
	if tl == nil {
		tl = &timeline{}
		m[key] = tl
	}
	return tl
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
		failedZones: map[string]*timeline{},
		failedInsts: map[string]*timeline{},
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
	c.mustOperation(service, operation)
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
	c.mustOperation(service, operation)
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
	c.mustOperation(service, operation)
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
	c.mustOperation(service, operation)
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

// FailZone simulates the failure of an Availability Zone from the current virtual time on:
// launches there fail with InsufficientInstanceCapacity, launches without a placement avoid it, and
// its instances stop answering health checks ([Cloud.InstanceHealthy] reports false). Their EC2
// state stays running, as it does in a real zone outage. The outage is a window on the virtual
// timeline: state computed later for an earlier instant does not see it, and an outage that ends
// (RecoverZone) before anyone looked still leaves its health transitions. It panics if the zone is
// not one of the cloud's.
func (c *Cloud) FailZone(zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustZone(zone)
	timelineFor(c.faults.failedZones, zone).start(c.clock.Now())
}

// RecoverZone ends a FailZone at the current virtual time.
func (c *Cloud) RecoverZone(zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mustZone(zone)
	timelineFor(c.faults.failedZones, zone).end(c.clock.Now())
}

// FailInstance makes one instance stop answering health checks from the current virtual time on
// ([Cloud.InstanceHealthy] reports false) while EC2 still reports it running, as a hung web server
// would. Like FailZone, it is a window on the virtual timeline.
func (c *Cloud) FailInstance(instanceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	timelineFor(c.faults.failedInsts, instanceID).start(c.clock.Now())
}

// RecoverInstance ends a FailInstance at the current virtual time.
func (c *Cloud) RecoverInstance(instanceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	timelineFor(c.faults.failedInsts, instanceID).end(c.clock.Now())
}

// ClearFaults removes every injected fault that acts on future calls: pending failures, throttles
// and lost responses, throttle fractions and visibility delays; and it ends, at the current
// virtual time, every zone and instance failure still in force. The history of past outages
// stays, so state computed later for earlier instants still sees them.
func (c *Cloud) ClearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	zones, insts := c.faults.failedZones, c.faults.failedInsts
	for _, tl := range zones {
		tl.end(now)
	}
	for _, tl := range insts {
		tl.end(now)
	}
	c.faults = newFaults()
	c.faults.failedZones, c.faults.failedInsts = zones, insts
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

// zoneFailed reports whether FailZone was in force for zone at t. Called with c.mu held.
func (c *Cloud) zoneFailed(zone string, t time.Time) bool { return c.faults.failedZones[zone].at(t) }

// instanceFailed reports whether FailInstance was in force for the instance at t. Called with
// c.mu held.
func (c *Cloud) instanceFailed(id string, t time.Time) bool { return c.faults.failedInsts[id].at(t) }

func (c *Cloud) mustService(id string) {
	if _, ok := c.services[id]; !ok {
		panic(fmt.Sprintf("awstest: service %q is not modeled (use the SDK service ID, such as %q)", id, ServiceEC2))
	}
}

// mustOperation panics unless the service is modeled and operation is "" (every operation) or one
// the model knows, so a fault injected for a misspelled operation fails loudly instead of never
// firing.
func (c *Cloud) mustOperation(service, operation string) {
	c.mustService(service)
	if operation == "" {
		return
	}
	s := c.services[service]
	if _, ok := s.ops[operation]; ok {
		return
	}
	if s.passThrough && s3Operations[operation] {
		return
	}
	panic(fmt.Sprintf("awstest: %s has no operation %q (operation names are the SDK's, such as %q)", service, operation, s.anyOperation()))
}

// anyOperation returns one operation name of s, for error messages.
func (s *service) anyOperation() string {
	best := ""
	for op := range s.ops {
		if best == "" || op < best {
			best = op
		}
	}
	if best == "" {
		best = "PutObject"
	}
	return best
}

func (c *Cloud) mustZone(zone string) {
	for _, z := range c.opts.Zones {
		if z == zone {
			return
		}
	}
	panic(fmt.Sprintf("awstest: %q is not an Availability Zone of this cloud (%v)", zone, c.opts.Zones))
}
