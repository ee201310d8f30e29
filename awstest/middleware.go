package awstest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Middleware IDs in the SDK stack.
const (
	captureInputID = "awstest.CaptureInput"
	dispatchID     = "awstest.Dispatch"
)

type inputKey struct{}

// install adds the cloud's middleware to an SDK operation stack (aws.Config.APIOptions).
//
// The input is captured in the Initialize step, where the typed input is still at hand. The
// answer comes from the Deserialize step: added first, the dispatcher is the outermost Deserialize
// middleware, so serialization, endpoint resolution, signing and the retryer (all earlier steps)
// have run for real, and it replaces the transport and the SDK's response deserializers with the
// typed output or the error the deserializer would have built.
func (c *Cloud) install(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc(captureInputID, captureInput), middleware.Before); err != nil {
		return fmt.Errorf("awstest: add %s: %w", captureInputID, err)
	}
	if err := stack.Deserialize.Add(&dispatcher{cloud: c}, middleware.Before); err != nil {
		return fmt.Errorf("awstest: add %s: %w", dispatchID, err)
	}
	return nil
}

func captureInput(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	return next.HandleInitialize(middleware.WithStackValue(ctx, inputKey{}, in.Parameters), in)
}

type dispatcher struct{ cloud *Cloud }

func (*dispatcher) ID() string { return dispatchID }

func (d *dispatcher) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	out middleware.DeserializeOutput, md middleware.Metadata, err error,
) {
	// A cancelled context stops the call where the HTTP transport would have: before AWS sees it.
	if ctxErr := ctx.Err(); ctxErr != nil {
		return out, md, &smithy.CanceledError{Err: ctxErr}
	}
	c := d.cloud
	svcID, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	input := middleware.GetStackValue(ctx, inputKey{})

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return out, md, errors.New("awstest: the cloud is closed")
	}
	c.requests++
	requestID := fmt.Sprintf("00000000-0000-4000-8000-%012x", c.requests)
	call := Call{Service: svcID, Operation: op, Input: deepCopy(input), Time: c.clock.Now(), Attempt: attemptNumber(in.Request)}
	awsmiddleware.SetRequestIDMetadata(&md, requestID)

	s := c.services[svcID]
	var result any
	switch {
	case s == nil:
		err = &UnmodeledError{Service: svcID, Operation: op}
	default:
		err = c.injected(s, op)
		if err == nil && s.passThrough {
			c.mu.Unlock()
			out, md2, err := next.HandleDeserialize(ctx, in)
			call.Err = err
			c.mu.Lock()
			c.calls = append(c.calls, call)
			c.mu.Unlock()
			return out, md2, err
		}
		if err == nil {
			if h := s.ops[op]; h == nil {
				err = &UnmodeledError{Service: svcID, Operation: op}
			} else {
				r := &request{ctx: ctx, cloud: c, service: s, operation: op, now: call.Time}
				if s.before != nil {
					err = s.before(r, input)
				}
				if err == nil {
					result, err = h(r, input)
				}
				if err == nil {
					if lost := c.lostResponse(s, op); lost != nil {
						result, err, call.Lost = nil, lost, true
					}
				}
			}
		}
	}
	err = shapeError(err, requestID)
	call.Err = err
	c.calls = append(c.calls, call)
	c.mu.Unlock()

	if err != nil {
		return out, md, err
	}
	out.Result = result
	return out, md, nil
}

// shapeError turns a handler's error into what the SDK returns for an error response: the API
// error wrapped in an *awshttp.ResponseError carrying the HTTP status and request ID.
func shapeError(err error, requestID string) error {
	var se *statusError
	if errors.As(err, &se) {
		return responseError(se.status, requestID, se.err)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return responseError(statusForError(apiErr), requestID, err)
	}
	return err
}

// attemptNumber reads the SDK's Amz-Sdk-Request header ("attempt=2; max=3"); 1 when absent.
func attemptNumber(req any) int {
	r, ok := req.(*smithyhttp.Request)
	if !ok {
		return 1
	}
	for _, part := range strings.Split(r.Header.Get("Amz-Sdk-Request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 1
}
