// Package retry retries one AWS operation when the failure is worth another attempt.
//
// The SDK's own retryer already handles transport errors and throttling for a single request. This
// package sits above it and handles what the SDK cannot know: an operation-level condition such as a
// target group that is not yet visible right after it was created (TargetGroupNotFound), an instance
// launched a moment ago (InvalidInstanceID.NotFound), or an instance profile that IAM has not yet
// propagated. Whether an error is retryable is decided by a [Classifier] that each call site
// declares: [Throttling], [Codes] with the codes that mean "not visible yet" at that call,
// [InstanceProfileNotPropagated], or [Any] of them. Codes are never keyed by bare operation name,
// which collides across services (ELB and ELBv2 both have DescribeLoadBalancers) and would make a
// describe that finds out whether something exists retry its NotFound answer.
//
// Backoff is exponential with jitter (cenkalti/backoff/v4), bounded by MaxElapsed and ctx, and waits
// on an injectable clock so that tests with a virtual clock do not sleep.
package retry
