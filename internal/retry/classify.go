package retry

import (
	"strings"

	"github.com/portalkit/portalkit/internal/awserr"
)

// Classifier reports whether an error is worth another attempt.
type Classifier func(error) bool

// Throttling retries AWS throttling errors (Throttling, RequestLimitExceeded, SlowDown,
// PriorRequestNotComplete, ...), which the SDK retryer gave up on.
func Throttling(err error) bool { return awserr.IsThrottle(err) }

// Codes returns a classifier that retries throttling and the given AWS error codes.
func Codes(codes ...string) Classifier {
	return func(err error) bool { return awserr.IsThrottle(err) || awserr.IsCode(err, codes...) }
}

// Any returns a classifier that retries what any of cs retries.
func Any(cs ...Classifier) Classifier {
	return func(err error) bool {
		for _, c := range cs {
			if c(err) {
				return true
			}
		}
		return false
	}
}

// eventualConsistency lists, per AWS operation, the error codes that mean "a resource you just
// created is not visible to this call yet". AWS documents that EC2, ELB and Auto Scaling are
// eventually consistent: a resource returned by a create call may be reported missing by the next
// call for a few seconds.
var eventualConsistency = map[string][]string{
	// EC2
	"DescribeInstances":              {"InvalidInstanceID.NotFound"},
	"DescribeInstanceStatus":         {"InvalidInstanceID.NotFound"},
	"CreateTags":                     {"InvalidInstanceID.NotFound", "InvalidID", "InvalidLaunchTemplateId.NotFound"},
	"TerminateInstances":             {"InvalidInstanceID.NotFound"},
	"DescribeLaunchTemplateVersions": {"InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException"},
	"CreateLaunchTemplateVersion":    {"InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException"},
	"ModifyLaunchTemplate":           {"InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException"},
	// ELB v2
	"DescribeTargetHealth":        {"TargetGroupNotFound"},
	"RegisterTargets":             {"TargetGroupNotFound", "InvalidTarget"},
	"DeregisterTargets":           {"TargetGroupNotFound"},
	"CreateListener":              {"TargetGroupNotFound", "LoadBalancerNotFound", "CertificateNotFound"},
	"ModifyTargetGroup":           {"TargetGroupNotFound"},
	"ModifyTargetGroupAttributes": {"TargetGroupNotFound"},
	// Classic ELB
	"RegisterInstancesWithLoadBalancer": {"InvalidInstance"},
	// Auto Scaling
	"CreateAutoScalingGroup":         {"InvalidLaunchTemplateId.NotFound"},
	"AttachLoadBalancerTargetGroups": {"TargetGroupNotFound"},
	// RDS
	"DescribeDBInstances": {"DBInstanceNotFound"},
	"DescribeDBSnapshots": {"DBSnapshotNotFound"},
}

// ForOperation returns the classifier for an AWS operation: throttling, the operation's
// eventual-consistency codes, and for launches an instance profile IAM has not propagated yet.
func ForOperation(operation string) Classifier {
	c := Codes(eventualConsistency[operation]...)
	switch operation {
	case "RunInstances", "CreateAutoScalingGroup", "UpdateAutoScalingGroup", "CreateLaunchTemplate",
		"CreateLaunchTemplateVersion":
		return Any(c, InstanceProfileNotPropagated)
	}
	return c
}

// InstanceProfileNotPropagated retries the errors EC2 and Auto Scaling return when an IAM instance
// profile created moments ago is not yet visible to them: IAM is eventually consistent, and the AWS
// documentation advises retrying such calls.
func InstanceProfileNotPropagated(err error) bool {
	if !awserr.IsCode(err, "InvalidParameterValue", "ValidationError") {
		return false
	}
	msg := strings.ToLower(awserr.Message(err))
	return strings.Contains(msg, "instance profile") || strings.Contains(msg, "iaminstanceprofile")
}
