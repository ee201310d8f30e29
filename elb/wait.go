package elb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/wait"
)

// waitSpec is one wait over a group of targets: how to observe them and how to judge what was
// observed. ELBv2 and Classic ELB waits differ only in these.
type waitSpec struct {
	group string
	what  string
	// budget bounds the wait.
	budget time.Duration
	// observe makes exactly one Describe call and returns the states of the awaited targets.
	observe func(ctx context.Context) ([]TargetState, error)
	// judge returns the verdict and, for Failed, the failing targets; elapsed is the time since
	// the wait started.
	judge func(states []TargetState, elapsed time.Duration) (poll.Status, []TargetState)
	// transient reports errors worth another poll (eventual consistency), for up to
	// Options.RetryTimeout from the start of the wait.
	transient func(error) bool
}

// waitTargets polls ws.observe through internal/poll until ws.judge says Done or Failed, reporting every
// per-target state change to Options.OnTargetChange.
func waitTargets(ctx context.Context, o Options, ws waitSpec) (*WaitReport, error) {
	start := o.Clock.Now()
	last := map[Target]TargetState{}
	var order []Target
	polls := 0
	var failing []TargetState
	_, err := poll.Wait(ctx, func(ctx context.Context) (poll.Result, error) {
		polls++
		states, err := ws.observe(ctx)
		if err != nil {
			return poll.Result{}, err
		}
		elapsed := o.Clock.Now().Sub(start)
		for _, s := range states {
			prev, seen := last[s.Target]
			if !seen {
				order = append(order, s.Target)
			}
			if seen && prev.State == s.State && prev.Reason == s.Reason {
				continue
			}
			last[s.Target] = s
			if o.OnTargetChange != nil {
				o.OnTargetChange(TargetChange{Group: ws.group, Target: s.Target, From: prev.State, To: s.State, Reason: s.Reason, Description: s.Description, Elapsed: elapsed})
			}
		}
		status, bad := ws.judge(states, elapsed)
		failing = bad
		r := poll.Result{Status: status, State: summarize(states)}
		if status == poll.Failed && len(bad) > 0 {
			r.Reason = bad[0].Reason
		}
		return r, nil
	}, o.pollOptions(ws.what, ws.budget, func(err error) bool {
		// A miss that outlasts RetryTimeout is no longer eventual consistency (a deleted group,
		// an instance never registered): report it rather than wait out the budget.
		return ws.transient != nil && ws.transient(err) && o.Clock.Now().Sub(start) < o.RetryTimeout
	}))
	rep := &WaitReport{Group: ws.group, Elapsed: o.Clock.Now().Sub(start), Polls: polls}
	for _, t := range order {
		rep.Targets = append(rep.Targets, last[t])
	}
	if errors.As(err, new(*wait.FailedError)) {
		return rep, &TargetError{Group: ws.group, Targets: failing}
	}
	return rep, waitError(ctx, ws.what, err)
}

// pollOptions are the options of every wait of the package: its poll intervals and clock,
// timeouts that name the package and match ErrTimeout, and transient errors tolerated.
func (o Options) pollOptions(what string, budget time.Duration, transient func(error) bool) poll.Options {
	return poll.Options{
		What: what, MinDelay: o.PollInterval, MaxDelay: o.MaxPollInterval, MaxWait: budget,
		Clock: o.Clock, Transient: transient, Package: "elb", ErrTimeout: ErrTimeout,
	}
}

// waitError returns what a wait of the package returns for poll.Wait's err: nil, the
// *wait.TimeoutError or *wait.FailedError as they are (their messages start with "elb: "), and
// the context's error wrapped with what was awaited.
func waitError(ctx context.Context, what string, err error) error {
	if err != nil && errors.Is(err, ctx.Err()) && !errors.As(err, new(*wait.TimeoutError)) {
		return fmt.Errorf("elb: waiting for %s: %w", what, err)
	}
	return err
}

// summarize renders target states as counts, for example "healthy 3, initial 1", so that the
// poll loop sees a change whenever any count changes.
func summarize(states []TargetState) string {
	counts := map[string]int{}
	for _, s := range states {
		counts[s.State]++
	}
	keys := slices.Sorted(maps.Keys(counts))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(counts[k])
	}
	if len(parts) == 0 {
		return "none registered"
	}
	return strings.Join(parts, ", ")
}
