package elb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// failingReasons are the reason codes that mean a target failed its health checks. A wait for
// healthy targets ends at once when it sees one, instead of waiting for its deadline as the SDK's
// TargetInService waiter does.
var failingReasons = map[elbv2types.TargetHealthReasonEnum]bool{
	elbv2types.TargetHealthReasonEnumFailedHealthChecks:   true,
	elbv2types.TargetHealthReasonEnumTimeout:              true,
	elbv2types.TargetHealthReasonEnumResponseCodeMismatch: true,
}

// WaitHealthy waits until every target is healthy in the target group. Each poll makes one
// DescribeTargetHealth call for all the targets. It fails fast with a [*TargetError] (matching
// [ErrUnhealthy]) naming the target and its reason as soon as a target turns unhealthy
// (Target.FailedHealthChecks, Target.Timeout, Target.ResponseCodeMismatch; after
// Options.HealthyGrace when set), is not in use, or is draining; a target reported as not
// registered fails once that outlasts Options.RetryTimeout (the API may say so for a moment after
// RegisterTargets). It fails with [ErrTimeout] after Options.HealthyTimeout (by default derived
// from the group's health check). The report's Elapsed is the time to healthy, measured on
// Options.Clock: it exceeds the load balancer's own time by at most MaxPollInterval.
func (c *Client) WaitHealthy(ctx context.Context, targetGroupARN string, targets []Target, optFns ...func(*Options)) (*WaitReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		// No targets: nothing to wait for, and no call (DescribeTargetHealth without targets
		// would describe the whole group).
		return &WaitReport{Group: targetGroupARN}, nil
	}
	budget := o.HealthyTimeout
	if budget == 0 {
		if budget, err = c.healthyBudget(ctx, o, targetGroupARN); err != nil {
			return nil, err
		}
	}
	return waitTargets(ctx, o, waitSpec{
		group: targetGroupARN, what: fmt.Sprintf("%d target(s) healthy in %s", len(targets), targetGroupARN), budget: budget,
		observe: func(ctx context.Context) ([]TargetState, error) {
			return c.targetHealth(ctx, o, targetGroupARN, targets)
		},
		judge: func(states []TargetState, elapsed time.Duration) (poll.Status, []TargetState) {
			var bad []TargetState
			healthy := 0
			for _, s := range states {
				switch elbv2types.TargetHealthStateEnum(s.State) {
				case elbv2types.TargetHealthStateEnumHealthy:
					healthy++
				case elbv2types.TargetHealthStateEnumInitial:
				case elbv2types.TargetHealthStateEnumUnused:
					// Right after RegisterTargets, DescribeTargetHealth may still answer "not
					// registered" (ELBv2 is eventually consistent: aws/aws-sdk-js#1593). Give
					// it RetryTimeout, as other read-after-write misses; other reasons
					// (Target.NotInUse, Target.InvalidState) will not change by waiting.
					if s.Reason != string(elbv2types.TargetHealthReasonEnumNotRegistered) || elapsed >= o.RetryTimeout {
						bad = append(bad, s)
					}
				case elbv2types.TargetHealthStateEnumUnhealthy:
					// Within HealthyGrace a slow-booting application may still come up.
					if failingReasons[elbv2types.TargetHealthReasonEnum(s.Reason)] && elapsed >= o.HealthyGrace {
						bad = append(bad, s)
					}
				default: // draining, unavailable: this target will not become healthy
					bad = append(bad, s)
				}
			}
			switch {
			case len(bad) > 0:
				return poll.Failed, bad
			case healthy == len(targets) && len(states) == len(targets):
				return poll.Done, nil
			}
			return poll.Pending, nil
		},
		// Right after a create or a launch, the group or the instance may not be visible yet.
		transient: func(err error) bool { return awserr.IsCode(err, "TargetGroupNotFound", "InvalidTarget") },
	})
}

// WaitDrained waits until none of the targets is registered in the target group any more: their
// draining ended. Each poll makes one DescribeTargetHealth call for the whole group (so that
// targets whose instances are gone do not fail the call). It fails with a [*TargetError] if a
// target is registered and not draining (deregister it first), and with [ErrTimeout] after
// Options.DrainTimeout (by default the group's deregistration delay plus two poll intervals).
func (c *Client) WaitDrained(ctx context.Context, targetGroupARN string, targets []Target, optFns ...func(*Options)) (*WaitReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return &WaitReport{Group: targetGroupARN}, nil
	}
	budget := o.DrainTimeout
	if budget == 0 {
		if budget, err = c.drainBudget(ctx, o, targetGroupARN); err != nil {
			return nil, err
		}
	}
	return waitTargets(ctx, o, waitSpec{
		group: targetGroupARN, what: fmt.Sprintf("%d target(s) drained from %s", len(targets), targetGroupARN), budget: budget,
		observe: func(ctx context.Context) ([]TargetState, error) {
			all, err := c.targetHealth(ctx, o, targetGroupARN, nil)
			if err != nil {
				return nil, err
			}
			out := make([]TargetState, 0, len(targets))
			for _, t := range targets {
				s := TargetState{Target: t, State: string(elbv2types.TargetHealthStateEnumUnused), Reason: string(elbv2types.TargetHealthReasonEnumNotRegistered), Description: "Target is not registered to the target group"}
				for _, have := range all {
					if have.Target.ID == t.ID && (t.Port == 0 || have.Target.Port == t.Port) {
						s.State, s.Reason, s.Description = have.State, have.Reason, have.Description
						break
					}
				}
				out = append(out, s)
			}
			return out, nil
		},
		judge: func(states []TargetState, _ time.Duration) (poll.Status, []TargetState) {
			var bad []TargetState
			pending := false
			for _, s := range states {
				switch elbv2types.TargetHealthStateEnum(s.State) {
				case elbv2types.TargetHealthStateEnumUnused:
				case elbv2types.TargetHealthStateEnumDraining:
					pending = true
				default:
					bad = append(bad, s)
				}
			}
			switch {
			case len(bad) > 0:
				return poll.Failed, bad
			case pending:
				return poll.Pending, nil
			}
			return poll.Done, nil
		},
		transient: func(err error) bool { return awserr.IsCode(err, "TargetGroupNotFound") },
	})
}

// targetHealth makes one DescribeTargetHealth call: for the given targets, or for every
// registered target when targets is nil. The SDK retryer handles throttling within the call; the
// poll loop tolerates what is left.
func (c *Client) targetHealth(ctx context.Context, o Options, arn string, targets []Target) ([]TargetState, error) {
	in := &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)}
	if targets != nil {
		in.Targets = descriptions(targets)
	}
	out, err := c.api.DescribeTargetHealth(ctx, in, o.ELBv2Options...)
	if err != nil {
		return nil, err
	}
	states := make([]TargetState, 0, len(out.TargetHealthDescriptions))
	for i, d := range out.TargetHealthDescriptions {
		s := TargetState{}
		if d.Target != nil {
			s.Target = Target{ID: aws.ToString(d.Target.Id), Port: aws.ToInt32(d.Target.Port)}
		}
		// Report targets as the caller named them (port 0 means the group's port).
		if targets != nil && i < len(targets) && targets[i].ID == s.Target.ID {
			s.Target = targets[i]
		}
		if d.TargetHealth != nil {
			s.State, s.Reason, s.Description = string(d.TargetHealth.State), string(d.TargetHealth.Reason), aws.ToString(d.TargetHealth.Description)
		}
		states = append(states, s)
	}
	return states, nil
}

// healthyBudget is the default wait for healthy: (HealthyThreshold+1) x Interval, the time an
// unhealthy target needs to come back, plus two poll intervals.
func (c *Client) healthyBudget(ctx context.Context, o Options, arn string) (time.Duration, error) {
	var tg elbv2types.TargetGroup
	err := call(ctx, o, "DescribeTargetGroups", retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
		out, err := c.api.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}}, o.ELBv2Options...)
		if err == nil && len(out.TargetGroups) > 0 {
			tg = out.TargetGroups[0]
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("elb: describe target group %s: %w", arn, err)
	}
	interval := time.Duration(aws.ToInt32(tg.HealthCheckIntervalSeconds)) * time.Second
	return o.HealthyGrace + time.Duration(aws.ToInt32(tg.HealthyThresholdCount)+1)*interval + 2*o.MaxPollInterval, nil
}

// drainBudget is the default wait for draining: the group's deregistration delay plus two poll
// intervals.
func (c *Client) drainBudget(ctx context.Context, o Options, arn string) (time.Duration, error) {
	var attrs map[string]string
	err := call(ctx, o, "DescribeTargetGroupAttributes", retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
		out, err := c.api.DescribeTargetGroupAttributes(ctx, &elasticloadbalancingv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)}, o.ELBv2Options...)
		if err == nil {
			attrs = attributeMap(out.Attributes)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("elb: describe attributes of target group %s: %w", arn, err)
	}
	delay, err := strconv.Atoi(attrs["deregistration_delay.timeout_seconds"])
	if err != nil {
		delay = int(DefaultDeregistrationDelay / time.Second)
	}
	return time.Duration(delay)*time.Second + 2*o.MaxPollInterval, nil
}
