package poll

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

// script returns a check that plays back steps in order, repeating the last one, and counts calls.
type step struct {
	res Result
	err error
}

func script(calls *int, steps ...step) Check {
	return func(context.Context) (Result, error) {
		i := min(*calls, len(steps)-1)
		*calls++
		return steps[i].res, steps[i].err
	}
}

func pending(state string) step { return step{res: Result{Status: Pending, State: state}} }

func opts(c clock.Clock) Options {
	return Options{What: "widget ready", MinDelay: time.Second, MaxDelay: 8 * time.Second,
		MaxWait: time.Minute, Jitter: -1, Clock: c}
}

func TestWaitDone(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	res, err := Wait(context.Background(), script(&calls,
		pending("creating"), pending("creating"), pending("creating"), step{res: Result{Status: Done, State: "available"}},
	), opts(fc))
	require.NoError(t, err)
	assert.Equal(t, "available", res.State)
	assert.Equal(t, 4, calls)
	// Delay doubles while the state stays the same.
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, fc.Sleeps())
}

func TestWaitDelayCappedAndResetOnChange(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	_, err := Wait(context.Background(), script(&calls,
		pending("a"), pending("a"), pending("a"), pending("a"), pending("a"), pending("b"),
		step{res: Result{Status: Done, State: "c"}},
	), opts(fc))
	require.NoError(t, err)
	s := time.Second
	assert.Equal(t, []time.Duration{s, 2 * s, 4 * s, 8 * s, 8 * s, s}, fc.Sleeps())
}

func TestWaitJitterStaysWithinBounds(t *testing.T) {
	fc := clock.NewFake(t0)
	o := opts(fc)
	o.Jitter = 0.5
	o.MinDelay, o.MaxDelay = 10*time.Second, 10*time.Second
	o.MaxWait = time.Hour
	var calls int
	_, err := Wait(context.Background(), script(&calls,
		pending("x"), pending("x"), pending("x"), pending("x"), pending("x"), step{res: Result{Status: Done}},
	), o)
	require.NoError(t, err)
	for _, d := range fc.Sleeps() {
		assert.GreaterOrEqual(t, d, 5*time.Second)
		assert.LessOrEqual(t, d, 10*time.Second)
	}
}

func TestWaitFailureReturnsAtOnce(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	res, err := Wait(context.Background(), script(&calls,
		pending("initial"), step{res: Result{Status: Failed, State: "unhealthy", Reason: "Target.FailedHealthChecks"}},
	), opts(fc))
	var failed *FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "unhealthy", failed.State)
	assert.Equal(t, "Target.FailedHealthChecks", failed.Reason)
	assert.Equal(t, "widget ready", failed.What)
	assert.Equal(t, "unhealthy", res.State)
	assert.Equal(t, 2, calls)
	assert.Equal(t, time.Second, fc.Now().Sub(t0), "failure must not wait for the deadline")
	assert.Contains(t, err.Error(), "Target.FailedHealthChecks")
}

func TestWaitTimeoutNamesLastState(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	_, err := Wait(context.Background(), script(&calls, pending("creating"), pending("backing-up")), opts(fc))
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, "backing-up", te.LastState)
	assert.Equal(t, time.Minute, te.Waited)
	assert.Contains(t, err.Error(), `"backing-up"`)
	assert.Contains(t, err.Error(), "widget ready")
	assert.Equal(t, time.Minute, fc.Now().Sub(t0), "the last sleep is cut to the remaining time")
}

func TestWaitProgressOnEveryStateChange(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	var got []Progress
	o := opts(fc)
	o.OnProgress = func(p Progress) { got = append(got, p) }
	_, err := Wait(context.Background(), script(&calls,
		pending("creating"), pending("creating"), pending("modifying"), pending("modifying"),
		step{res: Result{Status: Done, State: "available"}},
	), o)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, Progress{What: "widget ready", State: "creating", Attempt: 1}, got[0])
	assert.Equal(t, "creating", got[1].Previous)
	assert.Equal(t, "modifying", got[1].State)
	assert.Equal(t, 3, got[1].Attempt)
	assert.Equal(t, 3*time.Second, got[1].Elapsed)
	assert.Equal(t, "available", got[2].State)
}

func TestWaitToleratesThrottlingAndDeclaredTransientErrors(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	notFound := &smithy.GenericAPIError{Code: "TargetGroupNotFound"}
	o := opts(fc)
	o.Transient = func(err error) bool { return errors.Is(err, notFound) }
	res, err := Wait(context.Background(), script(&calls,
		step{err: notFound},
		step{err: &smithy.GenericAPIError{Code: "Throttling"}},
		step{res: Result{Status: Done, State: "ok"}},
	), o)
	require.NoError(t, err)
	assert.Equal(t, "ok", res.State)
	assert.Equal(t, 3, calls)
}

func TestWaitReturnsOtherErrorsAtOnce(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	denied := &smithy.GenericAPIError{Code: "AccessDenied"}
	_, err := Wait(context.Background(), script(&calls, pending("x"), step{err: denied}), opts(fc))
	require.ErrorIs(t, err, denied)
	assert.Equal(t, 2, calls)
	assert.Contains(t, err.Error(), "widget ready")
}

func TestWaitTimeoutKeepsLastTransientError(t *testing.T) {
	fc := clock.NewFake(t0)
	var calls int
	throttled := &smithy.GenericAPIError{Code: "Throttling"}
	_, err := Wait(context.Background(), script(&calls, step{err: throttled}), opts(fc))
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	assert.False(t, te.Observed)
	assert.ErrorIs(t, err, throttled)
	assert.Contains(t, err.Error(), "no state observed")
}

// blockingClock sleeps until ctx is done, like a real clock with a long delay.
type blockingClock struct{ clock.Clock }

func (blockingClock) Sleep(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestWaitCancelReturnsCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	check := func(context.Context) (Result, error) {
		calls++
		cancel()
		return Result{Status: Pending, State: "x"}, nil
	}
	_, err := Wait(ctx, check, opts(blockingClock{clock.NewFake(t0)}))
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout)
	assert.Equal(t, 1, calls)
}

func TestWaitCtxDeadlineIsTimeout(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	check := func(context.Context) (Result, error) { return Result{}, errors.New("must not be called") }
	_, err := Wait(ctx, check, opts(clock.NewFake(t0)))
	assert.ErrorIs(t, err, ErrTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestWaitCheckErrorAfterCancelIsCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	check := func(ctx context.Context) (Result, error) {
		cancel()
		return Result{}, errors.New("request canceled")
	}
	_, err := Wait(ctx, check, opts(clock.NewFake(t0)))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWaitValidatesOptions(t *testing.T) {
	check := func(context.Context) (Result, error) { return Result{Status: Done}, nil }
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"missing what", Options{}, "What is required"},
		{"negative delay", Options{What: "x", MinDelay: -1}, "negative"},
		{"jitter too big", Options{What: "x", Jitter: 1}, "Jitter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Wait(context.Background(), check, tt.o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
