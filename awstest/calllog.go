package awstest

import (
	"errors"
	"reflect"
	"time"

	"github.com/aws/smithy-go"
)

// Call is one request the cloud received: one attempt of an SDK operation. A call the SDK retried
// appears once per attempt.
type Call struct {
	// Service is the SDK service ID, for example "EC2" or "S3".
	Service string
	// Operation is the operation name, for example "RunInstances".
	Operation string
	// Input is a shallow copy of the SDK input, for example *ec2.RunInstancesInput.
	Input any
	// Time is the virtual time the call arrived.
	Time time.Time
	// Attempt is the SDK's attempt number for the operation, 1 for the first.
	Attempt int
	// Err is the error the call returned, nil on success.
	Err error
}

// ErrorCode returns the AWS error code of the call, or "" when it succeeded or failed without an
// AWS code (for example an unmodeled operation).
func (c Call) ErrorCode() string {
	var apiErr smithy.APIError
	if errors.As(c.Err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// CallLog is a list of calls in arrival order, with helpers for assertions.
type CallLog []Call

// Operation returns the calls to the given service and operation. An empty operation matches
// every operation of the service.
func (l CallLog) Operation(service, operation string) CallLog {
	return l.Filter(func(c Call) bool {
		return c.Service == service && (operation == "" || c.Operation == operation)
	})
}

// Count returns how many calls went to the given service and operation (every operation of the
// service when operation is empty), retry attempts included.
func (l CallLog) Count(service, operation string) int { return len(l.Operation(service, operation)) }

// Failed returns the calls that returned an error.
func (l CallLog) Failed() CallLog { return l.Filter(func(c Call) bool { return c.Err != nil }) }

// Filter returns the calls for which keep returns true.
func (l CallLog) Filter(keep func(Call) bool) CallLog {
	var out CallLog
	for _, c := range l {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Names returns "Service.Operation" for each call, in order, for comparing call sequences.
func (l CallLog) Names() []string {
	out := make([]string, len(l))
	for i, c := range l {
		out[i] = c.Service + "." + c.Operation
	}
	return out
}

// Calls returns a copy of the call log. It is safe for concurrent use.
func (c *Cloud) Calls() CallLog {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(CallLog(nil), c.calls...)
}

// ResetCalls empties the call log, for example after a test's setup.
func (c *Cloud) ResetCalls() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
}

// shallowCopy returns a copy of the struct v points to, so the log keeps the input as it was sent
// even if the caller reuses the struct.
func shallowCopy(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return v
	}
	cp := reflect.New(rv.Elem().Type())
	cp.Elem().Set(rv.Elem())
	return cp.Interface()
}
