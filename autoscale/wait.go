package autoscale

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
)

// WaitInService waits until the group's desired capacity is InService and healthy: Healthy in
// the group, and healthy in each of its target groups when Options.TargetHealth is set. Each poll
// makes one DescribeAutoScalingGroups call, one DescribeTargetHealth per target group once
// instances are in service, and, only while the group has fewer instances than it wants, one
// DescribeScalingActivities call: when the group's latest scaling activity failed and started
// after the wait did (the group retries failed launches, so a broken template fails again within
// its retry interval), the wait fails at once with an error matching ErrActivityFailed whose *wait.FailedError Reason is the
// activity's StatusMessage (an image that does not exist, no capacity in any zone, ...). It
// reports progress through Options.OnProgress and gives up after Options.InServiceTimeout with
// an error matching ErrTimeout that names the last counts. A group being deleted fails the wait
// at once.
func (c *Client) WaitInService(ctx context.Context, group string, optFns ...func(*Options)) error {
	o, err := c.options(optFns)
	if err != nil {
		return err
	}
	start := o.Clock.Now()
	last := Progress{Desired: -1}
	check := func(ctx context.Context) (poll.Result, error) {
		var out *autoscaling.DescribeAutoScalingGroupsOutput
		out, err := c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}}, o.AutoScalingOptions...)
		if err != nil {
			return poll.Result{}, err
		}
		if len(out.AutoScalingGroups) == 0 {
			return poll.Result{}, fmt.Errorf("%w: group %s", ErrNotFound, group)
		}
		g := out.AutoScalingGroups[0]
		if st := aws.ToString(g.Status); st != "" {
			return poll.Result{}, fmt.Errorf("autoscale: group %s is being deleted (status %q)", group, st)
		}
		desired := int(aws.ToInt32(g.DesiredCapacity))
		var inService []string
		live := 0
		for _, i := range g.Instances {
			switch i.LifecycleState {
			case astypes.LifecycleStateInService:
				live++
				if aws.ToString(i.HealthStatus) == "Healthy" {
					inService = append(inService, aws.ToString(i.InstanceId))
				}
			case astypes.LifecycleStatePending, astypes.LifecycleStatePendingWait, astypes.LifecycleStatePendingProceed:
				live++
			}
		}
		healthy := inService
		if o.TargetHealth != nil && len(inService) > 0 {
			for _, tg := range g.TargetGroupARNs {
				th, err := o.TargetHealth.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
				if err != nil {
					return poll.Result{}, err
				}
				var ok []string
				for _, d := range th.TargetHealthDescriptions {
					if d.Target != nil && d.TargetHealth != nil && d.TargetHealth.State == elbv2types.TargetHealthStateEnumHealthy && slices.Contains(healthy, aws.ToString(d.Target.Id)) {
						ok = append(ok, aws.ToString(d.Target.Id))
					}
				}
				healthy = ok
			}
		}
		p := Progress{Group: group, What: "in-service", Desired: desired, InService: len(inService), Healthy: len(healthy), Elapsed: o.Clock.Now().Sub(start)}
		if o.OnProgress != nil && (p.Desired != last.Desired || p.InService != last.InService || p.Healthy != last.Healthy) {
			o.OnProgress(p)
		}
		last = p
		state := fmt.Sprintf("%d of %d in service, %d healthy", len(inService), desired, len(healthy))
		if len(healthy) >= desired && len(inService) >= desired {
			return poll.Result{Status: poll.Done, State: state}, nil
		}
		if live < desired {
			acts, err := c.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String(group), MaxRecords: aws.Int32(1)}, o.AutoScalingOptions...)
			if err != nil {
				return poll.Result{}, err
			}
			if len(acts.Activities) > 0 {
				a := acts.Activities[0]
				failed := a.StatusCode == astypes.ScalingActivityStatusCodeFailed || a.StatusCode == astypes.ScalingActivityStatusCodeCancelled
				// Only an activity of this wait's time counts: an older failure may be followed by
				// a successful retry (a fixed template, a zone back in service).
				if failed && !aws.ToTime(a.StartTime).Before(start) {
					reason := aws.ToString(a.StatusMessage)
					if reason == "" {
						reason = aws.ToString(a.Description)
					}
					return poll.Result{Status: poll.Failed, State: state + ", scaling activity " + string(a.StatusCode), Reason: reason}, nil
				}
			}
		}
		return poll.Result{Status: poll.Pending, State: state}, nil
	}
	_, err = poll.Wait(ctx, check, poll.Options{
		What: "group " + group + " in service", Package: "autoscale", ErrTimeout: ErrTimeout, ErrFailed: ErrActivityFailed,
		MinDelay: o.PollInterval, MaxDelay: o.MaxPollInterval, MaxWait: o.InServiceTimeout, Clock: o.Clock,
		Transient: func(err error) bool { return awserr.IsCode(err, "TargetGroupNotFound") },
	})
	return err
}
