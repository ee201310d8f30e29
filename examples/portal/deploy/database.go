package deploy

import (
	"context"
	"fmt"

	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/portalkit/portalkit/rds"
)

func (s Spec) dbIdentifier() string { return "portal-" + s.Environment }

func (e Env) rds(out *printer) (*rds.Client, error) {
	return rds.New(awsrds.NewFromConfig(e.Config), func(o *rds.Options) {
		o.Clock = e.Clock
		o.OnProgress = func(p rds.Progress) {
			if out != nil && p.Previous != "" {
				out.line("%s: %s -> %s", p.Resource, p.Previous, p.Status)
			}
		}
	})
}

// startDatabase ensures the environment's Multi-AZ MySQL instance and its subnet group without
// waiting: creation takes tens of minutes, which the rest of the deploy overlaps.
func startDatabase(ctx context.Context, env Env, spec Spec, subnets []subnet, out *printer) (*rds.Instance, error) {
	client, err := env.rds(out)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{TagEnvironment: spec.Environment}
	for k, v := range spec.Tags {
		tags[k] = v
	}
	db, err := client.Ensure(ctx, rds.Spec{
		Identifier: spec.dbIdentifier(), InstanceClass: "db.t3.medium", AllocatedStorage: 20,
		DBName: "portal", MasterUsername: "portal", ManageMasterPassword: true,
		SubnetGroup: rds.SubnetGroup{Name: spec.dbIdentifier(), SubnetIDs: subnetIDs(subnets)},
		Tags:        tags, NoDeletionProtection: spec.Throwaway,
	}, func(o *rds.Options) { o.NoWait = true })
	if err != nil {
		return nil, err
	}
	switch {
	case db.Created:
		out.line("creating DB instance %s (MySQL %s, Multi-AZ, encrypted, password managed by RDS)", db.Identifier, db.EngineVersion)
	default:
		out.line("DB instance %s in place (%s), nothing created", db.Identifier, db.Status)
	}
	for _, d := range db.Drift {
		out.line("drift (left alone): %v", d)
	}
	return db, nil
}

// waitDatabase waits until the environment's DB instance is available.
func waitDatabase(ctx context.Context, env Env, spec Spec, out *printer) (*rds.Instance, error) {
	client, err := env.rds(out)
	if err != nil {
		return nil, err
	}
	db, err := client.WaitAvailable(ctx, spec.dbIdentifier())
	if err != nil {
		return nil, err
	}
	out.line("DB instance %s available at %s, primary in %s, standby in %s", db.Identifier, db.Endpoint, db.AvailabilityZone, db.SecondaryAvailabilityZone)
	return db, nil
}

// FailoverDatabase forces a Multi-AZ failover of the environment's DB instance (reboot with
// failover) and waits until it is available in the other zone; probe, if not nil, is sampled
// meanwhile (a SQL ping through the endpoint).
func FailoverDatabase(ctx context.Context, env Env, site *Site, probe func(context.Context) error) (*rds.FailoverReport, error) {
	out := env.printer()
	client, err := env.rds(out)
	if err != nil {
		return nil, err
	}
	rep, err := client.Failover(ctx, site.Spec.dbIdentifier(), func(o *rds.Options) { o.Probe = probe })
	if err != nil {
		return nil, err
	}
	out.line("DB instance %s failed over from %s to %s in %s", rep.Identifier, rep.FromAZ, rep.ToAZ, rep.Duration)
	return rep, nil
}

func dbSummary(s *Site) string {
	if s.Database == nil {
		return "-"
	}
	return fmt.Sprintf("%s, Multi-AZ %v: %s + standby %s", s.Database.Endpoint, s.Database.MultiAZ, s.Database.AvailabilityZone, s.Database.SecondaryAvailabilityZone)
}
