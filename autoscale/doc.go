// Package autoscale gets web-server capacity from a base machine image and replaces it safely:
// image lookup, launch template versions, an Auto Scaling group across Availability Zones behind
// target groups, scaling policies, lifecycle hooks, and rolling deploys by instance refresh.
//
// # Images and launch templates
//
// [Client.ResolveImage] finds an image by ID, by name pattern and owners (the newest by creation
// date, deprecated images skipped unless asked for), or by a Systems Manager parameter such as
// /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64; when nothing matches,
// the error ([ErrImageNotFound]) says what was searched.
//
// [Client.EnsureTemplateVersion] turns a [TemplateSpec] into a numbered launch template
// version: it creates the template, reuses the latest version when it already matches, or adds
// a version. Every version requires IMDSv2 tokens with an explicit hop limit; user data over
// [MaxUserData] bytes (before base64) is refused with the size ([ErrUserDataTooLarge]) before
// any call. [Client.PruneTemplateVersions] deletes old versions, never the default, the latest,
// or one a group still uses.
//
// # Groups
//
// [Client.Ensure] is idempotent: it refuses subnets in fewer than two zones ([ErrSingleAZ],
// naming the zones), creates the group with its lifecycle hooks, target groups, ELB health
// checks and grace period, warmup, termination policies, propagated tags and capacity
// rebalance, or adopts an existing one, adding missing target groups, tags and hooks and
// reporting other differences as [Drift] (an error under Options.FailOnDrift). A second run
// makes no call that creates or changes anything.
//
// [Client.WaitInService] waits until the desired capacity is InService and healthy in the
// target groups, with one DescribeAutoScalingGroups per poll (plus one DescribeTargetHealth per
// target group, and DescribeScalingActivities only while instances are missing). It fails at
// once when a scaling activity fails, with the activity's StatusMessage in the error
// ([ErrActivityFailed]), instead of waiting out its deadline.
//
// # Scaling policies and lifecycle hooks
//
// [Client.EnsurePolicies] puts target tracking policies on average CPU, on ALB requests per
// target (the resource label is built from the load balancer and target group ARNs by
// [ResourceLabel]), on a custom CloudWatch metric, and step scaling policies; policies that
// already match are left alone.
//
// Lifecycle hooks ([LifecycleHook]) need an explicit default result and heartbeat timeout. A
// launching hook keeps instances in Pending:Wait until the instance agent completes the action;
// a terminating hook holds them in Terminating:Wait to ship logs first.
// [Client.CompleteLifecycleAction] and [Client.RecordHeartbeat] retry Auto Scaling's "No active
// Lifecycle Action found" (eventual consistency) for Options.LifecycleActionTimeout.
//
// # Rolling deploys
//
// [Client.RollingDeploy] (or [Client.StartRefresh] and [Client.WaitRefresh]) replaces the
// instances with a new template version by instance refresh: minimum and maximum healthy
// percentage, warmup, checkpoints, skip matching, automatic rollback. The wait reports status,
// percentage, instances to update and status reason through Options.OnProgress. A refresh that
// is already running is never started over silently: Options.RefreshConflict fails
// ([ErrRefreshInProgress]), waits for it, or cancels it. A refresh that fails or rolls back is an
// error ([ErrRefreshFailed]) naming the status reason. [Client.CancelRefresh] and
// [Client.RollbackRefresh] act on the running one.
//
// # Waits
//
// Waits poll every Options.PollInterval, backing off to Options.MaxPollInterval while nothing
// changes, so they notice completion at most MaxPollInterval after it happens; they tolerate
// throttling, stop as soon as ctx ends, and time out with a *wait.TimeoutError matching
// [ErrTimeout] that names the last state observed. Time comes from Options.Clock, so tests run
// them on awstest's virtual clock.
package autoscale
