package rds_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/rds"
)

// exampleCloud is a simulated region and the IDs of its default subnets (one per zone).
func exampleCloud() (*awstest.Cloud, []string) {
	cloud, err := awstest.New()
	if err != nil {
		log.Fatal(err)
	}
	out, err := ec2.NewFromConfig(cloud.Config()).DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{})
	if err != nil {
		log.Fatal(err)
	}
	var ids []string
	for _, s := range out.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	return cloud, ids
}

// Ensure a Multi-AZ MySQL instance with an RDS-managed master password, following its status,
// then run it again: the second run adopts the instance and creates nothing.
func ExampleClient_Ensure() {
	cloud, subnets := exampleCloud()
	defer cloud.Close()
	client, err := rds.New(awsrds.NewFromConfig(cloud.Config()), func(o *rds.Options) {
		o.Clock = cloud.Clock() // virtual time: the twenty-minute creation takes milliseconds
		o.OnProgress = func(p rds.Progress) { fmt.Printf("%s: %s\n", p.Resource, p.Status) }
	})
	if err != nil {
		log.Fatal(err)
	}
	spec := rds.Spec{
		Identifier: "shop", InstanceClass: "db.t3.medium", ManageMasterPassword: true,
		SubnetGroup: rds.SubnetGroup{Name: "shop-db", SubnetIDs: subnets},
	}
	inst, err := client.Ensure(context.Background(), spec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("created %v, Multi-AZ %v: primary %s, standby %s\n", inst.Created, inst.MultiAZ, inst.AvailabilityZone, inst.SecondaryAvailabilityZone)
	fmt.Println("endpoint port:", inst.Endpoint.Port)

	again, err := client.Ensure(context.Background(), spec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("second run: created %v, drift %d\n", again.Created, len(again.Drift))
	// Output:
	// DB instance shop: creating
	// DB instance shop: backing-up
	// DB instance shop: available
	// created true, Multi-AZ true: primary us-east-1a, standby us-east-1b
	// endpoint port: 3306
	// second run: created false, drift 0
}

// A forced-failover drill with a probe sampled every second; here the probe asks the simulated
// cloud, in production it would ping the database through the endpoint.
func ExampleClient_Failover() {
	cloud, subnets := exampleCloud()
	defer cloud.Close()
	client, err := rds.New(awsrds.NewFromConfig(cloud.Config()), func(o *rds.Options) { o.Clock = cloud.Clock() })
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = client.Ensure(ctx, rds.Spec{
		Identifier: "shop", InstanceClass: "db.t3.medium", ManageMasterPassword: true,
		SubnetGroup: rds.SubnetGroup{Name: "shop-db", SubnetIDs: subnets},
	})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := client.Failover(ctx, "shop", func(o *rds.Options) {
		o.Probe = func(context.Context) error {
			if !cloud.DBInstanceReachable("shop") {
				return errors.New("connection refused")
			}
			return nil
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("primary moved %s -> %s in %s\n", rep.FromAZ, rep.ToAZ, rep.Duration)
	fmt.Println("unreachable:", rep.Unreachable)
	// Output:
	// primary moved us-east-1a -> us-east-1b in 1m30s
	// unreachable: 0s-1m30s (1m30s)
}

// The go-sql-driver/mysql settings for an endpoint: timeouts, rejectReadOnly and TLS to the
// endpoint's name. OpenDB uses them and also bounds the pool's connection lifetime.
func ExampleMySQLConfig() {
	ep := rds.Endpoint{Address: "shop.c0123456789a.us-east-1.rds.amazonaws.com", Port: 3306}
	cfg, err := rds.MySQLConfig(ep, rds.ConnOptions{User: "app", Password: "s3cret-Passw0rd", DBName: "shop"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Addr)
	fmt.Println("dial", cfg.Timeout, "read", cfg.ReadTimeout, "write", cfg.WriteTimeout)
	fmt.Println("rejectReadOnly", cfg.RejectReadOnly, "TLS server name", cfg.TLS.ServerName)
	fmt.Println("pool connections live", rds.DefaultConnMaxLifetime, "< DNS TTL", rds.DefaultDNSTTL)
	// Output:
	// shop.c0123456789a.us-east-1.rds.amazonaws.com:3306
	// dial 5s read 30s write 30s
	// rejectReadOnly true TLS server name shop.c0123456789a.us-east-1.rds.amazonaws.com
	// pool connections live 50s < DNS TTL 1m0s
}

// A Password never prints.
func ExamplePassword() {
	spec := rds.Spec{Identifier: "shop", MasterPassword: "Tr0ub4dor&3-horse"}
	fmt.Println(spec.MasterPassword)
	fmt.Printf("%q\n", spec.MasterPassword)
	// Output:
	// [REDACTED]
	// "[REDACTED]"
}

// Keep the three newest available manual snapshots, and delete older ones only past a week.
// The snapshots are a day (plus the five minutes each takes) apart.
func ExampleClient_PruneSnapshots() {
	cloud, subnets := exampleCloud()
	defer cloud.Close()
	client, err := rds.New(awsrds.NewFromConfig(cloud.Config()), func(o *rds.Options) { o.Clock = cloud.Clock() })
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = client.Ensure(ctx, rds.Spec{
		Identifier: "shop", InstanceClass: "db.t3.medium", ManageMasterPassword: true,
		SubnetGroup: rds.SubnetGroup{Name: "shop-db", SubnetIDs: subnets},
	})
	if err != nil {
		log.Fatal(err)
	}
	for day := 1; day <= 10; day++ {
		if _, err := client.CreateSnapshot(ctx, "shop", fmt.Sprintf("shop-day-%02d", day)); err != nil {
			log.Fatal(err)
		}
		cloud.Clock().Advance(24 * time.Hour)
	}
	rep, err := client.PruneSnapshots(ctx, "shop", rds.PrunePolicy{Keep: 3, MaxAge: 7 * 24 * time.Hour, Prefix: "shop-day-"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted:", rep.Deleted)
	fmt.Println("kept:", len(rep.Kept))
	// Output:
	// deleted: [shop-day-01 shop-day-02 shop-day-03 shop-day-04]
	// kept: 6
}
