package awstest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// ServiceAutoScaling is the Amazon EC2 Auto Scaling API.
const ServiceAutoScaling = "Auto Scaling"

// Defaults for [AutoScalingOptions].
const (
	// DefaultAutoScalingTick is how often a simulated group re-evaluates itself on the virtual
	// clock: instance lifecycle, health checks, capacity and instance refresh steps.
	DefaultAutoScalingTick = 10 * time.Second
	// DefaultLaunchRetry is how long a group waits after a failed launch before trying again.
	DefaultLaunchRetry = 30 * time.Second
)

// AutoScalingOptions configure the Auto Scaling model; they are [Options].AutoScaling.
type AutoScalingOptions struct {
	// Tick is the interval at which a group's state advances on the virtual clock (health
	// checks, launches, refresh batches). Zero means DefaultAutoScalingTick; negative is invalid.
	Tick time.Duration
	// LaunchRetry is the delay after a failed launch before the group tries again. Zero means
	// DefaultLaunchRetry; negative is invalid.
	LaunchRetry time.Duration
}

func (o AutoScalingOptions) withDefaults() AutoScalingOptions {
	if o.Tick == 0 {
		o.Tick = DefaultAutoScalingTick
	}
	if o.LaunchRetry == 0 {
		o.LaunchRetry = DefaultLaunchRetry
	}
	return o
}

func (o AutoScalingOptions) problems() []string {
	return negativeDurations("AutoScaling", map[string]time.Duration{"Tick": o.Tick, "LaunchRetry": o.LaunchRetry})
}

// asExceptions are the typed exceptions of the Auto Scaling SDK client by error code
// (types/errors.go). ValidationError has no type: the SDK builds a generic API error for it.
var asExceptions = map[string]exception{
	"ActiveInstanceRefreshNotFound": func(m *string) error { return &astypes.ActiveInstanceRefreshNotFoundFault{Message: m} },
	"AlreadyExists":                 func(m *string) error { return &astypes.AlreadyExistsFault{Message: m} },
	"IdempotentCallInProgress":      func(m *string) error { return &astypes.IdempotentCallInProgressFault{Message: m} },
	"IdempotentParameterMismatch":   func(m *string) error { return &astypes.IdempotentParameterMismatchError{Message: m} },
	"InstanceRefreshInProgress":     func(m *string) error { return &astypes.InstanceRefreshInProgressFault{Message: m} },
	"InvalidNextToken":              func(m *string) error { return &astypes.InvalidNextToken{Message: m} },
	"IrreversibleInstanceRefresh":   func(m *string) error { return &astypes.IrreversibleInstanceRefreshFault{Message: m} },
	"LimitExceeded":                 func(m *string) error { return &astypes.LimitExceededFault{Message: m} },
	"ResourceContention":            func(m *string) error { return &astypes.ResourceContentionFault{Message: m} },
	"ResourceInUse":                 func(m *string) error { return &astypes.ResourceInUseFault{Message: m} },
	"ScalingActivityInProgress":     func(m *string) error { return &astypes.ScalingActivityInProgressFault{Message: m} },
	"ServiceLinkedRoleFailure":      func(m *string) error { return &astypes.ServiceLinkedRoleFailure{Message: m} },
}

// asModel is Amazon EC2 Auto Scaling: groups that launch instances through the EC2 model and
// register them with ELBv2 target groups, lifecycle hooks, scaling policies, scaling activities
// and instance refreshes. Its state is guarded by Cloud.mu and advances lazily on the virtual
// clock (see advance).
type asModel struct {
	cloud  *Cloud
	svc    *service
	seq    uint64
	groups []*asGroup
}

func newAutoScalingModel(c *Cloud) model {
	// Auto Scaling answers throttled calls with Throttling and HTTP 400 ("Rate exceeded").
	m := &asModel{cloud: c, svc: newService(ServiceAutoScaling, "Throttling", http.StatusBadRequest)}
	m.svc.newError = func(code, msg string) error { return typedError(asExceptions, code, msg) }
	handle(m.svc, "CreateAutoScalingGroup", m.createGroup)
	handle(m.svc, "UpdateAutoScalingGroup", m.updateGroup)
	handle(m.svc, "DescribeAutoScalingGroups", m.describeGroups)
	handle(m.svc, "DeleteAutoScalingGroup", m.deleteGroup)
	handle(m.svc, "SetDesiredCapacity", m.setDesiredCapacity)
	handle(m.svc, "DescribeAutoScalingInstances", m.describeInstances)
	handle(m.svc, "DescribeScalingActivities", m.describeActivities)
	handle(m.svc, "AttachLoadBalancerTargetGroups", m.attachTargetGroups)
	handle(m.svc, "DetachLoadBalancerTargetGroups", m.detachTargetGroups)
	handle(m.svc, "CreateOrUpdateTags", m.createOrUpdateTags)
	handle(m.svc, "DeleteTags", m.deleteTags)
	handle(m.svc, "DescribeTags", m.describeTags)
	m.registerHooks()
	m.registerPolicies()
	m.registerRefreshes()
	return m
}

func (m *asModel) service() *service { return m.svc }

// autoScaling returns the cloud's ServiceAutoScaling model.
func (c *Cloud) autoScaling() *asModel { return modelOf[*asModel](c, ServiceAutoScaling) }

func (m *asModel) validation(format string, args ...any) error {
	return m.svc.errorf("ValidationError", format, args...)
}

func (m *asModel) errorf(code, format string, args ...any) error {
	return m.svc.errorf(code, format, args...)
}

// newUUID returns the next UUID-shaped identifier (activity IDs, refresh IDs, tokens), derived
// from a counter so that runs are repeatable.
func (m *asModel) newUUID() string {
	m.seq++
	s := m.seq
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(s*2654435761), uint16(s>>3), uint16(s)&0xfff, uint16(s>>7)&0xfff, s)
}

// asTag is a group tag.
type asTag struct {
	key, value string
	propagate  bool
}

// ltRef is a launch template reference as a group or refresh holds it.
type ltRef struct{ id, name, version string }

func (l ltRef) spec() *astypes.LaunchTemplateSpecification {
	return &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(l.id), LaunchTemplateName: aws.String(l.name), Version: aws.String(l.version)}
}

// asGroup is an Auto Scaling group.
type asGroup struct {
	name, arn         string
	seq               uint64
	created           time.Time
	min, max, desired int32
	lt                ltRef
	zones             []string
	subnetOf          map[string]string // zone -> subnet ID from VPCZoneIdentifier
	vpcZoneIdentifier string
	tgs               []string
	healthType        string
	grace             int32
	warmup            *int32
	cooldown          int32
	termPolicies      []string
	tags              []asTag
	capacityRebalance bool
	hooks             []*lcHook
	policies          []*scalingPolicy
	instances         []*asInstance
	activities        []*activity
	refreshes         []*refresh
	transitions       []InstanceTransition
	// simAt is the virtual time the group's state has been computed up to; nextLaunch the
	// earliest time of the next launch attempt after a failure.
	simAt, nextLaunch time.Time
}

// asInstance is an instance in a group, with its Auto Scaling lifecycle state.
type asInstance struct {
	id, zone    string
	ltID, ltVer string // the template and resolved version it was launched from
	state       astypes.LifecycleState
	healthy     bool
	launched    time.Time
	inService   time.Time
	drainUntil  time.Time
	actions     []*lcAction
	abandoned   bool
	refreshed   bool // launched while a refresh was running
}

// InstanceTransition is one change of an instance's Auto Scaling lifecycle state, at the virtual
// time the simulated group made it.
type InstanceTransition struct {
	// Group is the Auto Scaling group name.
	Group string
	// InstanceID and Zone identify the instance.
	InstanceID, Zone string
	// From and To are lifecycle states (Pending, Pending:Wait, InService, Terminating,
	// Terminating:Wait, Terminated, ...). From is "" for a launch.
	From, To string
	// At is the virtual time of the change.
	At time.Time
}

// AutoScalingTransitions returns every lifecycle state change of the group's instances so far, in
// time order, after bringing the group up to the current virtual time. It returns nil for an
// unknown group. It is safe for concurrent use.
func (c *Cloud) AutoScalingTransitions(group string) []InstanceTransition {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.autoScaling()
	g := m.group(group)
	if g == nil {
		return nil
	}
	m.advance(g, c.clock.Now())
	out := append([]InstanceTransition(nil), g.transitions...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func (m *asModel) group(name string) *asGroup {
	for _, g := range m.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// mustGroup returns the named group brought up to now, or AWS's error for a missing one.
func (m *asModel) mustGroup(name *string, now time.Time) (*asGroup, error) {
	if aws.ToString(name) == "" {
		return nil, m.validation("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null")
	}
	g := m.group(*name)
	if g == nil {
		return nil, m.validation("AutoScalingGroup name not found - AutoScalingGroup '%s' not found", *name)
	}
	m.advance(g, now)
	return g, nil
}

// asTerminationPolicies are the policies the model implements.
var asTerminationPolicies = map[string]bool{"Default": true, "OldestInstance": true, "NewestInstance": true, "OldestLaunchTemplate": true}

func (m *asModel) createGroup(r *request, in *autoscaling.CreateAutoScalingGroupInput) (*autoscaling.CreateAutoScalingGroupOutput, error) {
	name := aws.ToString(in.AutoScalingGroupName)
	if name == "" || len(name) > 255 {
		return nil, m.validation("1 validation error detected: Value at 'autoScalingGroupName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	if m.group(name) != nil {
		return nil, m.errorf("AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
	}
	switch {
	case in.MixedInstancesPolicy != nil:
		return nil, r.unmodeled("MixedInstancesPolicy")
	case in.LaunchConfigurationName != nil || in.InstanceId != nil:
		return nil, r.unmodeled("launch configurations and InstanceId (only launch templates are modeled)")
	case len(in.LoadBalancerNames) > 0 || len(in.TrafficSources) > 0:
		return nil, r.unmodeled("Classic load balancers and traffic sources (only TargetGroupARNs are modeled)")
	case in.InstanceMaintenancePolicy != nil || in.PlacementGroup != nil || in.MaxInstanceLifetime != nil:
		return nil, r.unmodeled("instance maintenance policy, placement group and maximum instance lifetime")
	}
	if err := unmodeledGroupFeatures(r, aws.ToBool(in.NewInstancesProtectedFromScaleIn), in.CapacityReservationSpecification != nil,
		in.AvailabilityZoneDistribution != nil || in.AvailabilityZoneImpairmentPolicy != nil || len(in.AvailabilityZoneIds) > 0,
		in.InstanceLifecyclePolicy != nil, in.DeletionProtection, in.DesiredCapacityType); err != nil {
		return nil, err
	}
	if in.LaunchTemplate == nil {
		return nil, m.validation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	g := &asGroup{name: name, created: r.now, healthType: "EC2", cooldown: 300, termPolicies: []string{"Default"}}
	m.seq++
	g.seq = m.seq
	g.arn = fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%s:autoScalingGroupName/%s", m.cloud.opts.Region, m.cloud.opts.AccountID, m.newUUID(), name)
	g.min, g.max = aws.ToInt32(in.MinSize), aws.ToInt32(in.MaxSize)
	g.desired = g.min
	if in.DesiredCapacity != nil {
		g.desired = *in.DesiredCapacity
	}
	if err := m.checkSizes(g.min, g.max, g.desired); err != nil {
		return nil, err
	}
	lt, err := m.resolveTemplate(in.LaunchTemplate)
	if err != nil {
		return nil, err
	}
	g.lt = lt
	if err := m.setZones(g, in.VPCZoneIdentifier, in.AvailabilityZones); err != nil {
		return nil, err
	}
	if err := m.checkTargetGroups(in.TargetGroupARNs, r.now); err != nil {
		return nil, err
	}
	g.tgs = append([]string(nil), in.TargetGroupARNs...)
	if err := m.setHealth(g, in.HealthCheckType, in.HealthCheckGracePeriod); err != nil {
		return nil, err
	}
	if in.DefaultInstanceWarmup != nil {
		w := *in.DefaultInstanceWarmup
		g.warmup = &w
	}
	if in.DefaultCooldown != nil {
		g.cooldown = *in.DefaultCooldown
	}
	if len(in.TerminationPolicies) > 0 {
		if err := m.checkTermination(r, in.TerminationPolicies); err != nil {
			return nil, err
		}
		g.termPolicies = append([]string(nil), in.TerminationPolicies...)
	}
	g.capacityRebalance = aws.ToBool(in.CapacityRebalance)
	for _, t := range in.Tags {
		if err := m.putTag(g, t); err != nil {
			return nil, err
		}
	}
	for _, spec := range in.LifecycleHookSpecificationList {
		if spec.NotificationTargetARN != nil || spec.RoleARN != nil {
			return nil, r.unmodeled("lifecycle hook notification targets")
		}
		h, err := m.hookFrom(nil, spec.LifecycleHookName, spec.LifecycleTransition, spec.DefaultResult, spec.HeartbeatTimeout, spec.NotificationMetadata)
		if err != nil {
			return nil, err
		}
		g.hooks = append(g.hooks, h)
	}
	m.groups = append(m.groups, g)
	g.simAt = r.now
	m.step(g, r.now)
	return &autoscaling.CreateAutoScalingGroupOutput{}, nil
}

// unmodeledGroupFeatures refuses group settings that change behaviour the model does not
// simulate, rather than accepting and ignoring them.
func unmodeledGroupFeatures(r *request, protect, reservations, zonePolicies, lifecyclePolicy bool, deletion astypes.DeletionProtection, capacityType *string) error {
	switch {
	case protect:
		return r.unmodeled("scale-in protection")
	case reservations:
		return r.unmodeled("capacity reservations")
	case zonePolicies:
		return r.unmodeled("zone IDs, distribution and impairment policies")
	case lifecyclePolicy:
		return r.unmodeled("instance lifecycle policy")
	case deletion != "" && deletion != astypes.DeletionProtectionNone:
		return r.unmodeled("deletion protection")
	case capacityType != nil && *capacityType != "units":
		return r.unmodeled("desired capacity type %s", *capacityType)
	}
	return nil
}

func (m *asModel) checkSizes(minSize, maxSize, desired int32) error {
	switch {
	case minSize < 0 || maxSize < 0:
		return m.validation("Min and max size must be non-negative")
	case maxSize < minSize:
		return m.validation("Max bound, %d, must be greater than or equal to min bound, %d", maxSize, minSize)
	case desired < minSize || desired > maxSize:
		return m.validation("Desired capacity:%d must be between the specified min size:%d and max size:%d", desired, minSize, maxSize)
	}
	return nil
}

// resolveTemplate checks a group's launch template reference.
func (m *asModel) resolveTemplate(s *astypes.LaunchTemplateSpecification) (ltRef, error) {
	e := m.cloud.ec2()
	if (s.LaunchTemplateId == nil) == (s.LaunchTemplateName == nil) {
		return ltRef{}, m.validation("You must specify either launch template ID or launch template name in the request, but not both.")
	}
	var lt *launchTemplate
	for _, x := range e.templates {
		if (s.LaunchTemplateId != nil && x.id == *s.LaunchTemplateId) || (s.LaunchTemplateName != nil && x.name == *s.LaunchTemplateName) {
			lt = x
		}
	}
	if lt == nil {
		if s.LaunchTemplateId != nil {
			return ltRef{}, m.validation("You must use a valid fully-formed launch template. The specified launch template, with template ID %s, does not exist.", *s.LaunchTemplateId)
		}
		return ltRef{}, m.validation("You must use a valid fully-formed launch template. The specified launch template, with template name %s, does not exist.", *s.LaunchTemplateName)
	}
	version := aws.ToString(s.Version)
	if version == "" {
		version = "$Default"
	}
	if _, err := e.templateVersion(lt, version); err != nil {
		return ltRef{}, m.validation("You must use a valid fully-formed launch template. The specified launch template version %s does not exist.", version)
	}
	return ltRef{id: lt.id, name: lt.name, version: version}, nil
}

// setZones reads VPCZoneIdentifier (subnets) or AvailabilityZones (the default subnets).
func (m *asModel) setZones(g *asGroup, vpcZoneID *string, zones []string) error {
	e := m.cloud.ec2()
	subnetOf := map[string]string{}
	var order []string
	if ids := strings.TrimSpace(aws.ToString(vpcZoneID)); ids != "" {
		vpc := ""
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			sn := e.subnet(id)
			if sn == nil {
				return m.validation("The subnet ID '%s' does not exist", id)
			}
			if vpc != "" && sn.vpcID != vpc {
				return m.validation("The subnets '%s' are not in the same VPC", ids)
			}
			vpc = sn.vpcID
			if _, dup := subnetOf[sn.zone]; dup {
				continue // a second subnet in a zone is allowed; launches use the first
			}
			subnetOf[sn.zone] = sn.id
			order = append(order, sn.zone)
		}
		g.vpcZoneIdentifier = ids
	} else {
		if len(zones) == 0 {
			return m.validation("At least one Availability Zone or VPC Subnet is required.")
		}
		for _, z := range zones {
			if e.zone(z) == nil {
				return m.validation("The availability zone '%s' is not legal", z)
			}
			if _, dup := subnetOf[z]; !dup {
				subnetOf[z] = e.defaultSubnet(z).id
				order = append(order, z)
			}
		}
		g.vpcZoneIdentifier = ""
	}
	g.subnetOf, g.zones = subnetOf, order
	return nil
}

func (m *asModel) checkTargetGroups(arns []string, now time.Time) error {
	for _, arn := range arns {
		if _, err := m.cloud.elbv2().tg(arn, now); err != nil {
			return m.validation("The target group ARN %s is not valid or does not exist.", arn)
		}
	}
	return nil
}

func (m *asModel) setHealth(g *asGroup, typ *string, grace *int32) error {
	if typ != nil {
		switch *typ {
		case "EC2", "ELB":
			g.healthType = *typ
		default:
			return m.validation("Health check type '%s' is not valid. Valid values are EC2, ELB, VPC_LATTICE and EBS.", *typ)
		}
	}
	if grace != nil {
		if *grace < 0 {
			return m.validation("Health check grace period must be non-negative")
		}
		g.grace = *grace
	}
	return nil
}

func (m *asModel) checkTermination(r *request, policies []string) error {
	for _, p := range policies {
		if !asTerminationPolicies[p] {
			return r.unmodeled("termination policy %q", p)
		}
	}
	return nil
}

func (m *asModel) putTag(g *asGroup, t astypes.Tag) error {
	k := aws.ToString(t.Key)
	if k == "" || len(k) > 128 || len(aws.ToString(t.Value)) > 256 {
		return m.validation("Tag key must be 1 to 128 characters and value at most 256")
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return m.validation("Tag keys starting with 'aws:' are reserved for internal use")
	}
	for i := range g.tags {
		if g.tags[i].key == k {
			g.tags[i] = asTag{key: k, value: aws.ToString(t.Value), propagate: aws.ToBool(t.PropagateAtLaunch)}
			return nil
		}
	}
	if len(g.tags) >= 50 {
		return m.errorf("LimitExceeded", "The quota for tags per Auto Scaling group (50) has been reached.")
	}
	g.tags = append(g.tags, asTag{key: k, value: aws.ToString(t.Value), propagate: aws.ToBool(t.PropagateAtLaunch)})
	return nil
}

func (m *asModel) updateGroup(r *request, in *autoscaling.UpdateAutoScalingGroupInput) (*autoscaling.UpdateAutoScalingGroupOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	switch {
	case in.MixedInstancesPolicy != nil || in.LaunchConfigurationName != nil:
		return nil, r.unmodeled("MixedInstancesPolicy and launch configurations")
	case in.InstanceMaintenancePolicy != nil || in.PlacementGroup != nil || in.MaxInstanceLifetime != nil:
		return nil, r.unmodeled("instance maintenance policy, placement group and maximum instance lifetime")
	}
	if err := unmodeledGroupFeatures(r, aws.ToBool(in.NewInstancesProtectedFromScaleIn), in.CapacityReservationSpecification != nil,
		in.AvailabilityZoneDistribution != nil || in.AvailabilityZoneImpairmentPolicy != nil || len(in.AvailabilityZoneIds) > 0,
		in.InstanceLifecyclePolicy != nil, in.DeletionProtection, in.DesiredCapacityType); err != nil {
		return nil, err
	}
	minSize, maxSize, desired := g.min, g.max, g.desired
	if in.MinSize != nil {
		minSize = *in.MinSize
	}
	if in.MaxSize != nil {
		maxSize = *in.MaxSize
	}
	if in.DesiredCapacity != nil {
		desired = *in.DesiredCapacity
	} else {
		// Without a desired capacity, AWS moves it into the new bounds.
		desired = max(min(desired, maxSize), minSize)
	}
	if err := m.checkSizes(minSize, maxSize, desired); err != nil {
		return nil, err
	}
	cp := *g
	if in.LaunchTemplate != nil {
		if cp.lt, err = m.resolveTemplate(in.LaunchTemplate); err != nil {
			return nil, err
		}
	}
	if in.VPCZoneIdentifier != nil || len(in.AvailabilityZones) > 0 {
		if err := m.setZones(&cp, in.VPCZoneIdentifier, in.AvailabilityZones); err != nil {
			return nil, err
		}
	}
	if err := m.setHealth(&cp, in.HealthCheckType, in.HealthCheckGracePeriod); err != nil {
		return nil, err
	}
	if len(in.TerminationPolicies) > 0 {
		if err := m.checkTermination(r, in.TerminationPolicies); err != nil {
			return nil, err
		}
		cp.termPolicies = append([]string(nil), in.TerminationPolicies...)
	}
	if in.DefaultInstanceWarmup != nil {
		w := *in.DefaultInstanceWarmup
		cp.warmup = &w
	}
	if in.DefaultCooldown != nil {
		cp.cooldown = *in.DefaultCooldown
	}
	if in.CapacityRebalance != nil {
		cp.capacityRebalance = *in.CapacityRebalance
	}
	cp.min, cp.max, cp.desired = minSize, maxSize, desired
	*g = cp
	m.step(g, r.now)
	return &autoscaling.UpdateAutoScalingGroupOutput{}, nil
}

func (m *asModel) setDesiredCapacity(r *request, in *autoscaling.SetDesiredCapacityInput) (*autoscaling.SetDesiredCapacityOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	d := aws.ToInt32(in.DesiredCapacity)
	switch {
	case d > g.max:
		return nil, m.validation("New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", d, g.max)
	case d < g.min:
		return nil, m.validation("New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", d, g.min)
	}
	g.desired = d
	m.step(g, r.now)
	return &autoscaling.SetDesiredCapacityOutput{}, nil
}

func (m *asModel) describeGroups(r *request, in *autoscaling.DescribeAutoScalingGroupsInput) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	if len(in.Filters) > 0 {
		return nil, r.unmodeled("DescribeAutoScalingGroups filters")
	}
	var matched []*asGroup
	for _, g := range m.groups {
		if len(in.AutoScalingGroupNames) == 0 || contains(in.AutoScalingGroupNames, g.name) {
			matched = append(matched, g)
		}
	}
	pg, next, err := asPage(m, "DescribeAutoScalingGroups", matched, func(g *asGroup) string { return seqKey(g.seq) }, in.MaxRecords, in.NextToken, 50, 100)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: []astypes.AutoScalingGroup{}, NextToken: next}
	for _, g := range pg {
		m.advance(g, r.now)
		out.AutoScalingGroups = append(out.AutoScalingGroups, m.describeGroup(g))
	}
	return out, nil
}

// asPage pages a listing as Auto Scaling does, with MaxRecords (1 to limit; def when unset) and
// NextToken.
func asPage[T any](m *asModel, op string, items []T, key func(T) string, maxRecords *int32, token *string, def, limit int32) ([]T, *string, error) {
	var after string
	if tok := aws.ToString(token); tok != "" {
		var ok bool
		if after, ok = decodeToken(m.svc.id+" "+op, tok); !ok {
			return nil, nil, m.errorf("InvalidNextToken", "The token '%s' is invalid.", tok)
		}
	}
	n := def
	if maxRecords != nil {
		if *maxRecords < 1 || *maxRecords > limit {
			return nil, nil, m.validation("1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and %d", *maxRecords, limit)
		}
		n = *maxRecords
	}
	pg, next := pageAfter(m.svc.id+" "+op, items, key, after, int(n))
	if next == "" {
		return pg, nil, nil
	}
	return pg, &next, nil
}

func (m *asModel) describeGroup(g *asGroup) astypes.AutoScalingGroup {
	out := astypes.AutoScalingGroup{
		AutoScalingGroupName: aws.String(g.name), AutoScalingGroupARN: aws.String(g.arn),
		AvailabilityZones: append([]string{}, g.zones...), CreatedTime: aws.Time(g.created),
		DefaultCooldown: aws.Int32(g.cooldown), DesiredCapacity: aws.Int32(g.desired),
		MinSize: aws.Int32(g.min), MaxSize: aws.Int32(g.max), HealthCheckType: aws.String(g.healthType),
		HealthCheckGracePeriod: aws.Int32(g.grace), LaunchTemplate: g.lt.spec(),
		TargetGroupARNs: append([]string{}, g.tgs...), TerminationPolicies: append([]string{}, g.termPolicies...),
		CapacityRebalance: aws.Bool(g.capacityRebalance), VPCZoneIdentifier: aws.String(g.vpcZoneIdentifier),
		NewInstancesProtectedFromScaleIn: aws.Bool(false), ServiceLinkedRoleARN: aws.String(fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", m.cloud.opts.AccountID)),
		Instances: []astypes.Instance{}, Tags: []astypes.TagDescription{}, LoadBalancerNames: []string{},
		SuspendedProcesses: []astypes.SuspendedProcess{}, EnabledMetrics: []astypes.EnabledMetric{},
		TrafficSources: []astypes.TrafficSourceIdentifier{},
	}
	for _, arn := range g.tgs {
		out.TrafficSources = append(out.TrafficSources, astypes.TrafficSourceIdentifier{Identifier: aws.String(arn), Type: aws.String("elbv2")})
	}
	if g.warmup != nil {
		out.DefaultInstanceWarmup = aws.Int32(*g.warmup)
	}
	for _, i := range g.instances {
		out.Instances = append(out.Instances, astypes.Instance{
			InstanceId: aws.String(i.id), AvailabilityZone: aws.String(i.zone), LifecycleState: i.state,
			HealthStatus: aws.String(healthWord(i.healthy)), ProtectedFromScaleIn: aws.Bool(false),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(i.ltID), LaunchTemplateName: aws.String(g.lt.name), Version: aws.String(i.ltVer)},
			InstanceType:   aws.String(m.instanceType(i.id)),
		})
	}
	for _, t := range g.tags {
		out.Tags = append(out.Tags, astypes.TagDescription{Key: aws.String(t.key), Value: aws.String(t.value), PropagateAtLaunch: aws.Bool(t.propagate),
			ResourceId: aws.String(g.name), ResourceType: aws.String("auto-scaling-group")})
	}
	return out
}

func healthWord(ok bool) string {
	if ok {
		return "Healthy"
	}
	return "Unhealthy"
}

func (m *asModel) instanceType(id string) string {
	if i := m.cloud.ec2().instance(id); i != nil {
		return i.instanceType
	}
	return ""
}

func (m *asModel) deleteGroup(r *request, in *autoscaling.DeleteAutoScalingGroupInput) (*autoscaling.DeleteAutoScalingGroupOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if len(g.instances) > 0 && !aws.ToBool(in.ForceDelete) {
		return nil, m.errorf("ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance requests in the group.")
	}
	// ForceDelete terminates the instances without waiting for lifecycle hooks.
	for _, i := range g.instances {
		m.deregister(g, i, r.now)
		if ec := m.cloud.ec2().instance(i.id); ec != nil {
			m.cloud.ec2().terminate(ec, r.now)
		}
	}
	for k, x := range m.groups {
		if x == g {
			m.groups = append(m.groups[:k:k], m.groups[k+1:]...)
			break
		}
	}
	return &autoscaling.DeleteAutoScalingGroupOutput{}, nil
}

func (m *asModel) describeInstances(r *request, in *autoscaling.DescribeAutoScalingInstancesInput) (*autoscaling.DescribeAutoScalingInstancesOutput, error) {
	type entry struct {
		g *asGroup
		i *asInstance
	}
	var all []entry
	for _, g := range m.groups {
		m.advance(g, r.now)
		for _, i := range g.instances {
			if len(in.InstanceIds) == 0 || contains(in.InstanceIds, i.id) {
				all = append(all, entry{g, i})
			}
		}
	}
	pg, next, err := asPage(m, "DescribeAutoScalingInstances", all, func(e entry) string { return e.i.id }, in.MaxRecords, in.NextToken, 50, 50)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeAutoScalingInstancesOutput{AutoScalingInstances: []astypes.AutoScalingInstanceDetails{}, NextToken: next}
	for _, e := range pg {
		out.AutoScalingInstances = append(out.AutoScalingInstances, astypes.AutoScalingInstanceDetails{
			AutoScalingGroupName: aws.String(e.g.name), InstanceId: aws.String(e.i.id), AvailabilityZone: aws.String(e.i.zone),
			HealthStatus: aws.String(strings.ToUpper(healthWord(e.i.healthy))), LifecycleState: aws.String(string(e.i.state)),
			ProtectedFromScaleIn: aws.Bool(false), InstanceType: aws.String(m.instanceType(e.i.id)),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(e.i.ltID), LaunchTemplateName: aws.String(e.g.lt.name), Version: aws.String(e.i.ltVer)},
		})
	}
	return out, nil
}

func (m *asModel) attachTargetGroups(r *request, in *autoscaling.AttachLoadBalancerTargetGroupsInput) (*autoscaling.AttachLoadBalancerTargetGroupsOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	if err := m.checkTargetGroups(in.TargetGroupARNs, r.now); err != nil {
		return nil, err
	}
	for _, arn := range in.TargetGroupARNs {
		if contains(g.tgs, arn) {
			continue
		}
		g.tgs = append(g.tgs, arn)
		for _, i := range g.instances {
			if i.state == astypes.LifecycleStateInService {
				m.registerIn(arn, i.id, r.now)
			}
		}
	}
	return &autoscaling.AttachLoadBalancerTargetGroupsOutput{}, nil
}

func (m *asModel) detachTargetGroups(r *request, in *autoscaling.DetachLoadBalancerTargetGroupsInput) (*autoscaling.DetachLoadBalancerTargetGroupsOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	for _, arn := range in.TargetGroupARNs {
		kept := g.tgs[:0]
		for _, x := range g.tgs {
			if x != arn {
				kept = append(kept, x)
			}
		}
		if len(kept) == len(g.tgs) {
			continue
		}
		g.tgs = kept
		for _, i := range g.instances {
			m.deregisterFrom(arn, i.id, r.now)
		}
	}
	return &autoscaling.DetachLoadBalancerTargetGroupsOutput{}, nil
}

func (m *asModel) createOrUpdateTags(r *request, in *autoscaling.CreateOrUpdateTagsInput) (*autoscaling.CreateOrUpdateTagsOutput, error) {
	for _, t := range in.Tags {
		if aws.ToString(t.ResourceType) != "auto-scaling-group" {
			return nil, m.validation("Invalid resource type: %s", aws.ToString(t.ResourceType))
		}
		g, err := m.mustGroup(t.ResourceId, r.now)
		if err != nil {
			return nil, err
		}
		if err := m.putTag(g, t); err != nil {
			return nil, err
		}
	}
	return &autoscaling.CreateOrUpdateTagsOutput{}, nil
}

func (m *asModel) deleteTags(r *request, in *autoscaling.DeleteTagsInput) (*autoscaling.DeleteTagsOutput, error) {
	for _, t := range in.Tags {
		g, err := m.mustGroup(t.ResourceId, r.now)
		if err != nil {
			return nil, err
		}
		kept := g.tags[:0]
		for _, x := range g.tags {
			if x.key != aws.ToString(t.Key) {
				kept = append(kept, x)
			}
		}
		g.tags = kept
	}
	return &autoscaling.DeleteTagsOutput{}, nil
}
