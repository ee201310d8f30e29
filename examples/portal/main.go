package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	instances := flag.Int("instances", 6, "web servers to launch, spread over the zones")
	workdir := flag.String("workdir", "", "directory for releases and instance disks (default: a temporary one, removed at exit)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *instances, *workdir, os.Getenv("PORTAL_MYSQL_DSN")); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}
