package awstest

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// A service is one simulated AWS service: its SDK service ID, its operations and how it shapes
// errors. Each model builds one in its constructor; services.go lists the models.
type service struct {
	// id is the SDK's service ID (awsmiddleware.GetServiceID), for example "EC2".
	id string
	// throttleCode and throttleStatus are what the service answers when it throttles a call.
	throttleCode   string
	throttleStatus int
	// newError returns the error the SDK produces for code: the typed exception where the SDK
	// defines one, a *smithy.GenericAPIError otherwise. Nil means always generic.
	newError func(code, message string) error
	// ops maps operation names to handlers. Set them with handle.
	ops map[string]opHandler
	// before, if set, runs before every handler of the service and may answer the call with an
	// error (EC2's DryRun).
	before func(r *request, in any) error
	// passThrough sends calls on to the HTTP transport instead of answering them (S3, which the
	// embedded gofakes3 server answers over the wire).
	passThrough bool
}

// opHandler answers one call. It runs with Cloud.mu held.
type opHandler func(r *request, in any) (any, error)

// request is what a handler knows about the call it answers.
type request struct {
	ctx       context.Context
	cloud     *Cloud
	service   *service
	operation string
	// now is the virtual time of the call; a handler uses it rather than reading the clock, so one
	// call sees one instant.
	now time.Time
}

func newService(id, throttleCode string, throttleStatus int) *service {
	return &service{id: id, throttleCode: throttleCode, throttleStatus: throttleStatus, ops: map[string]opHandler{}}
}

// handle registers fn as the handler of operation op on s. I and O are the SDK's input and output
// types, so a handler is written against the real SDK shapes and checked by the compiler.
func handle[I, O any](s *service, op string, fn func(r *request, in *I) (*O, error)) {
	if _, dup := s.ops[op]; dup {
		panic(fmt.Sprintf("awstest: %s %s registered twice", s.id, op))
	}
	s.ops[op] = func(r *request, in any) (any, error) {
		typed, ok := in.(*I)
		if !ok || typed == nil {
			return nil, fmt.Errorf("awstest: %s %s: got input %T, want %T", s.id, op, in, typed)
		}
		out, err := fn(r, typed)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// unmodeled returns the error for a request that uses a feature of the operation the model does
// not implement.
func (r *request) unmodeled(format string, args ...any) error {
	return &UnmodeledError{Service: r.service.id, Operation: r.operation, Feature: fmt.Sprintf(format, args...)}
}

// errorf returns a client error (HTTP 400) with the given AWS code, shaped as the SDK shapes it.
func (s *service) errorf(code, format string, args ...any) error {
	return s.statusErrorf(http.StatusBadRequest, code, format, args...)
}

// statusErrorf returns an error with the given AWS code and HTTP status.
func (s *service) statusErrorf(status int, code, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &statusError{status: status, err: s.apiError(code, msg)}
}

func (s *service) apiError(code, msg string) error {
	if s.newError != nil {
		return s.newError(code, msg)
	}
	return genericError(code, msg)
}
