package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// scaledClock runs on the simulated cloud's clock, but each Sleep also takes a sliver of wall time
// (a virtual minute is 10 ms), so the agent's heartbeat loop advances virtual time at a bounded
// pace while hooks run in real time instead of spinning the cloud days ahead.
type scaledClock struct{ *awstest.Clock }

func (c scaledClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d / 6000)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	return c.Clock.Sleep(ctx, d)
}

// asgLaunch is a group "web" on the simulated cloud with a launching lifecycle hook whose default
// result is CONTINUE, so only the agent's own ABANDON can take an instance out.
type asgLaunch struct {
	cloud *awstest.Cloud
	as    *autoscaling.Client
	s3    *s3.Client
}

func newASGLaunch(t *testing.T) *asgLaunch {
	ctx := context.Background()
	cloud := awstest.NewForTest(t)
	f := &asgLaunch{cloud: cloud, as: autoscaling.NewFromConfig(cloud.Config()), s3: s3.NewFromConfig(cloud.Config(), func(o *s3.Options) { o.UsePathStyle = true })}
	ec2c := ec2.NewFromConfig(cloud.Config())
	imgs, err := ec2c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-2023.*-x86_64"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, imgs.Images)
	lt, err := ec2c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
	})
	require.NoError(t, err)
	_, err = f.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(0), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(0),
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId, Version: aws.String("$Latest")},
		AvailabilityZones: cloud.Zones()[:2],
	})
	require.NoError(t, err)
	_, err = f.as.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{
		AutoScalingGroupName: aws.String("web"), LifecycleHookName: aws.String("launching"),
		LifecycleTransition: aws.String("autoscaling:EC2_INSTANCE_LAUNCHING"), HeartbeatTimeout: aws.Int32(300), DefaultResult: aws.String("CONTINUE"),
	})
	require.NoError(t, err)
	_, err = f.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("releases")})
	require.NoError(t, err)
	return f
}

// launchOne scales the group out by one and returns the new instance, in Pending:Wait.
func (f *asgLaunch) launchOne(t *testing.T, desired int32) string {
	ctx := context.Background()
	before := f.instances(t)
	_, err := f.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(desired)})
	require.NoError(t, err)
	f.cloud.Clock().Advance(40 * time.Second)
	for id, st := range f.instances(t) {
		if _, old := before[id]; !old {
			require.Equal(t, "Pending:Wait", st)
			return id
		}
	}
	t.Fatal("no instance launched")
	return ""
}

func (f *asgLaunch) instances(t *testing.T) map[string]string {
	out, err := f.as.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	require.NoError(t, err)
	require.Len(t, out.AutoScalingGroups, 1)
	m := map[string]string{}
	for _, i := range out.AutoScalingGroups[0].Instances {
		m[aws.ToString(i.InstanceId)] = string(i.LifecycleState)
	}
	return m
}

func (f *asgLaunch) transitions(id string) []string {
	var seen []string
	for _, x := range f.cloud.AutoScalingTransitions("web") {
		if x.InstanceID == id {
			seen = append(seen, x.To)
		}
	}
	return seen
}

func (f *asgLaunch) agent(t *testing.T, instanceID, appDir string, hooks []Hook, optFns ...func(*Options)) *Agent {
	a, err := NewAgent(Config{Bucket: "releases", AppDir: appDir, AutoScalingGroup: "web", LifecycleHook: "launching", Hooks: hooks}, append([]func(*Options){func(o *Options) {
		o.S3 = f.s3
		o.Metadata = NewIMDSClient(fakeIMDS(t, instanceID))
		o.Lifecycle = f.as
		o.Clock = scaledClock{f.cloud.Clock()}
		o.HeartbeatInterval = time.Minute
	}}, optFns...)...)
	require.NoError(t, err)
	return a
}

func TestAwstestLifecycleValidateFailureRollsBackAndAbandons(t *testing.T) {
	ctx := context.Background()
	f := newASGLaunch(t)
	hooks := t.TempDir()
	started := filepath.Join(hooks, "started.log")
	hookList := []Hook{
		{Event: EventApplicationStart, Command: hookScript(t, hooks, "start.sh", `echo "$PORTALKIT_INSTANCE_ID $PORTALKIT_VERSION" >>`+shellQuote(started))},
		{Event: EventValidateService, Command: hookScript(t, hooks, "validate.sh", `[ "$(cat "$PORTALKIT_RELEASE_DIR/VERSION")" != v2 ] || { echo "v2 is broken" >&2; exit 1; }`)},
	}
	_, err := Publish(ctx, f.s3, Publication{Dir: releaseTree(t, "v1", 2), Bucket: "releases", Version: "v1", Pointer: DefaultPointer})
	require.NoError(t, err)

	// The first instance boots v1: CONTINUE puts it in service.
	first := f.launchOne(t, 1)
	app := filepath.Join(t.TempDir(), "app")
	res, err := f.agent(t, first, app, hookList).Launch(ctx)
	require.NoError(t, err)
	assert.Equal(t, LifecycleContinue, res.LifecycleResult)
	assert.Equal(t, "InService", f.instances(t)[first])

	// v2 is published; a new instance (whose disk already holds v1, as from an AMI baked with
	// the previous release) boots it, validate-service fails: the agent rolls back to v1 and
	// ABANDONs, and Auto Scaling takes the instance out and launches a replacement.
	_, err = Publish(ctx, f.s3, Publication{Dir: releaseTree(t, "v2", 2), Bucket: "releases", Version: "v2", Pointer: DefaultPointer})
	require.NoError(t, err)
	second := f.launchOne(t, 2)
	app2 := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(app2, 0o755))
	a2 := f.agent(t, second, app2, hookList)
	_, err = a2.Deploy(ctx, func(o *Options) { o.Version = "v1" })
	require.NoError(t, err)
	res, err = a2.Launch(ctx)
	var he *HookError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, EventValidateService, he.Event)
	assert.True(t, res.RolledBack)
	assert.Equal(t, "v1", res.RolledBackTo)
	assert.Equal(t, LifecycleAbandon, res.LifecycleResult)
	assert.Equal(t, filepath.Join(ReleasesDir, "v1"), currentTarget(t, app2))
	log, err := os.ReadFile(started)
	require.NoError(t, err)
	assert.Equal(t, first+" v1\n"+second+" v1\n"+second+" v2\n"+second+" v1\n", string(log))

	assert.Contains(t, f.transitions(first), "InService")
	assert.NotContains(t, f.transitions(first), "Terminating")
	tr := f.transitions(second)
	assert.Contains(t, tr, "Terminating", "the abandoned instance is taken out")
	assert.NotContains(t, tr, "InService", "and never put in service")
	f.cloud.Clock().Advance(time.Minute)
	now := f.instances(t)
	assert.NotContains(t, now, second)
	assert.Len(t, now, 2, "the first instance and a replacement for the abandoned one")
	assert.Equal(t, "InService", f.instances(t)[first])
}

func TestAwstestLifecycleCompleteWaitsForTheActionToBeVisible(t *testing.T) {
	ctx := context.Background()
	f := newASGLaunch(t)
	// Lifecycle actions become visible 3 minutes after the launch (AWS's eventual consistency,
	// exaggerated): the agent's first Complete meets "No active Lifecycle Action found" and
	// retries on the virtual clock until the action shows.
	f.cloud.DelayVisibility(awstest.ServiceAutoScaling, 3*time.Minute)
	_, err := Publish(ctx, f.s3, Publication{Dir: releaseTree(t, "v1", 1), Bucket: "releases", Version: "v1", Pointer: DefaultPointer})
	require.NoError(t, err)
	id := f.launchOne(t, 1)
	a := f.agent(t, id, filepath.Join(t.TempDir(), "app"), nil, func(o *Options) {
		o.Clock = f.cloud.Clock() // Sleep moves virtual time at once: no heartbeat loop on it
		o.HeartbeatInterval = -1
		o.CompleteTimeout = 5 * time.Minute
	})
	res, err := a.Launch(ctx)
	require.NoError(t, err)
	assert.Equal(t, LifecycleContinue, res.LifecycleResult)
	completes := f.cloud.Calls().Operation(awstest.ServiceAutoScaling, "CompleteLifecycleAction")
	require.Greater(t, len(completes), 1)
	assert.Equal(t, "ValidationError", completes[0].ErrorCode(), "the first Complete came before the action was visible")
	assert.Nil(t, completes[len(completes)-1].Err)
	assert.Equal(t, "InService", f.instances(t)[id])
}
