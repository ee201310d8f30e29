// Command integration-clean finds what integration runs left behind on the endpoint the suite is
// pointed at (AWS_ENDPOINT_URL, or real AWS with PORTALKIT_INTEGRATION_AWS=1), by the
// portalkit:test-run tag (S3 buckets, and IAM server certificates uploaded without tags, by their
// "pkit-" name prefix), and prints it: load balancers, target groups, instances, ACM and IAM
// certificates, Auto Scaling groups and launch templates, RDS DB instances, manual DB snapshots
// and DB subnet groups, Route 53 hosted zones and health checks, EBS volumes and snapshots, S3
// buckets. It deletes nothing unless -confirm is given, since it may point at a real account;
// with -check it exits 1 when anything is left (the last step of `make integration`). RDS takes
// minutes to delete a DB instance: the wait is bounded, and what is still deleting is named, for
// another run that deletes it and its subnet group.
//
//	go run ./internal/cmd/integration-clean [-run ID] [-confirm | -check]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/testenv"
)

func main() {
	run := flag.String("run", "", "only this run id (as printed by the tests); default every run")
	confirm := flag.Bool("confirm", false, "delete what is found (default: list only)")
	check := flag.Bool("check", false, "exit 1 when anything is left (list only)")
	flag.Parse()
	if *confirm && *check {
		fmt.Fprintln(os.Stderr, "integration-clean: -confirm and -check exclude each other")
		os.Exit(2)
	}
	cfg, err := testenv.LoadEndpointConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration-clean:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	where := testenv.Endpoint()
	if cfg.Region != "" {
		where += " (" + cfg.Region + ")"
	}
	os.Exit(clean(ctx, cfg, clock.Real, where, options{run: *run, confirm: *confirm, check: *check}, os.Stdout, os.Stderr))
}

type options struct {
	run            string
	confirm, check bool
}

// clean lists (or with confirm deletes) the leftovers on cfg and returns the exit code.
func clean(ctx context.Context, cfg aws.Config, clk clock.Clock, where string, o options, stdout, stderr io.Writer) int {
	found, err := testenv.Sweep(ctx, cfg, testenv.SweepOptions{Run: o.run, Delete: o.confirm, Clock: clk,
		Logf: func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }})
	for _, l := range found {
		if !o.confirm {
			fmt.Fprintln(stdout, "found", l)
		}
	}
	switch {
	case len(found) == 0:
		fmt.Fprintln(stdout, "integration-clean: nothing left by integration runs on", where)
	case o.confirm:
		fmt.Fprintf(stdout, "integration-clean: deleted %d resource(s) on %s\n", len(found), where)
	default:
		fmt.Fprintf(stdout, "integration-clean: %d resource(s) left on %s; run again with -confirm (make integration-clean CONFIRM=1) to delete them\n", len(found), where)
	}
	if err != nil {
		fmt.Fprintln(stderr, "integration-clean:", err)
		return 1
	}
	if o.check && len(found) > 0 {
		return 1
	}
	return 0
}
