package awstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// healthyTarget registers one running instance in zone and reads its health until it is healthy.
func healthyTarget(t *testing.T, f *lbFixture, zone string) string {
	t.Helper()
	id := f.run(t, zone, true)
	_, err := f.elb.RegisterTargets(context.Background(), &elasticloadbalancingv2.RegisterTargetsInput{
		TargetGroupArn: aws.String(f.tgARN), Targets: []elbv2types.TargetDescription{{Id: aws.String(id)}},
	})
	require.NoError(t, err)
	f.cloud.Clock().Advance(time.Minute)
	require.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State)
	return id
}

func TestUnobservedZoneOutageLeavesItsTransitions(t *testing.T) {
	f := newLBFixture(t)
	zone := f.cloud.Zones()[0]
	id := healthyTarget(t, f, zone)

	// A five-minute outage that no call observes while it lasts.
	failedAt := f.cloud.Clock().Now()
	f.cloud.FailZone(zone)
	f.cloud.Clock().Advance(5 * time.Minute)
	recoveredAt := f.cloud.Clock().Now()
	f.cloud.RecoverZone(zone)
	f.cloud.Clock().Advance(2 * time.Minute)

	var toUnhealthy, backHealthy *awstest.TargetTransition
	for _, tr := range f.cloud.TargetTransitions(f.tgARN) {
		tr := tr
		switch {
		case tr.TargetID == id && tr.To == "unhealthy" && toUnhealthy == nil:
			toUnhealthy = &tr
		case tr.TargetID == id && tr.To == "healthy" && toUnhealthy != nil:
			backHealthy = &tr
		}
	}
	require.NotNil(t, toUnhealthy, "the outage left no unhealthy transition")
	assert.Equal(t, "Target.Timeout", toUnhealthy.Reason)
	assert.False(t, toUnhealthy.At.Before(failedAt), "unhealthy at %s, before the zone failed at %s", toUnhealthy.At, failedAt)
	assert.True(t, toUnhealthy.At.Before(recoveredAt))
	require.NotNil(t, backHealthy, "the target never recovered after the outage")
	assert.False(t, backHealthy.At.Before(recoveredAt), "healthy again at %s, before the recovery at %s", backHealthy.At, recoveredAt)
	assert.Equal(t, elbv2types.TargetHealthStateEnumHealthy, f.health(t, id)[id].State)
}

func TestNoTransitionBeforeItsCause(t *testing.T) {
	f := newLBFixture(t)
	zone := f.cloud.Zones()[1]
	id := healthyTarget(t, f, zone)

	// Nobody reads the target group for a long time; then an instance failure is injected. The
	// health checks replayed for the quiet period must not see it.
	f.cloud.Clock().Advance(13 * time.Minute)
	failedAt := f.cloud.Clock().Now()
	f.cloud.FailInstance(id)
	f.cloud.Clock().Advance(time.Minute)

	found := false
	for _, tr := range f.cloud.TargetTransitions(f.tgARN) {
		if tr.TargetID != id || tr.To != "unhealthy" {
			continue
		}
		found = true
		assert.False(t, tr.At.Before(failedAt), "unhealthy transition at %s precedes its cause at %s", tr.At, failedAt)
	}
	assert.True(t, found, "the instance failure made no unhealthy transition")
}

func TestInstanceHealthyReflectsWindows(t *testing.T) {
	f := newLBFixture(t)
	zone := f.cloud.Zones()[2]
	id := f.run(t, zone, true)
	assert.True(t, f.cloud.InstanceHealthy(id))
	f.cloud.FailZone(zone)
	assert.False(t, f.cloud.InstanceHealthy(id))
	f.cloud.FailZone(zone) // already failed: no second window
	f.cloud.RecoverZone(zone)
	assert.True(t, f.cloud.InstanceHealthy(id))
	f.cloud.FailInstance(id)
	f.cloud.ClearFaults()
	assert.True(t, f.cloud.InstanceHealthy(id), "ClearFaults ends an instance failure")
}

func TestFaultForUnknownOperationPanics(t *testing.T) {
	c := awstest.NewForTest(t)
	msg := func() (msg string) {
		defer func() { msg, _ = recover().(string) }()
		c.FailNext(awstest.ServiceELBv2, "DescribeTargetHealths", 1, "Throttling")
		return ""
	}()
	assert.Contains(t, msg, `awstest: Elastic Load Balancing v2 has no operation "DescribeTargetHealths"`)
	assert.Panics(t, func() { c.ThrottleNext(awstest.ServiceEC2, "RunInstance", 1) })
	assert.Panics(t, func() { c.ThrottleFraction(awstest.ServiceS3, "PutObjects", 0.5) })
	assert.Panics(t, func() { c.LoseResponseNext(awstest.ServiceACM, "RequestCertificates", 1) })
	assert.NotPanics(t, func() {
		c.ThrottleNext(awstest.ServiceS3, "PutObject", 1)
		c.FailNext(awstest.ServiceEC2, "", 1, "InternalError")
		c.ClearFaults()
	})
}
