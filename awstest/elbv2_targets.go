package awstest

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// maxTargetsPerGroup is ELB's default quota of targets per target group (ALB quotas).
const maxTargetsPerGroup = 1000

// TargetTransition is one change of a target's health state in a target group, at the virtual
// time the simulated health checks (or the deregistration delay) made it.
type TargetTransition struct {
	// TargetGroupARN is the target group.
	TargetGroupARN string
	// TargetID is the instance ID (or IP address) of the target, and Port its port.
	TargetID string
	Port     int32
	// From and To are ELB target health states: initial, healthy, unhealthy, draining, unused,
	// unavailable. From is "" for a registration.
	From, To string
	// Reason is ELB's reason code for To, for example "Target.FailedHealthChecks"; "" for healthy.
	Reason string
	// At is the virtual time of the change.
	At time.Time
}

// registration is one target in a target group and its health state machine. Health checks run
// every interval after registration; the state is brought up to the time of each read, so no
// goroutine runs and the same calls give the same answers.
type registration struct {
	id         string
	port       int32
	lastCheck  time.Time
	state      elbv2types.TargetHealthStateEnum
	reason     elbv2types.TargetHealthReasonEnum
	desc       string
	passes     int32
	fails      int32
	draining   bool
	drainUntil time.Time
	// visible is when DescribeTargetHealth sees the registration (DelayVisibility); until then
	// it reports the target unused with Target.NotRegistered. Health checks run from the start.
	visible time.Time
}

func (m *elbv2Model) registerTargets() {
	handle(m.svc, "RegisterTargets", m.registerTargetsOp)
	handle(m.svc, "DeregisterTargets", m.deregisterTargets)
	handle(m.svc, "DescribeTargetHealth", m.describeTargetHealth)
}

// TargetTransitions returns every health state change of the target group's targets so far, in
// time order, after bringing the simulated health checks up to the current virtual time. It
// returns nil for an unknown target group. It is safe for concurrent use.
func (c *Cloud) TargetTransitions(targetGroupARN string) []TargetTransition {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tg := range c.elbv2().groups {
		if tg.arn == targetGroupARN {
			c.elbv2().advanceGroup(tg, c.clock.Now())
			out := append([]TargetTransition(nil), tg.transitions...)
			sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
			return out
		}
	}
	return nil
}

func (m *elbv2Model) setState(tg *targetGroup, reg *registration, st elbv2types.TargetHealthStateEnum, reason elbv2types.TargetHealthReasonEnum, desc string, at time.Time) {
	if reg.state == st && reg.reason == reason {
		return
	}
	if reg.state != st {
		tg.transitions = append(tg.transitions, TargetTransition{
			TargetGroupARN: tg.arn, TargetID: reg.id, Port: reg.port, From: string(reg.state), To: string(st), Reason: string(reason), At: at,
		})
	}
	reg.state, reg.reason, reg.desc = st, reason, desc
}

// advanceGroup brings every target of tg up to now and drops targets whose draining ended.
func (m *elbv2Model) advanceGroup(tg *targetGroup, now time.Time) {
	kept := tg.targets[:0]
	for _, reg := range tg.targets {
		if m.advance(tg, reg, now) {
			kept = append(kept, reg)
		}
	}
	tg.targets = kept
}

// advanceAll brings every target group up to now. Called before a change of routing (a listener
// or rule added, a load balancer deleted) so that the checks made before the change see the old
// routing and only later ones the new.
func (m *elbv2Model) advanceAll(now time.Time) {
	for _, tg := range m.groups {
		m.advanceGroup(tg, now)
	}
}

// advance runs reg's health checks due up to now. It returns false when the target's
// deregistration has completed and it left the group.
func (m *elbv2Model) advance(tg *targetGroup, reg *registration, now time.Time) bool {
	if reg.draining {
		if now.Before(reg.drainUntil) {
			return true
		}
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumUnused, elbv2types.TargetHealthReasonEnumNotRegistered, "Target is not registered to the target group", reg.drainUntil)
		return false
	}
	interval := time.Duration(tg.hc.interval) * time.Second
	for t := reg.lastCheck.Add(interval); !t.After(now); t = t.Add(interval) {
		reg.lastCheck = t
		m.check(tg, reg, t)
	}
	return true
}

// check runs one health check of reg at t.
func (m *elbv2Model) check(tg *targetGroup, reg *registration, t time.Time) {
	zone := ""
	if tg.targetType == elbv2types.TargetTypeEnumInstance {
		z, _, st, ok := m.cloud.lbInstance(reg.id, t)
		if !ok || st != ec2types.InstanceStateNameRunning {
			reg.passes, reg.fails = 0, 0
			m.setState(tg, reg, elbv2types.TargetHealthStateEnumUnused, elbv2types.TargetHealthReasonEnumInvalidState, "Target is in the stopped or terminated state", t)
			return
		}
		zone = z
	}
	if reason := m.notInUse(tg, zone); reason != "" {
		reg.passes, reg.fails = 0, 0
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumUnused, elbv2types.TargetHealthReasonEnumNotInUse, reason, t)
		return
	}
	if !tg.hc.enabled {
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumUnavailable, elbv2types.TargetHealthReasonEnumHealthCheckDisabled, "Health checks are disabled", t)
		return
	}
	if reg.state == elbv2types.TargetHealthStateEnumUnused || reg.state == elbv2types.TargetHealthStateEnumUnavailable {
		// Back in use: the target starts over, as a new registration does.
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumInitial, elbv2types.TargetHealthReasonEnumRegistrationInProgress, "Target registration is in progress", t)
	}
	pass := tg.targetType != elbv2types.TargetTypeEnumInstance || m.cloud.instanceHealthy(reg.id, t)
	if pass {
		reg.fails = 0
		reg.passes++
		// A new target is in service after one passing check; an unhealthy one needs the healthy
		// threshold of consecutive passes (ALB User Guide, "Health checks for your target groups").
		if reg.state == elbv2types.TargetHealthStateEnumInitial || reg.passes >= tg.hc.healthyCount {
			m.setState(tg, reg, elbv2types.TargetHealthStateEnumHealthy, "", "", t)
		}
		return
	}
	reg.passes = 0
	reg.fails++
	reason, desc := elbv2types.TargetHealthReasonEnumFailedHealthChecks, "Health checks failed"
	switch {
	case m.cloud.zoneFailed(zone, t):
		reason, desc = elbv2types.TargetHealthReasonEnumTimeout, "Request timed out"
	case isHTTPProtocol(tg.hc.protocol):
		reason, desc = elbv2types.TargetHealthReasonEnumResponseCodeMismatch, "Health checks failed with these codes: [500]"
	}
	if reg.fails >= tg.hc.unhealthyCount {
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumUnhealthy, reason, desc, t)
	} else if reg.state == elbv2types.TargetHealthStateEnumInitial {
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumInitial, elbv2types.TargetHealthReasonEnumInitialHealthChecking, "Initial health checks in progress", t)
	}
}

// notInUse returns why the group sends no traffic to a target in zone, or "" when it does.
func (m *elbv2Model) notInUse(tg *targetGroup, zone string) string {
	lbs := m.lbsOf(tg)
	if len(lbs) == 0 {
		return "Target group is not configured to receive traffic from the load balancer"
	}
	if zone == "" {
		return ""
	}
	for _, lb := range lbs {
		if contains(lb.zones(), zone) {
			return ""
		}
	}
	return "Target is in an Availability Zone that is not enabled for the load balancer"
}

func (m *elbv2Model) targetPort(tg *targetGroup, t elbv2types.TargetDescription) (int32, error) {
	if t.Port == nil {
		return tg.port, nil
	}
	if *t.Port < 1 || *t.Port > 65535 {
		return 0, m.validation("Target port %d is not in the range 1-65535", *t.Port)
	}
	return *t.Port, nil
}

func (m *elbv2Model) registerTargetsOp(r *request, in *elasticloadbalancingv2.RegisterTargetsInput) (*elasticloadbalancingv2.RegisterTargetsOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 {
		return nil, m.validation("At least one target must be specified")
	}
	m.advanceGroup(tg, r.now)
	var invalid, notRunning, otherVPC []string
	for _, t := range in.Targets {
		id := aws.ToString(t.Id)
		if _, err := m.targetPort(tg, t); err != nil {
			return nil, err
		}
		if tg.targetType == elbv2types.TargetTypeEnumIp {
			if _, err := netip.ParseAddr(id); err != nil {
				invalid = append(invalid, id)
			}
			continue
		}
		_, vpcID, st, ok := m.cloud.lbInstance(id, r.now)
		switch {
		case !ok:
			invalid = append(invalid, id)
		case st != ec2types.InstanceStateNameRunning:
			notRunning = append(notRunning, id)
		case vpcID != tg.vpcID:
			otherVPC = append(otherVPC, id)
		}
	}
	quote := func(ids []string) string { return "'" + strings.Join(ids, "', '") + "'" }
	switch {
	case len(invalid) > 0:
		return nil, m.errorf("InvalidTarget", "The following targets are not valid: %s", quote(invalid))
	case len(notRunning) > 0:
		// RegisterTargets needs running instances (API reference, RegisterTargets).
		return nil, m.errorf("InvalidTarget", "The following targets are not in a running state and can not be registered: %s", quote(notRunning))
	case len(otherVPC) > 0:
		return nil, m.errorf("InvalidTarget", "The following targets are not in the target group VPC '%s': %s", tg.vpcID, quote(otherVPC))
	}
	// The request succeeds or fails as a whole: count the new targets before changing anything.
	added := map[string]bool{}
	for _, t := range in.Targets {
		id := aws.ToString(t.Id)
		port, _ := m.targetPort(tg, t)
		if tg.find(id, port) == nil {
			added[id+":"+strconv.Itoa(int(port))] = true
		}
	}
	if len(tg.targets)+len(added) > maxTargetsPerGroup {
		return nil, m.errorf("TooManyTargets", "You have reached the maximum number of targets (%d) for target group '%s'", maxTargetsPerGroup, tg.arn)
	}
	for _, t := range in.Targets {
		id := aws.ToString(t.Id)
		port, _ := m.targetPort(tg, t)
		if reg := tg.find(id, port); reg != nil {
			if !reg.draining {
				continue // registering a registered target changes nothing
			}
			tg.remove(reg)
		}
		reg := &registration{id: id, port: port, lastCheck: r.now, visible: m.cloud.visibleFrom(ServiceELBv2, r.now)}
		tg.targets = append(tg.targets, reg)
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumInitial, elbv2types.TargetHealthReasonEnumRegistrationInProgress, "Target registration is in progress", r.now)
	}
	return &elasticloadbalancingv2.RegisterTargetsOutput{}, nil
}

func (tg *targetGroup) find(id string, port int32) *registration {
	for _, reg := range tg.targets {
		if reg.id == id && reg.port == port {
			return reg
		}
	}
	return nil
}

func (tg *targetGroup) remove(reg *registration) {
	for i, x := range tg.targets {
		if x == reg {
			tg.targets = append(tg.targets[:i:i], tg.targets[i+1:]...)
			return
		}
	}
}

func (m *elbv2Model) deregisterTargets(r *request, in *elasticloadbalancingv2.DeregisterTargetsInput) (*elasticloadbalancingv2.DeregisterTargetsOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 {
		return nil, m.validation("At least one target must be specified")
	}
	m.advanceGroup(tg, r.now)
	delay, _ := strconv.Atoi(tg.attrs["deregistration_delay.timeout_seconds"])
	for _, t := range in.Targets {
		port, err := m.targetPort(tg, t)
		if err != nil {
			return nil, err
		}
		reg := tg.find(aws.ToString(t.Id), port)
		if reg == nil || reg.draining {
			continue // deregistering a target that is not registered succeeds
		}
		reg.draining = true
		reg.drainUntil = r.now.Add(time.Duration(delay) * time.Second)
		if reg.state != elbv2types.TargetHealthStateEnumHealthy {
			// A target that never served has no connections to drain: ELB completes the
			// deregistration at once when there are no in-flight requests.
			reg.drainUntil = r.now
		}
		m.setState(tg, reg, elbv2types.TargetHealthStateEnumDraining, elbv2types.TargetHealthReasonEnumDeregistrationInProgress, "Target deregistration is in progress", r.now)
	}
	m.advanceGroup(tg, r.now)
	return &elasticloadbalancingv2.DeregisterTargetsOutput{}, nil
}

func (m *elbv2Model) describeTargetHealth(r *request, in *elasticloadbalancingv2.DescribeTargetHealthInput) (*elasticloadbalancingv2.DescribeTargetHealthOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	m.advanceGroup(tg, r.now)
	out := &elasticloadbalancingv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbv2types.TargetHealthDescription{}}
	hcPort := func(port int32) *string {
		if tg.hc.port == "traffic-port" {
			return aws.String(strconv.Itoa(int(port)))
		}
		return aws.String(tg.hc.port)
	}
	if len(in.Targets) == 0 {
		for _, reg := range tg.targets {
			if !r.now.Before(reg.visible) {
				out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, reg.output(hcPort(reg.port)))
			}
		}
		return out, nil
	}
	var invalid []string
	for _, t := range in.Targets {
		id := aws.ToString(t.Id)
		port, err := m.targetPort(tg, t)
		if err != nil {
			return nil, err
		}
		if reg := tg.find(id, port); reg != nil && !r.now.Before(reg.visible) {
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, reg.output(hcPort(port)))
			continue
		}
		if tg.targetType == elbv2types.TargetTypeEnumInstance {
			if _, _, _, ok := m.cloud.lbInstance(id, r.now); !ok {
				invalid = append(invalid, id)
				continue
			}
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, elbv2types.TargetHealthDescription{
			Target:          &elbv2types.TargetDescription{Id: aws.String(id), Port: aws.Int32(port)},
			HealthCheckPort: hcPort(port),
			TargetHealth: &elbv2types.TargetHealth{
				State: elbv2types.TargetHealthStateEnumUnused, Reason: elbv2types.TargetHealthReasonEnumNotRegistered,
				Description: aws.String("Target is not registered to the target group"),
			},
		})
	}
	if len(invalid) > 0 {
		// A target that is not a valid instance (for example one terminated long ago) is an error,
		// which the SDK's TargetDeregistered waiter takes as success.
		return nil, m.errorf("InvalidTarget", "The following targets are not valid: '%s'", strings.Join(invalid, "', '"))
	}
	return out, nil
}

func (reg *registration) output(hcPort *string) elbv2types.TargetHealthDescription {
	th := &elbv2types.TargetHealth{State: reg.state, Reason: reg.reason}
	if reg.desc != "" {
		th.Description = aws.String(reg.desc)
	}
	return elbv2types.TargetHealthDescription{
		Target:          &elbv2types.TargetDescription{Id: aws.String(reg.id), Port: aws.Int32(reg.port)},
		HealthCheckPort: hcPort, TargetHealth: th,
	}
}
