package testenv

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestNamesAreUniqueAndValid(t *testing.T) {
	a, b := Cloud(t), Cloud(t)
	assert.Regexp(t, `^[a-z0-9]{6}$`, RunID())
	assert.Equal(t, RunID(), RunID(), "one id per process")
	assert.NotEqual(t, a.Run, b.Run)
	assert.True(t, strings.HasPrefix(a.Run, RunID()+"-"))
	valid := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	for _, label := range []string{"web", "Web_Tier.1", "a-very-long-label-that-does-not-fit-in-an-elb-name", "x-"} {
		n := a.Name(label)
		assert.LessOrEqual(t, len(n), MaxNameLen, n)
		assert.Regexp(t, valid, n)
		assert.True(t, strings.HasPrefix(n, NamePrefix+"-"+a.Run+"-"), n)
		assert.Equal(t, n, a.Name(label), "the same label gives the same name")
		assert.NotEqual(t, n, b.Name(label), "another scope gives another name")
	}
	assert.Equal(t, map[string]string{TagRun: a.Run}, a.Tags())
	assert.True(t, inRun("abc123-4", "abc123"))
	assert.True(t, inRun("abc123-4", "abc123-4"))
	assert.False(t, inRun("abc123-41", "abc123-4"))
	assert.True(t, inRun("anything", ""))
}

func TestRunFailingRunsCleanupsAfterAFailure(t *testing.T) {
	var order []string
	res := RunFailing(t, func(tb testing.TB) {
		tb.Cleanup(func() { order = append(order, "first registered") })
		tb.Cleanup(func() { order = append(order, "second registered") })
		require.Equal(tb, 1, 2, "forced")
		order = append(order, "not reached")
	})
	assert.True(t, res.Failed)
	assert.Contains(t, strings.Join(res.Messages, "\n"), "forced")
	assert.Equal(t, []string{"second registered", "first registered"}, order)
	assert.False(t, RunFailing(t, func(tb testing.TB) {}).Failed)
}

// TestSweepDeletesInDependencyOrder: a sweep finds what a run tagged (and its buckets by name),
// leaves other runs' resources alone, and deletes a load balancer before its target group, which
// AWS refuses while a listener uses it.
func TestSweepDeletesInDependencyOrder(t *testing.T) {
	env, other := Cloud(t), Cloud(t)
	env.RequireSim(t, "asserts what every run left, which on a shared endpoint includes other runs'")
	other.Config, other.Clock, other.Sim = env.Config, env.Clock, env.Sim
	ctx := context.Background()
	elbv2 := elasticloadbalancingv2.NewFromConfig(env.Config)
	classic := elasticloadbalancing.NewFromConfig(env.Config)
	ec2c := ec2.NewFromConfig(env.Config)
	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	tag := []elbv2types.Tag{{Key: aws.String(TagRun), Value: aws.String(env.Run)}}
	lb, err := elbv2.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String(env.Name("lb")), Subnets: ids, Tags: tag})
	require.NoError(t, err)
	tg, err := elbv2.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{Name: aws.String(env.Name("tg")), Protocol: "HTTP", Port: aws.Int32(80),
		VpcId: subnets.Subnets[0].VpcId, Tags: tag})
	require.NoError(t, err)
	_, err = elbv2.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80), Protocol: "HTTP",
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	require.NoError(t, err)
	_, err = classic.CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{LoadBalancerName: aws.String(env.Name("classic")), Subnets: ids[:1],
		Listeners: []elbtypes.Listener{{LoadBalancerPort: 80, InstancePort: aws.Int32(80), Protocol: aws.String("HTTP")}},
		Tags:      []elbtypes.Tag{{Key: aws.String(TagRun), Value: aws.String(env.Run)}}})
	require.NoError(t, err)
	images, err := ec2c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	require.NoError(t, err)
	for _, e := range []*CloudEnv{env, other} {
		_, err = ec2c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String(TagRun), Value: aws.String(e.Run)}}}}})
		require.NoError(t, err)
	}
	_, err = env.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.Name("bucket"))})
	require.NoError(t, err)
	_, err = env.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("not-a-test-bucket")})
	require.NoError(t, err)

	found, err := Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Clock: env.Clock})
	require.NoError(t, err)
	var kinds []string
	for _, l := range found {
		kinds = append(kinds, l.Kind)
	}
	assert.Equal(t, []string{KindLoadBalancer, KindClassicLoadBalancer, KindTargetGroup, KindInstance, KindBucket}, kinds)

	var log []string
	_, err = Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Delete: true, Clock: env.Clock, Logf: func(f string, a ...any) { log = append(log, f) }})
	require.NoError(t, err)
	assert.Len(t, log, 5)
	left, err := Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Clock: env.Clock})
	require.NoError(t, err)
	assert.Empty(t, left)

	rest, err := Sweep(ctx, env.Config, SweepOptions{Clock: env.Clock})
	require.NoError(t, err)
	require.Len(t, rest, 1, "another run's instance stays; a bucket without the prefix is not a test bucket")
	assert.Equal(t, other.Run, rest[0].Run)
}

func TestBucketOutsideUSEast1(t *testing.T) {
	env := Cloud(t, func(o *awstest.Options) { o.Region = "eu-west-1" })
	env.RequireSim(t, "sets the region")
	name := env.Bucket(t, "eu")
	assert.True(t, strings.HasPrefix(name, NamePrefix+"-"+env.Run+"-"))
	_, err := env.S3Client().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(name)})
	require.NoError(t, err)
}

func TestEndpointSelection(t *testing.T) {
	t.Setenv(EnvEndpointURL, "")
	t.Setenv(EnvRealAWS, "")
	t.Setenv(EnvServices, "s3")
	assert.Equal(t, "", Endpoint())
	assert.True(t, Offers("elbv2"), "the simulated cloud offers every service")
	_, err := LoadEndpointConfig()
	require.Error(t, err)

	t.Setenv(EnvEndpointURL, "http://127.0.0.1:4566")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	cfg, err := LoadEndpointConfig()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:4566", aws.ToString(cfg.BaseEndpoint))
	assert.Equal(t, "us-east-1", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "test", creds.AccessKeyID)
	assert.True(t, Offers("s3"))
	assert.False(t, Offers("elbv2"), "only what PORTALKIT_INTEGRATION_SERVICES lists")

	t.Setenv(EnvEndpointURL, "")
	t.Setenv(EnvRealAWS, "1")
	_, err = LoadEndpointConfig()
	require.ErrorContains(t, err, "needs AWS_REGION", "real AWS needs a region and credentials, never defaults")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg, err = LoadEndpointConfig()
	require.NoError(t, err)
	assert.Equal(t, "aws", Endpoint())
	assert.Nil(t, cfg.BaseEndpoint)
	assert.Equal(t, "eu-west-1", cfg.Region)
}
