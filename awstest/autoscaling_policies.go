package awstest

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// scalingPolicy is a stored scaling policy. Policies are stored and described; the model does
// not evaluate metrics, so they never change the desired capacity.
type scalingPolicy struct {
	arn    string
	in     autoscaling.PutScalingPolicyInput
	alarms []astypes.Alarm
}

var albResourceLabel = regexp.MustCompile(`^app/([^/]+)/([0-9a-f]+)/targetgroup/([^/]+)/([0-9a-f]+)$`)

func (m *asModel) registerPolicies() {
	handle(m.svc, "PutScalingPolicy", m.putScalingPolicy)
	handle(m.svc, "DescribePolicies", m.describePolicies)
	handle(m.svc, "DeletePolicy", m.deletePolicy)
}

func (m *asModel) putScalingPolicy(r *request, in *autoscaling.PutScalingPolicyInput) (*autoscaling.PutScalingPolicyOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	if name == "" || len(name) > 255 {
		return nil, m.validation("1 validation error detected: Value at 'policyName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	typ := aws.ToString(in.PolicyType)
	if typ == "" {
		typ = "SimpleScaling"
	}
	switch typ {
	case "TargetTrackingScaling":
		tt := in.TargetTrackingConfiguration
		if tt == nil || tt.TargetValue == nil {
			return nil, m.validation("TargetTrackingConfiguration with a TargetValue is required for policy type TargetTrackingScaling.")
		}
		if (tt.PredefinedMetricSpecification == nil) == (tt.CustomizedMetricSpecification == nil) {
			return nil, m.validation("Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified.")
		}
		if p := tt.PredefinedMetricSpecification; p != nil {
			switch p.PredefinedMetricType {
			case astypes.MetricTypeASGAverageCPUUtilization, astypes.MetricTypeASGAverageNetworkIn, astypes.MetricTypeASGAverageNetworkOut:
				if p.ResourceLabel != nil {
					return nil, m.validation("ResourceLabel is only valid for the ALBRequestCountPerTarget metric type.")
				}
			case astypes.MetricTypeALBRequestCountPerTarget:
				if err := m.checkResourceLabel(g, aws.ToString(p.ResourceLabel)); err != nil {
					return nil, err
				}
			default:
				return nil, m.validation("Invalid predefined metric type %s.", p.PredefinedMetricType)
			}
		}
		if c := tt.CustomizedMetricSpecification; c != nil {
			if len(c.Metrics) > 0 {
				return nil, r.unmodeled("metric math in a customized metric specification")
			}
			if aws.ToString(c.MetricName) == "" || aws.ToString(c.Namespace) == "" || c.Statistic == "" {
				return nil, m.validation("A customized metric specification needs MetricName, Namespace and Statistic.")
			}
		}
	case "StepScaling":
		if len(in.StepAdjustments) == 0 {
			return nil, m.validation("StepAdjustments are required for policy type StepScaling.")
		}
		if err := m.checkAdjustmentType(in.AdjustmentType); err != nil {
			return nil, err
		}
	case "SimpleScaling":
		if in.ScalingAdjustment == nil {
			return nil, m.validation("ScalingAdjustment is required for policy type SimpleScaling.")
		}
		if err := m.checkAdjustmentType(in.AdjustmentType); err != nil {
			return nil, err
		}
	default:
		return nil, r.unmodeled("policy type %s", typ)
	}
	cp := *in
	cp.PolicyType = aws.String(typ)
	cp.StepAdjustments = append([]astypes.StepAdjustment(nil), in.StepAdjustments...)
	if tt := in.TargetTrackingConfiguration; tt != nil {
		c := *tt
		if p := tt.PredefinedMetricSpecification; p != nil {
			pp := *p
			c.PredefinedMetricSpecification = &pp
		}
		if cm := tt.CustomizedMetricSpecification; cm != nil {
			cc := *cm
			cc.Dimensions = append([]astypes.MetricDimension(nil), cm.Dimensions...)
			c.CustomizedMetricSpecification = &cc
		}
		cp.TargetTrackingConfiguration = &c
	}
	for _, p := range g.policies {
		if aws.ToString(p.in.PolicyName) == name {
			p.in = cp
			return &autoscaling.PutScalingPolicyOutput{PolicyARN: aws.String(p.arn), Alarms: append([]astypes.Alarm{}, p.alarms...)}, nil
		}
	}
	p := &scalingPolicy{in: cp, arn: fmt.Sprintf("arn:aws:autoscaling:%s:%s:scalingPolicy:%s:autoScalingGroupName/%s:policyName/%s", m.cloud.opts.Region, m.cloud.opts.AccountID, m.newUUID(), g.name, name)}
	if typ == "TargetTrackingScaling" {
		for _, which := range []string{"AlarmHigh", "AlarmLow"} {
			alarm := fmt.Sprintf("TargetTracking-%s-%s-%s", g.name, which, m.newUUID())
			p.alarms = append(p.alarms, astypes.Alarm{AlarmName: aws.String(alarm), AlarmARN: aws.String(fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", m.cloud.opts.Region, m.cloud.opts.AccountID, alarm))})
		}
	}
	g.policies = append(g.policies, p)
	return &autoscaling.PutScalingPolicyOutput{PolicyARN: aws.String(p.arn), Alarms: append([]astypes.Alarm{}, p.alarms...)}, nil
}

func (m *asModel) checkAdjustmentType(t *string) error {
	switch aws.ToString(t) {
	case "ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity":
		return nil
	}
	return m.validation("Invalid adjustment type %s. Valid values are ChangeInCapacity, ExactCapacity and PercentChangeInCapacity.", aws.ToString(t))
}

// checkResourceLabel checks an ALBRequestCountPerTarget label: it names an existing load balancer
// and target group, and the group is attached to the Auto Scaling group.
func (m *asModel) checkResourceLabel(g *asGroup, label string) error {
	sub := albResourceLabel.FindStringSubmatch(label)
	if sub == nil {
		return m.validation("Invalid ResourceLabel %q: expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.", label)
	}
	tgSuffix := fmt.Sprintf("targetgroup/%s/%s", sub[3], sub[4])
	for _, arn := range g.tgs {
		if len(arn) >= len(tgSuffix) && arn[len(arn)-len(tgSuffix):] == tgSuffix {
			return nil
		}
	}
	return m.validation("The target group %s in ResourceLabel is not attached to the Auto Scaling group %s.", tgSuffix, g.name)
}

func (m *asModel) describePolicies(r *request, in *autoscaling.DescribePoliciesInput) (*autoscaling.DescribePoliciesOutput, error) {
	type keyed struct {
		g *asGroup
		p *scalingPolicy
	}
	var items []keyed
	for _, g := range m.groups {
		if name := aws.ToString(in.AutoScalingGroupName); name != "" && g.name != name {
			continue
		}
		for _, p := range g.policies {
			if len(in.PolicyNames) > 0 && !contains(in.PolicyNames, aws.ToString(p.in.PolicyName)) {
				continue
			}
			if len(in.PolicyTypes) > 0 && !contains(in.PolicyTypes, aws.ToString(p.in.PolicyType)) {
				continue
			}
			items = append(items, keyed{g, p})
		}
	}
	pg, next, err := asPage(m, "DescribePolicies", items, func(k keyed) string { return k.p.arn }, in.MaxRecords, in.NextToken, 50, 100)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribePoliciesOutput{ScalingPolicies: []astypes.ScalingPolicy{}, NextToken: next}
	for _, k := range pg {
		p := k.p
		sp := astypes.ScalingPolicy{
			AutoScalingGroupName: aws.String(k.g.name), PolicyName: copyString(p.in.PolicyName), PolicyARN: aws.String(p.arn),
			PolicyType: copyString(p.in.PolicyType), AdjustmentType: copyString(p.in.AdjustmentType), ScalingAdjustment: p.in.ScalingAdjustment,
			Cooldown: p.in.Cooldown, MetricAggregationType: copyString(p.in.MetricAggregationType), EstimatedInstanceWarmup: p.in.EstimatedInstanceWarmup,
			MinAdjustmentMagnitude: p.in.MinAdjustmentMagnitude, StepAdjustments: append([]astypes.StepAdjustment{}, p.in.StepAdjustments...),
			Alarms: append([]astypes.Alarm{}, p.alarms...), Enabled: aws.Bool(p.in.Enabled == nil || *p.in.Enabled),
		}
		if tt := p.in.TargetTrackingConfiguration; tt != nil {
			c := *tt
			if tt.PredefinedMetricSpecification != nil {
				pp := *tt.PredefinedMetricSpecification
				c.PredefinedMetricSpecification = &pp
			}
			if tt.CustomizedMetricSpecification != nil {
				cc := *tt.CustomizedMetricSpecification
				cc.Dimensions = append([]astypes.MetricDimension(nil), cc.Dimensions...)
				c.CustomizedMetricSpecification = &cc
			}
			if c.DisableScaleIn == nil {
				c.DisableScaleIn = aws.Bool(false)
			}
			sp.TargetTrackingConfiguration = &c
		}
		out.ScalingPolicies = append(out.ScalingPolicies, sp)
	}
	return out, nil
}

func (m *asModel) deletePolicy(r *request, in *autoscaling.DeletePolicyInput) (*autoscaling.DeletePolicyOutput, error) {
	g, err := m.mustGroup(in.AutoScalingGroupName, r.now)
	if err != nil {
		return nil, err
	}
	for k, p := range g.policies {
		if aws.ToString(p.in.PolicyName) == aws.ToString(in.PolicyName) || p.arn == aws.ToString(in.PolicyName) {
			g.policies = append(g.policies[:k:k], g.policies[k+1:]...)
			return &autoscaling.DeletePolicyOutput{}, nil
		}
	}
	return nil, m.validation("Policy %s does not exist for group %s", aws.ToString(in.PolicyName), g.name)
}
