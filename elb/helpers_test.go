package elb_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/testenv"
)

// fixture is a cloud with a default VPC, its subnets (one per zone) and clients.
type fixture struct {
	t       testing.TB
	env     *testenv.CloudEnv
	elbv2   *elasticloadbalancingv2.Client
	classic *elasticloadbalancing.Client
	ec2     *ec2.Client
	acm     *acm.Client
	vpcID   string
	subnets []string // one per zone, in zone order
	zones   []string
	image   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, testenv.Cloud(t))
}

// newFixtureOn is a fixture on env, for tests that share one cloud between scopes.
func newFixtureOn(t testing.TB, env *testenv.CloudEnv) *fixture {
	t.Helper()
	env.RequireServices(t, "ec2", "elbv2", "elb", "acm")
	f := &fixture{
		t: t, env: env, elbv2: elasticloadbalancingv2.NewFromConfig(env.Config), classic: elasticloadbalancing.NewFromConfig(env.Config),
		ec2: ec2.NewFromConfig(env.Config), acm: acm.NewFromConfig(env.Config),
	}
	ctx := context.Background()
	subnets, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(subnets.Subnets), 2, "the region needs a default VPC with default subnets in two zones")
	sort.Slice(subnets.Subnets, func(i, j int) bool {
		return aws.ToString(subnets.Subnets[i].AvailabilityZone) < aws.ToString(subnets.Subnets[j].AvailabilityZone)
	})
	for _, s := range subnets.Subnets {
		f.subnets = append(f.subnets, aws.ToString(s.SubnetId))
		f.zones = append(f.zones, aws.ToString(s.AvailabilityZone))
		f.vpcID = aws.ToString(s.VpcId)
	}
	f.image = f.findImage(t)
	return f
}

// findImage picks the newest Amazon Linux 2023 x86_64 image (any Amazon x86_64 image where the
// endpoint has none by that name).
func (f *fixture) findImage(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	arch := ec2types.Filter{Name: aws.String("architecture"), Values: []string{"x86_64"}}
	for _, filters := range [][]ec2types.Filter{{arch, {Name: aws.String("name"), Values: []string{"al2023-ami-2023*"}}}, {arch}} {
		images, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: filters})
		require.NoError(t, err)
		if len(images.Images) == 0 {
			continue
		}
		sort.Slice(images.Images, func(i, j int) bool {
			return aws.ToString(images.Images[i].CreationDate) > aws.ToString(images.Images[j].CreationDate)
		})
		return aws.ToString(images.Images[0].ImageId)
	}
	t.Fatal("no Amazon x86_64 image")
	return ""
}

// options are the client options tests use: the environment's clock, fixed 5 s / 15 s polls.
func (f *fixture) options(o *elb.Options) {
	o.Clock = f.env.Clock
	o.Certificates = f.acm
	o.Instances = f.ec2
	o.PollInterval = 5 * time.Second
	o.MaxPollInterval = 15 * time.Second
	if f.env.Sim == nil {
		integrationOptions(o)
	}
}

// integrationOptions bound every wait to a few minutes on any endpoint, where health checks and
// provisioning take real time and an emulator may never report what AWS would.
func integrationOptions(o *elb.Options) {
	o.ActiveTimeout = 5 * time.Minute
	o.HealthyTimeout = 5 * time.Minute
	o.DrainTimeout = 3 * time.Minute
	o.RetryTimeout = time.Minute
}

func (f *fixture) client(optFns ...func(*elb.Options)) *elb.Client {
	c, err := elb.New(f.elbv2, append([]func(*elb.Options){f.options}, optFns...)...)
	require.NoError(f.t, err)
	return c
}

// name is the environment's unique name for label (the same label gives the same name).
func (f *fixture) name(label string) string { return f.env.Name(label) }

// tags are the load balancer tags of the fixture's specs: the run tag, so the scope's cleanup
// finds what the test creates.
func (f *fixture) tags() map[string]string {
	tags := f.env.Tags()
	tags["app"] = "portal"
	return tags
}

// spec is an ALB across every zone with an HTTP health check every 10 s, named for label (a
// unique name per run, see testenv.CloudEnv.Name) and tagged with the run id.
func (f *fixture) spec(label string) elb.Spec {
	delay := 30 * time.Second
	name := f.name(label)
	return elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: name, Subnets: f.subnets, Tags: f.tags()},
		TargetGroup: elb.TargetGroupSpec{
			Name: name + "-web", VPCID: f.vpcID, Port: 80, DeregistrationDelay: &delay,
			HealthCheck: elb.HealthCheck{Path: "/health", Interval: 10 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 3, UnhealthyThreshold: 2},
		},
	}
}

// launch starts n instances spread over zones (all zones when none are given) and waits until
// they run.
func (f *fixture) launch(t testing.TB, n int, zones ...string) []string {
	t.Helper()
	ctx := context.Background()
	if len(zones) == 0 {
		zones = f.zones
	}
	var ids []string
	for i, z := range zones {
		count := n / len(zones)
		if i < n%len(zones) {
			count++
		}
		if count == 0 {
			continue
		}
		out, err := f.ec2.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String(f.image), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(int32(count)), MaxCount: aws.Int32(int32(count)),
			Placement: &ec2types.Placement{AvailabilityZone: aws.String(z)}, UserData: aws.String(webServer),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: ec2Tags(f.env.Tags())}},
		})
		require.NoError(t, err)
		for _, in := range out.Instances {
			ids = append(ids, aws.ToString(in.InstanceId))
		}
	}
	f.waitRunning(t, ids)
	return ids
}

// waitRunning polls until the instances run, on the environment's clock (instantly on the
// simulated cloud, where they are pending for 30 s of virtual time).
func (f *fixture) waitRunning(t testing.TB, ids []string) {
	t.Helper()
	_, err := poll.Wait(context.Background(), func(ctx context.Context) (poll.Result, error) {
		out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return poll.Result{}, err
		}
		running := 0
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameRunning {
					running++
				}
			}
		}
		if running == len(ids) {
			return poll.Result{Status: poll.Done, State: "running"}, nil
		}
		return poll.Result{Status: poll.Pending, State: fmt.Sprintf("%d/%d running", running, len(ids))}, nil
	}, poll.Options{What: "instances running", MinDelay: 5 * time.Second, MaxDelay: 10 * time.Second, MaxWait: 5 * time.Minute, Clock: f.env.Clock,
		Transient: func(err error) bool { return awserr.IsCode(err, "InvalidInstanceID.NotFound") }})
	require.NoError(t, err)
}

// ensureWithTargets builds the stack and registers n healthy instances.
func (f *fixture) ensureWithTargets(t testing.TB, c *elb.Client, name string, n int) (*elb.Stack, []string) {
	t.Helper()
	ctx := context.Background()
	st, err := c.Ensure(ctx, f.spec(name))
	require.NoError(t, err)
	ids := f.launch(t, n)
	require.NoError(t, c.Register(ctx, st.TargetGroupARN, elb.Instances(ids...)))
	_, err = c.WaitHealthy(ctx, st.TargetGroupARN, elb.Instances(ids...))
	require.NoError(t, err)
	return st, ids
}

// webServer is the instances' user data: on a real Amazon Linux instance it serves /health on
// port 80 (python3 ships with the image), so health checks pass honestly; the simulated cloud
// ignores it.
var webServer = base64.StdEncoding.EncodeToString([]byte(`#!/bin/bash
mkdir -p /srv/www && echo ok > /srv/www/health && cd /srv/www && nohup python3 -m http.server 80 >/dev/null 2>&1 &
`))

func ec2Tags(m map[string]string) []ec2types.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// logBuffer collects slog output from any number of goroutines.
type logBuffer = testenv.LogBuffer
