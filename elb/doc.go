// Package elb puts web servers behind a load balancer and moves them in and out of service
// safely: an Application (or Network) Load Balancer across at least two Availability Zones, a
// target group with health checks, HTTPS with an ACM certificate and an explicit modern TLS
// policy, and a Classic Load Balancer path for legacy stacks.
//
// # Ensure
//
// [Client.Ensure] converges a [Spec] idempotently: it describes the load balancer, target group,
// listeners and the apex-to-www rule, adopts what exists, creates only what is missing, and
// reports differences as [Drift] without changing existing resources. A second run makes no
// create call. The spec is validated before any call, against AWS's ranges (health check
// interval 5-300 s and above the timeout, thresholds 2-10, deregistration delay up to an hour,
// stickiness up to seven days, reserved cookie prefixes, slow start 30-900 s), and a load balancer
// in fewer than two zones is refused with [ErrSingleAZ]. With Options.Instances (an EC2 client)
// the subnets are looked up first, so two subnets in one zone are refused naming the zone rather
// than passing for two zones; without it AWS's refusal is mapped to ErrSingleAZ.
//
// On an Application Load Balancer with a certificate, Ensure creates HTTP on port 80 redirecting
// to HTTPS with a 301, and HTTPS on 443 with [DefaultSSLPolicy] (TLS 1.3 and 1.2 with hybrid
// post-quantum key exchange) unless the spec names a policy: without one the API would choose
// ELBSecurityPolicy-2016-08, which allows TLS 1.0. The certificate is an ARN or is found by
// domain through ACM ([Client.FindCertificate]). ListenerSpec.ApexRedirect adds a rule that
// redirects example.com to www.example.com with a 301, keeping #{path} and #{query}.
//
// # Targets
//
// [Client.Register] and [Client.Deregister] send targets in chunks of Options.BatchSize.
// [Client.WaitHealthy] and [Client.WaitDrained] poll with one DescribeTargetHealth call per target
// group per poll, report each target's state changes to Options.OnTargetChange, and fail fast with
// a [*TargetError] (matching [ErrUnhealthy]) naming the target and the load balancer's reason
// (Target.FailedHealthChecks, Target.Timeout, Target.ResponseCodeMismatch) instead of waiting out
// the deadline as the SDK's TargetInService waiter does; Options.HealthyGrace (default off) accepts
// failed checks for a while from the start, for slow-booting applications. Their default budgets
// come from the target group: the health check for WaitHealthy, the deregistration delay for
// WaitDrained. [Client.CheckZones] warns (or fails, with ZoneError) when the in-service targets
// span fewer than two zones.
//
// # Rolling deploys
//
// [Roll] follows CodeDeploy's in-place order with a load balancer, batch by batch: deregister,
// wait drained, run the caller's hook (deploy, or return replacement instances), register, wait
// healthy. Batches keep Options.MinHealthyPercent of the instances in service ([BatchPlan]), at
// most Options.RollBatchSize each; Options.RollHook and Options.OnBatch are the hook and the
// progress callback. Roll takes these, like every method, as func(*Options) overrides.
// It stops at the first failure with a [*RollError] and leaves the remaining instances in
// service. Roll works on any [Pool]: a target group ([Client.TargetGroup]) or a Classic Load
// Balancer ([Classic.Pool]). It is not for the instances of an Auto Scaling group attached to the
// load balancer, which the group registers and deregisters itself.
//
// # Classic Load Balancers
//
// [Classic] registers and deregisters instances, waits for them (a draining instance, which the
// API still reports as InService with "Instance deregistration currently in progress", counts as
// draining, never as in service), and [Classic.Configure] sets the health check, connection
// draining, cross-zone load balancing and LB-cookie stickiness idempotently.
//
// # Options and errors
//
// [New] and [NewClassic] validate [Options] once and fail with an error matching
// [ErrInvalidOptions] that names every invalid field. Every method, pool and [Roll] takes further
// func(*Options) overrides that apply to a copy for that call and are validated the same way,
// before any AWS call. A wait that runs out of time returns a *wait.TimeoutError (package
// github.com/portalkit/portalkit/wait) matching [ErrTimeout] and wait.ErrTimeout, whose message
// reads "elb: timed out after 1m0s waiting for 2 target(s) healthy in arn:...: last state
// "initial 2"" and whose LastState field holds the last state observed.
//
// # Retries and waiting
//
// Every call retries throttling, and for up to Options.RetryTimeout the errors AWS returns while
// a new resource is not yet visible (TargetGroupNotFound after CreateTargetGroup,
// ListenerNotFound after CreateListener, InvalidTarget for a just-launched instance). For as
// long, a wait accepts a target reported as unused with Target.NotRegistered right after
// RegisterTargets, and Ensure keeps listing rules when a retried CreateRule answers
// PriorityInUse before its rule is listed. Waits use the package's own poll loop on Options.Clock, so tests
// run on a virtual clock.
package elb
