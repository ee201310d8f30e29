package autoscale

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// DefaultHealthCheckGracePeriod is the grace period a group gets when GroupSpec leaves it zero:
// long enough for a web server to boot and pull its release before ELB health checks count.
const DefaultHealthCheckGracePeriod = 300 * time.Second

// TemplateRef names a launch template version: the template by ID or name (one of them) and the
// version as a number, "$Latest" or "$Default". Use a number for deploys, so that each deploy is
// one identifiable version (TemplateVersion.Ref gives one).
type TemplateRef struct {
	// ID or Name names the template.
	ID, Name string
	// Version is a version number, "$Latest" or "$Default".
	Version string
}

func (r TemplateRef) spec() *astypes.LaunchTemplateSpecification {
	s := &astypes.LaunchTemplateSpecification{Version: aws.String(r.Version)}
	if r.ID != "" {
		s.LaunchTemplateId = aws.String(r.ID)
	} else {
		s.LaunchTemplateName = aws.String(r.Name)
	}
	return s
}

// Transition is the lifecycle transition a hook acts on.
type Transition string

const (
	// Launching holds new instances in Pending:Wait until the hook is completed (by the
	// instance agent, once the instance is ready to serve).
	Launching Transition = "autoscaling:EC2_INSTANCE_LAUNCHING"
	// Terminating holds terminating instances in Terminating:Wait (to ship logs first).
	Terminating Transition = "autoscaling:EC2_INSTANCE_TERMINATING"
)

// Lifecycle hook results.
const (
	// Continue lets the instance go on (into service, or to termination).
	Continue = "CONTINUE"
	// Abandon terminates a launching instance (the group launches another).
	Abandon = "ABANDON"
)

// LifecycleHook is a lifecycle hook of a group. The default result and heartbeat timeout are
// required: AWS's defaults (ABANDON after an hour) are rarely what a deploy wants.
type LifecycleHook struct {
	// Name of the hook: 1 to 255 letters, digits, '-', '_' and '/'. Required.
	Name string
	// Transition is Launching or Terminating. Required.
	Transition Transition
	// DefaultResult is what happens when the heartbeat timeout passes: Continue or Abandon.
	// Required.
	DefaultResult string
	// HeartbeatTimeout is how long an instance waits for the action to be completed or a
	// heartbeat recorded, 30 s to 2 h, in whole seconds. Required.
	HeartbeatTimeout time.Duration
	// Metadata is passed along with the hook's notifications, at most 1023 characters.
	// Optional.
	Metadata string
}

// GroupSpec describes an Auto Scaling group.
type GroupSpec struct {
	// Name of the group. Required.
	Name string
	// Template is the launch template version instances launch from. Required.
	Template TemplateRef
	// Subnets are the VPC subnets instances launch in; they must span at least two
	// Availability Zones. Required.
	Subnets []string
	// MinSize, MaxSize and DesiredCapacity bound and set the capacity. DesiredCapacity must lie
	// within [MinSize, MaxSize]; MaxSize must be at least 1.
	MinSize, MaxSize, DesiredCapacity int32
	// TargetGroupARNs are the ELBv2 target groups instances register with.
	TargetGroupARNs []string
	// HealthCheckType is "ELB" or "EC2". Empty means ELB when TargetGroupARNs is set, else EC2.
	HealthCheckType string
	// HealthCheckGracePeriod delays health checks of a new instance, in whole seconds. Zero
	// means DefaultHealthCheckGracePeriod; a negative value means none (0 s), which is safe only
	// with a launching lifecycle hook.
	HealthCheckGracePeriod time.Duration
	// DefaultInstanceWarmup is how long a new instance takes before it counts towards metrics
	// and instance refresh health. Zero leaves it unset (AWS then uses the grace period).
	DefaultInstanceWarmup time.Duration
	// TerminationPolicies in order, for example "OldestLaunchTemplate", "OldestInstance".
	// Empty means AWS's Default.
	TerminationPolicies []string
	// Tags go on the group and, propagated at launch, on its instances.
	Tags map[string]string
	// CapacityRebalance turns on capacity rebalancing (Spot).
	CapacityRebalance bool
	// LifecycleHooks are created with the group, so the first instances already wait for them.
	LifecycleHooks []LifecycleHook
}

var (
	groupNameRE = regexp.MustCompile(`^[\x20-\x7e]{1,255}$`)
	// hookNameRE is Auto Scaling's pattern for lifecycle hook names.
	hookNameRE = regexp.MustCompile(`^[A-Za-z0-9\-_/]{1,255}$`)
)

func (s GroupSpec) validate() error {
	var p check.Problems
	p.If(!groupNameRE.MatchString(s.Name), "Name %q must be 1 to 255 printable characters", s.Name)
	p.If((s.Template.ID == "") == (s.Template.Name == ""), "Template needs exactly one of ID and Name")
	p.If(s.Template.Version == "", "Template.Version is required (a number, $Latest or $Default)")
	p.If(len(s.Subnets) == 0, "Subnets is empty: a group needs subnets in at least two Availability Zones")
	p.If(s.MaxSize < 1, "MaxSize %d must be at least 1", s.MaxSize)
	p.If(s.MinSize < 0 || s.MinSize > s.MaxSize, "MinSize %d must be within [0, MaxSize %d]", s.MinSize, s.MaxSize)
	p.If(s.DesiredCapacity < s.MinSize || s.DesiredCapacity > s.MaxSize, "DesiredCapacity %d must be within [MinSize %d, MaxSize %d]", s.DesiredCapacity, s.MinSize, s.MaxSize)
	p.If(s.HealthCheckType != "" && s.HealthCheckType != "ELB" && s.HealthCheckType != "EC2", "HealthCheckType %q must be ELB or EC2", s.HealthCheckType)
	p.If(s.HealthCheckType == "ELB" && len(s.TargetGroupARNs) == 0, "HealthCheckType ELB needs TargetGroupARNs")
	p.If(s.HealthCheckGracePeriod%time.Second != 0, "HealthCheckGracePeriod %s is not whole seconds", s.HealthCheckGracePeriod)
	p.If(s.DefaultInstanceWarmup < 0 || s.DefaultInstanceWarmup%time.Second != 0, "DefaultInstanceWarmup %s must be whole, non-negative seconds", s.DefaultInstanceWarmup)
	seen := map[string]bool{}
	for i, h := range s.LifecycleHooks {
		p.If(!hookNameRE.MatchString(h.Name), "LifecycleHooks[%d].Name %q must be 1 to 255 letters, digits, '-', '_' and '/'", i, h.Name)
		p.If(len(h.Metadata) > 1023, "LifecycleHooks[%d].Metadata is %d characters, over 1023", i, len(h.Metadata))
		p.If(seen[h.Name], "LifecycleHooks[%d].Name %q appears twice", i, h.Name)
		seen[h.Name] = true
		p.If(h.Transition != Launching && h.Transition != Terminating, "LifecycleHooks[%d].Transition %q must be Launching or Terminating", i, h.Transition)
		p.If(h.DefaultResult != Continue && h.DefaultResult != Abandon, "LifecycleHooks[%d].DefaultResult %q must be CONTINUE or ABANDON", i, h.DefaultResult)
		p.If(h.HeartbeatTimeout < 30*time.Second || h.HeartbeatTimeout > 2*time.Hour || h.HeartbeatTimeout%time.Second != 0,
			"LifecycleHooks[%d].HeartbeatTimeout %s must be whole seconds from 30s to 2h", i, h.HeartbeatTimeout)
	}
	for k := range s.Tags {
		p.If(strings.HasPrefix(strings.ToLower(k), "aws:"), "Tags: key %q uses the reserved aws: prefix", k)
	}
	return p.Err(ErrInvalidSpec)
}

func (s GroupSpec) healthType() string {
	switch {
	case s.HealthCheckType != "":
		return s.HealthCheckType
	case len(s.TargetGroupARNs) > 0:
		return "ELB"
	}
	return "EC2"
}

func (s GroupSpec) grace() int32 {
	switch {
	case s.HealthCheckGracePeriod < 0:
		return 0
	case s.HealthCheckGracePeriod == 0:
		return int32(DefaultHealthCheckGracePeriod / time.Second)
	}
	return int32(s.HealthCheckGracePeriod / time.Second)
}

// Drift is one difference between an existing group and its spec.
type Drift struct {
	// Field names the setting, for example "MaxSize" or "LifecycleHooks[boot].HeartbeatTimeout".
	Field string
	// Want is the spec's value and Have the group's, as text.
	Want, Have string
}

// Group is what Ensure found or made.
type Group struct {
	// Name and ARN identify the group.
	Name, ARN string
	// Created reports whether Ensure created the group. A create that met AlreadyExists (its
	// first attempt's response was lost, or another deploy created the group at the same time)
	// counts as created; the group found is then checked like an existing one (Added, Drift).
	Created bool
	// Added lists what Ensure added to an existing group: "target group <arn>", "tag <key>",
	// "lifecycle hook <name>".
	Added []string
	// Drift lists the settings where the existing group differs from the spec; Ensure leaves
	// them as they are (see Options.FailOnDrift). A new launch template version is rolled out
	// with StartRefresh, not by Ensure.
	Drift []Drift
	// Zones are the Availability Zones of the spec's subnets.
	Zones []string
}

// Ensure makes the group exist as spec describes: it checks the subnets span at least two
// Availability Zones (naming them otherwise), creates the group with its lifecycle hooks when it
// does not exist, and otherwise adopts it: missing target groups, tags and hooks are added,
// other differences are reported as drift. A group being deleted is an error, not adopted. A
// second run with the same spec makes no call that creates or changes anything.
func (c *Client) Ensure(ctx context.Context, spec GroupSpec, optFns ...func(*Options)) (*Group, error) {
	o, err := c.options(optFns)
	if err != nil {
		return nil, err
	}
	if err := spec.validate(); err != nil {
		return nil, err
	}
	zones, err := c.subnetZones(ctx, o, spec.Subnets)
	if err != nil {
		return nil, err
	}
	existing, err := c.describeGroup(ctx, o, spec.Name)
	if err != nil {
		return nil, err
	}
	created := false
	if existing == nil {
		g, found, err := c.create(ctx, o, spec, zones)
		if err != nil || found == nil {
			return g, err
		}
		// The create met AlreadyExists: check the group that is there like any existing one.
		existing, created = found, true
	}
	if st := aws.ToString(existing.Status); st != "" {
		// "Delete in progress": adopting it would report success for a group about to vanish.
		return nil, fmt.Errorf("autoscale: group %s is being deleted (status %q): run Ensure again once it is gone", spec.Name, st)
	}
	g := &Group{Name: spec.Name, ARN: aws.ToString(existing.AutoScalingGroupARN), Created: created, Zones: zones}
	g.Drift = c.drift(spec, existing)
	if err := c.adopt(ctx, o, spec, existing, g); err != nil {
		return g, err
	}
	if len(g.Drift) > 0 {
		for _, d := range g.Drift {
			o.Logger.Warn("autoscale: group differs from spec", "group", spec.Name, "field", d.Field, "want", d.Want, "have", d.Have)
		}
		if o.FailOnDrift {
			parts := make([]string, len(g.Drift))
			for i, d := range g.Drift {
				parts[i] = fmt.Sprintf("%s: want %s, have %s", d.Field, d.Want, d.Have)
			}
			return g, fmt.Errorf("%w: group %s: %s", ErrDrift, spec.Name, strings.Join(parts, "; "))
		}
	}
	return g, nil
}

// subnetZones returns the distinct zones of the subnets, refusing fewer than two.
func (c *Client) subnetZones(ctx context.Context, o Options, subnets []string) ([]string, error) {
	var out *ec2.DescribeSubnetsOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnets})
		return err
	})
	if awserr.IsCode(err, "InvalidSubnetID.NotFound") {
		return nil, fmt.Errorf("%w: %s", ErrInvalidSpec, awserr.Message(err))
	}
	if err != nil {
		return nil, fmt.Errorf("autoscale: describe subnets: %w", err)
	}
	var zones []string
	for _, s := range out.Subnets {
		if z := aws.ToString(s.AvailabilityZone); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	sort.Strings(zones)
	if len(zones) < 2 {
		return nil, also(fmt.Errorf("%w: Subnets %s are all in Availability Zone %s: a group needs subnets in at least two zones",
			ErrInvalidSpec, strings.Join(subnets, ", "), strings.Join(zones, ", ")), true, ErrSingleAZ)
	}
	return zones, nil
}

// describeGroup returns the named group, or nil when it does not exist.
func (c *Client) describeGroup(ctx context.Context, o Options, name string) (*astypes.AutoScalingGroup, error) {
	var out *autoscaling.DescribeAutoScalingGroupsOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}}, o.AutoScalingOptions...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("autoscale: describe group %s: %w", name, err)
	}
	for _, g := range out.AutoScalingGroups {
		if aws.ToString(g.AutoScalingGroupName) == name {
			return &g, nil
		}
	}
	return nil, nil
}

func groupTags(spec GroupSpec) []astypes.Tag {
	keys := slices.Sorted(maps.Keys(spec.Tags))
	var out []astypes.Tag
	for _, k := range keys {
		out = append(out, astypes.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k]), PropagateAtLaunch: aws.Bool(true),
			ResourceId: aws.String(spec.Name), ResourceType: aws.String("auto-scaling-group")})
	}
	return out
}

func hookSpec(h LifecycleHook) astypes.LifecycleHookSpecification {
	s := astypes.LifecycleHookSpecification{LifecycleHookName: aws.String(h.Name), LifecycleTransition: aws.String(string(h.Transition)),
		DefaultResult: aws.String(h.DefaultResult), HeartbeatTimeout: aws.Int32(int32(h.HeartbeatTimeout / time.Second))}
	if h.Metadata != "" {
		s.NotificationMetadata = aws.String(h.Metadata)
	}
	return s
}

// create creates the group. When the create meets AlreadyExists (a retry after a lost response,
// or another deploy's create), it returns the group found instead, for Ensure to check.
func (c *Client) create(ctx context.Context, o Options, spec GroupSpec, zones []string) (*Group, *astypes.AutoScalingGroup, error) {
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(spec.Name), LaunchTemplate: spec.Template.spec(),
		VPCZoneIdentifier: aws.String(strings.Join(spec.Subnets, ",")),
		MinSize:           aws.Int32(spec.MinSize), MaxSize: aws.Int32(spec.MaxSize), DesiredCapacity: aws.Int32(spec.DesiredCapacity),
		HealthCheckType: aws.String(spec.healthType()), HealthCheckGracePeriod: aws.Int32(spec.grace()),
		CapacityRebalance: aws.Bool(spec.CapacityRebalance), Tags: groupTags(spec),
	}
	if len(spec.TargetGroupARNs) > 0 {
		in.TargetGroupARNs = append([]string(nil), spec.TargetGroupARNs...)
	}
	if len(spec.TerminationPolicies) > 0 {
		in.TerminationPolicies = append([]string(nil), spec.TerminationPolicies...)
	}
	if spec.DefaultInstanceWarmup > 0 {
		in.DefaultInstanceWarmup = aws.Int32(int32(spec.DefaultInstanceWarmup / time.Second))
	}
	for _, h := range spec.LifecycleHooks {
		in.LifecycleHookSpecificationList = append(in.LifecycleHookSpecificationList, hookSpec(h))
	}
	err := call(ctx, o, retry.Any(retry.Codes("InvalidLaunchTemplateId.NotFound"), retry.InstanceProfileNotPropagated), func(ctx context.Context) error {
		_, err := c.as.CreateAutoScalingGroup(ctx, in, o.AutoScalingOptions...)
		return err
	})
	exists := awserr.IsCode(err, "AlreadyExists")
	if err != nil && !exists {
		return nil, nil, fmt.Errorf("autoscale: create group %s: %w", spec.Name, err)
	}
	g, err := c.describeGroup(ctx, o, spec.Name)
	if err != nil {
		return nil, nil, err
	}
	if exists && g != nil {
		return nil, g, nil
	}
	out := &Group{Name: spec.Name, Created: true, Zones: zones}
	if g != nil {
		out.ARN = aws.ToString(g.AutoScalingGroupARN)
	}
	o.Logger.Info("autoscale: created group", "group", spec.Name, "zones", zones, "desired", spec.DesiredCapacity)
	return out, nil, nil
}

// drift compares an existing group's settings with the spec.
func (c *Client) drift(spec GroupSpec, g *astypes.AutoScalingGroup) []Drift {
	var out []Drift
	add := func(field string, want, have any) {
		w, h := fmt.Sprint(want), fmt.Sprint(have)
		if w != h {
			out = append(out, Drift{Field: field, Want: w, Have: h})
		}
	}
	add("MinSize", spec.MinSize, aws.ToInt32(g.MinSize))
	add("MaxSize", spec.MaxSize, aws.ToInt32(g.MaxSize))
	add("DesiredCapacity", spec.DesiredCapacity, aws.ToInt32(g.DesiredCapacity))
	if lt := g.LaunchTemplate; lt != nil {
		if spec.Template.ID != "" {
			add("Template.ID", spec.Template.ID, aws.ToString(lt.LaunchTemplateId))
		} else {
			add("Template.Name", spec.Template.Name, aws.ToString(lt.LaunchTemplateName))
		}
		add("Template.Version", spec.Template.Version, aws.ToString(lt.Version))
	} else {
		add("Template", spec.Template, "none")
	}
	want := append([]string(nil), spec.Subnets...)
	have := strings.Split(aws.ToString(g.VPCZoneIdentifier), ",")
	for i := range have {
		have[i] = strings.TrimSpace(have[i])
	}
	sort.Strings(want)
	sort.Strings(have)
	add("Subnets", strings.Join(want, ","), strings.Join(have, ","))
	add("HealthCheckType", spec.healthType(), aws.ToString(g.HealthCheckType))
	add("HealthCheckGracePeriod", spec.grace(), aws.ToInt32(g.HealthCheckGracePeriod))
	if spec.DefaultInstanceWarmup > 0 || g.DefaultInstanceWarmup != nil {
		add("DefaultInstanceWarmup", int32(spec.DefaultInstanceWarmup/time.Second), aws.ToInt32(g.DefaultInstanceWarmup))
	}
	wantTP := spec.TerminationPolicies
	if len(wantTP) == 0 {
		wantTP = []string{"Default"}
	}
	add("TerminationPolicies", strings.Join(wantTP, ","), strings.Join(g.TerminationPolicies, ","))
	add("CapacityRebalance", spec.CapacityRebalance, aws.ToBool(g.CapacityRebalance))
	for _, t := range g.Tags {
		if v, ok := spec.Tags[aws.ToString(t.Key)]; ok {
			add("Tags["+aws.ToString(t.Key)+"]", v, aws.ToString(t.Value))
			add("Tags["+aws.ToString(t.Key)+"].PropagateAtLaunch", true, aws.ToBool(t.PropagateAtLaunch))
		}
	}
	return out
}

// adopt adds what an existing group lacks (target groups, tags, lifecycle hooks) and reports
// hooks whose settings differ as drift.
func (c *Client) adopt(ctx context.Context, o Options, spec GroupSpec, g *astypes.AutoScalingGroup, out *Group) error {
	var missingTGs []string
	for _, arn := range spec.TargetGroupARNs {
		if !slices.Contains(g.TargetGroupARNs, arn) {
			missingTGs = append(missingTGs, arn)
		}
	}
	if len(missingTGs) > 0 {
		err := call(ctx, o, retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
			_, err := c.as.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String(spec.Name), TargetGroupARNs: missingTGs}, o.AutoScalingOptions...)
			return err
		})
		if err != nil {
			return fmt.Errorf("autoscale: attach target groups to %s: %w", spec.Name, err)
		}
		for _, arn := range missingTGs {
			out.Added = append(out.Added, "target group "+arn)
		}
	}
	have := map[string]bool{}
	for _, t := range g.Tags {
		have[aws.ToString(t.Key)] = true
	}
	var missingTags []astypes.Tag
	for _, t := range groupTags(spec) {
		if !have[aws.ToString(t.Key)] {
			missingTags = append(missingTags, t)
		}
	}
	if len(missingTags) > 0 {
		err := call(ctx, o, nil, func(ctx context.Context) error {
			_, err := c.as.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: missingTags}, o.AutoScalingOptions...)
			return err
		})
		if err != nil {
			return fmt.Errorf("autoscale: tag group %s: %w", spec.Name, err)
		}
		for _, t := range missingTags {
			out.Added = append(out.Added, "tag "+aws.ToString(t.Key))
		}
	}
	if len(spec.LifecycleHooks) == 0 {
		return nil
	}
	var hooks *autoscaling.DescribeLifecycleHooksOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		hooks, err = c.as.DescribeLifecycleHooks(ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: aws.String(spec.Name)}, o.AutoScalingOptions...)
		return err
	})
	if err != nil {
		return fmt.Errorf("autoscale: describe lifecycle hooks of %s: %w", spec.Name, err)
	}
	for _, h := range spec.LifecycleHooks {
		var found *astypes.LifecycleHook
		for i := range hooks.LifecycleHooks {
			if aws.ToString(hooks.LifecycleHooks[i].LifecycleHookName) == h.Name {
				found = &hooks.LifecycleHooks[i]
			}
		}
		if found == nil {
			s := hookSpec(h)
			err := call(ctx, o, nil, func(ctx context.Context) error {
				_, err := c.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{AutoScalingGroupName: aws.String(spec.Name),
					LifecycleHookName: s.LifecycleHookName, LifecycleTransition: s.LifecycleTransition, DefaultResult: s.DefaultResult,
					HeartbeatTimeout: s.HeartbeatTimeout, NotificationMetadata: s.NotificationMetadata}, o.AutoScalingOptions...)
				return err
			})
			if err != nil {
				return fmt.Errorf("autoscale: put lifecycle hook %s on %s: %w", h.Name, spec.Name, err)
			}
			out.Added = append(out.Added, "lifecycle hook "+h.Name)
			continue
		}
		field := "LifecycleHooks[" + h.Name + "]."
		for _, d := range []Drift{
			{field + "Transition", string(h.Transition), aws.ToString(found.LifecycleTransition)},
			{field + "DefaultResult", h.DefaultResult, aws.ToString(found.DefaultResult)},
			{field + "HeartbeatTimeout", fmt.Sprint(int32(h.HeartbeatTimeout / time.Second)), fmt.Sprint(aws.ToInt32(found.HeartbeatTimeout))},
		} {
			if d.Want != d.Have {
				out.Drift = append(out.Drift, d)
			}
		}
	}
	return nil
}
