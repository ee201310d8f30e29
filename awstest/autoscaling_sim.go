package awstest

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// A group's state is computed lazily: every call that reads or changes a group first brings it
// up to the call's virtual time with advance, which runs step at each tick since the last call.
// A step moves instances through their lifecycle (Pending -> [Pending:Wait] -> InService ->
// Terminating -> [Terminating:Wait] -> Terminated) from the EC2 model's instance states and the
// lifecycle actions, replaces unhealthy instances, runs the active instance refresh, and
// launches or terminates instances until the group has its desired capacity.

// advance runs the group's steps due up to now.
func (m *asModel) advance(g *asGroup, now time.Time) {
	tick := m.cloud.opts.AutoScaling.Tick
	for t := g.simAt.Add(tick); !t.After(now); t = g.simAt.Add(tick) {
		m.step(g, t)
		g.simAt = t
	}
}

// step evaluates the group at t.
func (m *asModel) step(g *asGroup, t time.Time) {
	for _, i := range g.instances {
		m.progress(g, i, t)
	}
	kept := g.instances[:0]
	for _, i := range g.instances {
		if i.state != astypes.LifecycleStateTerminated {
			kept = append(kept, i)
		}
	}
	clear(g.instances[len(kept):])
	g.instances = kept
	m.stepRefresh(g, t)
	m.reconcile(g, t)
}

func (m *asModel) setState(g *asGroup, i *asInstance, st astypes.LifecycleState, t time.Time) {
	if i.state == st {
		return
	}
	g.transitions = append(g.transitions, InstanceTransition{Group: g.name, InstanceID: i.id, Zone: i.zone, From: string(i.state), To: string(st), At: t})
	i.state = st
}

// ec2State is the EC2 state of a group's instance at t; a forgotten instance is terminated.
func (m *asModel) ec2State(id string, t time.Time) ec2types.InstanceStateName {
	ec := m.cloud.ec2().instance(id)
	if ec == nil {
		return ec2types.InstanceStateNameTerminated
	}
	st, _ := ec.state(t, m.cloud.opts.EC2)
	return st
}

// progress moves one instance along its lifecycle at t.
func (m *asModel) progress(g *asGroup, i *asInstance, t time.Time) {
	st := m.ec2State(i.id, t)
	gone := st == ec2types.InstanceStateNameShuttingDown || st == ec2types.InstanceStateNameTerminated
	switch i.state {
	case astypes.LifecycleStatePending:
		switch {
		case gone:
			i.healthy = false
			m.setState(g, i, astypes.LifecycleStateTerminated, t)
		case st == ec2types.InstanceStateNameRunning:
			if !m.enterWait(g, i, "autoscaling:EC2_INSTANCE_LAUNCHING", astypes.LifecycleStatePendingWait, t) {
				m.toInService(g, i, t)
			}
		}
	case astypes.LifecycleStatePendingWait, astypes.LifecycleStateTerminatingWait:
		if gone && i.state == astypes.LifecycleStatePendingWait {
			i.healthy = false
			i.actions = nil
			m.startTerminate(g, i, t, "an instance was taken out of service in response to an EC2 instance status check failure")
			return
		}
		m.resolveActions(g, i, t)
	case astypes.LifecycleStateInService:
		if reason := m.unhealthy(g, i, st, t); reason != "" {
			i.healthy = false
			m.startTerminate(g, i, t, reason)
		}
	case astypes.LifecycleStateTerminating:
		if t.Before(i.drainUntil) {
			return
		}
		if !m.enterWait(g, i, "autoscaling:EC2_INSTANCE_TERMINATING", astypes.LifecycleStateTerminatingWait, t) {
			m.proceedTerminate(g, i, t)
		}
	case astypes.LifecycleStateTerminatingProceed:
		if st == ec2types.InstanceStateNameTerminated {
			m.setState(g, i, astypes.LifecycleStateTerminated, t)
		}
	}
}

// unhealthy returns why an in-service instance fails the group's health check at t, or "".
// EC2 status checks fail for an instance that is not running or whose zone has failed; with the
// ELB health check type, a target group reporting the instance unhealthy fails it too. Health
// checks start after the grace period, except for an instance that is no longer running.
func (m *asModel) unhealthy(g *asGroup, i *asInstance, st ec2types.InstanceStateName, t time.Time) string {
	const ec2Reason = "an instance was taken out of service in response to an EC2 instance status check failure"
	if st != ec2types.InstanceStateNameRunning {
		return ec2Reason
	}
	if t.Sub(i.inService) < time.Duration(g.grace)*time.Second {
		return ""
	}
	if m.cloud.zoneFailed(i.zone, t) {
		return ec2Reason
	}
	if g.healthType == "ELB" {
		for _, arn := range g.tgs {
			if m.targetState(arn, i.id, t) == elbv2types.TargetHealthStateEnumUnhealthy {
				return "an instance was taken out of service in response to an ELB system health check failure"
			}
		}
	}
	return ""
}

func (m *asModel) toInService(g *asGroup, i *asInstance, t time.Time) {
	if i.state == astypes.LifecycleStatePendingWait {
		m.setState(g, i, astypes.LifecycleStatePendingProceed, t)
	}
	m.setState(g, i, astypes.LifecycleStateInService, t)
	i.inService = t
	for _, arn := range g.tgs {
		m.registerIn(arn, i.id, t)
	}
}

// startTerminate takes an instance out of service: it deregisters it from the target groups and
// terminates it once draining ends and the terminating hooks are done.
func (m *asModel) startTerminate(g *asGroup, i *asInstance, t time.Time, cause string) {
	m.setState(g, i, astypes.LifecycleStateTerminating, t)
	i.drainUntil = m.deregister(g, i, t)
	m.addActivity(g, t, fmt.Sprintf("Terminating EC2 instance: %s", i.id),
		fmt.Sprintf("At %s %s.", isoSeconds(t), cause), astypes.ScalingActivityStatusCodeSuccessful, "")
	if !t.Before(i.drainUntil) {
		if !m.enterWait(g, i, "autoscaling:EC2_INSTANCE_TERMINATING", astypes.LifecycleStateTerminatingWait, t) {
			m.proceedTerminate(g, i, t)
		}
	}
}

func (m *asModel) proceedTerminate(g *asGroup, i *asInstance, t time.Time) {
	m.setState(g, i, astypes.LifecycleStateTerminatingProceed, t)
	if ec := m.cloud.ec2().instance(i.id); ec != nil {
		m.cloud.ec2().terminate(ec, t)
	}
	if m.ec2State(i.id, t) == ec2types.InstanceStateNameTerminated {
		m.setState(g, i, astypes.LifecycleStateTerminated, t)
	}
}

// live reports whether an instance counts towards the group's capacity.
func live(i *asInstance) bool {
	switch i.state {
	case astypes.LifecycleStatePending, astypes.LifecycleStatePendingWait, astypes.LifecycleStatePendingProceed, astypes.LifecycleStateInService:
		return true
	}
	return false
}

func (g *asGroup) live() []*asInstance {
	var out []*asInstance
	for _, i := range g.instances {
		if live(i) {
			out = append(out, i)
		}
	}
	return out
}

// reconcile launches or terminates instances until the group has its (effective) desired
// capacity, balanced across its zones.
func (m *asModel) reconcile(g *asGroup, t time.Time) {
	// Instances in zones the group no longer uses are replaced.
	for _, i := range g.live() {
		if _, ok := g.subnetOf[i.zone]; !ok {
			m.startTerminate(g, i, t, "an instance was taken out of service because its Availability Zone was removed from the group")
		}
	}
	n := int32(len(g.live()))
	target := m.effectiveDesired(g)
	switch {
	case n < target:
		if t.Before(g.nextLaunch) {
			return
		}
		for ; n < target; n++ {
			if !m.launchOne(g, t, n, target) {
				g.nextLaunch = t.Add(m.cloud.opts.AutoScaling.LaunchRetry)
				return
			}
		}
	case n > target:
		for _, i := range m.victims(g, int(n-target)) {
			m.startTerminate(g, i, t, fmt.Sprintf("a user request set the desired capacity to %d: an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from %d to %d", g.desired, n, target))
		}
	}
}

// config is the launch template the group launches from: the active refresh's target, or the
// group's own.
func (m *asModel) config(g *asGroup) ltRef {
	if rf := g.activeRefresh(); rf != nil && rf.target != nil && rf.status != astypes.InstanceRefreshStatusPending {
		return *rf.target
	}
	return g.lt
}

// launchOne launches one instance in the zone with the fewest, trying the others when EC2 has
// no capacity there. A launch that fails everywhere is a failed scaling activity.
func (m *asModel) launchOne(g *asGroup, t time.Time, from, to int32) bool {
	e := m.cloud.ec2()
	ref := m.config(g)
	cause := fmt.Sprintf("At %s an instance was started in response to a difference between desired and actual capacity, increasing the capacity from %d to %d.", isoSeconds(t), from, to)
	fail := func(msg string) bool {
		msg = strings.TrimSuffix(msg, ".") + ". Launching EC2 instance failed."
		m.addActivity(g, t, "Launching a new EC2 instance.  Status Reason: "+msg, cause, astypes.ScalingActivityStatusCodeFailed, msg)
		if rf := g.activeRefresh(); rf != nil {
			rf.launchFailures++
			rf.lastFailure = msg
		}
		return false
	}
	var lt *launchTemplate
	for _, x := range e.templates {
		if x.id == ref.id {
			lt = x
		}
	}
	if lt == nil {
		return fail(fmt.Sprintf("The specified launch template, with template ID %s, does not exist", ref.id))
	}
	v, err := e.templateVersion(lt, ref.version)
	if err != nil {
		return fail(apiMessage(err))
	}
	spec, err := e.specFromTemplate(lt, v)
	if err != nil {
		return fail(apiMessage(err))
	}
	for _, tag := range g.tags {
		if tag.propagate {
			spec.tags[tag.key] = tag.value
		}
	}
	spec.tags["aws:autoscaling:groupName"] = g.name
	count := map[string]int{}
	for _, i := range g.live() {
		count[i.zone]++
	}
	zones := append([]string(nil), g.zones...)
	sort.SliceStable(zones, func(a, b int) bool { return count[zones[a]] < count[zones[b]] })
	var lastErr error
	for _, z := range zones {
		s := spec
		s.tags = spec.tags.clone()
		s.subnetID, s.zone = g.subnetOf[z], ""
		launched, err := e.launch(t, s, 1, "")
		if err != nil {
			lastErr = err
			if apiCode(err) == "InsufficientInstanceCapacity" {
				continue
			}
			break
		}
		ec := launched[0]
		i := &asInstance{id: ec.id, zone: ec.zone, ltID: lt.id, ltVer: versionRef(v), launched: t, healthy: true, refreshed: g.activeRefresh() != nil}
		g.instances = append(g.instances, i)
		m.setState(g, i, astypes.LifecycleStatePending, t)
		m.addActivity(g, t, "Launching a new EC2 instance: "+ec.id, cause, astypes.ScalingActivityStatusCodeSuccessful, "")
		return true
	}
	return fail(apiMessage(lastErr))
}

func apiMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return err.Error()
}

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// victims picks n live instances to terminate: from the zone with the most instances first, then
// by the group's first termination policy (Default: instances not on the group's launch template
// version, then the oldest).
func (m *asModel) victims(g *asGroup, n int) []*asInstance {
	cands := g.live()
	var out []*asInstance
	policy := "Default"
	if len(g.termPolicies) > 0 {
		policy = g.termPolicies[0]
	}
	for ; n > 0 && len(cands) > 0; n-- {
		count := map[string]int{}
		for _, i := range cands {
			count[i.zone]++
		}
		zone := ""
		for _, z := range g.zones {
			if count[z] > count[zone] {
				zone = z
			}
		}
		for _, i := range cands { // instances outside the group's zones
			if count[i.zone] > count[zone] {
				zone = i.zone
			}
		}
		var inZone []*asInstance
		for _, i := range cands {
			if i.zone == zone {
				inZone = append(inZone, i)
			}
		}
		current := m.currentVersion(g)
		sort.SliceStable(inZone, func(a, b int) bool {
			x, y := inZone[a], inZone[b]
			if policy == "NewestInstance" {
				return x.launched.After(y.launched)
			}
			if policy != "OldestInstance" {
				if ox, oy := x.ltVer != current, y.ltVer != current; ox != oy {
					return ox
				}
			}
			return x.launched.Before(y.launched)
		})
		out = append(out, inZone[0])
		for k, i := range cands {
			if i == inZone[0] {
				cands = append(cands[:k:k], cands[k+1:]...)
				break
			}
		}
	}
	return out
}

// currentVersion resolves the group's launch template version to a number, or "".
func (m *asModel) currentVersion(g *asGroup) string {
	return m.resolveVersion(g.lt)
}

func (m *asModel) resolveVersion(ref ltRef) string {
	e := m.cloud.ec2()
	for _, lt := range e.templates {
		if lt.id == ref.id {
			if v, err := e.templateVersion(lt, ref.version); err == nil {
				return versionRef(v)
			}
		}
	}
	return ""
}

// activity is a scaling activity.
type activity struct {
	id, description, cause, message string
	status                          astypes.ScalingActivityStatusCode
	start                           time.Time
	seq                             uint64
}

func (m *asModel) addActivity(g *asGroup, t time.Time, description, cause string, status astypes.ScalingActivityStatusCode, message string) {
	m.seq++
	g.activities = append(g.activities, &activity{id: m.newUUID(), description: description, cause: cause, status: status, message: message, start: t, seq: m.seq})
}

func isoSeconds(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (m *asModel) describeActivities(r *request, in *autoscaling.DescribeScalingActivitiesInput) (*autoscaling.DescribeScalingActivitiesOutput, error) {
	if len(in.Filters) > 0 || aws.ToBool(in.IncludeDeletedGroups) {
		return nil, r.unmodeled("DescribeScalingActivities filters and deleted groups")
	}
	type entry struct {
		g *asGroup
		a *activity
	}
	var all []entry
	for _, g := range m.groups {
		if name := aws.ToString(in.AutoScalingGroupName); name != "" && g.name != name {
			continue
		}
		m.advance(g, r.now)
		for _, a := range g.activities {
			if len(in.ActivityIds) == 0 || contains(in.ActivityIds, a.id) {
				all = append(all, entry{g, a})
			}
		}
	}
	// Newest first, as AWS lists them.
	pg, next, err := asPage(m, "DescribeScalingActivities", all, func(e entry) string { return seqKey(math.MaxUint64 - e.a.seq) }, in.MaxRecords, in.NextToken, 100, 100)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeScalingActivitiesOutput{Activities: []astypes.Activity{}, NextToken: next}
	for _, e := range pg {
		a := e.a
		act := astypes.Activity{
			ActivityId: aws.String(a.id), AutoScalingGroupName: aws.String(e.g.name), AutoScalingGroupARN: aws.String(e.g.arn),
			Description: aws.String(a.description), Cause: aws.String(a.cause), StartTime: aws.Time(a.start), EndTime: aws.Time(a.start),
			StatusCode: a.status, Progress: aws.Int32(100),
		}
		if a.message != "" {
			act.StatusMessage = aws.String(a.message)
		}
		out.Activities = append(out.Activities, act)
	}
	return out, nil
}

// Target group membership, through the ELBv2 model under the same lock.

// anyTG returns the target group with the ARN whether or not it is visible yet.
func (m *asModel) anyTG(arn string) *targetGroup {
	for _, tg := range m.cloud.elbv2().groups {
		if tg.arn == arn {
			return tg
		}
	}
	return nil
}

// registerIn registers an instance with a target group at t, as RegisterTargets does.
func (m *asModel) registerIn(arn, id string, t time.Time) {
	elb := m.cloud.elbv2()
	tg := m.anyTG(arn)
	if tg == nil || tg.targetType != elbv2types.TargetTypeEnumInstance {
		return
	}
	elb.advanceGroup(tg, t)
	if reg := tg.find(id, tg.port); reg != nil {
		if !reg.draining {
			return
		}
		tg.remove(reg)
	}
	reg := &registration{id: id, port: tg.port, lastCheck: t, visible: m.cloud.visibleFrom(ServiceELBv2, t)}
	tg.targets = append(tg.targets, reg)
	elb.setState(tg, reg, elbv2types.TargetHealthStateEnumInitial, elbv2types.TargetHealthReasonEnumRegistrationInProgress, "Target registration is in progress", t)
}

// deregisterFrom deregisters an instance from a target group at t, as DeregisterTargets does,
// and returns when its draining ends.
func (m *asModel) deregisterFrom(arn, id string, t time.Time) time.Time {
	elb := m.cloud.elbv2()
	tg := m.anyTG(arn)
	if tg == nil {
		return t
	}
	elb.advanceGroup(tg, t)
	reg := tg.find(id, tg.port)
	if reg == nil || reg.draining {
		return t
	}
	delay, _ := strconv.Atoi(tg.attrs["deregistration_delay.timeout_seconds"])
	reg.draining = true
	reg.drainUntil = t
	if reg.state == elbv2types.TargetHealthStateEnumHealthy {
		reg.drainUntil = t.Add(time.Duration(delay) * time.Second)
	}
	elb.setState(tg, reg, elbv2types.TargetHealthStateEnumDraining, elbv2types.TargetHealthReasonEnumDeregistrationInProgress, "Target deregistration is in progress", t)
	elb.advanceGroup(tg, t)
	return reg.drainUntil
}

// deregister takes an instance out of all the group's target groups and returns when the last
// draining ends.
func (m *asModel) deregister(g *asGroup, i *asInstance, t time.Time) time.Time {
	until := t
	for _, arn := range g.tgs {
		if d := m.deregisterFrom(arn, i.id, t); d.After(until) {
			until = d
		}
	}
	return until
}

// targetState returns an instance's health state in a target group at t ("" when it is not
// registered), from the group's transitions up to t.
func (m *asModel) targetState(arn, id string, t time.Time) elbv2types.TargetHealthStateEnum {
	tg := m.anyTG(arn)
	if tg == nil {
		return ""
	}
	m.cloud.elbv2().advanceGroup(tg, t)
	var st elbv2types.TargetHealthStateEnum
	for _, tr := range tg.transitions {
		if tr.TargetID == id && !tr.At.After(t) {
			st = elbv2types.TargetHealthStateEnum(tr.To)
		}
	}
	return st
}
