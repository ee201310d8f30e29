// Command portal deploys the whole portal site with portalkit's packages, and drills it.
//
// The deploy program proper is package [github.com/portalkit/portalkit/examples/portal/deploy]:
// it uses only the public packages, an aws.Config and a clock, and is what a team copies to
// start its own deploy tool. This command picks the cloud it runs on:
//
//   - by default the simulated cloud (awstest, virtual time), so `make demo` works on a fresh
//     machine; the instances are local web servers on loopback behind a loopback load balancer
//     that routes only to the targets the simulated ELB reports healthy;
//   - -endpoint URL (or AWS_ENDPOINT_URL): an AWS-compatible endpoint such as LocalStack;
//   - -aws: the account of the default credential chain. It prints the plan of what it would
//     create and creates nothing without -apply.
//
// The flow: publish release v1 to S3 once (bootstrap.Publish: files and a manifest with every
// SHA-256), point staging and production at it, ensure both environments (a bought certificate
// checked and imported into ACM; load balancer across the zones with HTTPS and the apex -> www
// rule; Route 53 alias records for the domain and www with the INSYNC wait; a launch template
// from the base image with IMDSv2 required and the agent's user data; an Auto Scaling group
// across three zones whose launching hook the agent completes; a Multi-AZ MySQL instance), ship
// v2 through staging (instance refresh, smoke test over HTTP through staging's load balancer) to
// production as the same release object, protect the backup bucket and make and verify one
// mysqldump backup, and print a table of what exists.
//
// On the simulated cloud, with a MySQL server for sessions (PORTAL_MYSQL_DSN; `make demo`
// starts a throwaway MariaDB, which stands in for the RDS endpoint), the failover drill follows:
// a user logs in, the web server that served them is killed, a whole zone fails, the DB instance
// fails over, and the Auto Scaling group restores capacity in the healthy zones; the user stays
// logged in and no request fails once the load balancer has reacted. The timeline is printed and
// written as a self-contained HTML page with an SVG chart (-timeline).
//
// The drills live in the drill*.go files and run only on the simulated cloud; `make test` runs
// them (drill_test.go) and checks that the deploy part imports no awstest (layout_test.go).
package main
