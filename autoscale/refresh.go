package autoscale

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/poll"
)

// RefreshSpec describes a rolling replacement of a group's instances (an instance refresh).
type RefreshSpec struct {
	// Template is the launch template version to roll out (the refresh's desired
	// configuration); the group is switched to it when the refresh succeeds. Nil replaces
	// instances with the group's current template version.
	Template *TemplateRef
	// MinHealthyPercentage is the share of the desired capacity that stays in service and
	// healthy, 0 to 100. Nil means AWS's default, 90.
	MinHealthyPercentage *int32
	// MaxHealthyPercentage caps the capacity during the refresh, 100 to 200; above 100, new
	// instances launch before old ones terminate. It needs MinHealthyPercentage, at most 100
	// below it. Nil means AWS's default, 100.
	MaxHealthyPercentage *int32
	// InstanceWarmup is how long a new instance takes before it counts as healthy. Zero means
	// the group's default instance warmup (or its health check grace period).
	InstanceWarmup time.Duration
	// CheckpointPercentages pause the refresh when that share is replaced, ascending, 1 to 100.
	CheckpointPercentages []int32
	// CheckpointDelay is the pause at each checkpoint, at most 48 h; it needs
	// CheckpointPercentages. Zero means AWS's default, one hour.
	CheckpointDelay time.Duration
	// SkipMatching leaves instances already on the desired template version alone.
	SkipMatching bool
	// AutoRollback rolls back to the previous configuration when the refresh fails. It needs
	// Template with a version number.
	AutoRollback bool
}

func (s RefreshSpec) validate() error {
	var p check.Problems
	if m := s.MinHealthyPercentage; m != nil {
		p.If(*m < 0 || *m > 100, "MinHealthyPercentage %d is outside 0 to 100", *m)
	}
	if m := s.MaxHealthyPercentage; m != nil {
		p.If(*m < 100 || *m > 200, "MaxHealthyPercentage %d is outside 100 to 200", *m)
		p.If(s.MinHealthyPercentage == nil, "MaxHealthyPercentage needs MinHealthyPercentage (Auto Scaling refuses one without the other)")
		if n := s.MinHealthyPercentage; n != nil {
			p.If(*m-*n > 100, "MinHealthyPercentage %d and MaxHealthyPercentage %d are more than 100 apart", *n, *m)
		}
	}
	p.If(s.InstanceWarmup < 0 || s.InstanceWarmup%time.Second != 0, "InstanceWarmup %s must be whole, non-negative seconds", s.InstanceWarmup)
	p.If(s.CheckpointDelay < 0 || s.CheckpointDelay%time.Second != 0, "CheckpointDelay %s must be whole, non-negative seconds", s.CheckpointDelay)
	p.If(s.CheckpointDelay > 48*time.Hour, "CheckpointDelay %s is over 48h", s.CheckpointDelay)
	p.If(s.CheckpointDelay > 0 && len(s.CheckpointPercentages) == 0, "CheckpointDelay needs CheckpointPercentages (Auto Scaling refuses one without the other)")
	prev := int32(0)
	for _, cp := range s.CheckpointPercentages {
		p.If(cp <= prev || cp > 100, "CheckpointPercentages %v must ascend within 1 to 100", s.CheckpointPercentages)
		prev = cp
	}
	if t := s.Template; t != nil {
		p.If((t.ID == "") == (t.Name == ""), "Template needs exactly one of ID and Name")
		p.If(t.Version == "", "Template.Version is required")
	}
	p.If(s.AutoRollback && (s.Template == nil || s.Template.Version == "$Latest" || s.Template.Version == "$Default"),
		"AutoRollback needs Template with a version number")
	return p.Err(ErrInvalidSpec)
}

func (s RefreshSpec) input(group string) *autoscaling.StartInstanceRefreshInput {
	prefs := &astypes.RefreshPreferences{MinHealthyPercentage: s.MinHealthyPercentage, MaxHealthyPercentage: s.MaxHealthyPercentage,
		SkipMatching: aws.Bool(s.SkipMatching), AutoRollback: aws.Bool(s.AutoRollback)}
	if s.InstanceWarmup > 0 {
		prefs.InstanceWarmup = aws.Int32(int32(s.InstanceWarmup / time.Second))
	}
	if len(s.CheckpointPercentages) > 0 {
		prefs.CheckpointPercentages = append([]int32(nil), s.CheckpointPercentages...)
	}
	if s.CheckpointDelay > 0 {
		prefs.CheckpointDelay = aws.Int32(int32(s.CheckpointDelay / time.Second))
	}
	in := &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String(group), Strategy: astypes.RefreshStrategyRolling, Preferences: prefs}
	if s.Template != nil {
		in.DesiredConfiguration = &astypes.DesiredConfiguration{LaunchTemplate: s.Template.spec()}
	}
	return in
}

// Refresh is the state of an instance refresh.
type Refresh struct {
	// ID is the instance refresh ID.
	ID string
	// Status is Auto Scaling's: Pending, InProgress, Successful, Failed, Cancelling, Cancelled,
	// RollbackInProgress, RollbackSuccessful, RollbackFailed, Baking.
	Status string
	// StatusReason explains the status, in Auto Scaling's words.
	StatusReason string
	// Percent is the share of instances replaced; InstancesToUpdate those left.
	Percent, InstancesToUpdate int
	// Start and End are when it started and (once over) ended.
	Start, End time.Time
}

func toRefresh(r astypes.InstanceRefresh) Refresh {
	return Refresh{ID: aws.ToString(r.InstanceRefreshId), Status: string(r.Status), StatusReason: aws.ToString(r.StatusReason),
		Percent: int(aws.ToInt32(r.PercentageComplete)), InstancesToUpdate: int(aws.ToInt32(r.InstancesToUpdate)),
		Start: aws.ToTime(r.StartTime), End: aws.ToTime(r.EndTime)}
}

// active reports whether a refresh status is not final.
func active(s astypes.InstanceRefreshStatus) bool {
	switch s {
	case astypes.InstanceRefreshStatusPending, astypes.InstanceRefreshStatusInProgress, astypes.InstanceRefreshStatusCancelling,
		astypes.InstanceRefreshStatusRollbackInProgress, astypes.InstanceRefreshStatusBaking:
		return true
	}
	return false
}

func (c *Client) describeRefreshes(ctx context.Context, o Options, group string, ids ...string) ([]astypes.InstanceRefresh, error) {
	var out *autoscaling.DescribeInstanceRefreshesOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String(group), InstanceRefreshIds: ids}, o.AutoScalingOptions...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("autoscale: describe instance refreshes of %s: %w", group, err)
	}
	return out.InstanceRefreshes, nil
}

// activeRefresh returns the group's active refresh, or nil.
func (c *Client) activeRefresh(ctx context.Context, o Options, group string) (*astypes.InstanceRefresh, error) {
	all, err := c.describeRefreshes(ctx, o, group)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if active(r.Status) {
			return &r, nil
		}
	}
	return nil, nil
}

// StartRefresh starts an instance refresh of the group and returns its ID. When the group
// already has an active refresh, Options.RefreshConflict decides: fail with an error matching
// ErrRefreshInProgress (the default), wait for the running refresh to end, or cancel it and wait
// until it is cancelled; either way the conflict is logged and reported through OnProgress, and
// the new refresh starts only once the old one is over.
func (c *Client) StartRefresh(ctx context.Context, group string, spec RefreshSpec, optFns ...func(*Options)) (string, error) {
	o, err := c.options(optFns)
	if err != nil {
		return "", err
	}
	if err := spec.validate(); err != nil {
		return "", err
	}
	in := spec.input(group)
	for attempt := 0; ; attempt++ {
		callStart := o.Clock.Now()
		attempts := 0
		optFns := append(append([]func(*autoscaling.Options){}, o.AutoScalingOptions...), countAttempts(&attempts))
		var out *autoscaling.StartInstanceRefreshOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			out, err = c.as.StartInstanceRefresh(ctx, in, optFns...)
			return err
		})
		if err == nil {
			id := aws.ToString(out.InstanceRefreshId)
			o.Logger.Info("autoscale: started instance refresh", "group", group, "id", id)
			return id, nil
		}
		if !awserr.IsCode(err, "InstanceRefreshInProgress") {
			return "", fmt.Errorf("autoscale: start instance refresh of %s: %w", group, err)
		}
		running, derr := c.activeRefresh(ctx, o, group)
		if derr != nil {
			return "", derr
		}
		runningID := "unknown"
		if running != nil {
			runningID = aws.ToString(running.InstanceRefreshId)
			// A refresh that started during this very call, which was sent more than once, is
			// ours: an attempt whose response was lost made it, and the retry met it.
			if attempts > 1 && !aws.ToTime(running.StartTime).Before(callStart) {
				o.Logger.Info("autoscale: started instance refresh (response lost, found by describe)", "group", group, "id", runningID)
				return runningID, nil
			}
		}
		if o.RefreshConflict == RefreshConflictFail || attempt > 0 {
			return "", fmt.Errorf("%w: group %s, refresh %s: %w", ErrRefreshInProgress, group, runningID, err)
		}
		if running == nil {
			continue // it ended between the two calls
		}
		if o.RefreshConflict == RefreshConflictCancel {
			o.Logger.Warn("autoscale: cancelling the running instance refresh before starting a new one", "group", group, "id", runningID)
			if _, err := c.cancel(ctx, o, group); err != nil && !awserr.IsCode(err, "ActiveInstanceRefreshNotFound") {
				return "", fmt.Errorf("autoscale: cancel instance refresh %s of %s: %w", runningID, group, err)
			}
		} else {
			o.Logger.Warn("autoscale: waiting for the running instance refresh before starting a new one", "group", group, "id", runningID)
		}
		if _, err := c.waitRefresh(ctx, o, group, runningID, true); err != nil {
			return "", fmt.Errorf("autoscale: waiting for instance refresh %s of %s to end: %w", runningID, group, err)
		}
	}
}

// countAttempts counts the attempts of a call, the SDK's retries included.
func countAttempts(n *int) func(*autoscaling.Options) {
	return func(o *autoscaling.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("autoscaleCountAttempts",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					*n++
					return next.HandleFinalize(ctx, in)
				}), "Retry", middleware.After)
		})
	}
}

// WaitRefresh waits for the instance refresh to end, reporting its status, percentage and
// instances to update through Options.OnProgress at every change. It returns the final state;
// a refresh that ends other than Successful (Failed, Cancelled, RollbackSuccessful,
// RollbackFailed) is an error matching ErrRefreshFailed whose *wait.FailedError names the status
// and the refresh's StatusReason. It gives up after Options.RefreshTimeout (ErrTimeout).
func (c *Client) WaitRefresh(ctx context.Context, group, id string, optFns ...func(*Options)) (Refresh, error) {
	o, err := c.options(optFns)
	if err != nil {
		return Refresh{}, err
	}
	return c.waitRefresh(ctx, o, group, id, false)
}

// waitRefresh polls one refresh; anyEnd accepts every final status as done.
func (c *Client) waitRefresh(ctx context.Context, o Options, group, id string, anyEnd bool) (Refresh, error) {
	start := o.Clock.Now()
	var last Refresh
	var seen bool
	check := func(ctx context.Context) (poll.Result, error) {
		out, err := c.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String(group), InstanceRefreshIds: []string{id}}, o.AutoScalingOptions...)
		if err != nil {
			return poll.Result{}, err
		}
		if len(out.InstanceRefreshes) == 0 {
			return poll.Result{}, fmt.Errorf("%w: instance refresh %s of group %s", ErrNotFound, id, group)
		}
		r := toRefresh(out.InstanceRefreshes[0])
		if o.OnProgress != nil && (!seen || r.Status != last.Status || r.Percent != last.Percent || r.InstancesToUpdate != last.InstancesToUpdate || r.StatusReason != last.StatusReason) {
			o.OnProgress(Progress{Group: group, What: "refresh", RefreshID: id, Status: r.Status, Percent: r.Percent,
				InstancesToUpdate: r.InstancesToUpdate, StatusReason: r.StatusReason, Elapsed: o.Clock.Now().Sub(start)})
		}
		last, seen = r, true
		state := fmt.Sprintf("%s %d%% (%d to update)", r.Status, r.Percent, r.InstancesToUpdate)
		switch {
		case active(astypes.InstanceRefreshStatus(r.Status)):
			return poll.Result{Status: poll.Pending, State: state}, nil
		case r.Status == string(astypes.InstanceRefreshStatusSuccessful) || anyEnd:
			return poll.Result{Status: poll.Done, State: state}, nil
		}
		reason := r.StatusReason
		if reason == "" {
			reason = "no status reason given"
		}
		return poll.Result{Status: poll.Failed, State: r.Status, Reason: reason}, nil
	}
	_, err := poll.Wait(ctx, check, poll.Options{
		What: "instance refresh " + id + " of group " + group, Package: "autoscale", ErrTimeout: ErrTimeout, ErrFailed: ErrRefreshFailed,
		MinDelay: o.PollInterval, MaxDelay: o.MaxPollInterval, MaxWait: o.RefreshTimeout, Clock: o.Clock,
	})
	return last, err
}

// RollingDeploy starts an instance refresh (handling a running one per Options.RefreshConflict)
// and waits for it: the usual deploy of a new launch template version.
func (c *Client) RollingDeploy(ctx context.Context, group string, spec RefreshSpec, optFns ...func(*Options)) (Refresh, error) {
	o, err := c.options(optFns)
	if err != nil {
		return Refresh{}, err
	}
	id, err := c.StartRefresh(ctx, group, spec, func(x *Options) { *x = o })
	if err != nil {
		return Refresh{}, err
	}
	return c.waitRefresh(ctx, o, group, id, false)
}

func (c *Client) cancel(ctx context.Context, o Options, group string) (string, error) {
	var out *autoscaling.CancelInstanceRefreshOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.as.CancelInstanceRefresh(ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String(group)}, o.AutoScalingOptions...)
		return err
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.InstanceRefreshId), nil
}

// CancelRefresh cancels the group's active instance refresh and waits until it is Cancelled.
// Instances already replaced stay. Without an active refresh, the error matches
// ErrNoActiveRefresh.
func (c *Client) CancelRefresh(ctx context.Context, group string, optFns ...func(*Options)) (Refresh, error) {
	o, err := c.options(optFns)
	if err != nil {
		return Refresh{}, err
	}
	id, err := c.cancel(ctx, o, group)
	if awserr.IsCode(err, "ActiveInstanceRefreshNotFound") {
		return Refresh{}, fmt.Errorf("%w: group %s: %w", ErrNoActiveRefresh, group, err)
	}
	if err != nil {
		return Refresh{}, fmt.Errorf("autoscale: cancel instance refresh of %s: %w", group, err)
	}
	return c.waitRefresh(ctx, o, group, id, true)
}

// RollbackRefresh rolls the group's active instance refresh back to the configuration from
// before it and returns the refresh ID; wait for it with WaitRefresh, which then ends with an
// error matching ErrRefreshFailed and status RollbackSuccessful. Without an active refresh the
// error matches ErrNoActiveRefresh; a refresh without a desired configuration cannot be rolled
// back (Auto Scaling's IrreversibleInstanceRefresh).
func (c *Client) RollbackRefresh(ctx context.Context, group string, optFns ...func(*Options)) (string, error) {
	o, err := c.options(optFns)
	if err != nil {
		return "", err
	}
	var out *autoscaling.RollbackInstanceRefreshOutput
	err = call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.as.RollbackInstanceRefresh(ctx, &autoscaling.RollbackInstanceRefreshInput{AutoScalingGroupName: aws.String(group)}, o.AutoScalingOptions...)
		return err
	})
	if awserr.IsCode(err, "ActiveInstanceRefreshNotFound") {
		return "", fmt.Errorf("%w: group %s: %w", ErrNoActiveRefresh, group, err)
	}
	if err != nil {
		return "", fmt.Errorf("autoscale: roll back instance refresh of %s: %w", group, err)
	}
	return aws.ToString(out.InstanceRefreshId), nil
}
