package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portalkit/portalkit/examples/portal/deploy"
)

// deployResult is what the deploy drill measured.
type deployResult struct {
	// MinHealthy is the fewest healthy targets in any second of the rollouts.
	MinHealthy int
	// Failed counts failed requests during the rollouts.
	Failed, Served int
	// AfterV2 and AfterV3 are the releases the servers ran after each rollout.
	AfterV2, AfterV3 map[string]int
	// V3Err is the broken release's rollout error.
	V3Err error
}

// buildBroken builds a release whose validate hook fails, as a release missing a migration would.
func buildBroken(dir, version string) error {
	if err := deploy.Build(dir, version); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "hooks", "validate"), []byte("#!/bin/sh\necho 'validate: schema migration 42 missing' >&2\nexit 1\n"), 0o755)
}

// deployDrill rolls release v2 out to the site by instance refresh, with traffic every virtual
// second, then a broken v3 in place through the agents' deploy mode: it fails its validate hook
// on the first batch and is rolled back.
func (w *simWorld) deployDrill(ctx context.Context, out io.Writer, workdir string, site *deploy.Site) (*deployResult, error) {
	wt, err := w.observe(site, 3)
	if err != nil {
		return nil, err
	}
	defer func() {
		w.mu.Lock()
		w.watch = nil
		w.mu.Unlock()
		wt.front.Close()
	}()
	startSec := int(w.clock.Now().Sub(w.rec.start).Seconds())
	res := &deployResult{}
	rel, err := buildAndPublish(ctx, w.env, workdir, "v2", deploy.Build)
	if err != nil {
		return nil, err
	}
	if _, err := deploy.Rollout(ctx, w.env, site, rel, deploy.RolloutOptions{}); err != nil { // instance refresh
		return nil, err
	}
	res.AfterV2 = site.Releases()

	broken, err := buildAndPublish(ctx, w.env, workdir, "v3", buildBroken)
	if err != nil {
		return nil, err
	}
	w.rec.fault(w.clock.Now(), "roll out v3 (validate hook fails)")
	_, res.V3Err = deploy.Rollout(ctx, w.env, site, broken, deploy.RolloutOptions{InPlace: true})
	if !errors.Is(res.V3Err, deploy.ErrRolledBack) {
		return nil, fmt.Errorf("v3 should have been rolled back, got %v", res.V3Err)
	}
	if err := deploy.Refresh(ctx, w.env, site); err != nil {
		return nil, err
	}
	res.AfterV3 = site.Releases()
	res.MinHealthy = w.rec.minHealthy(startSec)
	res.Served, res.Failed = w.rec.totals()
	fmt.Fprintf(out, "  deploy drill: releases after v2 %v, after v3 %v; at least %d healthy; %d served, %d failed\n",
		res.AfterV2, res.AfterV3, res.MinHealthy, res.Served, res.Failed)
	return res, nil
}
