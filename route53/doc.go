// Package route53 points a site's names at its load balancer with Amazon Route 53: the zone apex
// (example.com), which cannot be a CNAME, and www, in one atomic change; waits until the change is
// INSYNC; serialises and rate-limits its changes; sets up failover between two load balancers;
// and redirects the apex to www.
//
// The package is named like the SDK's service package; files that use both import the SDK one
// as awsroute53.
//
// # Zones and targets
//
// [Client.FindZone] finds the hosted zone that serves a domain (the zone of that name, or of its
// closest parent), public zones only unless Options.PrivateZone is set, so a private zone of the
// same name is skipped. IDs come without the "/hostedzone/" prefix. None, or several zones with
// the same name, fail with [ErrZoneNotFound] or [ErrAmbiguousZone]; Options.HostedZoneID names
// a zone and skips the lookup.
//
// Alias records to a load balancer name its canonical hosted zone, which differs between regions
// and between Application/Classic and Network Load Balancers. [Client.LoadBalancerTarget] (ALB,
// NLB) and [Client.ClassicTarget] read it from the ELB API (CanonicalHostedZoneId,
// CanonicalHostedZoneNameID) rather than from a table that can go stale, and note whether the
// load balancer is dual-stack.
//
// # The site: apex and www
//
// [Client.EnsureSite] makes a [Site] true: an alias A record (and AAAA for a dual-stack load
// balancer) at the apex, and www as an alias to the same load balancer (WWWAlias, the default)
// or a CNAME to the apex (WWWCNAME), with EvaluateTargetHealth as the Site says. It reads the
// record sets there, compares, and sends one ChangeResourceRecordSets request with an UPSERT of
// each record set that differs, so apex and www change together or not at all; when all match
// it sends nothing. A CNAME at the apex is refused with [ErrCNAMEAtApex], which explains why.
// [Client.EnsureRecords] does the same for any record sets, and refuses changes over Route 53's
// per-request limits (1,000 records, 32,000 characters of values, an UPSERT counting twice)
// with [ErrBatchTooLarge] unless Options.SplitBatches allows several requests.
//
// # Waiting, serialisation and rate limit
//
// After a change the Client waits until GetChange reports INSYNC (Options.NoWait skips it): the
// first poll comes after Options.PollInterval (5 s), later ones at most Options.MaxPollInterval
// (10 s) apart, so INSYNC is seen within one poll interval of Route 53 reporting it; the SDK's
// own waiter starts at 30 s. Progress goes to Options.OnProgress; a timeout is a
// *wait.TimeoutError matching [ErrTimeout] that names the last status.
//
// Changes to one hosted zone from one Client are serialised: reading, changing and waiting run
// under the zone's lock, so concurrent callers neither race in their comparisons nor meet
// PriorRequestNotComplete from each other. All the Client's Route 53 calls share a rate limit
// (Options.RequestsPerSecond, default 5, Route 53's long-standing per-account rate), applied to
// every attempt including the SDK retryer's, on Options.Clock. Throttling and
// PriorRequestNotComplete (from other processes) are retried for up to Options.RetryTimeout.
//
// # Failover
//
// [Client.EnsureFailover] makes a name answer with a primary load balancer while it is healthy
// and a secondary one otherwise (two regions, say): failover alias records with
// EvaluateTargetHealth, each optionally tied to a Route 53 health check that
// [Client.EnsureHealthCheck] finds by caller reference or creates with it, so a second run
// creates nothing.
//
// # Apex to www redirect
//
// [RedirectHandler] is an http.Handler that answers requests for the configured apex domains
// with 301 to https://www.<apex><path>?<query>, and anything else with 404 (400 without a valid
// Host), so it cannot be used as an open redirect. Without a server, [RedirectBucketWebsite]
// builds the S3 website configuration of a redirect bucket and [ConfigureRedirectBucket]
// applies it.
package route53
