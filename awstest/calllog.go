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
	// Input is a deep copy of the SDK input as it was sent, for example *ec2.RunInstancesInput:
	// changing the caller's input afterwards, even slice elements in place, does not change it.
	// Values behind interface fields, such as an S3 upload's Body reader, are shared.
	Input any
	// Time is the virtual time the call arrived.
	Time time.Time
	// Attempt is the SDK's attempt number for the operation, 1 for the first.
	Attempt int
	// Err is the error the call returned, nil on success.
	Err error
	// Lost reports that the call took effect but its response was lost ([Cloud.LoseResponseNext]):
	// Err is the connection error the client saw.
	Lost bool
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

// deepCopy returns a copy of v that shares no mutable memory reachable through exported fields,
// pointers, slices, maps and arrays, so the log keeps the input as it was sent even if the caller
// reuses or edits the struct, its slices or their elements in place afterwards. SDK inputs are
// plain data: values behind interface, func and channel fields (an S3 Body reader) and unexported
// fields (the SDK's serde markers) are kept as they are; copying a reader would not make sense.
func deepCopy(v any) any {
	if v == nil {
		return nil
	}
	return copyValue(reflect.ValueOf(v)).Interface()
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		cp := reflect.New(v.Type().Elem())
		cp.Elem().Set(copyValue(v.Elem()))
		return cp
	case reflect.Struct:
		cp := reflect.New(v.Type()).Elem()
		cp.Set(v) // unexported fields as they are
		for i := range v.NumField() {
			if cp.Field(i).CanSet() {
				cp.Field(i).Set(copyValue(v.Field(i)))
			}
		}
		return cp
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		if plainKind(v.Type().Elem().Kind()) {
			reflect.Copy(cp, v)
			return cp
		}
		for i := range v.Len() {
			cp.Index(i).Set(copyValue(v.Index(i)))
		}
		return cp
	case reflect.Array:
		cp := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			cp.Index(i).Set(copyValue(v.Index(i)))
		}
		return cp
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		cp := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			cp.SetMapIndex(it.Key(), copyValue(it.Value()))
		}
		return cp
	}
	return v
}

// plainKind reports whether values of kind k hold no references, so a slice of them is copied
// with one reflect.Copy (user data, byte slices).
func plainKind(k reflect.Kind) bool {
	switch k {
	case reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return false
	}
	return true
}
