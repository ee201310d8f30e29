package autoscale_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/testenv"
)

// fixture is a simulated cloud with an ALB across the three zones, a target group behind an HTTP
// listener, and an autoscale client wired to it.
type fixture struct {
	cloud   *awstest.Cloud
	client  *autoscale.Client
	as      *autoscaling.Client
	ec2     *ec2.Client
	elb     *elasticloadbalancingv2.Client
	subnets map[string]string // zone -> subnet
	vpcID   string
	lbARN   string
	tgARN   string
	imageID string
}

// The tests that use it need the simulated cloud (virtual clock, call log, fault injection,
// simulated timelines), so they are skipped against a real endpoint; TestIntegrationMainFlows
// is the scenario that runs there.
func newFixture(t *testing.T, optFns ...func(*autoscale.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	cloud := testenv.Cloud(t).RequireSim(t)
	cfg := cloud.Config()
	f := &fixture{cloud: cloud, as: autoscaling.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), elb: elasticloadbalancingv2.NewFromConfig(cfg), subnets: map[string]string{}}
	out, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var ids []string
	for _, s := range out.Subnets {
		f.subnets[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
		f.vpcID = aws.ToString(s.VpcId)
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	lb, err := f.elb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: ids})
	require.NoError(t, err)
	f.lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	tg, err := f.elb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name: aws.String("web"), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2),
	})
	require.NoError(t, err)
	f.tgARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	_, err = f.elb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(f.lbARN), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
	})
	require.NoError(t, err)
	_, err = f.elb.ModifyTargetGroupAttributes(ctx, &elasticloadbalancingv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(f.tgARN),
		Attributes: []elbv2types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}})
	require.NoError(t, err)
	opts := append([]func(*autoscale.Options){func(o *autoscale.Options) {
		o.Clock = cloud.Clock()
		o.Parameters = ssm.NewFromConfig(cfg)
		o.TargetHealth = f.elb
	}}, optFns...)
	f.client, err = autoscale.New(f.as, f.ec2, opts...)
	require.NoError(t, err)
	img, err := f.client.ResolveImage(ctx, autoscale.ImageQuery{Parameter: awstest.AmazonLinuxParameterPrefix + "al2023-ami-kernel-default-x86_64"})
	require.NoError(t, err)
	f.imageID = img.ID
	return f
}

func (f *fixture) zones(n int) []string {
	var out []string
	for _, z := range f.cloud.Zones()[:n] {
		out = append(out, f.subnets[z])
	}
	return out
}

func (f *fixture) template(t *testing.T, userData string) autoscale.TemplateVersion {
	t.Helper()
	v, err := f.client.EnsureTemplateVersion(context.Background(), autoscale.TemplateSpec{
		Name: "web", ImageID: f.imageID, InstanceType: "t3.small", UserData: []byte(userData), HopLimit: 2,
		BlockDevices: []autoscale.BlockDevice{{DeviceName: "/dev/xvda", VolumeSize: 20, Encrypted: true}},
		Tags:         map[string]string{"app": "portal"},
	})
	require.NoError(t, err)
	return v
}

func (f *fixture) spec(v autoscale.TemplateVersion, size int32, zones int) autoscale.GroupSpec {
	return autoscale.GroupSpec{
		Name: "web", Template: v.Ref(), Subnets: f.zones(zones), MinSize: 0, MaxSize: 20, DesiredCapacity: size,
		TargetGroupARNs: []string{f.tgARN}, HealthCheckGracePeriod: 60 * time.Second, DefaultInstanceWarmup: 30 * time.Second,
		TerminationPolicies: []string{"OldestLaunchTemplate", "OldestInstance"}, Tags: map[string]string{"app": "portal", "role": "web"},
	}
}

// group describes the group through the SDK.
func (f *fixture) group(t *testing.T) astypes.AutoScalingGroup {
	t.Helper()
	out, err := f.as.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
	require.NoError(t, err)
	require.Len(t, out.AutoScalingGroups, 1)
	return out.AutoScalingGroups[0]
}

// changes lists the calls of the log that create, change or delete something.
func changes(log awstest.CallLog) []string {
	var out []string
	for _, c := range log {
		for _, prefix := range []string{"Create", "Update", "Put", "Attach", "Detach", "Delete", "Set", "Start", "Modify", "Register", "Run", "Terminate"} {
			if strings.HasPrefix(c.Operation, prefix) {
				out = append(out, c.Service+"."+c.Operation)
			}
		}
	}
	return out
}

// minHealthyDuring replays the target group's transitions and returns the fewest healthy
// targets at any instant in [from, to].
func minHealthyDuring(trs []awstest.TargetTransition, from, to time.Time) int {
	state := map[string]string{}
	lowest := -1
	sort.SliceStable(trs, func(i, j int) bool { return trs[i].At.Before(trs[j].At) })
	count := func() int {
		n := 0
		for _, s := range state {
			if s == "healthy" {
				n++
			}
		}
		return n
	}
	i := 0
	for ; i < len(trs) && trs[i].At.Before(from); i++ {
		state[trs[i].TargetID] = trs[i].To
	}
	lowest = count()
	for i < len(trs) && !trs[i].At.After(to) {
		at := trs[i].At
		for ; i < len(trs) && trs[i].At.Equal(at); i++ {
			state[trs[i].TargetID] = trs[i].To
		}
		lowest = min(lowest, count())
	}
	return lowest
}
