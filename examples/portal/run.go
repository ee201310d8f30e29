package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
)

const (
	domain        = "example.com"
	releaseBucket = "portal-releases"
)

// demo holds what the steps share.
type demo struct {
	cloud   *awstest.Cloud
	ec2     *ec2.Client
	lb      *elb.Client
	out     *printer
	workdir string
	stack   *elb.Stack
	fleet   *fleet
}

func run(ctx context.Context, w io.Writer, instances int, workdir, mysqlDSN string) error {
	if instances < 3 {
		return fmt.Errorf("-instances %d: need at least 3, one per zone", instances)
	}
	if workdir == "" {
		dir, err := os.MkdirTemp("", "portal-demo")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		workdir = dir
	}
	// Virtual time starts now: S3 stamps objects with it, and the release sync compares those stamps
	// with the files' modification times.
	cloud, err := awstest.New(func(o *awstest.Options) { o.Start = time.Now() })
	if err != nil {
		return err
	}
	defer cloud.Close()
	cloud.AddCertificate(awstest.Certificate{DomainName: domain, SubjectAlternativeNames: []string{"www." + domain}})

	d := &demo{cloud: cloud, ec2: ec2.NewFromConfig(cloud.Config()), out: newPrinter(w, cloud.Clock()), workdir: workdir}
	d.lb, err = elb.New(elasticloadbalancingv2.NewFromConfig(cloud.Config()), func(o *elb.Options) {
		o.Certificates = acm.NewFromConfig(cloud.Config())
		o.Instances = d.ec2
		o.Clock = cloud.Clock()
		o.PollInterval = 5 * time.Second
		o.MaxPollInterval = 10 * time.Second
	})
	if err != nil {
		return err
	}

	steps := []struct {
		title string
		fn    func(context.Context) error
	}{
		{"Publish release v1 to S3", func(ctx context.Context) error { return d.publish(ctx, "v1") }},
		{"Load balancer across zones, HTTPS, apex -> www", d.ensureLoadBalancer},
		{"Route 53: apex and www alias records to the load balancer", d.pointDNS},
		{"Web servers in every zone, pulling the release at boot", func(ctx context.Context) error { return d.launch(ctx, instances) }},
		{"Publish release v2 and roll it out", d.rollOut},
		{"Lose a zone", d.loseZone},
		{"Sessions in MySQL outlive a web server", func(ctx context.Context) error { return demoSessions(ctx, d.out, mysqlDSN) }},
	}
	for i, s := range steps {
		d.out.section(i+1, s.title)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
		}
	}
	d.out.line("done: %s of simulated time, %d AWS API calls", d.out.elapsed().Round(time.Second), len(cloud.Calls()))
	return nil
}

func (d *demo) ensureLoadBalancer(ctx context.Context) error {
	vpcID, subnets, err := defaultNetwork(ctx, d.ec2)
	if err != nil {
		return err
	}
	spec := elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: "portal", Subnets: subnets},
		TargetGroup: elb.TargetGroupSpec{
			Name: "portal-web", VPCID: vpcID,
			HealthCheck:         elb.HealthCheck{Path: "/health", Interval: 10 * time.Second},
			DeregistrationDelay: aws30s(),
			Stickiness:          &elb.Stickiness{Type: elb.LBCookie, Duration: time.Hour},
		},
		Listeners: elb.ListenerSpec{CertificateDomain: domain, ApexRedirect: domain},
	}
	stack, err := d.lb.Ensure(ctx, spec)
	if err != nil {
		return err
	}
	d.stack = stack
	d.out.line("created %s", strings.Join(stack.Created, ", "))
	d.out.line("%s in %d zones, TLS policy %s", stack.DNSName, len(stack.Zones), stack.SSLPolicy)
	again, err := d.lb.Ensure(ctx, spec)
	if err != nil {
		return err
	}
	d.out.line("second run: %d created, %d drifted (idempotent)", len(again.Created), len(again.Drift))
	return nil
}

func aws30s() *time.Duration {
	d := 30 * time.Second
	return &d
}

func (d *demo) launch(ctx context.Context, n int) error {
	f, err := launchFleet(ctx, d.ec2, d.cloud, n)
	if err != nil {
		return err
	}
	d.fleet = f
	d.out.line("launched %d instances: %s", n, f.zoneSummary())
	for _, id := range f.ids {
		if _, err := d.install(ctx, id, "v1"); err != nil {
			return err
		}
	}
	d.out.line("each instance pulled releases/v1 from S3 to its local disk")

	pool := d.lb.TargetGroup(d.stack.TargetGroupARN)
	if err := pool.Register(ctx, f.ids); err != nil {
		return err
	}
	report, err := d.lb.WaitHealthy(ctx, d.stack.TargetGroupARN, elb.Instances(f.ids...), d.watchTargets)
	if err != nil {
		return err
	}
	d.out.line("all %d healthy after %s (%d health polls)", len(f.ids), report.Elapsed.Round(time.Second), report.Polls)
	zones, err := d.lb.CheckZones(ctx, d.stack.TargetGroupARN)
	if err != nil {
		return err
	}
	d.out.line("in service in %d zones", zones.Spread())
	return nil
}

func (d *demo) rollOut(ctx context.Context) error {
	if err := d.publish(ctx, "v2"); err != nil {
		return err
	}
	pool := d.lb.TargetGroup(d.stack.TargetGroupARN)
	report, err := elb.Roll(ctx, pool, d.fleet.ids, func(o *elb.Options) {
		o.MinHealthyPercent = 66
		o.OnBatch = func(p elb.BatchProgress) {
			if p.Phase == elb.PhaseCheck {
				d.out.line("checking that all %d instances are in service before %d batches", len(p.Instances), p.Batches)
				return
			}
			d.out.line("batch %d/%d %-10s %s", p.Batch, p.Batches, p.Phase, strings.Join(p.Instances, " "))
		}
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			for _, id := range batch {
				if _, err := d.install(ctx, id, "v2"); err != nil {
					return nil, err
				}
			}
			return nil, nil // in place: the same instances go back into service
		}
	})
	if err != nil {
		return err
	}
	d.out.line("rolled out in %d batches; %d instances in service in %d zones",
		report.Batches, len(report.InService), report.Zones.Spread())
	return d.checkReleases("v2")
}

func (d *demo) loseZone(ctx context.Context) error {
	zone := d.cloud.Zones()[0]
	d.cloud.FailZone(zone)
	d.out.line("zone %s stops answering health checks", zone)
	// Two failed checks 10 s apart (the group's unhealthy threshold and interval) mark a target
	// unhealthy; meanwhile the site keeps running.
	if err := d.cloud.Clock().Sleep(ctx, 30*time.Second); err != nil {
		return err
	}
	lost := d.fleet.inZone(zone)
	_, err := d.lb.WaitHealthy(ctx, d.stack.TargetGroupARN, elb.Instances(lost...), d.watchTargets)
	var te *elb.TargetError
	if !errors.As(err, &te) {
		return fmt.Errorf("expected the load balancer to mark %s unhealthy, got %v", zone, err)
	}
	for _, t := range te.Targets {
		d.out.line("the load balancer took %s out of service: %s", t.Target.ID, t.Reason)
	}
	zones, err := d.lb.CheckZones(ctx, d.stack.TargetGroupARN)
	if err != nil {
		return err
	}
	d.out.line("still in service in %d zones: %s", zones.Spread(), formatZones(zones.Zones))
	d.cloud.RecoverZone(zone)
	return nil
}

// watchTargets prints target state changes after the first observation.
func (d *demo) watchTargets(o *elb.Options) {
	o.OnTargetChange = func(c elb.TargetChange) {
		if c.From == "" {
			return
		}
		reason := ""
		if c.Reason != "" {
			reason = " (" + c.Reason + ")"
		}
		d.out.line("%s %s -> %s%s", c.Target.ID, c.From, c.To, reason)
	}
}

// checkReleases verifies every instance runs release version.
func (d *demo) checkReleases(version string) error {
	for _, id := range d.fleet.ids {
		b, err := os.ReadFile(filepath.Join(d.instanceDir(id), "current", "VERSION"))
		if err != nil {
			return err
		}
		if got := strings.TrimSpace(string(b)); got != version {
			return fmt.Errorf("instance %s runs %s, want %s", id, got, version)
		}
	}
	d.out.line("every instance serves %s from local disk", version)
	return nil
}

// formatZones renders a zone -> instances map in zone order: "us-east-1b: 2, us-east-1c: 2".
func formatZones(zones map[string]int) string {
	names := make([]string, 0, len(zones))
	for z := range zones {
		names = append(names, z)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, z := range names {
		parts[i] = fmt.Sprintf("%s: %d", z, zones[z])
	}
	return strings.Join(parts, ", ")
}
