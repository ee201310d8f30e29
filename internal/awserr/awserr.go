package awserr

import (
	"errors"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// throttleCodes are the error codes AWS services use to say "slow down". It is the SDK retryer's
// list (aws/retry DefaultThrottleErrorCodes) plus the codes Route 53 and S3 use for the same thing.
var throttleCodes = map[string]bool{
	"Throttling":                             true,
	"ThrottlingException":                    true,
	"ThrottledException":                     true,
	"RequestThrottledException":              true,
	"TooManyRequestsException":               true,
	"ProvisionedThroughputExceededException": true,
	"TransactionInProgressException":         true,
	"RequestLimitExceeded":                   true, // EC2
	"BandwidthLimitExceeded":                 true,
	"LimitExceededException":                 false, // a quota in ELB and Auto Scaling, not a rate: never retried
	"RequestThrottled":                       true,
	"SlowDown":                               true, // S3
	"PriorRequestNotComplete":                true, // Route 53: a change to the same zone is still being applied
	"EC2ThrottledException":                  true,
}

// Code returns the AWS error code of err, or "" when err carries none.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Message returns the AWS error message of err, or "" when err carries none.
func Message(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return ""
}

// IsCode reports whether err carries one of the given AWS error codes.
func IsCode(err error, codes ...string) bool {
	code := Code(err)
	if code == "" {
		return false
	}
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// IsThrottle reports whether err is AWS asking the caller to slow down (Throttling,
// RequestLimitExceeded, SlowDown, PriorRequestNotComplete, ...). Quota errors such as
// LimitExceededException are not throttling.
func IsThrottle(err error) bool {
	if throttleCodes[Code(err)] {
		return true
	}
	return HTTPStatus(err) == http.StatusTooManyRequests
}

// IsNotFound reports whether err says the addressed resource does not exist: a code such as
// InvalidInstanceID.NotFound, TargetGroupNotFound, DBInstanceNotFound, NoSuchHostedZone or NoSuchKey,
// or a bare HTTP 404. Transport failures, access errors and every other error are not "not found".
func IsNotFound(err error) bool {
	code := Code(err)
	switch {
	case code == "":
		return HTTPStatus(err) == http.StatusNotFound
	case strings.HasSuffix(code, "NotFound"), strings.HasSuffix(code, ".NotFound"),
		strings.HasSuffix(code, "NotFoundException"), strings.HasSuffix(code, "NotFoundFault"),
		strings.HasPrefix(code, "NoSuch"):
		return true
	}
	return code == "NotFound"
}

// HTTPStatus returns the HTTP status code of the response that produced err, or 0 when err did not
// come from an HTTP response.
func HTTPStatus(err error) int {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}
