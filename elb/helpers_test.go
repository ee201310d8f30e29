package elb_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
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

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.Cloud(t)
	f := &fixture{
		t: t, env: env, elbv2: elasticloadbalancingv2.NewFromConfig(env.Config), classic: elasticloadbalancing.NewFromConfig(env.Config),
		ec2: ec2.NewFromConfig(env.Config), acm: acm.NewFromConfig(env.Config),
	}
	ctx := context.Background()
	subnets, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(subnets.Subnets), 2)
	for _, s := range subnets.Subnets {
		f.subnets = append(f.subnets, aws.ToString(s.SubnetId))
		f.zones = append(f.zones, aws.ToString(s.AvailabilityZone))
		f.vpcID = aws.ToString(s.VpcId)
	}
	images, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images)
	f.image = aws.ToString(images.Images[0].ImageId)
	return f
}

// options are the client options tests use: the environment's clock, fixed 5 s / 15 s polls.
func (f *fixture) options(o *elb.Options) {
	o.Clock = f.env.Clock
	o.Certificates = f.acm
	o.Instances = f.ec2
	o.PollInterval = 5 * time.Second
	o.MaxPollInterval = 15 * time.Second
}

func (f *fixture) client(optFns ...func(*elb.Options)) *elb.Client {
	c, err := elb.New(f.elbv2, append([]func(*elb.Options){f.options}, optFns...)...)
	require.NoError(f.t, err)
	return c
}

// spec is an ALB across every zone with an HTTP health check every 10 s.
func (f *fixture) spec(name string) elb.Spec {
	delay := 30 * time.Second
	return elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: name, Subnets: f.subnets, Tags: map[string]string{"app": "portal"}},
		TargetGroup: elb.TargetGroupSpec{
			Name: name + "-web", VPCID: f.vpcID, Port: 80, DeregistrationDelay: &delay,
			HealthCheck: elb.HealthCheck{Path: "/health", Interval: 10 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 3, UnhealthyThreshold: 2},
		},
	}
}

// launch starts n instances spread over zones (all zones when none are given) and waits until
// they run.
func (f *fixture) launch(t *testing.T, n int, zones ...string) []string {
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
			Placement: &ec2types.Placement{AvailabilityZone: aws.String(z)},
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
func (f *fixture) waitRunning(t *testing.T, ids []string) {
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
func (f *fixture) ensureWithTargets(t *testing.T, c *elb.Client, name string, n int) (*elb.Stack, []string) {
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

// logBuffer is a concurrency-safe buffer for an slog text handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
