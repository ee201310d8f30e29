package wait

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTimeoutErrorMatchesAndUnwraps(t *testing.T) {
	sentinel := errors.New("elb: timed out")
	other := errors.New("other: timed out")
	e := &TimeoutError{Package: "elb", What: "x", Waited: time.Second, Sentinel: sentinel, Cause: context.DeadlineExceeded}
	assert.ErrorIs(t, e, ErrTimeout)
	assert.ErrorIs(t, e, sentinel)
	assert.NotErrorIs(t, e, other)
	assert.ErrorIs(t, e, context.DeadlineExceeded)
	assert.Equal(t, `elb: timed out after 1s waiting for x: no state observed`, e.Error())

	last := errors.New("Throttling")
	e2 := &TimeoutError{What: "y", Observed: true, LastState: "s", LastErr: last}
	assert.ErrorIs(t, e2, last)
	assert.Equal(t, `timed out after 0s waiting for y: last state "s" (last check failed: Throttling)`, e2.Error())
}

func TestFailedErrorMatches(t *testing.T) {
	sentinel := errors.New("rds: failed")
	e := &FailedError{Package: "rds", What: "db available", State: "storage-full", Reason: "out of space", Sentinel: sentinel}
	assert.ErrorIs(t, e, ErrFailed)
	assert.ErrorIs(t, e, sentinel)
	assert.NotErrorIs(t, e, ErrTimeout)
	assert.Equal(t, `rds: db available failed: state "storage-full": out of space`, e.Error())
}
