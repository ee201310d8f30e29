package autoscale_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/wait"
)

func TestEnsureFromNothingThenNoChange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "#!/bin/sh\necho boot\n")
	assert.True(t, v.Created)
	g, err := f.client.Ensure(ctx, f.spec(v, 4, 2))
	require.NoError(t, err)
	assert.True(t, g.Created)
	assert.Equal(t, []string{"us-east-1a", "us-east-1b"}, g.Zones)
	require.NoError(t, f.client.WaitInService(ctx, "web"))

	desc := f.group(t)
	assert.Equal(t, "ELB", aws.ToString(desc.HealthCheckType))
	assert.Equal(t, int32(60), aws.ToInt32(desc.HealthCheckGracePeriod))
	assert.Equal(t, int32(30), aws.ToInt32(desc.DefaultInstanceWarmup))
	assert.Equal(t, []string{f.tgARN}, desc.TargetGroupARNs)
	assert.Equal(t, []string{"OldestLaunchTemplate", "OldestInstance"}, desc.TerminationPolicies)
	zones := map[string]int{}
	for _, i := range desc.Instances {
		zones[aws.ToString(i.AvailabilityZone)]++
	}
	assert.Equal(t, map[string]int{"us-east-1a": 2, "us-east-1b": 2}, zones)
	// Tags propagate to the instances.
	inst, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{aws.ToString(desc.Instances[0].InstanceId)}})
	require.NoError(t, err)
	tags := map[string]string{}
	for _, tg := range inst.Reservations[0].Instances[0].Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	assert.Equal(t, "web", tags["role"])
	assert.Equal(t, string(ec2types.HttpTokensStateRequired), string(inst.Reservations[0].Instances[0].MetadataOptions.HttpTokens))

	f.cloud.ResetCalls()
	v2 := f.template(t, "#!/bin/sh\necho boot\n")
	assert.False(t, v2.Created)
	assert.Equal(t, v.Version, v2.Version)
	g, err = f.client.Ensure(ctx, f.spec(v2, 4, 2))
	require.NoError(t, err)
	assert.False(t, g.Created)
	assert.Empty(t, g.Drift)
	assert.Empty(t, g.Added)
	assert.Empty(t, changes(f.cloud.Calls()), "a second run makes no create or update call")
	assert.NotZero(t, f.cloud.Calls().Count(awstest.ServiceAutoScaling, "DescribeAutoScalingGroups"))

	// Drift is reported, and is an error under FailOnDrift.
	spec := f.spec(v2, 4, 2)
	spec.MaxSize = 8
	g, err = f.client.Ensure(ctx, spec)
	require.NoError(t, err)
	require.Len(t, g.Drift, 1)
	assert.Equal(t, autoscale.Drift{Field: "MaxSize", Want: "8", Have: "20"}, g.Drift[0])
	_, err = f.client.Ensure(ctx, spec, func(o *autoscale.Options) { o.FailOnDrift = true })
	assert.ErrorIs(t, err, autoscale.ErrDrift)
	assert.ErrorContains(t, err, "MaxSize: want 8, have 20")
}

func TestEnsureRefusesSingleAZ(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	sn, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(f.vpcID), CidrBlock: aws.String("172.31.128.0/20"), AvailabilityZone: aws.String("us-east-1a")})
	require.NoError(t, err)
	spec := f.spec(v, 2, 1)
	spec.Subnets = append(spec.Subnets, aws.ToString(sn.Subnet.SubnetId))
	f.cloud.ResetCalls()
	_, err = f.client.Ensure(ctx, spec)
	require.Error(t, err)
	assert.ErrorIs(t, err, autoscale.ErrSingleAZ)
	assert.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "Availability Zone us-east-1a")
	assert.Zero(t, f.cloud.Calls().Count(awstest.ServiceAutoScaling, ""), "refused before any Auto Scaling call")
}

func TestUserDataOver16KBRefused(t *testing.T) {
	f := newFixture(t)
	f.cloud.ResetCalls()
	_, err := f.client.EnsureTemplateVersion(context.Background(), autoscale.TemplateSpec{
		Name: "web", ImageID: f.imageID, InstanceType: "t3.small", UserData: make([]byte, 16*1024+1)})
	require.Error(t, err)
	assert.ErrorIs(t, err, autoscale.ErrUserDataTooLarge)
	assert.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	assert.ErrorContains(t, err, "16385 bytes, over the 16384-byte limit")
	assert.Empty(t, f.cloud.Calls(), "refused before any call")
	// Exactly 16 KB is fine.
	_, err = f.client.EnsureTemplateVersion(context.Background(), autoscale.TemplateSpec{
		Name: "web", ImageID: f.imageID, InstanceType: "t3.small", UserData: make([]byte, 16*1024)})
	require.NoError(t, err)
}

func TestIMDSv2RequiredInEveryTemplateVersion(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for i, ud := range []string{"one", "two", "three"} {
		v := f.template(t, ud)
		assert.Equal(t, int64(i+1), v.Version)
	}
	_, err := f.client.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{Name: "web", ImageID: f.imageID, InstanceType: "t3.small", UserData: []byte("four")})
	require.NoError(t, err)
	out, err := f.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("web")})
	require.NoError(t, err)
	require.Len(t, out.LaunchTemplateVersions, 4)
	for _, v := range out.LaunchTemplateVersions {
		m := v.LaunchTemplateData.MetadataOptions
		require.NotNil(t, m, "version %d", aws.ToInt64(v.VersionNumber))
		assert.Equal(t, ec2types.LaunchTemplateHttpTokensStateRequired, m.HttpTokens, "version %d", aws.ToInt64(v.VersionNumber))
		assert.NotNil(t, m.HttpPutResponseHopLimit, "an explicit hop limit in version %d", aws.ToInt64(v.VersionNumber))
	}
	last := out.LaunchTemplateVersions[3].LaunchTemplateData
	assert.Equal(t, int32(autoscale.DefaultHopLimit), aws.ToInt32(last.MetadataOptions.HttpPutResponseHopLimit))
	first := out.LaunchTemplateVersions[0].LaunchTemplateData
	assert.Equal(t, int32(2), aws.ToInt32(first.MetadataOptions.HttpPutResponseHopLimit))
	require.Len(t, first.BlockDeviceMappings, 1)
	assert.Equal(t, int32(20), aws.ToInt32(first.BlockDeviceMappings[0].Ebs.VolumeSize))
	assert.True(t, aws.ToBool(first.BlockDeviceMappings[0].Ebs.Encrypted))
}

func TestWaitInServiceFailsFastOnMissingImage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v, err := f.client.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{Name: "web", ImageID: "ami-00000000000dead00", InstanceType: "t3.small"})
	require.NoError(t, err, "EC2 accepts a template whose image does not exist, with a warning")
	_, err = f.client.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err)
	start := f.cloud.Clock().Now()
	err = f.client.WaitInService(ctx, "web")
	require.Error(t, err)
	assert.ErrorIs(t, err, autoscale.ErrActivityFailed)
	var failed *wait.FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "The image id '[ami-00000000000dead00]' does not exist. Launching EC2 instance failed.", failed.Reason)
	assert.Less(t, f.cloud.Clock().Now().Sub(start), time.Minute, "fails at the first poll, not at the deadline")
}

func TestFailedZoneCapacityRestoredInOtherZones(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 6, 3))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	f.cloud.FailZone("us-east-1a")
	f.cloud.Clock().Advance(2 * time.Minute)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	g := f.group(t)
	zones := map[string]int{}
	for _, i := range g.Instances {
		if i.LifecycleState == astypes.LifecycleStateInService {
			zones[aws.ToString(i.AvailabilityZone)]++
		}
	}
	assert.Equal(t, map[string]int{"us-east-1b": 3, "us-east-1c": 3}, zones)
}

func TestCtxCancelStopsPromptly(t *testing.T) {
	f := newFixture(t)
	v := f.template(t, "")
	spec := f.spec(v, 2, 2)
	spec.LifecycleHooks = []autoscale.LifecycleHook{{Name: "boot", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: time.Hour}}
	_, err := f.client.Ensure(context.Background(), spec)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	err = f.client.WaitInService(ctx, "web", func(o *autoscale.Options) {
		o.OnProgress = func(autoscale.Progress) {
			if cancelledAt.IsZero() {
				cancelledAt = f.cloud.Clock().Now()
				cancel()
			}
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, cancelledAt, f.cloud.Clock().Now(), "no virtual time passes after the cancel")
	for _, c := range f.cloud.Calls() {
		assert.False(t, c.Time.After(cancelledAt), "no call after the cancel: %s", c.Operation)
	}
}

func TestThrottlingAbsorbed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, svc := range []string{awstest.ServiceAutoScaling, awstest.ServiceEC2, awstest.ServiceELBv2, awstest.ServiceSSM} {
		f.cloud.ThrottleFraction(svc, "", 0.5)
	}
	v := f.template(t, "boot")
	_, err := f.client.Ensure(ctx, f.spec(v, 3, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	v2 := f.template(t, "boot v2")
	r, err := f.client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
	throttled := f.cloud.Calls().Filter(func(c awstest.Call) bool {
		return c.ErrorCode() == "Throttling" || c.ErrorCode() == "RequestLimitExceeded"
	})
	assert.NotEmpty(t, throttled)
	t.Logf("%d of %d calls throttled", len(throttled), len(f.cloud.Calls()))
}

func ptr[T any](v T) *T { return &v }

func TestOptionsValidated(t *testing.T) {
	f := newFixture(t)
	_, err := autoscale.New(f.as, f.ec2, func(o *autoscale.Options) {
		o.RefreshTimeout = -time.Second
		o.PollInterval = 10 * time.Second
		o.MaxPollInterval = time.Second
		o.RefreshConflict = 7
	})
	require.ErrorIs(t, err, autoscale.ErrInvalidOptions)
	for _, want := range []string{"RefreshTimeout -1s is negative", "RefreshConflict 7", "MaxPollInterval 1s is below PollInterval 10s"} {
		assert.ErrorContains(t, err, want)
	}
	err = f.client.WaitInService(context.Background(), "web", func(o *autoscale.Options) { o.InServiceTimeout = -1 })
	assert.ErrorIs(t, err, autoscale.ErrInvalidOptions)
	_, err = f.client.Ensure(context.Background(), autoscale.GroupSpec{Name: "web", MaxSize: 1, DesiredCapacity: 2})
	require.ErrorIs(t, err, autoscale.ErrInvalidSpec)
	for _, want := range []string{"Template needs exactly one of ID and Name", "Subnets is empty", "DesiredCapacity 2"} {
		assert.ErrorContains(t, err, want)
	}
	assert.False(t, errors.Is(err, autoscale.ErrSingleAZ))
	assert.True(t, strings.HasPrefix(err.Error(), "autoscale: invalid spec: "))
	_ = autoscaling.Options{}
}

func TestEnsureAfterLostCreateResponses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.cloud.LoseResponseNext(awstest.ServiceEC2, "CreateLaunchTemplate", 1)
	f.cloud.LoseResponseNext(awstest.ServiceAutoScaling, "CreateAutoScalingGroup", 1)
	v := f.template(t, "boot")
	assert.True(t, v.Created)
	assert.Equal(t, int64(1), v.Version)
	g, err := f.client.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err, "the retried create meets AlreadyExists and adopts the group")
	assert.True(t, g.Created)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	assert.Len(t, f.group(t).Instances, 2)
	assert.Equal(t, 2, f.cloud.Calls().Count(awstest.ServiceAutoScaling, "CreateAutoScalingGroup"))
}

func TestUnhealthyTargetReplaced(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	_, err := f.client.Ensure(ctx, f.spec(v, 2, 2))
	require.NoError(t, err)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	bad := aws.ToString(f.group(t).Instances[0].InstanceId)
	f.cloud.FailInstance(bad) // the web server hangs; EC2 still says running
	f.cloud.Clock().Advance(time.Minute)
	require.NoError(t, f.client.WaitInService(ctx, "web"))
	for _, i := range f.group(t).Instances {
		if aws.ToString(i.InstanceId) == bad {
			assert.NotEqual(t, astypes.LifecycleStateInService, i.LifecycleState)
		}
	}
	var reason string
	out, err := f.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	require.NoError(t, err)
	for _, a := range out.Activities {
		if strings.Contains(aws.ToString(a.Description), bad) && strings.HasPrefix(aws.ToString(a.Description), "Terminating") {
			reason = aws.ToString(a.Cause)
		}
	}
	assert.Contains(t, reason, "ELB system health check failure")
}

func TestEnsureAddsWhatAnExistingGroupLacks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.template(t, "")
	bare := autoscale.GroupSpec{Name: "web", Template: v.Ref(), Subnets: f.zones(2), MaxSize: 4, DesiredCapacity: 1}
	_, err := f.client.Ensure(ctx, bare)
	require.NoError(t, err)

	full := bare
	full.TargetGroupARNs = []string{f.tgARN}
	full.HealthCheckType = "EC2" // keep the health check type of the bare group: no drift
	full.Tags = map[string]string{"app": "portal"}
	full.LifecycleHooks = []autoscale.LifecycleHook{{Name: "boot", Transition: autoscale.Launching, DefaultResult: autoscale.Continue, HeartbeatTimeout: time.Minute}}
	f.cloud.ResetCalls()
	g, err := f.client.Ensure(ctx, full)
	require.NoError(t, err)
	assert.False(t, g.Created)
	assert.Equal(t, []string{"target group " + f.tgARN, "tag app", "lifecycle hook boot"}, g.Added)
	assert.Empty(t, g.Drift)
	assert.ElementsMatch(t, []string{"Auto Scaling.AttachLoadBalancerTargetGroups", "Auto Scaling.CreateOrUpdateTags", "Auto Scaling.PutLifecycleHook"}, changes(f.cloud.Calls()))

	f.cloud.ResetCalls()
	g, err = f.client.Ensure(ctx, full)
	require.NoError(t, err)
	assert.Empty(t, g.Added)
	assert.Empty(t, changes(f.cloud.Calls()))

	// A hook whose settings differ is drift, left as it is.
	full.LifecycleHooks[0].HeartbeatTimeout = 2 * time.Minute
	g, err = f.client.Ensure(ctx, full)
	require.NoError(t, err)
	assert.Equal(t, []autoscale.Drift{{Field: "LifecycleHooks[boot].HeartbeatTimeout", Want: "120", Have: "60"}}, g.Drift)
}
