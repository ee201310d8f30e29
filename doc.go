// Package portalkit is a library of deployment building blocks for a highly available,
// load-balanced web portal on AWS. This package holds only the overview; the building blocks are
// its sub-packages, which users import into their own deploy tools, scripts and integration tests.
//
// # The architecture it serves
//
// A load balancer spans at least two Availability Zones, health-checks the web servers and
// terminates HTTPS. The zone apex and www are Route 53 alias records to it. Web servers run in an
// Auto Scaling group launched from a base AMI; at boot their user data pulls configuration and the
// latest code release from S3, so scaling out needs no manual step. Sessions live in MySQL on RDS
// Multi-AZ, so any instance can serve any user and a database failover logs nobody out. Databases
// are dumped to S3 in addition to RDS snapshots, code and logs are synced to S3, and the backup
// bucket is protected by versioning and lifecycle rules.
//
// # Packages
//
// Available now: elb, cert, rds/session, s3sync, route53 and awstest; the others are planned.
//
//   - elb: load balancers, target groups, listeners, safe register / deregister / rolling swap.
//   - cert: your own TLS certificate checked, imported into ACM (renewed in place) or IAM, set on
//     listeners, and reported before it expires.
//   - autoscale: AMI resolution, launch templates, Auto Scaling groups, instance refresh.
//   - rds: the Multi-AZ MySQL instance, failover drills, snapshots.
//   - rds/session: HTTP sessions in MySQL that survive instance loss and database failover.
//   - s3sync: fast, safe sync of releases and logs between local disk and S3.
//   - route53: apex and www alias records in one change, INSYNC waits, failover, apex -> www redirect.
//   - backup: mysqldump to S3 with a commit-on-success manifest, retention, restore.
//   - bootstrap: user data and the on-instance agent that installs releases.
//   - awstest: an in-memory AWS for tests, used through real SDK clients.
//
// # One contract for every package
//
// Packages take narrow client interfaces whose methods match the AWS SDK clients, so the same code
// talks to AWS, LocalStack or awstest. Everything that does I/O takes a context first. A
// constructor New(clients, ...func(*Options)) validates its Options once and returns an error
// matching the package's ErrInvalidOptions that names every invalid field; methods take further
// func(*Options) overrides, validated the same way. Options.Clock (package clock) is the time
// source of every wait and retry. A wait that runs out of time returns a *wait.TimeoutError that
// matches the package's ErrTimeout and wait.ErrTimeout and names the last observed state. The
// conventions are written down in CONTRIBUTING.md ("Conventions") in the repository.
package portalkit
