package autoscale

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/portalkit/portalkit/internal/check"
)

// PolicySpec describes one scaling policy. Set exactly one of TargetCPU,
// TargetRequestsPerTarget, Custom and Steps.
type PolicySpec struct {
	// Name of the policy. Required.
	Name string
	// TargetCPU tracks the group's average CPU utilization at this percentage.
	TargetCPU float64
	// TargetRequestsPerTarget tracks ALB requests per target at this count; the metric's
	// resource label is built from LoadBalancerARN and TargetGroupARN.
	TargetRequestsPerTarget float64
	// LoadBalancerARN is the Application Load Balancer, for TargetRequestsPerTarget.
	LoadBalancerARN string
	// TargetGroupARN is the target group behind it, attached to the group.
	TargetGroupARN string
	// Custom tracks a CloudWatch metric.
	Custom *CustomMetric
	// Steps is a step scaling policy, to be triggered by a CloudWatch alarm.
	Steps *StepScaling
	// DisableScaleIn keeps a target tracking policy from removing capacity.
	DisableScaleIn bool
	// EstimatedWarmup is how long a new instance takes before its metrics count, in whole
	// seconds. Zero means the group's default instance warmup.
	EstimatedWarmup time.Duration
}

// CustomMetric is a target tracking policy on a CloudWatch metric.
type CustomMetric struct {
	// Namespace, Name and Statistic (Average, Sum, Minimum, Maximum, SampleCount) of the metric.
	// Required.
	Namespace, Name, Statistic string
	// Dimensions of the metric. Optional.
	Dimensions map[string]string
	// Unit of the metric. Optional.
	Unit string
	// Target is the value to hold the metric at.
	Target float64
}

// StepScaling is a step scaling policy.
type StepScaling struct {
	// AdjustmentType is ChangeInCapacity, ExactCapacity or PercentChangeInCapacity. Required.
	AdjustmentType string
	// Steps, each adjusting capacity when the alarm's metric is within its bounds (relative to
	// the alarm threshold). Required.
	Steps []Step
	// MetricAggregationType is Average (the default when empty), Minimum or Maximum.
	MetricAggregationType string
}

// Step is one step of a step scaling policy; nil bounds are open.
type Step struct {
	// Lower and Upper bound the step, relative to the alarm threshold.
	Lower, Upper *float64
	// Adjustment is the capacity change, read as the policy's AdjustmentType says.
	Adjustment int32
}

// Policy is a policy Ensure put or found.
type Policy struct {
	// Name and ARN identify the policy.
	Name, ARN string
	// Changed reports whether this call created or updated it.
	Changed bool
	// Alarms names the CloudWatch alarms a target tracking policy manages.
	Alarms []string
}

// ResourceLabel builds the ALBRequestCountPerTarget resource label from a load balancer ARN
// (…:loadbalancer/app/name/id) and a target group ARN (…:targetgroup/name/id):
// "app/name/id/targetgroup/name/id".
func ResourceLabel(loadBalancerARN, targetGroupARN string) (string, error) {
	_, lb, ok1 := strings.Cut(loadBalancerARN, ":loadbalancer/")
	_, tg, ok2 := strings.Cut(targetGroupARN, ":targetgroup/")
	if !ok1 || !strings.HasPrefix(lb, "app/") || strings.Count(lb, "/") != 2 {
		return "", fmt.Errorf("%w: %q is not an Application Load Balancer ARN", ErrInvalidSpec, loadBalancerARN)
	}
	if !ok2 || strings.Count(tg, "/") != 1 {
		return "", fmt.Errorf("%w: %q is not a target group ARN", ErrInvalidSpec, targetGroupARN)
	}
	return lb + "/targetgroup/" + tg, nil
}

func (s PolicySpec) input(group string) (*autoscaling.PutScalingPolicyInput, error) {
	var p check.Problems
	p.If(s.Name == "", "Name is required")
	kinds := 0
	for _, set := range []bool{s.TargetCPU != 0, s.TargetRequestsPerTarget != 0, s.Custom != nil, s.Steps != nil} {
		if set {
			kinds++
		}
	}
	p.If(kinds != 1, "policy %q needs exactly one of TargetCPU, TargetRequestsPerTarget, Custom and Steps", s.Name)
	p.If(s.TargetCPU < 0 || s.TargetCPU > 100, "policy %q: TargetCPU %v is outside 0 to 100", s.Name, s.TargetCPU)
	p.If(s.EstimatedWarmup < 0 || s.EstimatedWarmup%time.Second != 0, "policy %q: EstimatedWarmup %s must be whole, non-negative seconds", s.Name, s.EstimatedWarmup)
	in := &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String(group), PolicyName: aws.String(s.Name)}
	if s.EstimatedWarmup > 0 {
		in.EstimatedInstanceWarmup = aws.Int32(int32(s.EstimatedWarmup / time.Second))
	}
	tracking := func(target float64) *astypes.TargetTrackingConfiguration {
		in.PolicyType = aws.String("TargetTrackingScaling")
		return &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(target), DisableScaleIn: aws.Bool(s.DisableScaleIn)}
	}
	switch {
	case s.TargetCPU != 0:
		in.TargetTrackingConfiguration = tracking(s.TargetCPU)
		in.TargetTrackingConfiguration.PredefinedMetricSpecification = &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}
	case s.TargetRequestsPerTarget != 0:
		label, err := ResourceLabel(s.LoadBalancerARN, s.TargetGroupARN)
		if err != nil {
			p.Addf("policy %q: %s", s.Name, strings.TrimPrefix(err.Error(), ErrInvalidSpec.Error()+": "))
		}
		in.TargetTrackingConfiguration = tracking(s.TargetRequestsPerTarget)
		in.TargetTrackingConfiguration.PredefinedMetricSpecification = &astypes.PredefinedMetricSpecification{
			PredefinedMetricType: astypes.MetricTypeALBRequestCountPerTarget, ResourceLabel: aws.String(label)}
	case s.Custom != nil:
		m := s.Custom
		p.If(m.Namespace == "" || m.Name == "" || m.Statistic == "", "policy %q: Custom needs Namespace, Name and Statistic", s.Name)
		in.TargetTrackingConfiguration = tracking(m.Target)
		spec := &astypes.CustomizedMetricSpecification{Namespace: aws.String(m.Namespace), MetricName: aws.String(m.Name), Statistic: astypes.MetricStatistic(m.Statistic)}
		if m.Unit != "" {
			spec.Unit = aws.String(m.Unit)
		}
		keys := slices.Sorted(maps.Keys(m.Dimensions))
		for _, k := range keys {
			spec.Dimensions = append(spec.Dimensions, astypes.MetricDimension{Name: aws.String(k), Value: aws.String(m.Dimensions[k])})
		}
		in.TargetTrackingConfiguration.CustomizedMetricSpecification = spec
	case s.Steps != nil:
		st := s.Steps
		p.If(st.AdjustmentType != "ChangeInCapacity" && st.AdjustmentType != "ExactCapacity" && st.AdjustmentType != "PercentChangeInCapacity",
			"policy %q: AdjustmentType %q must be ChangeInCapacity, ExactCapacity or PercentChangeInCapacity", s.Name, st.AdjustmentType)
		p.If(len(st.Steps) == 0, "policy %q: Steps is empty", s.Name)
		in.PolicyType = aws.String("StepScaling")
		in.AdjustmentType = aws.String(st.AdjustmentType)
		agg := st.MetricAggregationType
		if agg == "" {
			agg = "Average"
		}
		in.MetricAggregationType = aws.String(agg)
		for _, step := range st.Steps {
			in.StepAdjustments = append(in.StepAdjustments, astypes.StepAdjustment{ScalingAdjustment: aws.Int32(step.Adjustment),
				MetricIntervalLowerBound: step.Lower, MetricIntervalUpperBound: step.Upper})
		}
	}
	return in, p.Err(ErrInvalidSpec)
}

// matches reports whether a described policy has the settings of in.
func matches(have astypes.ScalingPolicy, in *autoscaling.PutScalingPolicyInput) bool {
	norm := normalized
	if aws.ToString(have.PolicyType) != aws.ToString(in.PolicyType) || aws.ToString(have.AdjustmentType) != aws.ToString(in.AdjustmentType) {
		return false
	}
	if in.EstimatedInstanceWarmup != nil && aws.ToInt32(have.EstimatedInstanceWarmup) != *in.EstimatedInstanceWarmup {
		return false
	}
	if in.TargetTrackingConfiguration != nil && !reflect.DeepEqual(norm(have.TargetTrackingConfiguration), norm(in.TargetTrackingConfiguration)) {
		return false
	}
	if len(in.StepAdjustments) > 0 && (!reflect.DeepEqual(norm(have.StepAdjustments), norm(in.StepAdjustments)) ||
		aws.ToString(have.MetricAggregationType) != aws.ToString(in.MetricAggregationType)) {
		return false
	}
	return true
}

// EnsurePolicies makes the group's scaling policies match the specs: it puts each policy that
// is missing or differs and leaves those that match (no call). Policies the group has beyond the
// specs are left alone.
func (c *Client) EnsurePolicies(ctx context.Context, group string, specs []PolicySpec, optFns ...func(*Options)) ([]Policy, error) {
	o, err := c.options(optFns)
	if err != nil {
		return nil, err
	}
	inputs := make([]*autoscaling.PutScalingPolicyInput, len(specs))
	var problems []string
	seen := map[string]bool{}
	for i, s := range specs {
		in, err := s.input(group)
		if err != nil {
			problems = append(problems, strings.TrimPrefix(err.Error(), ErrInvalidSpec.Error()+": "))
		}
		if seen[s.Name] {
			problems = append(problems, fmt.Sprintf("policy name %q appears twice", s.Name))
		}
		seen[s.Name] = true
		inputs[i] = in
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(problems, "; "))
	}
	existing := map[string]astypes.ScalingPolicy{}
	paginator := autoscaling.NewDescribePoliciesPaginator(c.as, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String(group)})
	for paginator.HasMorePages() {
		var page *autoscaling.DescribePoliciesOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			page, err = paginator.NextPage(ctx, o.AutoScalingOptions...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("autoscale: describe policies of %s: %w", group, err)
		}
		for _, p := range page.ScalingPolicies {
			existing[aws.ToString(p.PolicyName)] = p
		}
	}
	var out []Policy
	for _, in := range inputs {
		name := aws.ToString(in.PolicyName)
		if have, ok := existing[name]; ok && matches(have, in) {
			p := Policy{Name: name, ARN: aws.ToString(have.PolicyARN)}
			for _, a := range have.Alarms {
				p.Alarms = append(p.Alarms, aws.ToString(a.AlarmName))
			}
			out = append(out, p)
			continue
		}
		var res *autoscaling.PutScalingPolicyOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			res, err = c.as.PutScalingPolicy(ctx, in, o.AutoScalingOptions...)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("autoscale: put policy %s on %s: %w", name, group, err)
		}
		p := Policy{Name: name, ARN: aws.ToString(res.PolicyARN), Changed: true}
		for _, a := range res.Alarms {
			p.Alarms = append(p.Alarms, aws.ToString(a.AlarmName))
		}
		out = append(out, p)
	}
	return out, nil
}
