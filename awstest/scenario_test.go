package awstest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/testenv"
)

// The scenario tests run on the simulated cloud by default and, under the integration build tag,
// against AWS_ENDPOINT_URL; the ones that need fault injection say so with RequireSim.

// waitStates polls until every instance is in state, on the environment's clock.
func waitStates(ctx context.Context, t *testing.T, env *testenv.CloudEnv, client *ec2.Client, ids []string, want ec2types.InstanceStateName) {
	t.Helper()
	_, err := poll.Wait(ctx, func(ctx context.Context) (poll.Result, error) {
		out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return poll.Result{}, err
		}
		n := 0
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if i.State.Name == want {
					n++
				}
			}
		}
		if n == len(ids) {
			return poll.Result{Status: poll.Done, State: string(want)}, nil
		}
		return poll.Result{Status: poll.Pending, State: fmt.Sprintf("%d/%d %s", n, len(ids), want)}, nil
	}, poll.Options{What: "instances " + string(want), MinDelay: 5 * time.Second, MaxDelay: 15 * time.Second, MaxWait: 10 * time.Minute, Clock: env.Clock,
		// Read-after-create: a new instance may not be visible to DescribeInstances yet.
		Transient: func(err error) bool { return apiCode(err) == "InvalidInstanceID.NotFound" }})
	require.NoError(t, err)
}

func TestScenarioFleetAcrossZones(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "ec2")
	ctx := context.Background()
	client := ec2.NewFromConfig(env.Config)

	images, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{
		{Name: aws.String("architecture"), Values: []string{"x86_64"}}, {Name: aws.String("name"), Values: []string{"al2023-ami-2023*"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images)
	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(subnets.Subnets), 2, "a fleet needs two zones")

	tag := fmt.Sprintf("scenario-%d", time.Now().UnixNano())
	var ids []string
	zones := map[string]bool{}
	for _, sn := range subnets.Subnets {
		out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: sn.SubnetId,
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("Fleet"), Value: aws.String(tag)}, {Key: aws.String(testenv.TagRun), Value: aws.String(env.Tags()[testenv.TagRun])}}}},
		})
		require.NoError(t, err)
		for _, i := range out.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
			zones[aws.ToString(i.Placement.AvailabilityZone)] = true
		}
	}
	t.Cleanup(func() {
		_, _ = client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: ids})
	})
	assert.Len(t, zones, len(subnets.Subnets))

	start := env.Clock.Now()
	waitStates(ctx, t, env, client, ids, ec2types.InstanceStateNameRunning)

	byTag, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:Fleet"), Values: []string{tag}}, {Name: aws.String("instance-state-name"), Values: []string{"running"}}}})
	require.NoError(t, err)
	n := 0
	for _, r := range byTag.Reservations {
		n += len(r.Instances)
	}
	assert.Equal(t, len(ids), n)

	_, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	waitStates(ctx, t, env, client, ids, ec2types.InstanceStateNameTerminated)
	if env.Sim != nil {
		assert.GreaterOrEqual(t, env.Clock.Now().Sub(start), awstest.DefaultInstancePending+awstest.DefaultInstanceShuttingDown,
			"the waits ran on the virtual clock")
	}
}

func TestScenarioThrottledPollingSucceeds(t *testing.T) {
	env := testenv.Cloud(t)
	sim := env.RequireSim(t, "injects faults (DelayVisibility, ThrottleFraction); asserts the call log")
	ctx := context.Background()
	client := ec2.NewFromConfig(env.Config)
	img := baseImage(t, client)
	sim.DelayVisibility(awstest.ServiceEC2, 10*time.Second)
	out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
	require.NoError(t, err)
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}

	// Half the describe calls are throttled and the instances are not visible at first: the SDK
	// retryer absorbs the throttles and the poll loop the NotFound answers.
	sim.ThrottleFraction(awstest.ServiceEC2, "DescribeInstances", 0.5)
	waitStates(ctx, t, env, client, ids, ec2types.InstanceStateNameRunning)

	describes := sim.Calls().Operation(awstest.ServiceEC2, "DescribeInstances")
	throttled := describes.Filter(func(c awstest.Call) bool { return c.ErrorCode() == "RequestLimitExceeded" })
	assert.NotEmpty(t, throttled, "some polls were throttled")
	retried := describes.Filter(func(c awstest.Call) bool { return c.Attempt > 1 })
	assert.NotEmpty(t, retried, "the SDK retried them")
	assert.Equal(t, "InvalidInstanceID.NotFound", describes[0].ErrorCode(), "the first poll came too early")
}
