// Package deploy is the deploy program of examples/portal: what a team copies to start its own
// deploy tool. It builds the whole site of one environment (staging, production) from portalkit's
// public packages, an aws.Config and a clock, and knows nothing of where the AWS API it talks to
// lives: the simulated cloud (the default of `make demo`), LocalStack, or a real account.
//
// The flow, each step idempotent (a second run creates nothing):
//
//   - [Publish] builds nothing: it pushes a release built on disk to
//     s3://<bucket>/releases/<version>/ once, with a manifest naming its digest. A release is an
//     object set in S3; environments point at it ([Promote]) and never rebuild it.
//   - [Deploy] ensures an environment: an HTTPS load balancer across the region's zones with an
//     apex -> www rule (elb), web servers spread over the zones whose user data names the
//     environment's release pointer, registered with the target group and waited healthy.
//   - [Rollout] moves the servers of an environment to a release, batch by batch (elb.Roll),
//     keeping the minimum healthy share in service; a release whose hooks fail on an instance
//     is rolled back there and the roll stops, with no user-visible error.
//   - [Summary] renders what exists: names, IDs, DNS names, the zone spread and the release each
//     instance serves.
//
// The instances' own software (the agent that user data starts) is not part of the deploy: on
// AWS it runs on each instance. [Env.Machines] is where an environment without machines (the
// simulated cloud) plugs in local ones.
package deploy
