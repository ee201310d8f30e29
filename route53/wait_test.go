package route53_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
	"github.com/portalkit/portalkit/wait"
)

// TestInSyncWithinOnePollInterval: the change goes INSYNC DefaultChangePropagation (60 s) of
// virtual time after it was accepted; the wait sees it at most MaxPollInterval later, and its
// first GetChange comes PollInterval after the change, not the SDK waiter's 30 s.
func TestInSyncWithinOnePollInterval(t *testing.T) {
	f := newFixture(t)
	var progress []route53.Progress
	c := f.client(t, func(o *route53.Options) { o.OnProgress = func(p route53.Progress) { progress = append(progress, p) } })
	target := f.target(t, c, f.lb(t, "web", "", ""))
	f.cloud.ResetCalls()
	res, err := c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target})
	require.NoError(t, err)
	require.True(t, res.InSync)

	changed := f.changes()[0].Time
	insyncAt, ok := f.cloud.Route53ChangeInSync(res.ChangeIDs[0])
	require.True(t, ok)
	assert.Equal(t, awstest.DefaultChangePropagation, insyncAt.Sub(changed))
	polls := f.cloud.Calls().Operation(awstest.ServiceRoute53, "GetChange")
	require.GreaterOrEqual(t, len(polls), 2)
	last, before := polls[len(polls)-1], polls[len(polls)-2]
	firstPoll := polls[0].Time.Sub(changed)
	lag := last.Time.Sub(insyncAt)
	t.Logf("change accepted at +0s; first GetChange at +%s; INSYNC at +%s; seen at +%s (lag %s, %d polls)",
		firstPoll, insyncAt.Sub(changed), last.Time.Sub(changed), lag, len(polls))

	assert.LessOrEqual(t, firstPoll, route53.DefaultPollInterval+time.Second, "first poll after a few seconds")
	assert.True(t, before.Time.Before(insyncAt), "the poll before saw PENDING")
	assert.GreaterOrEqual(t, lag, time.Duration(0))
	assert.LessOrEqual(t, lag, route53.DefaultMaxPollInterval, "INSYNC seen within one poll interval")

	require.GreaterOrEqual(t, len(progress), 2)
	assert.Equal(t, "PENDING", progress[0].Status)
	assert.Equal(t, res.ChangeIDs[0], progress[0].ChangeID)
	assert.Equal(t, "INSYNC", progress[len(progress)-1].Status)
	assert.Equal(t, len(polls), progress[len(progress)-1].Polls)
}

func TestWaitTimeout(t *testing.T) {
	f := newFixture(t, func(o *awstest.Options) { o.Route53.ChangePropagation = time.Hour })
	c := f.client(t)
	target := f.target(t, c, f.lb(t, "web", "", ""))
	res, err := c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target}, func(o *route53.Options) { o.WaitTimeout = time.Minute })
	require.ErrorIs(t, err, route53.ErrTimeout)
	require.ErrorIs(t, err, wait.ErrTimeout)
	var te *wait.TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "PENDING", te.LastState)
	assert.Contains(t, err.Error(), "route53: ")
	require.NotNil(t, res)
	assert.False(t, res.InSync)
	assert.Len(t, res.ChangeIDs, 1, "the change was made; only the wait failed")

	// NoWait returns at once; WaitInSync waits later.
	res, err = c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target, WWW: route53.WWWNone, EvaluateTargetHealth: true},
		func(o *route53.Options) { o.NoWait = true })
	require.NoError(t, err)
	assert.False(t, res.InSync)
	f.cloud.Clock().Advance(time.Hour)
	require.NoError(t, c.WaitInSync(context.Background(), "/change/"+res.ChangeIDs[0]))
}

// TestConcurrentCallersSerialisedAndRateLimited runs 20 callers pointing one site at 20 load
// balancers at once, as racing deploys would, with Route 53 refusing a change while the zone's
// previous one is PENDING: each change starts after the previous one is INSYNC, none is refused,
// and calls start at least 1/5 s apart in virtual time (never more than 5 in any second).
func TestConcurrentCallersSerialisedAndRateLimited(t *testing.T) {
	f := newFixture(t, func(o *awstest.Options) { o.Route53.PriorRequestNotComplete = true })
	c := f.client(t)
	ctx := context.Background()
	const callers = 20
	targets := make([]route53.Target, callers)
	for i := range targets {
		targets[i] = f.target(t, c, f.lb(t, fmt.Sprintf("web-%02d", i), "", ""))
	}
	f.cloud.ResetCalls()

	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.EnsureSite(ctx, route53.Site{Domain: "example.com", Target: targets[i]})
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	calls := f.cloud.Calls().Filter(func(c awstest.Call) bool { return c.Service == awstest.ServiceRoute53 })
	changes := f.changes()
	require.Len(t, changes, callers)
	assert.Empty(t, calls.Failed(), "no PriorRequestNotComplete, no throttling")
	for i := 1; i < len(changes); i++ {
		assert.False(t, changes[i].Time.Before(changes[i-1].Time.Add(awstest.DefaultChangePropagation)),
			"change %d starts after change %d is INSYNC", i, i-1)
	}
	times := make([]time.Time, len(calls))
	for i, call := range calls {
		times[i] = call.Time
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	minGap := time.Hour
	for i := 1; i < len(times); i++ {
		minGap = min(minGap, times[i].Sub(times[i-1]))
	}
	maxInSecond := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
			n++
		}
		maxInSecond = max(maxInSecond, n)
	}
	t.Logf("%d calls over %s of virtual time; smallest gap %s; at most %d in any second", len(times), times[len(times)-1].Sub(times[0]), minGap, maxInSecond)
	assert.GreaterOrEqual(t, minGap, time.Second/time.Duration(route53.DefaultRequestsPerSecond))
	assert.LessOrEqual(t, maxInSecond, int(route53.DefaultRequestsPerSecond))
}

// TestRateLimitConfigurable: at 2 requests per second, reads of one zone start 500 ms apart.
func TestRateLimitConfigurable(t *testing.T) {
	f := newFixture(t)
	c := f.client(t, func(o *route53.Options) { o.RequestsPerSecond = 2; o.NoWait = true })
	ctx := context.Background()
	f.cloud.ResetCalls()
	for range 4 {
		_, err := c.EnsureRecords(ctx, []r53types.ResourceRecordSet{{Name: aws.String("a.example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(60),
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(`"x"`)}}}})
		require.NoError(t, err)
	}
	calls := f.cloud.Calls()
	require.Len(t, calls, 7, "two lookups (a.example.com, example.com), list, change, then a list per run")
	for i := 1; i < len(calls); i++ {
		assert.GreaterOrEqual(t, calls[i].Time.Sub(calls[i-1].Time), 500*time.Millisecond)
	}
	_, err := f.r53.GetChange(ctx, &awsroute53.GetChangeInput{Id: aws.String("nope")})
	require.Error(t, err)
}

// TestWaitingForTheZoneLockEndsWithCtx: a caller queued behind another change of the zone leaves
// when its ctx ends, without waiting for the lock.
func TestWaitingForTheZoneLockEndsWithCtx(t *testing.T) {
	f := newFixture(t)
	hold, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c := f.client(t, func(o *route53.Options) {
		o.OnProgress = func(route53.Progress) { once.Do(func() { close(hold); <-release }) }
	})
	target := f.target(t, c, f.lb(t, "web", "", ""))
	done := make(chan error, 1)
	go func() {
		_, err := c.EnsureSite(context.Background(), route53.Site{Domain: "example.com", Target: target})
		done <- err
	}()
	<-hold // the first caller holds the zone's lock, its change accepted

	_, err := c.FindZone(context.Background(), "a.example.com")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.EnsureRecords(ctx, []r53types.ResourceRecordSet{{Name: aws.String("a.example.com"), Type: r53types.RRTypeTxt, TTL: aws.Int64(60),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(`"x"`)}}}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "waiting for other changes to hosted zone")

	close(release)
	require.NoError(t, <-done)
}
