package autoscale_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/awstest"
)

// exampleClient returns a client on a fresh simulated cloud, two default subnets and the latest
// Amazon Linux image.
func exampleClient() (*awstest.Cloud, *autoscale.Client, []string, string) {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	cfg := cloud.Config()
	ec2c := ec2.NewFromConfig(cfg)
	client, err := autoscale.New(autoscaling.NewFromConfig(cfg), ec2c, func(o *autoscale.Options) {
		o.Clock = cloud.Clock()
		o.Parameters = ssm.NewFromConfig(cfg)
		o.TargetHealth = elasticloadbalancingv2.NewFromConfig(cfg)
	})
	if err != nil {
		panic(err)
	}
	out, err := ec2c.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{})
	if err != nil {
		panic(err)
	}
	var subnets []string
	for _, s := range out.Subnets[:2] {
		subnets = append(subnets, aws.ToString(s.SubnetId))
	}
	img, err := client.ResolveImage(context.Background(), autoscale.ImageQuery{NamePattern: "al2023-ami-2023.*-x86_64", Owners: []string{"amazon"}})
	if err != nil {
		panic(err)
	}
	return cloud, client, subnets, img.ID
}

// A group of web servers from the latest Amazon Linux image, across two zones.
func ExampleClient_Ensure() {
	cloud, client, subnets, _ := exampleClient()
	defer cloud.Close()
	ctx := context.Background()

	img, err := client.ResolveImage(ctx, autoscale.ImageQuery{Parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"})
	if err != nil {
		panic(err)
	}
	v, err := client.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{
		Name: "web", ImageID: img.ID, InstanceType: "t3.small", HopLimit: 2,
		UserData: []byte("#!/bin/sh\n/opt/portal/bin/agent boot\n"),
	})
	if err != nil {
		panic(err)
	}
	g, err := client.Ensure(ctx, autoscale.GroupSpec{
		Name: "web", Template: v.Ref(), Subnets: subnets, MinSize: 2, MaxSize: 6, DesiredCapacity: 2,
	})
	if err != nil {
		panic(err)
	}
	if err := client.WaitInService(ctx, "web"); err != nil {
		panic(err)
	}
	fmt.Println("image:", img.Name)
	fmt.Println("template version:", v.Version)
	fmt.Println("created:", g.Created, "zones:", g.Zones)
	// Output:
	// image: al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64
	// template version: 1
	// created: true zones: [us-east-1a us-east-1b]
}

// A rolling deploy of a new template version that keeps 90% of the group in service.
func ExampleClient_RollingDeploy() {
	cloud, client, subnets, image := exampleClient()
	defer cloud.Close()
	ctx := context.Background()
	spec := autoscale.TemplateSpec{Name: "web", ImageID: image, InstanceType: "t3.small", UserData: []byte("release 1")}
	v1, _ := client.EnsureTemplateVersion(ctx, spec)
	_, _ = client.Ensure(ctx, autoscale.GroupSpec{Name: "web", Template: v1.Ref(), Subnets: subnets, MaxSize: 10, DesiredCapacity: 4,
		DefaultInstanceWarmup: time.Minute})
	if err := client.WaitInService(ctx, "web"); err != nil {
		panic(err)
	}

	spec.UserData = []byte("release 2")
	v2, _ := client.EnsureTemplateVersion(ctx, spec)
	ref := v2.Ref()
	r, err := client.RollingDeploy(ctx, "web", autoscale.RefreshSpec{Template: &ref, MinHealthyPercentage: aws.Int32(75)})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status, r.Percent, "%")
	// Output:
	// Successful 100 %
}

// The instance agent completes the launching hook once the instance is ready to serve.
func ExampleClient_CompleteLifecycleAction() {
	cloud, client, subnets, image := exampleClient()
	defer cloud.Close()
	ctx := context.Background()
	v, _ := client.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{Name: "web", ImageID: image, InstanceType: "t3.small"})
	_, err := client.Ensure(ctx, autoscale.GroupSpec{Name: "web", Template: v.Ref(), Subnets: subnets, MaxSize: 2, DesiredCapacity: 1,
		LifecycleHooks: []autoscale.LifecycleHook{{Name: "ready", Transition: autoscale.Launching, DefaultResult: autoscale.Abandon, HeartbeatTimeout: 15 * time.Minute}}})
	if err != nil {
		panic(err)
	}
	cloud.Clock().Advance(time.Minute) // the instance boots and waits in Pending:Wait
	instanceID := cloud.AutoScalingTransitions("web")[0].InstanceID

	// On the instance: the agent knows its instance ID (IMDS) and the group (its tag).
	err = client.CompleteLifecycleAction(ctx, autoscale.LifecycleAction{Group: "web", Hook: "ready", InstanceID: instanceID}, autoscale.Continue)
	fmt.Println("completed:", err == nil)
	fmt.Println("in service:", client.WaitInService(ctx, "web") == nil)
	// Output:
	// completed: true
	// in service: true
}

// The resource label of an ALBRequestCountPerTarget policy, built from the ARNs.
func ExampleResourceLabel() {
	label, err := autoscale.ResourceLabel(
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067")
	if err != nil {
		panic(err)
	}
	fmt.Println(label)
	// Output:
	// app/web/50dc6c495c0c9188/targetgroup/web/73e2d6bc24d8a067
}
