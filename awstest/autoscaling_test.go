package awstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// asgFixture is a cloud with a launch template over the default Amazon Linux image.
type asgFixture struct {
	cloud *awstest.Cloud
	ec2   *ec2.Client
	as    *autoscaling.Client
	ltID  string
}

func newASGFixture(t *testing.T, optFns ...func(*awstest.Options)) *asgFixture {
	t.Helper()
	cloud := awstest.NewForTest(t, optFns...)
	f := &asgFixture{cloud: cloud, ec2: ec2.NewFromConfig(cloud.Config()), as: autoscaling.NewFromConfig(cloud.Config())}
	f.ltID = f.template(t, "web", baseImage(t, f.ec2))
	return f
}

func (f *asgFixture) template(t *testing.T, name, image string) string {
	t.Helper()
	out, err := f.ec2.CreateLaunchTemplate(context.Background(), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(image), InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	return aws.ToString(out.LaunchTemplate.LaunchTemplateId)
}

func (f *asgFixture) group(t *testing.T, name string, size int32, zones ...string) {
	t.Helper()
	if len(zones) == 0 {
		zones = f.cloud.Zones()[:2]
	}
	_, err := f.as.CreateAutoScalingGroup(context.Background(), &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), MinSize: aws.Int32(0), MaxSize: aws.Int32(20), DesiredCapacity: aws.Int32(size),
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(f.ltID), Version: aws.String("$Latest")},
		AvailabilityZones: zones,
	})
	require.NoError(t, err)
}

func (f *asgFixture) describe(t *testing.T, name string) astypes.AutoScalingGroup {
	t.Helper()
	out, err := f.as.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	require.NoError(t, err)
	require.Len(t, out.AutoScalingGroups, 1)
	return out.AutoScalingGroups[0]
}

func states(g astypes.AutoScalingGroup) map[string]string {
	out := map[string]string{}
	for _, i := range g.Instances {
		out[aws.ToString(i.InstanceId)] = string(i.LifecycleState)
	}
	return out
}

func TestAutoScalingGroupLaunchesAcrossZones(t *testing.T) {
	f := newASGFixture(t)
	f.group(t, "web", 4)
	g := f.describe(t, "web")
	require.Len(t, g.Instances, 4)
	zones := map[string]int{}
	for _, i := range g.Instances {
		assert.Equal(t, astypes.LifecycleStatePending, i.LifecycleState)
		zones[aws.ToString(i.AvailabilityZone)]++
	}
	assert.Equal(t, map[string]int{"us-east-1a": 2, "us-east-1b": 2}, zones)

	f.cloud.Clock().Advance(40 * time.Second)
	for _, st := range states(f.describe(t, "web")) {
		assert.Equal(t, "InService", st)
	}
	// The instances carry the group's name tag, as AWS tags them.
	out, err := f.ec2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:aws:autoscaling:groupName"), Values: []string{"web"}}}})
	require.NoError(t, err)
	n := 0
	for _, r := range out.Reservations {
		n += len(r.Instances)
	}
	assert.Equal(t, 4, n)

	_, err = f.as.CreateAutoScalingGroup(context.Background(), &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(0), MaxSize: aws.Int32(1),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(f.ltID)}, AvailabilityZones: f.cloud.Zones(),
	})
	var exists *astypes.AlreadyExistsFault
	require.ErrorAs(t, err, &exists)
}

func TestLifecycleHookCompleteAndHeartbeat(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 0)
	_, err := f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{
		AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"), LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
		HeartbeatTimeout: aws.Int32(300), DefaultResult: aws.String("ABANDON"),
	})
	require.NoError(t, err)
	_, err = f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(40 * time.Second)
	g := f.describe(t, "web")
	require.Len(t, g.Instances, 2)
	a, b := aws.ToString(g.Instances[0].InstanceId), aws.ToString(g.Instances[1].InstanceId)
	assert.Equal(t, map[string]string{a: "Pending:Wait", b: "Pending:Wait"}, states(g))

	// A wrong instance or token: AWS's ValidationError.
	_, err = f.as.CompleteLifecycleAction(ctx, &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"),
		InstanceId: aws.String("i-00000000000000fff"), LifecycleActionResult: aws.String("CONTINUE")})
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "ValidationError", apiErr.ErrorCode())
	assert.Equal(t, "No active Lifecycle Action found with instance ID i-00000000000000fff", apiErr.ErrorMessage())

	// Complete a by instance ID; b by token, after heartbeats that keep it past the timeout.
	_, err = f.as.CompleteLifecycleAction(ctx, &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"),
		InstanceId: aws.String(a), LifecycleActionResult: aws.String("CONTINUE")})
	require.NoError(t, err)
	assert.Equal(t, "InService", states(f.describe(t, "web"))[a])
	token, ok := f.cloud.LifecycleActionToken("web", "boot", b)
	require.True(t, ok)
	for range 3 {
		f.cloud.Clock().Advance(200 * time.Second)
		_, err = f.as.RecordLifecycleActionHeartbeat(ctx, &autoscaling.RecordLifecycleActionHeartbeatInput{AutoScalingGroupName: aws.String("web"),
			LifecycleHookName: aws.String("boot"), LifecycleActionToken: aws.String(token)})
		require.NoError(t, err)
	}
	assert.Equal(t, "Pending:Wait", states(f.describe(t, "web"))[b], "heartbeats keep the action open past its 300 s timeout")
	_, err = f.as.CompleteLifecycleAction(ctx, &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"),
		LifecycleActionToken: aws.String(token), LifecycleActionResult: aws.String("CONTINUE")})
	require.NoError(t, err)
	assert.Equal(t, "InService", states(f.describe(t, "web"))[b])
	// Completing it again: the action is gone.
	_, err = f.as.CompleteLifecycleAction(ctx, &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"),
		LifecycleActionToken: aws.String(token), LifecycleActionResult: aws.String("CONTINUE")})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "No active Lifecycle Action found with token "+token, apiErr.ErrorMessage())
}

func TestLifecycleHookTimeoutAppliesDefaultResult(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 0)
	_, err := f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{
		AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"), LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
		HeartbeatTimeout: aws.Int32(60), DefaultResult: aws.String("ABANDON"),
	})
	require.NoError(t, err)
	_, err = f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(1)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(40 * time.Second)
	first := aws.ToString(f.describe(t, "web").Instances[0].InstanceId)
	f.cloud.Clock().Advance(70 * time.Second)
	// The action timed out with ABANDON: the instance is terminated and a new one launched.
	tr := f.cloud.AutoScalingTransitions("web")
	var seen []string
	for _, x := range tr {
		if x.InstanceID == first {
			seen = append(seen, x.To)
		}
	}
	assert.Equal(t, []string{"Pending", "Pending:Wait", "Terminating", "Terminating:Proceed"}, seen)
	g := f.describe(t, "web")
	assert.Len(t, g.Instances, 2, "the abandoned instance terminating and its replacement")
	assert.NotEqual(t, "Pending:Wait", states(g)[first])
}

func TestLifecycleActionVisibilityDelay(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.cloud.DelayVisibility(awstest.ServiceAutoScaling, 20*time.Second)
	f.group(t, "web", 0)
	_, err := f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{
		AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"), LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
	})
	require.NoError(t, err)
	_, err = f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(1)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(30 * time.Second)
	g := f.describe(t, "web")
	id := aws.ToString(g.Instances[0].InstanceId)
	require.Equal(t, "Pending:Wait", states(g)[id])
	in := &autoscaling.CompleteLifecycleActionInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"),
		InstanceId: aws.String(id), LifecycleActionResult: aws.String("CONTINUE")}
	_, err = f.as.CompleteLifecycleAction(ctx, in)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Contains(t, apiErr.ErrorMessage(), "No active Lifecycle Action found")
	f.cloud.Clock().Advance(20 * time.Second)
	_, err = f.as.CompleteLifecycleAction(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, "InService", states(f.describe(t, "web"))[id])
}
