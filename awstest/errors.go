package awstest

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ErrInvalidOptions is matched by the error of [New] for invalid [Options]; the message names every
// invalid field.
var ErrInvalidOptions = errors.New("awstest: invalid options")

// ErrUnmodeled is matched (errors.Is) by the error of every call to a service or operation the
// cloud does not model. The concrete error is an [*UnmodeledError].
var ErrUnmodeled = errors.New("awstest: operation not modeled")

// UnmodeledError is the error of a call to a service or operation the cloud does not model. It is
// deliberately not an AWS API error: code under test must not mistake it for an answer from AWS,
// and the SDK retryer does not retry it.
type UnmodeledError struct {
	// Service is the SDK service ID, for example "EC2".
	Service string
	// Operation is the operation name, for example "DescribeKeyPairs".
	Operation string
	// Feature, when set, names the part of a modeled operation's input the cloud does not model,
	// for example "load balancer type gateway": AWS would accept the request, so the cloud must
	// not answer it with an AWS error code as if AWS had refused it.
	Feature string
}

// Error names the service, the operation and the feature, if any.
func (e *UnmodeledError) Error() string {
	if e.Feature != "" {
		return fmt.Sprintf("awstest: %s %s: %s is not modeled by the simulated cloud (the awstest package doc lists what is)", e.Service, e.Operation, e.Feature)
	}
	return fmt.Sprintf("awstest: %s %s is not modeled by the simulated cloud (the awstest package doc lists what is)", e.Service, e.Operation)
}

// Is reports whether target is ErrUnmodeled.
func (e *UnmodeledError) Is(target error) bool { return target == ErrUnmodeled }

// statusError carries the HTTP status AWS sends with an API error. The middleware unwraps it and
// shapes the error as the SDK does after reading a response.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// genericError is the error the SDK builds for a code it has no type for (every EC2 code).
func genericError(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

// serverStatus gives the HTTP status of well-known server-side codes; everything else is a client
// error (400). EC2 lists RequestLimitExceeded, InsufficientInstanceCapacity, InternalError and
// Unavailable among its server errors (API reference, "Error codes").
var serverStatus = map[string]int{
	"InternalError":                http.StatusInternalServerError,
	"InternalFailure":              http.StatusInternalServerError,
	"InsufficientInstanceCapacity": http.StatusInternalServerError,
	"InsufficientCapacity":         http.StatusInternalServerError,
	"ServiceUnavailable":           http.StatusServiceUnavailable,
	"Unavailable":                  http.StatusServiceUnavailable,
	"RequestLimitExceeded":         http.StatusServiceUnavailable,
	"SlowDown":                     http.StatusServiceUnavailable,
}

// clientStatus gives the HTTP status of client-side codes that AWS does not answer with 400:
// authorization failures (EC2's UnauthorizedOperation is 403 and AuthFailure 401; S3's AccessDenied
// is 403) and S3's missing key, bucket or upload (404; a HEAD request's error has the bare code
// NotFound). Code that checks the status, as HeadObject callers often do, sees what AWS sends.
var clientStatus = map[string]int{
	"UnauthorizedOperation": http.StatusForbidden,
	"AuthFailure":           http.StatusUnauthorized,
	"AccessDenied":          http.StatusForbidden,
	"NoSuchKey":             http.StatusNotFound,
	"NoSuchBucket":          http.StatusNotFound,
	"NoSuchUpload":          http.StatusNotFound,
	"NotFound":              http.StatusNotFound,
	// IAM
	"NoSuchEntity":        http.StatusNotFound,
	"EntityAlreadyExists": http.StatusConflict,
	"DeleteConflict":      http.StatusConflict,
	"LimitExceeded":       http.StatusConflict,
}

func statusForCode(code string) int {
	if s, ok := serverStatus[code]; ok {
		return s
	}
	if s, ok := clientStatus[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// statusForError is statusForCode for an API error, also taking the SDK's word for typed
// exceptions it marks as server faults (ELBv2's HealthUnavailable and InsufficientCapacity, ACM's
// InternalServerException), which AWS sends with HTTP 500.
func statusForError(apiErr smithy.APIError) int {
	s := statusForCode(apiErr.ErrorCode())
	if s == http.StatusBadRequest && apiErr.ErrorFault() == smithy.FaultServer {
		return http.StatusInternalServerError
	}
	return s
}

// responseError shapes an API error the way the SDK returns one it read from an HTTP response, so
// that the retryer classifies it as it would a real one and awshttp.ResponseError is reachable.
func responseError(status int, requestID string, apiErr error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{
				StatusCode: status,
				Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
				Header:     http.Header{"X-Amzn-Requestid": []string{requestID}},
				Body:       http.NoBody,
			}},
			Err: apiErr,
		},
		RequestID: requestID,
	}
}
