package elb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/retry"
)

// Target is one target of a target group: an instance ID (or IP address) and a port.
type Target struct {
	// ID is the instance ID or IP address.
	ID string
	// Port is the port traffic goes to. Zero means the target group's port.
	Port int32
}

// String renders the target as ID or ID:port.
func (t Target) String() string {
	if t.Port == 0 {
		return t.ID
	}
	return t.ID + ":" + strconv.Itoa(int(t.Port))
}

// Instances returns a Target on the target group's port for each instance ID.
func Instances(ids ...string) []Target {
	out := make([]Target, len(ids))
	for i, id := range ids {
		out[i] = Target{ID: id}
	}
	return out
}

// TargetState is a target's health as the load balancer reported it.
type TargetState struct {
	// Target is the target.
	Target Target
	// State is the load balancer's state: for target groups initial, healthy, unhealthy,
	// draining, unused or unavailable; for Classic ELB InService, OutOfService, ClassicDraining
	// (an InService instance whose deregistration is in progress) or ClassicDeregistered.
	State string
	// Reason is the reason code, for example Target.FailedHealthChecks; "" when healthy.
	Reason string
	// Description is the load balancer's explanation.
	Description string
}

// TargetChange is one state change a wait observed, passed to Options.OnTargetChange.
type TargetChange struct {
	// Group is the target group ARN or the Classic load balancer name.
	Group string
	// Target is the target.
	Target Target
	// From is the previous state, "" on the first observation; To is the new one.
	From, To string
	// Reason and Description explain To.
	Reason, Description string
	// Elapsed is the time since the wait started.
	Elapsed time.Duration
}

// WaitReport is the outcome of a wait.
type WaitReport struct {
	// Group is the target group ARN or the Classic load balancer name.
	Group string
	// Elapsed is the time from the start of the wait to the poll that saw it end.
	Elapsed time.Duration
	// Polls is the number of health polls made: one Describe call each, whatever the number
	// of targets.
	Polls int
	// Targets are the last observed states.
	Targets []TargetState
}

func descriptions(targets []Target) []elbv2types.TargetDescription {
	out := make([]elbv2types.TargetDescription, len(targets))
	for i, t := range targets {
		out[i] = elbv2types.TargetDescription{Id: aws.String(t.ID)}
		if t.Port != 0 {
			out[i].Port = aws.Int32(t.Port)
		}
	}
	return out
}

// Register adds targets to the target group in chunks of Options.BatchSize, one RegisterTargets
// call each. It retries throttling and, for up to RetryTimeout, the errors AWS returns while a new
// target group or instance is not yet visible (TargetGroupNotFound, InvalidTarget). Registering a
// registered target changes nothing. On failure the error says how many targets were registered.
func (c *Client) Register(ctx context.Context, targetGroupARN string, targets []Target, optFns ...func(*Options)) error {
	return inBatches(ctx, c.opts, optFns, "RegisterTargets", targetGroupARN, targets, retry.Codes("TargetGroupNotFound", "InvalidTarget"), func(ctx context.Context, o Options, chunk []Target) error {
		_, err := c.api.RegisterTargets(ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: aws.String(targetGroupARN), Targets: descriptions(chunk)}, o.ELBv2Options...)
		return err
	})
}

// Deregister removes targets from the target group in chunks of Options.BatchSize. The targets
// drain for the group's deregistration delay; [Client.WaitDrained] waits for that. Deregistering
// a target that is not registered succeeds, so the call is idempotent.
func (c *Client) Deregister(ctx context.Context, targetGroupARN string, targets []Target, optFns ...func(*Options)) error {
	return inBatches(ctx, c.opts, optFns, "DeregisterTargets", targetGroupARN, targets, retry.Codes("TargetGroupNotFound"), func(ctx context.Context, o Options, chunk []Target) error {
		_, err := c.api.DeregisterTargets(ctx, &elasticloadbalancingv2.DeregisterTargetsInput{TargetGroupArn: aws.String(targetGroupARN), Targets: descriptions(chunk)}, o.ELBv2Options...)
		return err
	})
}

// inBatches resolves base with optFns and calls fn for items in chunks of Options.BatchSize, each
// chunk retried as retryable allows. On failure the error names the operation, the group and how
// many items were done.
func inBatches[T any](ctx context.Context, base Options, optFns []func(*Options), op, group string, items []T, retryable retry.Classifier, fn func(context.Context, Options, []T) error) error {
	o, err := base.resolve(optFns)
	if err != nil {
		return err
	}
	for start := 0; start < len(items); start += o.BatchSize {
		chunk := items[start:min(start+o.BatchSize, len(items))]
		if err := call(ctx, o, op, retryable, func(ctx context.Context) error { return fn(ctx, o, chunk) }); err != nil {
			return fmt.Errorf("elb: %s on %s (%d of %d done): %w", op, group, start, len(items), err)
		}
	}
	return nil
}
