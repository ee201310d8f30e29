package awstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	return apiErr
}

func TestAutoScalingErrors(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 2)
	_, err := f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(21)})
	e := apiError(t, err)
	assert.Equal(t, "ValidationError", e.ErrorCode())
	assert.Equal(t, "New SetDesiredCapacity value 21 is above max value 20 for the AutoScalingGroup.", e.ErrorMessage())
	_, err = f.as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("nope"), MaxSize: aws.Int32(1)})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
	_, err = f.as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web")})
	var inUse *astypes.ResourceInUseFault
	require.ErrorAs(t, err, &inUse)
	_, err = f.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("mixed"), MinSize: aws.Int32(0), MaxSize: aws.Int32(1),
		MixedInstancesPolicy: &astypes.MixedInstancesPolicy{}, AvailabilityZones: f.cloud.Zones()})
	require.ErrorIs(t, err, awstest.ErrUnmodeled)
	_, err = f.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("big"), MinSize: aws.Int32(3), MaxSize: aws.Int32(2),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(f.ltID)}, AvailabilityZones: f.cloud.Zones()})
	assert.Equal(t, "Max bound, 2, must be greater than or equal to min bound, 3", apiError(t, err).ErrorMessage())

	// ForceDelete terminates the instances.
	_, err = f.as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), ForceDelete: aws.Bool(true)})
	require.NoError(t, err)
	out, err := f.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	require.NoError(t, err)
	assert.Empty(t, out.AutoScalingGroups)
}

func TestAutoScalingMissingImageActivity(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.ltID = f.template(t, "broken", "ami-0000000000000dead")
	f.group(t, "web", 2)
	out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	require.NotEmpty(t, out.Activities)
	a := out.Activities[0]
	assert.Equal(t, astypes.ScalingActivityStatusCodeFailed, a.StatusCode)
	assert.Equal(t, "The image id '[ami-0000000000000dead]' does not exist. Launching EC2 instance failed.", aws.ToString(a.StatusMessage))
	// The group retries after LaunchRetry, failing again: newest first.
	f.cloud.Clock().Advance(awstest.DefaultLaunchRetry + awstest.DefaultAutoScalingTick)
	out, err = f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	require.Len(t, out.Activities, 2)
	assert.True(t, aws.ToTime(out.Activities[0].StartTime).After(aws.ToTime(out.Activities[1].StartTime)))
}

func TestAutoScalingReplacesFailedZone(t *testing.T) {
	f := newASGFixture(t)
	f.group(t, "web", 4)
	f.cloud.Clock().Advance(time.Minute)
	f.cloud.FailZone("us-east-1a")
	f.cloud.Clock().Advance(3 * time.Minute)
	zones := map[string]int{}
	for _, i := range f.describe(t, "web").Instances {
		if i.LifecycleState == astypes.LifecycleStateInService {
			zones[aws.ToString(i.AvailabilityZone)]++
		}
	}
	assert.Equal(t, map[string]int{"us-east-1b": 4}, zones)
	// The failed zone's instances left through Terminating.
	terminated := 0
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		if tr.Zone == "us-east-1a" && tr.To == "Terminated" {
			terminated++
		}
	}
	assert.Equal(t, 2, terminated)
}

func TestInstanceRefreshStateMachine(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 4)
	f.cloud.Clock().Advance(time.Minute)
	v2, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(f.ltID), SourceVersion: aws.String("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{UserData: aws.String("djI=")}})
	require.NoError(t, err)
	version := "2"
	require.Equal(t, int64(2), aws.ToInt64(v2.LaunchTemplateVersion.VersionNumber))
	start, err := f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		DesiredConfiguration: &astypes.DesiredConfiguration{LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(f.ltID), Version: aws.String(version)}},
		Preferences:          &astypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(75), InstanceWarmup: aws.Int32(20)}})
	require.NoError(t, err)
	_, err = f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	var inProgress *astypes.InstanceRefreshInProgressFault
	require.ErrorAs(t, err, &inProgress)

	var percents []int32
	for range 100 {
		f.cloud.Clock().Advance(10 * time.Second)
		out, err := f.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String("web")})
		require.NoError(t, err)
		r := out.InstanceRefreshes[0]
		assert.Equal(t, aws.ToString(start.InstanceRefreshId), aws.ToString(r.InstanceRefreshId))
		percents = append(percents, aws.ToInt32(r.PercentageComplete))
		if r.Status == astypes.InstanceRefreshStatusSuccessful {
			break
		}
		require.Contains(t, []astypes.InstanceRefreshStatus{"Pending", "InProgress"}, r.Status)
	}
	assert.Equal(t, int32(100), percents[len(percents)-1])
	assert.Contains(t, percents, int32(25))
	assert.Contains(t, percents, int32(50))
	g := f.describe(t, "web")
	assert.Equal(t, version, aws.ToString(g.LaunchTemplate.Version), "the group takes the desired configuration")
	for _, i := range g.Instances {
		assert.Equal(t, version, aws.ToString(i.LaunchTemplate.Version))
	}
	// Never fewer than 3 of 4 in service once the refresh began.
	in := map[string]bool{}
	lowest := 4
	for _, tr := range f.cloud.AutoScalingTransitions("web") {
		if tr.To == "InService" {
			in[tr.InstanceID] = true
		} else {
			delete(in, tr.InstanceID)
		}
		if tr.At.After(g.CreatedTime.Add(time.Minute)) {
			lowest = min(lowest, len(in))
		}
	}
	assert.Equal(t, 3, lowest)

	_, err = f.as.CancelInstanceRefresh(ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	var none *astypes.ActiveInstanceRefreshNotFoundFault
	require.ErrorAs(t, err, &none)
	_, err = f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &astypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(100), MaxHealthyPercentage: aws.Int32(100)}})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
	_, err = f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	_, err = f.as.RollbackInstanceRefresh(ctx, &autoscaling.RollbackInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	var irreversible *astypes.IrreversibleInstanceRefreshFault
	require.ErrorAs(t, err, &irreversible, "no desired configuration to roll back from")
}

func TestScalingPoliciesStored(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 0)
	out, err := f.as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu"),
		PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}}})
	require.NoError(t, err)
	assert.Len(t, out.Alarms, 2)
	again, err := f.as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu"),
		PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(60),
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}}})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(out.PolicyARN), aws.ToString(again.PolicyARN), "a put with the same name updates the policy")
	desc, err := f.as.DescribePolicies(ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	require.Len(t, desc.ScalingPolicies, 1)
	assert.Equal(t, 60.0, aws.ToFloat64(desc.ScalingPolicies[0].TargetTrackingConfiguration.TargetValue))
	_, err = f.as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("req"),
		PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(60),
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeALBRequestCountPerTarget, ResourceLabel: aws.String("web")}}})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
	_, err = f.as.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu")})
	require.NoError(t, err)
}

func TestSSMPublicParameters(t *testing.T) {
	ctx := context.Background()
	cloud := awstest.NewForTest(t)
	client := ssm.NewFromConfig(cloud.Config())
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(awstest.AmazonLinuxParameterPrefix + "al2023-ami-kernel-default-x86_64")})
	require.NoError(t, err)
	assert.Regexp(t, `^ami-[0-9a-f]{17}$`, aws.ToString(out.Parameter.Value))
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/aws/service/nope")})
	var notFound *ssmtypes.ParameterNotFound
	require.ErrorAs(t, err, &notFound)
	cloud.SetParameter("/portal/ami", "ami-0123456789abcdef0")
	many, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/portal/ami", "/missing"}})
	require.NoError(t, err)
	require.Len(t, many.Parameters, 1)
	assert.Equal(t, "ami-0123456789abcdef0", aws.ToString(many.Parameters[0].Value))
	assert.Equal(t, []string{"/missing"}, many.InvalidParameters)
}

func TestDeleteLaunchTemplateVersionsAndDeprecatedImages(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	for range 2 {
		_, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(f.ltID), SourceVersion: aws.String("1"),
			LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
		require.NoError(t, err)
	}
	out, err := f.ec2.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(f.ltID), Versions: []string{"1", "2", "9"}})
	require.NoError(t, err)
	require.Len(t, out.SuccessfullyDeletedLaunchTemplateVersions, 1)
	assert.Equal(t, int64(2), aws.ToInt64(out.SuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber))
	require.Len(t, out.UnsuccessfullyDeletedLaunchTemplateVersions, 2, "the default version and one that does not exist")
	versions, err := f.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(f.ltID)})
	require.NoError(t, err)
	assert.Len(t, versions.LaunchTemplateVersions, 2)

	now := f.cloud.Clock().Now()
	f.cloud.RegisterImage(awstest.Image{Name: "old-web", OwnerID: "111122223333", Public: true, DeprecationTime: now.Add(-time.Hour)})
	imgs, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"111122223333"}})
	require.NoError(t, err)
	assert.Empty(t, imgs.Images)
	imgs, err = f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"111122223333"}, IncludeDeprecated: aws.Bool(true)})
	require.NoError(t, err)
	require.Len(t, imgs.Images, 1)
	assert.NotEmpty(t, aws.ToString(imgs.Images[0].DeprecationTime))
}

func TestAutoScalingOptionsValidated(t *testing.T) {
	_, err := awstest.New(func(o *awstest.Options) { o.AutoScaling.Tick = -time.Second })
	require.ErrorIs(t, err, awstest.ErrInvalidOptions)
	assert.ErrorContains(t, err, "AutoScaling.Tick is negative")
}

func TestDescribeAutoScalingGroupsPages(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	for _, name := range []string{"a", "b", "c"} {
		f.group(t, name, 0)
	}
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(f.as, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(2)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, g := range out.AutoScalingGroups {
			names = append(names, aws.ToString(g.AutoScalingGroupName))
		}
	}
	assert.Equal(t, []string{"a", "b", "c"}, names)
	assert.Equal(t, 2, pages)
	_, err := f.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{NextToken: aws.String("bogus")})
	var bad *astypes.InvalidNextToken
	require.ErrorAs(t, err, &bad)
}

func TestLifecycleHookTimeoutContinues(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 0)
	_, err := f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{
		AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("boot"), LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"),
		HeartbeatTimeout: aws.Int32(60), DefaultResult: aws.String("CONTINUE"),
	})
	require.NoError(t, err)
	_, err = f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(1)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(40 * time.Second)
	g := f.describe(t, "web")
	require.Equal(t, astypes.LifecycleStatePendingWait, g.Instances[0].LifecycleState)
	f.cloud.Clock().Advance(70 * time.Second)
	g = f.describe(t, "web")
	require.Len(t, g.Instances, 1)
	assert.Equal(t, astypes.LifecycleStateInService, g.Instances[0].LifecycleState, "the timeout applied CONTINUE")
	_, err = f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("x"),
		LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"), HeartbeatTimeout: aws.Int32(10)})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
}
