package awstest_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func newCloud(t *testing.T, optFns ...func(*awstest.Options)) (*awstest.Cloud, *ec2.Client) {
	t.Helper()
	c := awstest.NewForTest(t, optFns...)
	return c, ec2.NewFromConfig(c.Config())
}

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestConfigAnswersWithTypedOutput(t *testing.T) {
	c, client := newCloud(t)
	out, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err)
	var names []string
	for _, z := range out.AvailabilityZones {
		names = append(names, aws.ToString(z.ZoneName))
	}
	assert.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c"}, names)
	assert.Equal(t, "use1-az2", aws.ToString(out.AvailabilityZones[1].ZoneId))

	calls := c.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, awstest.ServiceEC2, calls[0].Service)
	assert.Equal(t, "DescribeAvailabilityZones", calls[0].Operation)
	assert.Equal(t, awstest.DefaultStart, calls[0].Time)
	assert.Equal(t, 1, calls[0].Attempt)
	assert.IsType(t, &ec2.DescribeAvailabilityZonesInput{}, calls[0].Input)
	assert.NoError(t, calls[0].Err)
}

func TestValidationErrorCarriesCodeAndStatus(t *testing.T) {
	c, client := newCloud(t)
	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
	require.Error(t, err)
	assert.Equal(t, "InvalidParameterValue", apiCode(err))
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode())
	assert.NotEmpty(t, re.ServiceRequestID())
	assert.Equal(t, "InvalidParameterValue", c.Calls()[0].ErrorCode())

	_, err = client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{
		Filters: []ec2types.Filter{{Name: aws.String("no-such-filter"), Values: []string{"x"}}},
	})
	assert.Equal(t, "InvalidParameterValue", apiCode(err))
}

func TestUnmodeledOperationFailsLoudly(t *testing.T) {
	c, client := newCloud(t)
	_, err := client.DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{})
	require.Error(t, err)
	assert.ErrorIs(t, err, awstest.ErrUnmodeled)
	var ue *awstest.UnmodeledError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, awstest.UnmodeledError{Service: "EC2", Operation: "DescribeKeyPairs"}, *ue)
	assert.Contains(t, err.Error(), "EC2 DescribeKeyPairs is not modeled")
	var apiErr smithy.APIError
	assert.False(t, errors.As(err, &apiErr), "an unmodeled operation must not look like an AWS answer")
	calls := c.Calls()
	require.Len(t, calls, 1, "not retried, logged once")
	assert.ErrorIs(t, calls[0].Err, awstest.ErrUnmodeled)
}

func TestThrottledCallsAreRetriedBySDK(t *testing.T) {
	c, client := newCloud(t)
	c.ThrottleNext(awstest.ServiceEC2, "DescribeAvailabilityZones", 2)
	start := c.Clock().Now()

	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err, "two throttles fit in the SDK's three attempts")

	calls := c.Calls().Operation(awstest.ServiceEC2, "DescribeAvailabilityZones")
	require.Len(t, calls, 3)
	for i, call := range calls {
		assert.Equal(t, i+1, call.Attempt)
	}
	assert.Equal(t, "RequestLimitExceeded", calls[0].ErrorCode())
	assert.Equal(t, "RequestLimitExceeded", calls[1].ErrorCode())
	assert.NoError(t, calls[2].Err)
	assert.True(t, calls[2].Time.After(start), "the retryer's backoff advanced the virtual clock")
	assert.Len(t, c.Calls().Failed(), 2)
}

func TestThrottlingBeyondRetryBudgetFails(t *testing.T) {
	c, client := newCloud(t)
	c.ThrottleNext(awstest.ServiceEC2, "", 3)
	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	require.Error(t, err)
	assert.Equal(t, "RequestLimitExceeded", apiCode(err))
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusServiceUnavailable, re.HTTPStatusCode())
	assert.Len(t, c.Calls(), 3)

	// The rule is used up: the next call succeeds first time.
	c.ResetCalls()
	_, err = client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	require.NoError(t, err)
	assert.Len(t, c.Calls(), 1)
}

func TestThrottleFractionIsSeeded(t *testing.T) {
	run := func(seed int64) []string {
		c, client := newCloud(t, func(o *awstest.Options) { o.Seed = seed })
		c.ThrottleFraction(awstest.ServiceEC2, "DescribeAvailabilityZones", 0.5)
		for range 10 {
			_, _ = client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
		}
		var codes []string
		for _, call := range c.Calls() {
			codes = append(codes, call.ErrorCode())
		}
		return codes
	}
	a, b := run(7), run(7)
	assert.Equal(t, a, b, "same seed, same throttles")
	throttled := 0
	for _, code := range a {
		if code == "RequestLimitExceeded" {
			throttled++
		}
	}
	assert.Greater(t, throttled, 0)
	assert.Less(t, throttled, len(a))

	c, client := newCloud(t)
	c.ThrottleFraction(awstest.ServiceEC2, "", 1)
	c.ThrottleFraction(awstest.ServiceEC2, "", 0)
	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	assert.NoError(t, err, "fraction 0 turns throttling off")
}

func TestFailNext(t *testing.T) {
	c, client := newCloud(t)
	c.FailNext(awstest.ServiceEC2, "DescribeAvailabilityZones", 1, "UnauthorizedOperation")
	c.FailNext(awstest.ServiceEC2, "DescribeAvailabilityZones", 1, "InternalError")
	ctx := context.Background()

	_, err := client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	assert.Equal(t, "UnauthorizedOperation", apiCode(err), "a client error is not retried")
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusForbidden, re.HTTPStatusCode(), "EC2 answers UnauthorizedOperation with 403")
	assert.Len(t, c.Calls(), 1)

	_, err = client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	assert.NoError(t, err, "InternalError (HTTP 500) is retried by the SDK")
	assert.Equal(t, []string{"UnauthorizedOperation", "InternalError", ""}, []string{
		c.Calls()[0].ErrorCode(), c.Calls()[1].ErrorCode(), c.Calls()[2].ErrorCode()})

	c.FailNext(awstest.ServiceEC2, "DescribeVpcs", 1, "InternalError")
	c.ClearFaults()
	_, err = client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	assert.NoError(t, err)
}

func TestFaultInjectionRejectsUnknownService(t *testing.T) {
	c, _ := newCloud(t)
	assert.PanicsWithValue(t, `awstest: service "ec2" is not modeled (use the SDK service ID, such as "EC2")`, func() {
		c.ThrottleNext("ec2", "DescribeInstances", 1)
	})
	assert.Panics(t, func() { c.FailZone("us-west-2a") })
	assert.Panics(t, func() { c.ThrottleFraction(awstest.ServiceEC2, "", 1.5) })
}

func TestCancelledContext(t *testing.T) {
	c, client := newCloud(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, c.Calls(), "a cancelled call never reaches the cloud")

	before := c.Clock().Now()
	assert.ErrorIs(t, c.Clock().Sleep(ctx, time.Hour), context.Canceled)
	assert.Equal(t, before, c.Clock().Now(), "a cancelled sleep does not move time")
}

func TestClosedCloudRefusesCalls(t *testing.T) {
	c, client := newCloud(t)
	c.Close()
	c.Close()
	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	assert.ErrorContains(t, err, "closed")
}

func TestClock(t *testing.T) {
	c, _ := newCloud(t, func(o *awstest.Options) { o.Start = time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC) })
	clk := c.Clock()
	start := clk.Now()
	assert.Equal(t, time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC), start)
	require.NoError(t, clk.Sleep(context.Background(), time.Minute))
	clk.Advance(time.Second)
	clk.Advance(-time.Hour)
	require.NoError(t, clk.Sleep(context.Background(), -time.Hour))
	assert.Equal(t, time.Minute+time.Second, clk.Since(start))

	// Concurrent sleepers add up and each sees at least its own duration.
	var wg sync.WaitGroup
	before := clk.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := clk.Now()
			assert.NoError(t, clk.Sleep(context.Background(), time.Second))
			assert.GreaterOrEqual(t, clk.Since(t0), time.Second)
		}()
	}
	wg.Wait()
	assert.Equal(t, 8*time.Second, clk.Since(before))
}

func TestOptionsValidation(t *testing.T) {
	c, err := awstest.New(func(o *awstest.Options) {
		o.Region, o.Zones, o.AccountID, o.EC2.InstancePending = "Mars", []string{"Mars1"}, "42", -time.Second
	})
	require.ErrorIs(t, err, awstest.ErrInvalidOptions)
	assert.Nil(t, c)
	for _, want := range []string{`Region "Mars"`, `Zones: "Mars1"`, `AccountID "42"`, "EC2.InstancePending is negative"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestConcurrentClientsAreRaceFree(t *testing.T) {
	c, client := newCloud(t)
	c.ThrottleFraction(awstest.ServiceEC2, "DescribeInstances", 0.2)
	ctx := context.Background()
	img := baseImage(t, client)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
			if !assert.NoError(t, err) {
				return
			}
			assert.NoError(t, c.Clock().Sleep(ctx, time.Minute))
			_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{aws.ToString(out.Instances[0].InstanceId)}})
			assert.NoError(t, err)
			_ = c.Calls()
		}()
	}
	wg.Wait()
	assert.Len(t, describe(t, client), 16)
	assert.Len(t, c.Calls().Operation(awstest.ServiceEC2, "RunInstances"), 8)
}

func TestCallLogKeepsInputAsSent(t *testing.T) {
	c, client := newCloud(t)
	in := &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1a"}}
	_, err := client.DescribeAvailabilityZones(context.Background(), in)
	require.NoError(t, err)
	in.ZoneNames = []string{"us-east-1b"}
	logged, ok := c.Calls()[0].Input.(*ec2.DescribeAvailabilityZonesInput)
	require.True(t, ok)
	assert.Equal(t, []string{"us-east-1a"}, logged.ZoneNames)
	assert.Equal(t, 1, c.Calls().Count(awstest.ServiceEC2, "DescribeAvailabilityZones"))
	assert.Equal(t, 1, c.Calls().Count(awstest.ServiceEC2, ""))
	assert.Equal(t, 0, c.Calls().Count(awstest.ServiceS3, ""))
}

// A caller that edits its input in place after the call (reusing a request template, say) must
// not rewrite the call log: slice elements and pointed-to values are copied too.
func TestCallLogInputIsADeepCopy(t *testing.T) {
	c, client := newCloud(t)
	img := baseImage(t, client)
	in := &ec2.RunInstancesInput{
		ImageId: aws.String(img), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("Role"), Value: aws.String("web")}}}},
	}
	run(t, client, in)
	in.TagSpecifications[0].Tags[0].Value = aws.String("changed")
	in.TagSpecifications[0].ResourceType = ec2types.ResourceTypeVolume
	*in.MinCount = 7
	*in.ImageId = "ami-0000000000000dead"

	calls := c.Calls().Operation(awstest.ServiceEC2, "RunInstances")
	require.Len(t, calls, 1)
	logged, ok := calls[0].Input.(*ec2.RunInstancesInput)
	require.True(t, ok)
	assert.Equal(t, "web", aws.ToString(logged.TagSpecifications[0].Tags[0].Value))
	assert.Equal(t, ec2types.ResourceTypeInstance, logged.TagSpecifications[0].ResourceType)
	assert.Equal(t, int32(1), aws.ToInt32(logged.MinCount))
	assert.Equal(t, img, aws.ToString(logged.ImageId))
}
