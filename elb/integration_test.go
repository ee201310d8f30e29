//go:build integration

package elb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/elb"
)

// TestIntegrationMainFlows runs the package's main flows against AWS_ENDPOINT_URL (LocalStack):
// ensure a stack and re-run it without creating anything, register targets and wait until they
// are healthy, then take one out and wait until it drained. The other tests in the package that
// need no fault injection run there too; the ones that do skip.
func TestIntegrationMainFlows(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	name := fmt.Sprintf("pk-int-%d", time.Now().Unix()%100000)
	spec := f.spec(name)
	zero := time.Duration(0)
	spec.TargetGroup.DeregistrationDelay = &zero
	c := f.client(func(o *elb.Options) { o.NoWait = true })

	st, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Contains(t, st.Created, "target group")
	again, err := c.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.Empty(t, again.Created, "a re-run creates nothing")
	assert.Equal(t, st.TargetGroupARN, again.TargetGroupARN)

	ids := f.launch(t, 2)
	targets := elb.Instances(ids...)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, targets))
	rep, err := c.WaitHealthy(ctx, st.TargetGroupARN, targets, func(o *elb.Options) { o.HealthyTimeout = 10 * time.Minute })
	require.NoError(t, err)
	t.Logf("healthy after %s in %d polls", rep.Elapsed, rep.Polls)

	require.NoError(t, c.Deregister(ctx, st.TargetGroupARN, targets[:1]))
	_, err = c.WaitDrained(ctx, st.TargetGroupARN, targets[:1])
	require.NoError(t, err)
}
