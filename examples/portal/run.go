package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/examples/portal/deploy"
)

// releaseBucket holds the releases and the environments' release pointers; backupBucket the
// database backups.
const (
	releaseBucket = "portal-releases"
	backupBucket  = "portal-backups"
)

// databaseOf returns the database a DSN names, or the one the demo creates when it names none.
func databaseOf(dsn string) string {
	if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.DBName != "" {
		return cfg.DBName
	}
	return demoDatabase
}

// environments returns the specs of staging and production: the same program, other names.
func environments(instances int, tags map[string]string) (staging, production deploy.Spec) {
	staging = deploy.Spec{Environment: "staging", Domain: "staging.example.com", Bucket: releaseBucket, Instances: instances, Tags: tags}
	production = deploy.Spec{Environment: "production", Domain: "example.com", Apex: true, Bucket: releaseBucket, Instances: instances, Tags: tags}
	return staging, production
}

// frontFunc returns the URL through which a site's load balancer is reached, and a function
// releasing what it took.
type frontFunc func(site *deploy.Site) (string, func())

// httpsFront is the front of a site on AWS: its domain over HTTPS.
func httpsFront(site *deploy.Site) (string, func()) {
	host := site.Spec.Domain
	if site.Spec.Apex {
		host = "www." + host
	}
	return "https://" + host, func() {}
}

// buildAndPublish builds a release under workdir/build/<version> and publishes it.
func buildAndPublish(ctx context.Context, env deploy.Env, workdir, version string, build func(dir, version string) error) (*deploy.Release, error) {
	dir := filepath.Join(workdir, "build", version)
	if err := build(dir, version); err != nil {
		return nil, err
	}
	return deploy.Publish(ctx, env, releaseBucket, dir, version)
}

// runDeploy is the deploy program: publish release v1 and point both environments at it,
// ensure staging and production, then ship v2 through staging (rollout, smoke test over HTTP
// through its load balancer) to production, and print what exists.
//
// With dbDSN, the database it names (on the simulated cloud, the MariaDB standing in for the RDS
// endpoint) is backed up into the protected backup bucket and the backup verified.
func runDeploy(ctx context.Context, env deploy.Env, out io.Writer, workdir string, staging, production deploy.Spec, front frontFunc, dbDSN string) ([]*deploy.Site, error) {
	if env.Epoch.IsZero() {
		env.Epoch = clockOf(env).Now()
	}
	n := 0
	section := func(title string) {
		n++
		fmt.Fprintf(out, "\n== %d. %s\n", n, title)
	}
	section("Publish release v1 to S3")
	v1, err := buildAndPublish(ctx, env, workdir, "v1", deploy.Build)
	if err != nil {
		return nil, err
	}
	if _, err := buildAndPublish(ctx, env, workdir, "v1", deploy.Build); err != nil { // idempotent
		return nil, err
	}
	var sites []*deploy.Site
	for _, spec := range []deploy.Spec{staging, production} {
		section(fmt.Sprintf("Environment %s: load balancer, web servers in every zone", spec.Environment))
		if _, err := deploy.Pointer(ctx, env, releaseBucket, spec.Environment); errors.Is(err, deploy.ErrNoRelease) {
			if err := deploy.Promote(ctx, env, v1, spec.Environment); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		site, err := deploy.Deploy(ctx, env, spec)
		if err != nil {
			return nil, err
		}
		again, err := deploy.Deploy(ctx, quiet(env), spec)
		if err != nil {
			return nil, err
		}
		created := len(again.LoadBalancer.Created)
		if again.Group.Created {
			created++
		}
		fmt.Fprintf(out, "  second run: %d created, %d drifted, DNS changed: %v (idempotent)\n", created, len(again.LoadBalancer.Drift)+len(again.Group.Drift), again.DNS.Changed())
		sites = append(sites, site)
	}

	section("Ship release v2: staging, smoke test, production")
	v2, err := buildAndPublish(ctx, env, workdir, "v2", deploy.Build)
	if err != nil {
		return nil, err
	}
	url, done := front(sites[0])
	err = deploy.Ship(ctx, env, v2, sites[0], sites[1], url, deploy.RolloutOptions{})
	done()
	switch {
	case errors.Is(err, deploy.ErrNoInPlaceDeploy):
		fmt.Fprintf(out, "  skipped: %v\n", err)
	case err != nil:
		return nil, err
	}

	section("Backups: a protected bucket, one mysqldump backup, verified")
	if _, err := deploy.ProtectBackupBucket(ctx, env, backupBucket); err != nil {
		return nil, err
	}
	if _, err := deploy.ProtectBackupBucket(ctx, env, backupBucket); err != nil { // idempotent
		return nil, err
	}
	if dbDSN == "" {
		fmt.Fprintln(out, "  database backup skipped: no database DSN (PORTAL_MYSQL_DSN; `make demo` starts a MariaDB)")
	} else if _, _, err := deploy.BackUpDatabase(ctx, env, backupBucket, dbDSN, databaseOf(dbDSN)); err != nil {
		return nil, err
	}

	section("What exists")
	for _, s := range sites {
		if err := deploy.Refresh(ctx, env, s); err != nil {
			return nil, err
		}
	}
	if err := deploy.Summary(out, sites...); err != nil {
		return nil, err
	}
	return sites, nil
}

// quiet returns env without narration.
func quiet(env deploy.Env) deploy.Env {
	env.Out = nil
	return env
}

func clockOf(env deploy.Env) clock.Clock { return clock.Or(env.Clock) }
