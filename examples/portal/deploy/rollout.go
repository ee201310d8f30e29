package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/elb"
)

// ErrRolledBack is matched by the error of Rollout and Ship when a release failed on an
// instance and was rolled back: the environment serves its previous release.
var ErrRolledBack = errors.New("deploy: release rolled back")

// ErrNoInPlaceDeploy is matched by the error of Rollout in an environment whose instances'
// agents it cannot reach (Env.Machines is nil).
var ErrNoInPlaceDeploy = errors.New("deploy: no in-place deploy without the agents' deploy mode")

// ErrSmokeTest is matched by the error of Ship when the smoke test through staging's load
// balancer fails; production is left alone.
var ErrSmokeTest = errors.New("deploy: smoke test failed")

// RolloutOptions tunes a Rollout.
type RolloutOptions struct {
	// InPlace deploys on the running instances through their agents' deploy mode, batch by
	// batch out of the load balancer (elb.Roll), instead of replacing them by instance refresh.
	// It needs Env.Machines. False (the default) replaces the instances.
	InPlace bool
	// OnBatch, if not nil, is called as each in-place batch enters a phase (after the narration).
	OnBatch func(elb.BatchProgress)
}

// Rollout points the environment at rel and moves its servers to it. By default the Auto
// Scaling group replaces them by instance refresh, keeping Spec.MinHealthyPercent in service:
// each new instance's agent installs the release the pointer names and completes the launching
// hook once its hooks passed. If the refresh fails the pointer goes back to the previous release.
//
// With RolloutOptions.InPlace it moves the servers in place, batch by batch:
// each batch leaves the load balancer, drains, runs the agent's deploy mode and comes back
// healthy, with Spec.MinHealthyPercent of the servers in service all along. When the release
// fails its hooks on an instance, the agent has put it back on the previous release: Rollout
// registers that batch again, points the environment back and returns an error matching
// ErrRolledBack. Users see no error either way: a batch serves nobody while it changes.
func Rollout(ctx context.Context, env Env, site *Site, rel *Release, ro RolloutOptions) (*elb.RollReport, error) {
	if !ro.InPlace {
		return nil, refresh(ctx, env, site, rel)
	}
	if env.Machines == nil {
		return nil, fmt.Errorf("%w: use the Auto Scaling group's instance refresh", ErrNoInPlaceDeploy)
	}
	out := env.printer()
	c, err := env.clients()
	if err != nil {
		return nil, err
	}
	spec := site.Spec
	prev, err := Pointer(ctx, env, rel.Bucket, spec.Environment)
	if err != nil && !errors.Is(err, ErrNoRelease) {
		return nil, err
	}
	if err := Promote(ctx, env, rel, spec.Environment); err != nil {
		return nil, err
	}
	pool := c.lb.TargetGroup(site.LoadBalancer.TargetGroupARN)
	report, err := elb.Roll(ctx, pool, site.IDs(), func(o *elb.Options) {
		o.MinHealthyPercent = spec.MinHealthyPercent
		o.OnBatch = func(p elb.BatchProgress) {
			if p.Phase == elb.PhaseCheck {
				out.line("%s: all %d servers in service; %d batches, at least %d%% in service throughout", spec.Environment, len(p.Instances), p.Batches, spec.MinHealthyPercent)
			} else {
				out.line("batch %d/%d %-10s %s", p.Batch, p.Batches, p.Phase, strings.Join(p.Instances, " "))
			}
			if ro.OnBatch != nil {
				ro.OnBatch(p)
			}
		}
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			for _, id := range batch {
				if err := env.Machines.Deploy(ctx, id, rel.Version); err != nil {
					return nil, fmt.Errorf("%s: %w", id, err)
				}
			}
			return nil, nil
		}
	})
	var re *elb.RollError
	if errors.As(err, &re) && re.Phase == elb.PhaseHook {
		out.line("release %s failed on batch %d: %v", rel.Version, re.Batch, re.Err)
		if err := c.lb.Register(ctx, site.LoadBalancer.TargetGroupARN, elb.Instances(re.Failed...)); err != nil {
			return report, err
		}
		if _, err := c.lb.WaitHealthy(ctx, site.LoadBalancer.TargetGroupARN, elb.Instances(re.Failed...)); err != nil {
			return report, err
		}
		if prev != nil {
			if err := Promote(ctx, env, prev, spec.Environment); err != nil {
				return report, err
			}
			out.line("batch %d back in service on %s; %s rolled back", re.Batch, prev.Version, rel.Version)
		}
		return report, fmt.Errorf("%w: %s on %s: %v", ErrRolledBack, rel.Version, spec.Environment, re.Err)
	}
	if err != nil {
		return report, err
	}
	out.line("%s: %d servers on %s in %d batches, %d zones", spec.Environment, len(report.InService), rel.Version, report.Batches, report.Zones.Spread())
	return report, site.refresh(ctx, c)
}

// refresh rolls rel out by instance refresh.
func refresh(ctx context.Context, env Env, site *Site, rel *Release) error {
	out := env.printer()
	c, err := env.clients()
	if err != nil {
		return err
	}
	spec := site.Spec
	prev, err := Pointer(ctx, env, rel.Bucket, spec.Environment)
	if err != nil && !errors.Is(err, ErrNoRelease) {
		return err
	}
	if err := Promote(ctx, env, rel, spec.Environment); err != nil {
		return err
	}
	minPct := int32(spec.MinHealthyPercent)
	last := ""
	r, err := c.as.RollingDeploy(ctx, spec.groupName(), autoscale.RefreshSpec{MinHealthyPercentage: &minPct, InstanceWarmup: 30 * time.Second},
		func(o *autoscale.Options) {
			o.OnProgress = func(p autoscale.Progress) {
				s := fmt.Sprintf("instance refresh %s %d%%, %d to update", p.Status, p.Percent, p.InstancesToUpdate)
				if s != last {
					out.line("%s", s)
					last = s
				}
			}
		})
	if err != nil {
		if prev != nil {
			if perr := Promote(ctx, env, prev, spec.Environment); perr != nil {
				return errors.Join(err, perr)
			}
		}
		return err
	}
	if err := site.refresh(ctx, c); err != nil {
		return err
	}
	out.line("%s: instance refresh %s; %s", spec.Environment, r.Status, site.ReleaseSummary())
	return nil
}

// Ship takes a published release through staging to production: it rolls the release out in
// staging, smoke-tests it over HTTP through staging's load balancer (stagingFront is the URL
// that reaches it), and only then points production at the same release object (checked by
// digest, never rebuilt) and rolls it out there. A release that fails in staging, in its hooks
// or the smoke test, never reaches production; after a failed smoke test staging is rolled back
// to the release it ran before.
func Ship(ctx context.Context, env Env, rel *Release, staging, production *Site, stagingFront string, ro RolloutOptions) error {
	out := env.printer()
	prev, err := Pointer(ctx, env, rel.Bucket, staging.Spec.Environment)
	if err != nil && !errors.Is(err, ErrNoRelease) {
		return err
	}
	if _, err := Rollout(ctx, env, staging, rel, ro); err != nil {
		return fmt.Errorf("deploy: %s stays out of production: %w", rel.Version, err)
	}
	if err := Smoke(ctx, env, stagingFront, rel); err != nil {
		out.line("smoke test failed on staging: %v", err)
		if prev != nil && prev.Version != rel.Version {
			if _, rerr := Rollout(ctx, env, staging, prev, ro); rerr != nil {
				return fmt.Errorf("deploy: %s stays out of production: %w; rolling staging back to %s: %v", rel.Version, err, prev.Version, rerr)
			}
		}
		return fmt.Errorf("deploy: %s stays out of production: %w", rel.Version, err)
	}
	out.line("smoke test passed on staging: %s serves %s", stagingFront, rel.Version)
	if _, err := Rollout(ctx, env, production, rel, ro); err != nil {
		return err
	}
	return nil
}

// Smoke checks a release over HTTP through a load balancer: the health check answers 200 and
// the home page is served by rel's code (its X-Release header), on several requests so that
// more than one server answers.
func Smoke(ctx context.Context, env Env, front string, rel *Release) error {
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 6; i++ {
		for _, path := range []string{"/health", "/"} {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, front+path, nil)
			if err != nil {
				return err
			}
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("%w: GET %s: %v", ErrSmokeTest, path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%w: GET %s: %s", ErrSmokeTest, path, resp.Status)
			}
			if got := resp.Header.Get("X-Release"); path == "/" && got != rel.Version {
				return fmt.Errorf("%w: GET / served release %q, want %q", ErrSmokeTest, got, rel.Version)
			}
		}
	}
	return nil
}
