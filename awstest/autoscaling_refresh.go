package awstest

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// refreshLaunchFailures is how many failed launches make an instance refresh fail (or roll back).
const refreshLaunchFailures = 3

// refresh is an instance refresh. Instances in toReplace are replaced in batches that keep at
// least minPct of the desired capacity healthy (in service and, with ELB health checks, healthy
// in every target group; a new instance also warmed up) and at most maxPct of it running.
type refresh struct {
	id                     string
	seq                    uint64
	status                 astypes.InstanceRefreshStatus
	reason                 string
	start, end             time.Time
	minPct, maxPct, warmup int32
	checkpoints            []int32
	checkpointDelay        int32
	nextCP                 int
	pauseUntil             time.Time
	skip, autoRollback     bool
	prefs                  astypes.RefreshPreferences
	desired, target        *ltRef
	previous               ltRef
	toReplace              map[string]bool
	total                  int
	percent, toUpdate      int32
	launchFailures         int
	lastFailure            string
	rollback               bool
	rollbackReason         string
	rollbackStart          time.Time
	previousPercent        int32
}

func (m *asModel) registerRefreshes() {
	handle(m.svc, "StartInstanceRefresh", m.startInstanceRefresh)
	handle(m.svc, "DescribeInstanceRefreshes", m.describeInstanceRefreshes)
	handle(m.svc, "CancelInstanceRefresh", m.cancelInstanceRefresh)
	handle(m.svc, "RollbackInstanceRefresh", m.rollbackInstanceRefresh)
}

func (g *asGroup) activeRefresh() *refresh {
	for _, rf := range g.refreshes {
		switch rf.status {
		case astypes.InstanceRefreshStatusPending, astypes.InstanceRefreshStatusInProgress, astypes.InstanceRefreshStatusCancelling,
			astypes.InstanceRefreshStatusRollbackInProgress, astypes.InstanceRefreshStatusBaking:
			return rf
		}
	}
	return nil
}

func (m *asModel) startInstanceRefresh(r *request, in *autoscaling.StartInstanceRefreshInput) (*autoscaling.StartInstanceRefreshOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if in.Strategy != "" && in.Strategy != astypes.RefreshStrategyRolling {
		return nil, r.unmodeled("refresh strategy %s", in.Strategy)
	}
	if g.activeRefresh() != nil {
		return nil, m.errorf("InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
	}
	rf := &refresh{status: astypes.InstanceRefreshStatusPending, start: r.now, minPct: 90, maxPct: 100, previous: g.lt, toReplace: map[string]bool{}}
	if p := in.Preferences; p != nil {
		if p.AlarmSpecification != nil || p.BakeTime != nil {
			return nil, r.unmodeled("refresh alarms and bake time")
		}
		rf.prefs = *p
		rf.prefs.CheckpointPercentages = append([]int32(nil), p.CheckpointPercentages...)
		if p.MinHealthyPercentage != nil {
			rf.minPct = *p.MinHealthyPercentage
		}
		if p.MaxHealthyPercentage != nil {
			if p.MinHealthyPercentage == nil {
				return nil, m.validation("MinHealthyPercentage must be specified when MaxHealthyPercentage is specified.")
			}
			rf.maxPct = *p.MaxHealthyPercentage
		}
		switch {
		case rf.minPct < 0 || rf.minPct > 100:
			return nil, m.validation("MinHealthyPercentage must be between 0 and 100.")
		case rf.maxPct < 100 || rf.maxPct > 200:
			return nil, m.validation("MaxHealthyPercentage must be between 100 and 200.")
		case rf.maxPct-rf.minPct > 100:
			return nil, m.validation("The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.")
		case rf.minPct == 100 && rf.maxPct == 100:
			return nil, m.validation("MinHealthyPercentage and MaxHealthyPercentage cannot both be 100: set MaxHealthyPercentage above 100 to launch before terminating.")
		}
		if p.InstanceWarmup != nil {
			rf.warmup = *p.InstanceWarmup
		} else if g.warmup != nil {
			rf.warmup = *g.warmup
		} else {
			rf.warmup = g.grace
		}
		prev := int32(0)
		for _, cp := range p.CheckpointPercentages {
			if cp <= prev || cp > 100 {
				return nil, m.validation("CheckpointPercentages must be in ascending order with values between 1 and 100.")
			}
			prev = cp
		}
		rf.checkpoints = rf.prefs.CheckpointPercentages
		rf.checkpointDelay = 3600
		if p.CheckpointDelay != nil && len(p.CheckpointPercentages) == 0 {
			return nil, m.validation("CheckpointDelay can only be specified together with CheckpointPercentages.")
		}
		if p.CheckpointDelay != nil && (*p.CheckpointDelay < 0 || *p.CheckpointDelay > 172800) {
			return nil, m.validation("1 validation error detected: Value '%d' at 'preferences.checkpointDelay' failed to satisfy constraint: Member must have value between 0 and 172800", *p.CheckpointDelay)
		}
		if p.CheckpointDelay != nil {
			rf.checkpointDelay = *p.CheckpointDelay
		}
		rf.skip, rf.autoRollback = aws.ToBool(p.SkipMatching), aws.ToBool(p.AutoRollback)
	} else if g.warmup != nil {
		rf.warmup = *g.warmup
	} else {
		rf.warmup = g.grace
	}
	if dc := in.DesiredConfiguration; dc != nil {
		if dc.MixedInstancesPolicy != nil || dc.LaunchTemplate == nil {
			return nil, r.unmodeled("desired configuration with a mixed instances policy")
		}
		ref, err := m.resolveTemplate(dc.LaunchTemplate)
		if err != nil {
			return nil, err
		}
		rf.desired = &ref
	}
	if rf.autoRollback {
		if rf.desired == nil {
			return nil, m.validation("AutoRollback requires a DesiredConfiguration.")
		}
		if v := rf.desired.version; v == "$Latest" || v == "$Default" {
			return nil, m.validation("AutoRollback requires a specific launch template version in the DesiredConfiguration, not %s.", v)
		}
	}
	target := g.lt
	if rf.desired != nil {
		target = *rf.desired
	}
	target.version = m.resolveVersion(target)
	rf.target = &target
	for _, i := range g.live() {
		if rf.skip && i.ltID == target.id && i.ltVer == target.version {
			continue
		}
		rf.toReplace[i.id] = true
	}
	rf.total = len(rf.toReplace)
	rf.toUpdate = int32(rf.total)
	rf.id = m.newUUID()
	m.seq++
	rf.seq = m.seq
	g.refreshes = append(g.refreshes, rf)
	return &autoscaling.StartInstanceRefreshOutput{InstanceRefreshId: aws.String(rf.id)}, nil
}

// serving reports whether an instance is in service and healthy at t: Healthy in the group
// and, with ELB health checks, healthy in every target group.
func (m *asModel) serving(g *asGroup, i *asInstance, t time.Time) bool {
	if i.state != astypes.LifecycleStateInService || !i.healthy {
		return false
	}
	if g.healthType == "ELB" {
		for _, arn := range g.tgs {
			if m.targetState(arn, i.id, t) != elbv2types.TargetHealthStateEnumHealthy {
				return false
			}
		}
	}
	return true
}

// effectiveDesired is the capacity the group aims at: above the desired capacity while a
// refresh with a maximum healthy percentage over 100 still has instances to replace.
func (m *asModel) effectiveDesired(g *asGroup) int32 {
	rf := g.activeRefresh()
	if rf == nil || rf.status == astypes.InstanceRefreshStatusPending || rf.status == astypes.InstanceRefreshStatusCancelling || rf.maxPct <= 100 {
		return g.desired
	}
	for _, i := range g.live() {
		if rf.toReplace[i.id] {
			return max(g.desired, int32(math.Floor(float64(g.desired)*float64(rf.maxPct)/100)))
		}
	}
	return g.desired
}

// stepRefresh runs the group's active refresh at t.
func (m *asModel) stepRefresh(g *asGroup, t time.Time) {
	rf := g.activeRefresh()
	if rf == nil {
		return
	}
	switch rf.status {
	case astypes.InstanceRefreshStatusPending:
		rf.status = astypes.InstanceRefreshStatusInProgress
	case astypes.InstanceRefreshStatusCancelling:
		rf.status, rf.end, rf.reason = astypes.InstanceRefreshStatusCancelled, t, "Cancelled due to user request."
		return
	}
	if t.Before(rf.pauseUntil) {
		return
	}
	if rf.launchFailures >= refreshLaunchFailures {
		reason := "The instance refresh failed because new instances could not be launched: " + rf.lastFailure
		if !rf.rollback && rf.autoRollback {
			m.beginRollback(g, rf, t, reason)
			return
		}
		rf.end, rf.reason = t, reason
		rf.status = astypes.InstanceRefreshStatusFailed
		if rf.rollback {
			rf.status = astypes.InstanceRefreshStatusRollbackFailed
		}
		return
	}
	var old, coldOld []*asInstance
	inflight, healthy := 0, 0
	warming := ""
	for _, i := range g.live() {
		if rf.toReplace[i.id] {
			// An instance being replaced counts as healthy when it is in service and healthy;
			// one that is not yet in service may go at once.
			if m.serving(g, i, t) {
				healthy++
				old = append(old, i)
			} else {
				coldOld = append(coldOld, i)
			}
			continue
		}
		// A new instance counts once warmed up.
		if m.serving(g, i, t) && t.Sub(i.inService) >= time.Duration(rf.warmup)*time.Second {
			healthy++
			continue
		}
		inflight++
		if warming == "" {
			warming = i.id
		}
	}
	remaining := len(old) + len(coldOld)
	done := max(0, rf.total-remaining-inflight)
	rf.toUpdate = int32(rf.total - done)
	rf.percent = 100
	if rf.total > 0 {
		rf.percent = int32(100 * done / rf.total)
	}
	if remaining == 0 && inflight == 0 && int32(len(g.live())) == g.desired {
		rf.end, rf.percent, rf.toUpdate = t, 100, 0
		if rf.rollback {
			rf.status, rf.reason = astypes.InstanceRefreshStatusRollbackSuccessful, rf.rollbackReason
			return
		}
		rf.status, rf.reason = astypes.InstanceRefreshStatusSuccessful, ""
		if rf.desired != nil {
			g.lt = *rf.desired
		}
		return
	}
	if rf.nextCP < len(rf.checkpoints) && rf.percent >= rf.checkpoints[rf.nextCP] && rf.percent < 100 && inflight == 0 {
		cp := rf.checkpoints[rf.nextCP]
		rf.nextCP++
		rf.pauseUntil = t.Add(time.Duration(rf.checkpointDelay) * time.Second)
		rf.reason = fmt.Sprintf("Waiting for checkpoint delay of %d seconds at %d%% before continuing.", rf.checkpointDelay, cp)
		return
	}
	minHealthy := int(math.Ceil(float64(g.desired) * float64(rf.minPct) / 100))
	k := min(len(old), healthy-minHealthy)
	if k <= 0 && rf.prefs.MaxHealthyPercentage == nil && inflight == 0 && len(coldOld) == 0 && len(old) > 0 && healthy >= int(g.desired) {
		// The minimum cannot be kept while replacing even one (90% of a small group rounds up to
		// all of it): without a maximum, AWS terminates one and launches its replacement at the
		// same time, one instance at a time.
		k = 1
	}
	cause := "an instance was taken out of service in response to an instance refresh"
	for _, i := range coldOld {
		m.startTerminate(g, i, t, cause)
	}
	for n := 0; n < k; n++ {
		m.startTerminate(g, old[n], t, cause)
	}
	switch {
	case warming != "":
		rf.reason = fmt.Sprintf("Waiting for instances to warm up before continuing. For example: %s is warming up.", warming)
	case k <= 0 && len(old) > 0:
		rf.reason = fmt.Sprintf("Waiting for instances to become healthy: %d of %d required healthy instances are healthy.", healthy, minHealthy)
	default:
		rf.reason = "Replacing instances."
	}
}

// beginRollback turns a refresh into a rollback to the group's configuration from before it.
func (m *asModel) beginRollback(g *asGroup, rf *refresh, t time.Time, reason string) {
	prev := rf.previous
	prev.version = m.resolveVersion(prev)
	rf.rollback, rf.rollbackReason, rf.rollbackStart, rf.previousPercent = true, reason, t, rf.percent
	rf.status, rf.reason = astypes.InstanceRefreshStatusRollbackInProgress, reason
	rf.target, rf.launchFailures, rf.pauseUntil, rf.nextCP, rf.checkpoints = &prev, 0, time.Time{}, 0, nil
	rf.toReplace = map[string]bool{}
	for _, i := range g.live() {
		if i.ltID != prev.id || i.ltVer != prev.version {
			rf.toReplace[i.id] = true
		}
	}
	rf.total = len(rf.toReplace)
}

func (m *asModel) describeInstanceRefreshes(r *request, in *autoscaling.DescribeInstanceRefreshesInput) (*autoscaling.DescribeInstanceRefreshesOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	var matched []*refresh
	for _, rf := range g.refreshes {
		if len(in.InstanceRefreshIds) == 0 || contains(in.InstanceRefreshIds, rf.id) {
			matched = append(matched, rf)
		}
	}
	pg, next, err := asPage(m, "DescribeInstanceRefreshes", matched, func(rf *refresh) string { return seqKey(math.MaxUint64 - rf.seq) }, in.MaxRecords, in.NextToken, 50, 100)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeInstanceRefreshesOutput{InstanceRefreshes: []astypes.InstanceRefresh{}, NextToken: next}
	for _, rf := range pg {
		prefs := rf.prefs
		prefs.MinHealthyPercentage, prefs.MaxHealthyPercentage, prefs.InstanceWarmup = aws.Int32(rf.minPct), aws.Int32(rf.maxPct), aws.Int32(rf.warmup)
		prefs.SkipMatching, prefs.AutoRollback = aws.Bool(rf.skip), aws.Bool(rf.autoRollback)
		prefs.CheckpointPercentages = append([]int32(nil), rf.prefs.CheckpointPercentages...)
		ir := astypes.InstanceRefresh{
			AutoScalingGroupName: aws.String(g.name), InstanceRefreshId: aws.String(rf.id), Status: rf.status,
			StartTime: aws.Time(rf.start), PercentageComplete: aws.Int32(rf.percent), InstancesToUpdate: aws.Int32(rf.toUpdate),
			Strategy: astypes.RefreshStrategyRolling, Preferences: &prefs,
			ProgressDetails: &astypes.InstanceRefreshProgressDetails{LivePoolProgress: &astypes.InstanceRefreshLivePoolProgress{
				PercentageComplete: aws.Int32(rf.percent), InstancesToUpdate: aws.Int32(rf.toUpdate)}},
		}
		if rf.reason != "" {
			ir.StatusReason = aws.String(rf.reason)
		}
		if !rf.end.IsZero() {
			ir.EndTime = aws.Time(rf.end)
		}
		if rf.desired != nil {
			ir.DesiredConfiguration = &astypes.DesiredConfiguration{LaunchTemplate: rf.desired.spec()}
		}
		if rf.rollback {
			ir.RollbackDetails = &astypes.RollbackDetails{RollbackReason: aws.String(rf.rollbackReason), RollbackStartTime: aws.Time(rf.rollbackStart),
				PercentageCompleteOnRollback: aws.Int32(rf.previousPercent), InstancesToUpdateOnRollback: aws.Int32(int32(rf.total))}
		}
		out.InstanceRefreshes = append(out.InstanceRefreshes, ir)
	}
	return out, nil
}

func (m *asModel) cancelInstanceRefresh(r *request, in *autoscaling.CancelInstanceRefreshInput) (*autoscaling.CancelInstanceRefreshOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	rf := g.activeRefresh()
	if rf == nil || (rf.status != astypes.InstanceRefreshStatusPending && rf.status != astypes.InstanceRefreshStatusInProgress) {
		return nil, m.errorf("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group %s", g.name)
	}
	rf.status, rf.reason = astypes.InstanceRefreshStatusCancelling, "Cancelling due to user request."
	return &autoscaling.CancelInstanceRefreshOutput{InstanceRefreshId: aws.String(rf.id)}, nil
}

func (m *asModel) rollbackInstanceRefresh(r *request, in *autoscaling.RollbackInstanceRefreshInput) (*autoscaling.RollbackInstanceRefreshOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	rf := g.activeRefresh()
	if rf == nil || (rf.status != astypes.InstanceRefreshStatusPending && rf.status != astypes.InstanceRefreshStatusInProgress) {
		return nil, m.errorf("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group %s", g.name)
	}
	if rf.desired == nil {
		return nil, m.errorf("IrreversibleInstanceRefresh", "The instance refresh can't be rolled back because it was started without a desired configuration.")
	}
	m.beginRollback(g, rf, r.now, "Rollback started by user request.")
	return &autoscaling.RollbackInstanceRefreshOutput{InstanceRefreshId: aws.String(rf.id)}, nil
}
