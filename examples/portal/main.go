package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/examples/portal/deploy"
)

// options are the command line.
type options struct {
	endpoint  string // AWS-compatible endpoint (LocalStack); "" for the simulated cloud or AWS
	aws       bool   // the real AWS account of the default credentials
	apply     bool   // on AWS: create what the plan lists
	region    string
	instances int
	workdir   string
	mysqlDSN  string                   // the database to back up; on the simulated cloud also the failover drill's sessions
	drill     bool                     // run the failover drill after the deploy (simulated cloud)
	timeline  string                   // where the drill's HTML timeline goes
	sim       []func(*awstest.Options) // settings of the simulated cloud (tests)
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "endpoint", os.Getenv("AWS_ENDPOINT_URL"), "AWS-compatible endpoint such as LocalStack's http://localhost:4566 (default $AWS_ENDPOINT_URL; empty: the simulated cloud)")
	flag.BoolVar(&o.aws, "aws", false, "deploy to the real AWS account of the default credential chain (prints the plan; needs -apply to create anything)")
	flag.BoolVar(&o.apply, "apply", false, "with -aws: create the resources the plan lists")
	flag.StringVar(&o.region, "region", "us-east-1", "region for -endpoint and -aws")
	flag.IntVar(&o.instances, "instances", deploy.DefaultInstances, "web servers per environment, spread over the zones")
	flag.StringVar(&o.workdir, "workdir", "", "directory for builds and the simulated instances' disks (default: a temporary one, removed at exit)")
	flag.BoolVar(&o.drill, "drill", true, "simulated cloud: run the failover drill after the deploy (needs a MySQL DSN in PORTAL_MYSQL_DSN)")
	flag.StringVar(&o.timeline, "timeline", filepath.Join(os.TempDir(), "portal-failover.html"), "simulated cloud: where the failover drill writes its HTML timeline")
	flag.Parse()
	o.mysqlDSN = os.Getenv("PORTAL_MYSQL_DSN")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

// run picks the cloud and runs the deploy program on it: the simulated cloud by default, an
// endpoint when one is given, real AWS with -aws (and -apply).
func run(ctx context.Context, out io.Writer, o options) error {
	if o.workdir == "" {
		dir, err := os.MkdirTemp("", "portal")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.workdir = dir
	}
	staging, production := environments(o.instances, nil)
	if err := errors.Join(staging.Validate(), production.Validate()); err != nil {
		return err
	}
	switch {
	case o.aws && o.endpoint != "":
		return errors.New("-aws and -endpoint exclude each other")
	case o.aws:
		printPlan(out, "the AWS account of the default credential chain, region "+o.region, staging, production)
		if !o.apply {
			fmt.Fprintln(out, "\nNothing created: run again with -apply to create the resources above.")
			return nil
		}
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.region))
		if err != nil {
			return err
		}
		_, err = runDeploy(ctx, deploy.Env{Config: cfg, Out: out}, out, o.workdir, staging, production, httpsFront, o.mysqlDSN)
		return err
	case o.endpoint != "":
		printPlan(out, o.endpoint, staging, production)
		cfg := aws.Config{
			Region:       o.region,
			BaseEndpoint: aws.String(o.endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		}
		_, err := runDeploy(ctx, deploy.Env{Config: cfg, Out: out, S3PathStyle: true}, out, o.workdir, staging, production, httpsFront, o.mysqlDSN)
		return err
	}
	return runSim(ctx, out, o, staging, production)
}

func printPlan(out io.Writer, where string, specs ...deploy.Spec) {
	fmt.Fprintf(out, "Plan for %s:\n", where)
	for _, s := range specs {
		fmt.Fprintf(out, "  %s:\n", s.Environment)
		for _, l := range s.Plan() {
			fmt.Fprintf(out, "    + %s\n", l)
		}
	}
}

// runSim runs the deploy program on the simulated cloud with local machines, then, when a
// MySQL server is at hand for sessions, the failover drill on production.
func runSim(ctx context.Context, out io.Writer, o options, staging, production deploy.Spec) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	fmt.Fprintln(out, "Simulated cloud (awstest, virtual time); web servers run on loopback.")
	world, err := newSimWorld(ctx, out, filepath.Join(o.workdir, "instances"), nil, o.sim...)
	if err != nil {
		return err
	}
	defer world.Close()
	if o.mysqlDSN != "" {
		m, db, err := newSessions(ctx, o.mysqlDSN, "portal_demo_sessions")
		if err != nil {
			return err
		}
		defer db.Close()
		world.machines.sessions, world.machines.sessionDB = m, db
	}
	if err := world.certificates(&staging, &production); err != nil {
		return err
	}
	start := world.clock.Now()
	world.env.Epoch = start
	sites, err := runDeploy(ctx, world.env, out, o.workdir, staging, production, func(site *deploy.Site) (string, func()) {
		f := world.frontDoor(site)
		return f.URL(), f.Close
	}, o.mysqlDSN)
	if err != nil {
		return err
	}
	if o.drill {
		fmt.Fprintf(out, "\n== Failover drill on production (simulated cloud only)\n")
		if world.machines.sessions == nil {
			fmt.Fprintln(out, "  skipped: sessions need MySQL; `make demo` starts one, or set PORTAL_MYSQL_DSN")
		} else if err := drillAndReport(ctx, out, world, sites[1], o.timeline); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\ndone: %s of simulated time, %d AWS API calls\n", world.clock.Now().Sub(start).Round(time.Second), len(world.cloud.Calls()))
	return nil
}

// drillAndReport runs the failover drill, prints its timeline and writes it as HTML.
func drillAndReport(ctx context.Context, out io.Writer, world *simWorld, site *deploy.Site, htmlPath string) error {
	res, err := world.failoverDrill(ctx, out, site)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\n  timeline:")
	world.rec.printTimeline(out)
	f, err := os.Create(htmlPath)
	if err != nil {
		return err
	}
	if err := world.rec.writeHTML(f, "portal failover drill"); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  timeline chart: %s\n", htmlPath)
	if res.Logouts > 0 || res.FailedAfterReaction > 0 {
		return fmt.Errorf("failover drill: %d logouts, %d failed requests after the load balancer reacted", res.Logouts, res.FailedAfterReaction)
	}
	return nil
}
