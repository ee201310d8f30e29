// Command portal runs the whole portalkit stack on the embedded simulated cloud (awstest): it
// publishes a code release to S3, puts web servers in three Availability Zones behind an HTTPS load
// balancer, points the domain's apex and www at it with Route 53 alias records, rolls a new
// release out batch by batch without dropping below the minimum healthy share, survives the loss
// of a zone, and, when a MySQL server is at hand, shows a user staying logged in after the web
// server that served them dies.
//
// Run it with `make demo`, which also starts a throwaway MariaDB for the session step. To run it
// by hand: go run ./examples/portal (the session step then needs PORTAL_MYSQL_DSN in the
// environment; the DSN is read from there, never from the command line).
//
// Time is the simulated cloud's virtual clock: the deploy waits as long as it would on AWS
// (health checks, connection draining), but the whole run takes a second or two.
package main
