package autoscale

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// LifecycleAction names a pending lifecycle action: the group, the hook, and the instance ID or
// the action token from the hook's notification (one of them).
type LifecycleAction struct {
	// Group and Hook name the Auto Scaling group and the lifecycle hook. Required.
	Group, Hook string
	// InstanceID is the waiting instance (an agent on the instance reads it from IMDS).
	InstanceID string
	// Token is the lifecycle action token from the hook's notification.
	Token string
}

func (a LifecycleAction) validate() error {
	var p check.Problems
	p.If(a.Group == "", "Group is required")
	p.If(a.Hook == "", "Hook is required")
	p.If((a.InstanceID == "") == (a.Token == ""), "exactly one of InstanceID and Token must be set")
	return p.Err(ErrInvalidSpec)
}

// String names the action for messages; it never includes the token.
func (a LifecycleAction) String() string {
	if a.Token != "" {
		return fmt.Sprintf("hook %s of group %s (token)", a.Hook, a.Group)
	}
	return fmt.Sprintf("hook %s of group %s for %s", a.Hook, a.Group, a.InstanceID)
}

// noActiveAction reports Auto Scaling's answer for an action it does not (yet) know.
func noActiveAction(err error) bool {
	return awserr.IsCode(err, "ValidationError") && strings.Contains(awserr.Message(err), "No active Lifecycle Action found")
}

// actionCall retries op on throttling and on "No active Lifecycle Action found", which Auto
// Scaling answers for a while after an instance enters a wait state, for up to
// LifecycleActionTimeout.
func actionCall(ctx context.Context, o Options, a LifecycleAction, what string, op func(ctx context.Context) error) error {
	err := retry.Do(ctx, op, retry.Options{Retryable: retry.Any(retry.Throttling, noActiveAction), MaxElapsed: o.LifecycleActionTimeout, Clock: o.Clock})
	if err != nil && a.Token != "" {
		err = &redactedError{err: err, secret: a.Token}
	}
	switch {
	case err == nil:
		return nil
	case noActiveAction(err):
		return fmt.Errorf("%w: %s %s: still none after %s: %w", ErrNoLifecycleAction, what, a, o.LifecycleActionTimeout, err)
	}
	return fmt.Errorf("autoscale: %s %s: %w", what, a, err)
}

// CompleteLifecycleAction completes the action with Continue or Abandon. It tolerates "No active
// Lifecycle Action found" for up to Options.LifecycleActionTimeout (eventual consistency right
// after the instance entered the wait state); after that its error matches ErrNoLifecycleAction.
func (c *Client) CompleteLifecycleAction(ctx context.Context, a LifecycleAction, result string, optFns ...func(*Options)) error {
	o, err := c.options(optFns)
	if err != nil {
		return err
	}
	if err := a.validate(); err != nil {
		return err
	}
	if result != Continue && result != Abandon {
		return fmt.Errorf("%w: result %q must be CONTINUE or ABANDON", ErrInvalidSpec, result)
	}
	in := &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String(a.Group), LifecycleHookName: aws.String(a.Hook), LifecycleActionResult: aws.String(result)}
	if a.Token != "" {
		in.LifecycleActionToken = aws.String(a.Token)
	} else {
		in.InstanceId = aws.String(a.InstanceID)
	}
	return actionCall(ctx, o, a, "complete lifecycle action", func(ctx context.Context) error {
		_, err := c.as.CompleteLifecycleAction(ctx, in, o.AutoScalingOptions...)
		return err
	})
}

// RecordHeartbeat extends the action's timeout by the hook's heartbeat timeout, tolerating "No
// active Lifecycle Action found" as CompleteLifecycleAction does.
func (c *Client) RecordHeartbeat(ctx context.Context, a LifecycleAction, optFns ...func(*Options)) error {
	o, err := c.options(optFns)
	if err != nil {
		return err
	}
	if err := a.validate(); err != nil {
		return err
	}
	in := &autoscaling.RecordLifecycleActionHeartbeatInput{AutoScalingGroupName: aws.String(a.Group), LifecycleHookName: aws.String(a.Hook)}
	if a.Token != "" {
		in.LifecycleActionToken = aws.String(a.Token)
	} else {
		in.InstanceId = aws.String(a.InstanceID)
	}
	return actionCall(ctx, o, a, "record lifecycle heartbeat", func(ctx context.Context) error {
		_, err := c.as.RecordLifecycleActionHeartbeat(ctx, in, o.AutoScalingOptions...)
		return err
	})
}

// redactedError hides a lifecycle action token that Auto Scaling quotes in its messages; errors.Is
// and errors.As still reach the original error.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.secret, "<token>") }
func (e *redactedError) Unwrap() error { return e.err }
