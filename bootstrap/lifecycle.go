package bootstrap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/loop"
	"github.com/portalkit/portalkit/internal/retry"
)

// Lifecycle action results.
const (
	// LifecycleContinue lets the launching instance go into service.
	LifecycleContinue = "CONTINUE"
	// LifecycleAbandon makes Auto Scaling terminate the launching instance and launch another.
	LifecycleAbandon = "ABANDON"
)

// noActiveAction reports Auto Scaling's answer to a lifecycle call made before the action is
// visible (or after it ended): ValidationError "No active Lifecycle Action found with instance
// ID ...".
func noActiveAction(err error) bool {
	return awserr.IsCode(err, "ValidationError") && strings.Contains(awserr.Message(err), "No active Lifecycle Action found")
}

// Launch is the first-boot run: it reads the instance identity through IMDSv2, deploys like
// Deploy while recording lifecycle heartbeats, then completes the launching lifecycle action
// (when the Config names one) with CONTINUE on success and ABANDON on any failure, including a
// panic, so Auto Scaling replaces the instance rather than waiting out the heartbeat timeout. An
// instance whose target lifecycle state is Terminated deploys nothing. When the identity cannot be
// read there is no instance id to answer with: the hook's DefaultResult applies at its heartbeat
// timeout, so give launching hooks DefaultResult ABANDON.
func (a *Agent) Launch(ctx context.Context, optFns ...func(*Options)) (res *Result, err error) {
	o, err := a.resolveOptions(a.base, optFns)
	if err != nil {
		return nil, err
	}
	if o.Metadata == nil {
		return nil, fmt.Errorf("%w: Launch needs Metadata (an IMDSv2 client)", ErrInvalidOptions)
	}
	hooked := a.cfg.LifecycleHook != ""
	if hooked && o.Lifecycle == nil {
		return nil, fmt.Errorf("%w: the config names lifecycle hook %s but Lifecycle is nil", ErrInvalidOptions, a.cfg.LifecycleHook)
	}
	a.step(o, "identity", "", "")
	id, err := FetchIdentity(ctx, o.Metadata)
	if err != nil {
		return nil, err
	}
	o.Logger.Info("bootstrap: instance", "instance", id.InstanceID, "zone", id.AvailabilityZone, "region", id.Region, "target_lifecycle_state", id.TargetLifecycleState)
	if strings.HasPrefix(id.TargetLifecycleState, "Terminated") {
		o.Logger.Warn("bootstrap: instance is terminating; nothing to deploy", "instance", id.InstanceID)
		return &Result{Identity: id}, nil
	}
	if !hooked {
		return a.deploy(ctx, o, id)
	}

	defer func() {
		if r := recover(); r != nil {
			a.complete(ctx, o, id, LifecycleAbandon) //nolint:errcheck // the panic is what matters
			panic(r)
		}
	}()
	hb := loop.New(o.Clock, o.HeartbeatInterval, func(ctx context.Context) {
		_, err := o.Lifecycle.RecordLifecycleActionHeartbeat(ctx, &autoscaling.RecordLifecycleActionHeartbeatInput{
			AutoScalingGroupName: aws.String(a.cfg.AutoScalingGroup),
			LifecycleHookName:    aws.String(a.cfg.LifecycleHook),
			InstanceId:           aws.String(id.InstanceID),
		})
		if err != nil && ctx.Err() == nil {
			o.Logger.Warn("bootstrap: lifecycle heartbeat failed", "error", err.Error())
		} else if err == nil {
			o.Logger.Debug("bootstrap: lifecycle heartbeat", "hook", a.cfg.LifecycleHook)
		}
	})
	if o.HeartbeatInterval > 0 {
		if err := hb.Start(ctx); err != nil {
			return nil, fmt.Errorf("bootstrap: %w", err)
		}
	}
	defer hb.Stop() // also on a panic, before the ABANDON above
	res, derr := a.deploy(ctx, o, id)
	hb.Stop()
	if res == nil {
		res = &Result{Identity: id}
	}
	result := LifecycleContinue
	if derr != nil {
		result = LifecycleAbandon
	}
	cerr := a.complete(ctx, o, id, result)
	if cerr == nil {
		res.LifecycleResult = result
	}
	switch {
	case derr != nil && cerr != nil:
		return res, fmt.Errorf("%w (and %w)", derr, cerr)
	case derr != nil:
		return res, derr
	}
	return res, cerr
}

// complete answers the lifecycle action, retrying briefly while Auto Scaling says there is no
// active action yet. It uses a context that outlives ctx's cancellation (bounded by
// CompleteTimeout) so an interrupted deploy still ABANDONs.
func (a *Agent) complete(ctx context.Context, o Options, id Identity, result string) error {
	a.step(o, "lifecycle", "", result)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.CompleteTimeout+30*time.Second)
	defer cancel()
	in := &autoscaling.CompleteLifecycleActionInput{
		AutoScalingGroupName:  aws.String(a.cfg.AutoScalingGroup),
		LifecycleHookName:     aws.String(a.cfg.LifecycleHook),
		InstanceId:            aws.String(id.InstanceID),
		LifecycleActionResult: aws.String(result),
	}
	err := retry.Do(cctx, func(ctx context.Context) error {
		_, err := o.Lifecycle.CompleteLifecycleAction(ctx, in)
		return err
	}, retry.Options{
		Retryable:       retry.Any(noActiveAction, retry.Throttling),
		InitialInterval: time.Second, MaxInterval: 10 * time.Second, MaxElapsed: o.CompleteTimeout,
		Clock: o.Clock,
		OnRetry: func(err error, d time.Duration) {
			o.Logger.Info("bootstrap: lifecycle action not ready, retrying", "result", result, "in", d.String(), "error", err.Error())
		},
	})
	if err != nil {
		return fmt.Errorf("%w: complete %s of hook %s for %s: %w", ErrLifecycle, result, a.cfg.LifecycleHook, id.InstanceID, err)
	}
	o.Logger.Info("bootstrap: lifecycle action completed", "result", result, "hook", a.cfg.LifecycleHook, "instance", id.InstanceID)
	return nil
}
