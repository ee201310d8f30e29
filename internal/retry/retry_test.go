package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/clock"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

// failing returns an op that fails with errs in order, then succeeds, counting calls.
func failing(calls *int, errs ...error) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= len(errs) {
			return errs[*calls-1]
		}
		return nil
	}
}

func TestDoRetriesThrottling(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls, notified int
	err := Do(context.Background(), failing(&calls,
		apiErr("Throttling", "Rate exceeded"), apiErr("RequestLimitExceeded", ""),
	), Options{Clock: fc, OnRetry: func(error, time.Duration) { notified++ }})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 2, notified)
	assert.Len(t, fc.Sleeps(), 2, "each retry waits on the injected clock")
}

func TestDoStopsAtOnceOnNonRetryable(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	denied := apiErr("AccessDenied", "no")
	err := Do(context.Background(), failing(&calls, denied), Options{Clock: fc})
	require.ErrorIs(t, err, denied)
	assert.Equal(t, 1, calls)
	assert.Empty(t, fc.Sleeps())
}

func TestDoPermanentStopsAtOnce(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	base := apiErr("Throttling", "")
	err := Do(context.Background(), failing(&calls, Permanent(base)), Options{Clock: fc})
	assert.Same(t, base, err, "Do returns the error inside Permanent")
	assert.Equal(t, 1, calls)
	assert.Nil(t, Permanent(nil))
}

func TestDoGivesUpAfterMaxElapsed(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	op := func(context.Context) error { calls++; return apiErr("Throttling", "") }
	err := Do(context.Background(), op, Options{Clock: fc, MaxElapsed: time.Minute})
	assert.Equal(t, "Throttling", err.(smithy.APIError).ErrorCode())
	assert.Greater(t, calls, 3)
	// The last delay may run past MaxElapsed by at most one interval.
	assert.Less(t, fc.Now().Sub(t0), time.Minute+DefaultMaxInterval)
}

func TestDoMaxAttempts(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	op := func(context.Context) error { calls++; return apiErr("Throttling", "") }
	err := Do(context.Background(), op, Options{Clock: fc, MaxAttempts: 3})
	require.Error(t, err)
	assert.Equal(t, 3, calls)
}

type blockingClock struct{ clock.Clock }

func (blockingClock) Sleep(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestDoCancelReturnsCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	op := func(context.Context) error {
		calls++
		cancel()
		return apiErr("Throttling", "")
	}
	err := Do(ctx, op, Options{Clock: blockingClock{clock.NewFake(t0)}})
	assert.Same(t, context.Canceled, err)
	assert.Equal(t, 1, calls)
}

func TestDoCancelDuringSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	op := func(context.Context) error { calls++; return apiErr("Throttling", "") }
	done := make(chan error)
	go func() { done <- Do(ctx, op, Options{Clock: blockingClock{clock.NewFake(t0)}}) }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 1, calls)
}

func TestClassifiers(t *testing.T) {
	profile := apiErr("InvalidParameterValue", "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")
	launch := Any(Throttling, InstanceProfileNotPropagated)
	tests := []struct {
		name string
		c    Classifier
		err  error
		want bool
	}{
		{"codes: named code", Codes("InvalidInstanceID.NotFound"), apiErr("InvalidInstanceID.NotFound", ""), true},
		{"codes: throttling", Codes("InvalidInstanceID.NotFound"), apiErr("Throttling", ""), true},
		{"codes: other code", Codes("InvalidInstanceID.NotFound"), apiErr("UnauthorizedOperation", ""), false},
		{"codes: several", Codes("TargetGroupNotFound", "InvalidTarget"), apiErr("InvalidTarget", ""), true},
		{"throttling: NotFound is an answer", Throttling, apiErr("LoadBalancerNotFound", ""), false},
		{"throttling: throttled", Throttling, apiErr("RequestLimitExceeded", ""), true},
		{"profile not propagated", launch, profile, true},
		{"profile (Auto Scaling wording)", launch, apiErr("ValidationError", "Invalid IamInstanceProfile: web"), true},
		{"other invalid parameter", launch, apiErr("InvalidParameterValue", "Invalid instance type"), false},
		{"plain error", Codes("X"), errors.New("plain"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.c(tt.err))
		})
	}
}

func TestDoRetriesDeclaredCodes(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	err := Do(context.Background(), failing(&calls,
		apiErr("TargetGroupNotFound", ""), apiErr("TargetGroupNotFound", ""),
	), Options{Clock: fc, Retryable: Codes("TargetGroupNotFound")})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
}
