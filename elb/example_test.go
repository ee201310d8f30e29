package elb_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
)

// exampleNetwork returns the simulated cloud's default VPC and its subnets.
func exampleNetwork(ctx context.Context, client *ec2.Client) (vpcID string, subnets []string) {
	out, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		panic(err)
	}
	for _, s := range out.Subnets {
		vpcID = aws.ToString(s.VpcId)
		subnets = append(subnets, aws.ToString(s.SubnetId))
	}
	return vpcID, subnets
}

// exampleInstances launches n running instances spread over the zones.
func exampleInstances(ctx context.Context, cloud *awstest.Cloud, client *ec2.Client, n int) []string {
	images, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil {
		panic(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro})
		if err != nil {
			panic(err)
		}
		ids = append(ids, aws.ToString(out.Instances[0].InstanceId))
	}
	cloud.Clock().Advance(time.Minute) // past pending
	return ids
}

func ExampleClient_Ensure() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	cloud.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	vpcID, subnets := exampleNetwork(ctx, ec2.NewFromConfig(cloud.Config()))

	client, err := elb.New(elasticloadbalancingv2.NewFromConfig(cloud.Config()), func(o *elb.Options) {
		o.Certificates = acm.NewFromConfig(cloud.Config())
		o.Clock = cloud.Clock()
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	spec := elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: "portal", Subnets: subnets},
		TargetGroup:  elb.TargetGroupSpec{Name: "portal-web", VPCID: vpcID, HealthCheck: elb.HealthCheck{Path: "/health"}},
		Listeners:    elb.ListenerSpec{CertificateDomain: "example.com", ApexRedirect: "example.com"},
	}
	stack, err := client.Ensure(ctx, spec)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("created:", stack.Created)
	fmt.Println("TLS policy:", stack.SSLPolicy)
	fmt.Println("zones:", len(stack.Zones))

	again, err := client.Ensure(ctx, spec)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("second run created:", again.Created, "drift:", again.Drift)
	// Output:
	// created: [load balancer target group listener HTTP:80 listener HTTPS:443 apex redirect rule]
	// TLS policy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09
	// zones: 3
	// second run created: [] drift: []
}

func ExampleRoll() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	ec2Client := ec2.NewFromConfig(cloud.Config())
	vpcID, subnets := exampleNetwork(ctx, ec2Client)
	client, err := elb.New(elasticloadbalancingv2.NewFromConfig(cloud.Config()), func(o *elb.Options) { o.Clock = cloud.Clock() })
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	stack, err := client.Ensure(ctx, elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: "portal", Subnets: subnets},
		TargetGroup:  elb.TargetGroupSpec{Name: "portal-web", VPCID: vpcID, HealthCheck: elb.HealthCheck{Interval: 10 * time.Second}},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	ids := exampleInstances(ctx, cloud, ec2Client, 4)
	pool := client.TargetGroup(stack.TargetGroupARN)
	if err := pool.Register(ctx, ids); err != nil {
		fmt.Println("error:", err)
		return
	}
	if _, err := pool.WaitHealthy(ctx, ids); err != nil {
		fmt.Println("error:", err)
		return
	}

	report, err := elb.Roll(ctx, pool, ids, func(o *elb.Options) {
		o.MinHealthyPercent = 50
		o.RollHook = func(ctx context.Context, batch []string) ([]string, error) {
			fmt.Println("deploying to", len(batch), "drained instances")
			return nil, nil // same instances, in place
		}
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("batches:", report.Batches, "in service:", len(report.InService))
	// Output:
	// deploying to 2 drained instances
	// deploying to 2 drained instances
	// batches: 2 in service: 4
}

func ExampleClient_WaitHealthy_failFast() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	ec2Client := ec2.NewFromConfig(cloud.Config())
	vpcID, subnets := exampleNetwork(ctx, ec2Client)
	client, err := elb.New(elasticloadbalancingv2.NewFromConfig(cloud.Config()), func(o *elb.Options) {
		o.Clock = cloud.Clock()
		o.OnTargetChange = func(ch elb.TargetChange) {
			if ch.To == "unhealthy" {
				fmt.Println(ch.To, ch.Reason)
			}
		}
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	stack, err := client.Ensure(ctx, elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: "portal", Subnets: subnets},
		TargetGroup:  elb.TargetGroupSpec{Name: "portal-web", VPCID: vpcID},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	ids := exampleInstances(ctx, cloud, ec2Client, 1)
	cloud.FailInstance(ids[0]) // its web server answers 500
	targets := elb.Instances(ids...)
	if err := client.Register(ctx, stack.TargetGroupARN, targets); err != nil {
		fmt.Println("error:", err)
		return
	}
	_, err = client.WaitHealthy(ctx, stack.TargetGroupARN, targets)
	fmt.Println(errors.Is(err, elb.ErrUnhealthy))
	// Output:
	// unhealthy Target.ResponseCodeMismatch
	// true
}

func ExampleClassic_WaitDrained() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	ec2Client := ec2.NewFromConfig(cloud.Config())
	_, subnets := exampleNetwork(ctx, ec2Client)
	api := elasticloadbalancing.NewFromConfig(cloud.Config())
	if _, err := api.CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("legacy"), Subnets: subnets,
		Listeners: []elbtypes.Listener{{LoadBalancerPort: 80, InstancePort: aws.Int32(80), Protocol: aws.String("HTTP")}},
	}); err != nil {
		fmt.Println("error:", err)
		return
	}
	classic, err := elb.NewClassic(api, func(o *elb.Options) { o.Clock = cloud.Clock() })
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	drain := 30 * time.Second
	if _, err := classic.Configure(ctx, "legacy", elb.ClassicSettings{
		HealthCheck:        &elb.ClassicHealthCheck{Target: "HTTP:80/health", Interval: 10 * time.Second},
		ConnectionDraining: &drain,
	}); err != nil {
		fmt.Println("error:", err)
		return
	}
	ids := exampleInstances(ctx, cloud, ec2Client, 2)
	if err := classic.Register(ctx, "legacy", ids); err != nil {
		fmt.Println("error:", err)
		return
	}
	if _, err := classic.WaitInService(ctx, "legacy", ids); err != nil {
		fmt.Println("error:", err)
		return
	}
	if err := classic.Deregister(ctx, "legacy", ids[:1]); err != nil {
		fmt.Println("error:", err)
		return
	}
	report, err := classic.WaitDrained(ctx, "legacy", ids[:1])
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("drained after at least 30s:", report.Elapsed >= drain)
	// Output:
	// drained after at least 30s: true
}
