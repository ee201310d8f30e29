package awstest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// Lifecycle hook limits (API reference, PutLifecycleHook and LifecycleHook).
const (
	defaultHeartbeat   = 3600
	minHeartbeat       = 30
	maxHeartbeat       = 7200
	maxGlobalTimeout   = 172800
	maxHooksPerGroup   = 50
	transitionLaunch   = "autoscaling:EC2_INSTANCE_LAUNCHING"
	transitionTerminat = "autoscaling:EC2_INSTANCE_TERMINATING"
)

// lcHook is a lifecycle hook.
type lcHook struct {
	name, transition, defaultResult, metadata string
	heartbeat                                 int32
}

func (h *lcHook) globalTimeout() int32 { return min(maxGlobalTimeout, 100*h.heartbeat) }

// lcAction is an instance's pending lifecycle action for one hook. It times out at deadline
// (moved by heartbeats, never past global) with the hook's default result.
type lcAction struct {
	hook                      *lcHook
	token                     string
	deadline, global, visible time.Time
	result                    string
	done                      bool
}

func (m *asModel) registerHooks() {
	handle(m.svc, "PutLifecycleHook", m.putLifecycleHook)
	handle(m.svc, "DescribeLifecycleHooks", m.describeLifecycleHooks)
	handle(m.svc, "DeleteLifecycleHook", m.deleteLifecycleHook)
	handle(m.svc, "CompleteLifecycleAction", m.completeLifecycleAction)
	handle(m.svc, "RecordLifecycleActionHeartbeat", m.recordHeartbeat)
}

func (m *asModel) putLifecycleHook(r *request, in *autoscaling.PutLifecycleHookInput) (*autoscaling.PutLifecycleHookOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if in.NotificationTargetARN != nil || in.RoleARN != nil {
		return nil, r.unmodeled("lifecycle hook notification targets")
	}
	name := aws.ToString(in.LifecycleHookName)
	var hook *lcHook
	for _, h := range g.hooks {
		if h.name == name {
			hook = h
		}
	}
	next, err := m.hookFrom(hook, in.LifecycleHookName, in.LifecycleTransition, in.DefaultResult, in.HeartbeatTimeout, in.NotificationMetadata)
	if err != nil {
		return nil, err
	}
	if hook != nil {
		*hook = *next
		return &autoscaling.PutLifecycleHookOutput{}, nil
	}
	if len(g.hooks) >= maxHooksPerGroup {
		return nil, m.errorf("LimitExceeded", "Unable to create lifecycle hook %s. The maximum number of lifecycle hooks (%d) for the group %s has been reached.", name, maxHooksPerGroup, g.name)
	}
	g.hooks = append(g.hooks, next)
	return &autoscaling.PutLifecycleHookOutput{}, nil
}

// hookFrom validates a hook's settings on top of an existing hook (nil for a new one).
func (m *asModel) hookFrom(base *lcHook, name, transition, result *string, heartbeat *int32, metadata *string) (*lcHook, error) {
	n := aws.ToString(name)
	if n == "" || len(n) > 255 {
		return nil, m.validation("1 validation error detected: Value at 'lifecycleHookName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	next := lcHook{name: n, defaultResult: "ABANDON", heartbeat: defaultHeartbeat}
	if base != nil {
		next = *base
	}
	if transition != nil {
		next.transition = *transition
	}
	switch next.transition {
	case transitionLaunch, transitionTerminat:
	case "":
		return nil, m.validation("Lifecycle transition is required when creating a lifecycle hook")
	default:
		return nil, m.validation("Invalid Lifecycle Transition %s", next.transition)
	}
	if result != nil {
		next.defaultResult = *result
	}
	if next.defaultResult != "CONTINUE" && next.defaultResult != "ABANDON" {
		return nil, m.validation("Invalid default result: %s. Valid values are CONTINUE and ABANDON", next.defaultResult)
	}
	if heartbeat != nil {
		next.heartbeat = *heartbeat
	}
	if next.heartbeat < minHeartbeat || next.heartbeat > maxHeartbeat {
		return nil, m.validation("Heartbeat timeout must be between %d and %d seconds", minHeartbeat, maxHeartbeat)
	}
	if metadata != nil {
		next.metadata = *metadata
	}
	return &next, nil
}

func (m *asModel) describeLifecycleHooks(r *request, in *autoscaling.DescribeLifecycleHooksInput) (*autoscaling.DescribeLifecycleHooksOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeLifecycleHooksOutput{LifecycleHooks: []astypes.LifecycleHook{}}
	for _, h := range g.hooks {
		if len(in.LifecycleHookNames) > 0 && !contains(in.LifecycleHookNames, h.name) {
			continue
		}
		lh := astypes.LifecycleHook{
			AutoScalingGroupName: aws.String(g.name), LifecycleHookName: aws.String(h.name), LifecycleTransition: aws.String(h.transition),
			DefaultResult: aws.String(h.defaultResult), HeartbeatTimeout: aws.Int32(h.heartbeat), GlobalTimeout: aws.Int32(h.globalTimeout()),
		}
		if h.metadata != "" {
			lh.NotificationMetadata = aws.String(h.metadata)
		}
		out.LifecycleHooks = append(out.LifecycleHooks, lh)
	}
	return out, nil
}

func (m *asModel) deleteLifecycleHook(r *request, in *autoscaling.DeleteLifecycleHookInput) (*autoscaling.DeleteLifecycleHookOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.LifecycleHookName)
	for k, h := range g.hooks {
		if h.name == name {
			g.hooks = append(g.hooks[:k:k], g.hooks[k+1:]...)
			// Actions pending for the hook end as if completed with CONTINUE.
			for _, i := range g.instances {
				for _, a := range i.actions {
					if a.hook == h && !a.done {
						a.done, a.result = true, "CONTINUE"
					}
				}
				m.resolveActions(g, i, r.now)
			}
			return &autoscaling.DeleteLifecycleHookOutput{}, nil
		}
	}
	return nil, m.validation("No Lifecycle Hook found with name %s for group %s", name, g.name)
}

// enterWait puts an instance into a wait state with one action per hook of the transition. It
// returns false when the group has no such hook.
func (m *asModel) enterWait(g *asGroup, i *asInstance, transition string, st astypes.LifecycleState, t time.Time) bool {
	var actions []*lcAction
	for _, h := range g.hooks {
		if h.transition != transition {
			continue
		}
		actions = append(actions, &lcAction{
			hook: h, token: m.newUUID(), deadline: t.Add(time.Duration(h.heartbeat) * time.Second),
			global: t.Add(time.Duration(h.globalTimeout()) * time.Second), visible: m.cloud.visibleFrom(ServiceAutoScaling, t),
		})
	}
	if len(actions) == 0 {
		return false
	}
	i.actions = actions
	m.setState(g, i, st, t)
	return true
}

// resolveActions applies the default result of actions that timed out by t and, once every
// action is done, moves the instance on: into service when all continued, terminating otherwise
// (a terminating instance terminates either way).
func (m *asModel) resolveActions(g *asGroup, i *asInstance, t time.Time) {
	if i.state != astypes.LifecycleStatePendingWait && i.state != astypes.LifecycleStateTerminatingWait {
		return
	}
	abandon := false
	for _, a := range i.actions {
		if !a.done && !t.Before(a.deadline) {
			a.done, a.result = true, a.hook.defaultResult
		}
		if !a.done {
			return
		}
		abandon = abandon || a.result == "ABANDON"
	}
	i.actions = nil
	switch {
	case i.state == astypes.LifecycleStateTerminatingWait:
		m.proceedTerminate(g, i, t)
	case abandon:
		i.healthy, i.abandoned = false, true
		m.startTerminate(g, i, t, "an instance was taken out of service in response to a launching lifecycle hook that was abandoned")
	default:
		m.toInService(g, i, t)
	}
}

// findAction finds the active action of a hook by token or instance ID, as the caller at now
// can see it (DelayVisibility hides new actions for a while, as AWS's eventual consistency does).
func (m *asModel) findAction(g *asGroup, hook, instanceID, token string, now time.Time) (*asInstance, *lcAction, error) {
	for _, i := range g.instances {
		for _, a := range i.actions {
			if a.done || a.hook.name != hook || now.Before(a.visible) {
				continue
			}
			if (token != "" && a.token == token) || (token == "" && i.id == instanceID) {
				return i, a, nil
			}
		}
	}
	if token != "" {
		return nil, nil, m.validation("No active Lifecycle Action found with token %s", token)
	}
	return nil, nil, m.validation("No active Lifecycle Action found with instance ID %s", instanceID)
}

func (m *asModel) actionTarget(g *asGroup, hook, instanceID, token *string) error {
	if aws.ToString(hook) == "" {
		return m.validation("1 validation error detected: Value null at 'lifecycleHookName' failed to satisfy constraint: Member must not be null")
	}
	if aws.ToString(instanceID) == "" && aws.ToString(token) == "" {
		return m.validation("Either instance ID or lifecycle action token must be specified")
	}
	return nil
}

func (m *asModel) completeLifecycleAction(r *request, in *autoscaling.CompleteLifecycleActionInput) (*autoscaling.CompleteLifecycleActionOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if err := m.actionTarget(g, in.LifecycleHookName, in.InstanceId, in.LifecycleActionToken); err != nil {
		return nil, err
	}
	result := aws.ToString(in.LifecycleActionResult)
	if result != "CONTINUE" && result != "ABANDON" {
		return nil, m.validation("Invalid lifecycle action result: %s. Valid values are CONTINUE and ABANDON", result)
	}
	i, a, err := m.findAction(g, *in.LifecycleHookName, aws.ToString(in.InstanceId), aws.ToString(in.LifecycleActionToken), r.now)
	if err != nil {
		return nil, err
	}
	a.done, a.result = true, result
	m.resolveActions(g, i, r.now)
	m.reconcile(g, r.now) // an abandoned instance is replaced at once
	return &autoscaling.CompleteLifecycleActionOutput{}, nil
}

func (m *asModel) recordHeartbeat(r *request, in *autoscaling.RecordLifecycleActionHeartbeatInput) (*autoscaling.RecordLifecycleActionHeartbeatOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if err := m.actionTarget(g, in.LifecycleHookName, in.InstanceId, in.LifecycleActionToken); err != nil {
		return nil, err
	}
	_, a, err := m.findAction(g, *in.LifecycleHookName, aws.ToString(in.InstanceId), aws.ToString(in.LifecycleActionToken), r.now)
	if err != nil {
		return nil, err
	}
	next := r.now.Add(time.Duration(a.hook.heartbeat) * time.Second)
	if next.After(a.global) {
		next = a.global
	}
	a.deadline = next
	return &autoscaling.RecordLifecycleActionHeartbeatOutput{}, nil
}

// LifecycleActionToken returns the token of the instance's active lifecycle action for the hook,
// as the hook's notification would deliver it, and false when there is none. It is safe for
// concurrent use.
func (c *Cloud) LifecycleActionToken(group, hook, instanceID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.autoScaling()
	g := m.group(group)
	if g == nil {
		return "", false
	}
	m.advance(g, c.clock.Now())
	for _, i := range g.instances {
		if i.id != instanceID {
			continue
		}
		for _, a := range i.actions {
			if !a.done && a.hook.name == hook {
				return a.token, true
			}
		}
	}
	return "", false
}
