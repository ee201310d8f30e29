package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/portalkit/portalkit/examples/portal/deploy"
)

// failoverResult is what the failover drill measured.
type failoverResult struct {
	UserRequests, Logouts int
	Served, Failed        int
	// Faults and Reactions are the seconds (since the world started) each fault was injected
	// and the load balancer stopped routing to what it broke.
	Faults, Reactions []int
	// FailedAfterReaction counts failed requests in seconds after the last fault's reaction
	// (or between a reaction and the next fault).
	FailedAfterReaction int
	// Healthy and Zones are the fleet after the drill: healthy targets, instances per zone.
	Healthy int
	Zones   map[string]int
	// LostZone is the zone the drill failed.
	LostZone string
	// RDS says what the database failover did: zones, duration, probes of the session database.
	RDS                         string
	RDSFrom, RDSTo              string
	RDSProbes, RDSProbeFailures int
}

// failoverDrill logs a user in through the site's load balancer, kills the web server that
// served the login, fails a whole zone, forces a failover of the DB instance, and waits for the
// Auto Scaling group to restore capacity in the healthy zones, with traffic every virtual second
// throughout.
func (w *simWorld) failoverDrill(ctx context.Context, out io.Writer, site *deploy.Site) (*failoverResult, error) {
	wt, err := w.observe(site, 3)
	if err != nil {
		return nil, err
	}
	line := func(format string, args ...any) {
		e := w.clock.Now().Sub(w.rec.start)
		fmt.Fprintf(out, "  [%02d:%02d] %s\n", int(e.Minutes()), int(e.Seconds())%60, fmt.Sprintf(format, args...))
	}
	res := &failoverResult{}
	served, err := w.login(ctx, wt, "alice")
	if err != nil {
		return nil, err
	}
	line("alice logged in through the load balancer, served by %s", served)
	if err := w.clock.Sleep(ctx, 20*time.Second); err != nil {
		return nil, err
	}

	// Fault 1: the web server that logged the user in dies.
	w.rec.fault(w.clock.Now(), "kill "+served+" (served alice's login)")
	w.machines.Kill(served)
	line("killed the web server of %s", served)
	if err := w.awaitReaction(ctx, wt, res, []string{served}); err != nil {
		return nil, err
	}
	line("the load balancer stopped routing to %s after %ds", served, res.Reactions[0]-res.Faults[0])
	if err := w.clock.Sleep(ctx, 15*time.Second); err != nil {
		return nil, err
	}

	// Fault 2: a whole zone, picked among those still serving.
	healthy, err := wt.front.Healthy(ctx)
	if err != nil {
		return nil, err
	}
	zone := w.machines.host(healthy[0]).zone
	res.LostZone = zone
	var inZone []string
	for _, id := range healthy {
		if w.machines.host(id).zone == zone {
			inZone = append(inZone, id)
		}
	}
	w.rec.fault(w.clock.Now(), "zone "+zone+" fails")
	w.machines.Partition(zone)
	line("zone %s fails: %d web servers cut off, launches there refused", zone, len(inZone))
	if err := w.awaitReaction(ctx, wt, res, inZone); err != nil {
		return nil, err
	}
	line("the load balancer stopped routing to %s after %ds", zone, res.Reactions[1]-res.Faults[1])

	// Fault 3: the database fails over to its standby in another zone, users browsing on.
	w.rec.fault(w.clock.Now(), "RDS failover of "+site.Spec.Environment+"'s DB instance")
	line("forcing a failover of the DB instance")
	var probe func(context.Context) error
	if db := w.machines.sessionDB; db != nil {
		probe = db.PingContext
	}
	outage := make(chan struct{})
	if w.dbStop != nil {
		w.rec.note(w.clock.Now(), "the session database goes down and restarts")
		w.dbStop()
		go func() { defer close(outage); w.dbStart() }()
	} else {
		close(outage)
	}
	rep, err := deploy.FailoverDatabase(ctx, w.env, site, probe)
	<-outage
	if err != nil {
		return nil, err
	}
	res.RDSFrom, res.RDSTo, res.RDSProbes, res.RDSProbeFailures = rep.FromAZ, rep.ToAZ, rep.Probes, rep.ProbeFailures
	res.RDS = fmt.Sprintf("%s -> %s in %s, %d/%d probes failed", rep.FromAZ, rep.ToAZ, rep.Duration, rep.ProbeFailures, rep.Probes)
	w.rec.note(w.clock.Now(), "RDS failover done: "+res.RDS)

	// Capacity comes back in the healthy zones: the Auto Scaling group's ELB health check
	// replaces the unhealthy instances, and launches that the failed zone refuses go to the others.
	line("waiting for the Auto Scaling group to restore capacity")
	if err := w.awaitCapacity(ctx, wt, site.Spec.Instances); err != nil {
		return nil, err
	}
	if err := deploy.Refresh(ctx, w.env, site); err != nil {
		return nil, err
	}
	line("capacity restored: %d healthy targets", site.Spec.Instances)
	if err := w.clock.Sleep(ctx, 20*time.Second); err != nil {
		return nil, err
	}
	after := site
	w.mu.Lock()
	w.watch = nil
	w.mu.Unlock()
	wt.front.Close()

	res.UserRequests, res.Logouts = wt.requests, wt.logouts
	res.Served, res.Failed = w.rec.totals()
	for _, s := range w.rec.failedAt() {
		if !inWindow(s, res.Faults, res.Reactions) {
			res.FailedAfterReaction++
		}
	}
	res.Zones = map[string]int{}
	for _, in := range after.Instances {
		if in.Health == "healthy" {
			res.Healthy++
			res.Zones[in.Zone]++
		}
	}
	line("alice: %d requests, %d logouts; %d requests served, %d failed (%d after the load balancer reacted)",
		res.UserRequests, res.Logouts, res.Served, res.Failed, res.FailedAfterReaction)
	line("capacity: %d healthy in %d zones (%s lost)", res.Healthy, len(res.Zones), zone)
	return res, nil
}

// awaitCapacity waits, second by second, until the load balancer routes to n targets again.
func (w *simWorld) awaitCapacity(ctx context.Context, wt *watch, n int) error {
	start := w.clock.Now()
	for {
		healthy, err := wt.front.Healthy(ctx)
		if err != nil {
			return err
		}
		if len(healthy) >= n {
			w.rec.note(w.clock.Now(), fmt.Sprintf("capacity restored: %d healthy targets after %s", len(healthy), w.clock.Now().Sub(start)))
			return nil
		}
		if w.clock.Now().Sub(start) > 15*time.Minute {
			return fmt.Errorf("%d healthy targets 15 minutes after the faults, want %d", len(healthy), n)
		}
		if err := w.clock.Sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// awaitReaction waits, second by second, until the load balancer routes to none of ids, and
// records the fault and reaction instants.
func (w *simWorld) awaitReaction(ctx context.Context, wt *watch, res *failoverResult, ids []string) error {
	start := w.clock.Now()
	res.Faults = append(res.Faults, int(start.Sub(w.rec.start)/time.Second))
	for {
		healthy, err := wt.front.Healthy(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(healthy, id) }) {
			now := w.clock.Now()
			res.Reactions = append(res.Reactions, int(now.Sub(w.rec.start)/time.Second))
			w.rec.note(now, fmt.Sprintf("load balancer reacted: %d target(s) out of rotation after %s", len(ids), now.Sub(start)))
			return nil
		}
		if w.clock.Now().Sub(start) > 3*time.Minute {
			return fmt.Errorf("the load balancer still routes to %v three minutes after the fault", ids)
		}
		if err := w.clock.Sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// inWindow reports whether second s lies between a fault and the load balancer's reaction to it.
func inWindow(s int, faults, reactions []int) bool {
	for i := range faults {
		if i < len(reactions) && s >= faults[i] && s <= reactions[i] {
			return true
		}
	}
	return false
}
