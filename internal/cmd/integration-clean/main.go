// Command integration-clean finds what integration runs left behind on the endpoint the suite is
// pointed at (AWS_ENDPOINT_URL, or real AWS with PORTALKIT_INTEGRATION_AWS=1), by the
// portalkit:test-run tag (S3 buckets by their "pkit-" name prefix), and prints it. It deletes
// nothing unless -confirm is given, since it may point at a real account; with -check it exits 1
// when anything is left (the last step of `make integration`).
//
//	go run ./internal/cmd/integration-clean [-run ID] [-confirm | -check]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

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
	found, err := testenv.Sweep(ctx, cfg, testenv.SweepOptions{Run: *run, Delete: *confirm,
		Logf: func(format string, args ...any) { fmt.Printf(format+"\n", args...) }})
	for _, l := range found {
		if !*confirm {
			fmt.Println("found", l)
		}
	}
	switch {
	case len(found) == 0:
		fmt.Println("integration-clean: nothing left by integration runs on", where)
	case *confirm:
		fmt.Printf("integration-clean: deleted %d resource(s) on %s\n", len(found), where)
	default:
		fmt.Printf("integration-clean: %d resource(s) left on %s; run again with -confirm (make integration-clean CONFIRM=1) to delete them\n", len(found), where)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration-clean:", err)
		os.Exit(1)
	}
	if *check && len(found) > 0 {
		os.Exit(1)
	}
}
