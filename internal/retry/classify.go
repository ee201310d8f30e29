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

// Codes returns a classifier that retries throttling and the given AWS error codes. The call site
// names the codes that mean "not visible yet" for that call: TargetGroupNotFound when registering
// in a target group created a moment ago, InvalidInstanceID.NotFound when describing an instance
// just launched. A describe that finds out whether something exists passes no NotFound code (it
// uses Throttling), because there NotFound is the answer, not a delay.
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
