package elb

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Roll phases, as reported in [BatchProgress] and [RollError].
const (
	// PhaseCheck confirms, before the first batch, that every instance is in service, so that
	// the minimum-healthy share holds while a batch is out. It is reported as batch 0.
	PhaseCheck = "check"
	// PhaseDeregister takes the batch out of service.
	PhaseDeregister = "deregister"
	// PhaseDrain waits until the batch drained.
	PhaseDrain = "drain"
	// PhaseHook runs Options.RollHook.
	PhaseHook = "hook"
	// PhaseRegister puts the batch (or its replacements) back.
	PhaseRegister = "register"
	// PhaseHealthy waits until they are healthy.
	PhaseHealthy = "healthy"
)

// BatchProgress reports a batch entering a phase of a roll.
type BatchProgress struct {
	// Batch is the 1-based batch number (0 for PhaseCheck) and Batches the total.
	Batch, Batches int
	// Phase is one of the Phase constants.
	Phase string
	// Instances are the batch's instances (after the hook: the ones registered).
	Instances []string
}

// RollReport is the outcome of a roll.
type RollReport struct {
	// Batches is the number of batches completed.
	Batches int
	// InService are the instances rolled and healthy, in order: after replacement, the new ones.
	InService []string
	// Waits are the reports of every wait, in order (drained, healthy, drained, ...).
	Waits []*WaitReport
	// Zones is the Availability Zone spread at the end, when the pool can check it.
	Zones *ZoneReport
}

func (r *RollReport) addWait(w *WaitReport) {
	if w != nil {
		r.Waits = append(r.Waits, w)
	}
}

// RollError reports where a roll stopped. The instances in Remaining were not touched and stay
// in service; Failed are the batch being worked on.
type RollError struct {
	// Batch is the 1-based batch that failed (0 when PhaseCheck failed).
	Batch int
	// Phase is the step that failed, one of the Phase constants.
	Phase string
	// Done are the instances rolled before the failure; Failed those of the failing batch;
	// Remaining those not yet touched.
	Done, Failed, Remaining []string
	// Err is the cause.
	Err error
}

// Error names the batch, phase and cause.
func (e *RollError) Error() string {
	// The cause comes from this package too: say "elb:" once.
	cause := strings.TrimPrefix(fmt.Sprint(e.Err), "elb: ")
	return fmt.Sprintf("elb: roll stopped at batch %d (%s) with %d instance(s) done and %d left in service: %s", e.Batch, e.Phase, len(e.Done), len(e.Remaining), cause)
}

// Unwrap returns the cause.
func (e *RollError) Unwrap() error { return e.Err }

// BatchPlan returns the batch size a roll of n instances uses: the largest that keeps
// minHealthyPercent of n (rounded up) in service, capped by batchSize when positive; zero
// minHealthyPercent means DefaultMinHealthyPercent. Settings out of range fail with
// ErrInvalidOptions, as [Options] would; no instances, or no batch that fits, fail with
// ErrInvalidSpec, as CodeDeploy fails a deployment whose minimum healthy hosts is not below the
// total.
func BatchPlan(n, minHealthyPercent, batchSize int) (int, error) {
	o, err := Options{MinHealthyPercent: minHealthyPercent, RollBatchSize: batchSize}.resolve(nil)
	if err != nil {
		return 0, err
	}
	return batchPlan(n, o)
}

// batchPlan is BatchPlan over resolved options.
func batchPlan(n int, o Options) (int, error) {
	if n < 1 {
		return 0, invalidSpec([]string{"no instances to roll"})
	}
	minHealthyPercent, batchSize := o.MinHealthyPercent, o.RollBatchSize
	minHealthy := (n*minHealthyPercent + 99) / 100
	size := n - minHealthy
	if size < 1 {
		return 0, invalidSpec([]string{fmt.Sprintf("MinHealthyPercent %d keeps all %d instance(s) in service: no batch can be taken out", minHealthyPercent, n)})
	}
	if batchSize > 0 && batchSize < size {
		size = batchSize
	}
	return size, nil
}

// Roll replaces the instances in pool batch by batch, in the order of CodeDeploy's in-place
// deployment with a load balancer: deregister the batch, wait until it drained, run the hook,
// register (the replacements), wait until healthy; then the next batch. Each batch is small
// enough to keep Options.MinHealthyPercent of the instances in service, and at most
// Options.RollBatchSize; Options.RollHook runs between drain and register, and Options.OnBatch
// hears each phase.
//
// optFns set these per roll. On a [TargetGroup] or [ClassicPool] they apply to a copy of the
// pool's options (its client's, then the pool's overrides) and to every call the roll makes, so
// a roll can also set, for example, HealthyTimeout; on any other Pool they apply to zero
// Options. Invalid options fail with [ErrInvalidOptions] before any call.
//
// Before the first batch Roll waits until every instance is in service (PhaseCheck, usually one
// health poll): the minimum-healthy share counts instances, so an instance that is already
// unhealthy would leave fewer in service than promised. If one fails its health checks, Roll
// returns before touching anything.
//
// Roll stops at the first failure and returns a [*RollError] saying where; the batches not yet
// started stay registered and in service. A batch whose health wait failed stays registered, so
// that the load balancer keeps reporting why; a batch whose drain wait or hook failed stays
// deregistered, since its instances may be half deployed (RollError.Failed names them). At the end,
// if the pool can (a [TargetGroup]), Roll checks the Availability Zone spread of the instances in
// service.
//
// Roll is for instances the caller registers. Do not roll the instances of an Auto Scaling
// group attached to the target group (or Classic Load Balancer): the group registers and
// deregisters them itself, and may replace a deregistered one that fails its ELB health check.
// Put such instances in Standby, or use the group's instance refresh, instead.
func Roll(ctx context.Context, pool Pool, instanceIDs []string, optFns ...func(*Options)) (*RollReport, error) {
	var opts Options
	var err error
	if op, ok := pool.(optionedPool); ok {
		pool, opts, err = op.withOptions(optFns)
	} else {
		opts, err = Options{}.resolve(optFns)
	}
	if err != nil {
		return nil, err
	}
	ids := distinct(instanceIDs)
	size, err := batchPlan(len(ids), opts)
	if err != nil {
		return nil, err
	}
	batches := (len(ids) + size - 1) / size
	rep := &RollReport{}
	if opts.OnBatch != nil {
		opts.OnBatch(BatchProgress{Batch: 0, Batches: batches, Phase: PhaseCheck, Instances: append([]string(nil), ids...)})
	}
	w, err := pool.WaitHealthy(ctx, ids)
	rep.addWait(w)
	if err != nil {
		return rep, &RollError{Batch: 0, Phase: PhaseCheck, Remaining: append([]string(nil), ids...), Err: err}
	}
	var done []string
	for b := 0; b < batches; b++ {
		batch := ids[b*size : min((b+1)*size, len(ids))]
		remaining := ids[min((b+1)*size, len(ids)):]
		fail := func(phase string, err error) error {
			return &RollError{Batch: b + 1, Phase: phase, Done: append([]string(nil), done...), Failed: append([]string(nil), batch...), Remaining: append([]string(nil), remaining...), Err: err}
		}
		progress := func(phase string, inst []string) {
			if opts.OnBatch != nil {
				opts.OnBatch(BatchProgress{Batch: b + 1, Batches: batches, Phase: phase, Instances: append([]string(nil), inst...)})
			}
		}
		progress(PhaseDeregister, batch)
		if err := pool.Deregister(ctx, batch); err != nil {
			return rep, fail(PhaseDeregister, err)
		}
		progress(PhaseDrain, batch)
		w, err := pool.WaitDrained(ctx, batch)
		rep.addWait(w)
		if err != nil {
			return rep, fail(PhaseDrain, err)
		}
		next := batch
		if opts.RollHook != nil {
			progress(PhaseHook, batch)
			repl, err := opts.RollHook(ctx, append([]string(nil), batch...))
			if err != nil {
				return rep, fail(PhaseHook, err)
			}
			if repl != nil {
				next = distinct(repl)
			}
			if len(next) == 0 {
				return rep, fail(PhaseHook, errors.New("the hook returned an empty replacement list"))
			}
		}
		progress(PhaseRegister, next)
		if err := pool.Register(ctx, next); err != nil {
			return rep, fail(PhaseRegister, err)
		}
		progress(PhaseHealthy, next)
		w, err = pool.WaitHealthy(ctx, next)
		rep.addWait(w)
		if err != nil {
			return rep, fail(PhaseHealthy, err)
		}
		done = append(done, next...)
		rep.Batches++
		rep.InService = append(rep.InService, next...)
	}
	if zc, ok := pool.(zoneChecker); ok {
		z, err := zc.CheckZones(ctx)
		rep.Zones = z
		if err != nil {
			return rep, fmt.Errorf("elb: roll finished: %w", err)
		}
	}
	return rep, nil
}
