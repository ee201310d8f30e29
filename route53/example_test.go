package route53_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/route53"
)

// exampleCloud returns a simulated cloud with a public hosted zone example.com and two ALBs,
// web and standby.
func exampleCloud(ctx context.Context) *awstest.Cloud {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	cfg := cloud.Config()
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"web", "standby"} {
		_, err = elasticloadbalancingv2.NewFromConfig(cfg).CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
			Name: aws.String(name), Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)},
		})
		if err != nil {
			panic(err)
		}
	}
	_, err = awsroute53.NewFromConfig(cfg).CreateHostedZone(ctx, &awsroute53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("example")})
	if err != nil {
		panic(err)
	}
	return cloud
}

func ExampleClient_EnsureSite() {
	ctx := context.Background()
	cloud := exampleCloud(ctx)
	defer cloud.Close()

	client, err := route53.New(awsroute53.NewFromConfig(cloud.Config()), func(o *route53.Options) {
		o.Clock = cloud.Clock() // the simulated cloud's virtual clock; omit against AWS
		o.OnProgress = func(p route53.Progress) { fmt.Printf("change %s\n", p.Status) }
	})
	if err != nil {
		panic(err)
	}
	target, err := client.LoadBalancerTarget(ctx, elasticloadbalancingv2.NewFromConfig(cloud.Config()), "web")
	if err != nil {
		panic(err)
	}
	fmt.Println("alias zone:", target.HostedZoneID)

	site := route53.Site{Domain: "example.com", Target: target}
	res, err := client.EnsureSite(ctx, site)
	if err != nil {
		panic(err)
	}
	for _, ch := range res.Changes {
		fmt.Println(ch.Action, aws.ToString(ch.ResourceRecordSet.Name), ch.ResourceRecordSet.Type)
	}

	again, err := client.EnsureSite(ctx, site)
	if err != nil {
		panic(err)
	}
	fmt.Println("second run changed:", again.Changed())
	// Output:
	// alias zone: Z35SXDOTRQ7X7K
	// change PENDING
	// change INSYNC
	// UPSERT example.com. A
	// UPSERT www.example.com. A
	// second run changed: false
}

func ExampleClient_EnsureFailover() {
	ctx := context.Background()
	cloud := exampleCloud(ctx)
	defer cloud.Close()
	client, err := route53.New(awsroute53.NewFromConfig(cloud.Config()), func(o *route53.Options) { o.Clock = cloud.Clock() })
	if err != nil {
		panic(err)
	}
	elb := elasticloadbalancingv2.NewFromConfig(cloud.Config())
	primary, err := client.LoadBalancerTarget(ctx, elb, "web")
	if err != nil {
		panic(err)
	}
	// Usually another region's load balancer, described with that region's ELB client.
	standby, err := client.LoadBalancerTarget(ctx, elb, "standby")
	if err != nil {
		panic(err)
	}

	fo := route53.Failover{
		Name:      "www.example.com",
		Primary:   route53.FailoverTarget{Target: primary, HealthCheck: &route53.HealthCheck{Domain: primary.DNSName, Path: "/health"}},
		Secondary: route53.FailoverTarget{Target: standby},
	}
	res, err := client.EnsureFailover(ctx, fo)
	if err != nil {
		panic(err)
	}
	fmt.Println("health checks created:", res.HealthChecksCreated, "records:", len(res.Changes))
	res, err = client.EnsureFailover(ctx, fo)
	if err != nil {
		panic(err)
	}
	fmt.Println("health checks created:", res.HealthChecksCreated, "changed:", res.Changed())
	// Output:
	// health checks created: 1 records: 2
	// health checks created: 0 changed: false
}

func ExampleRedirectHandler() {
	h, err := route53.RedirectHandler("example.com")
	if err != nil {
		panic(err)
	}
	for _, host := range []string{"example.com", "evil.test"} {
		req := httptest.NewRequest(http.MethodGet, "/shop?item=42", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(host, rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// example.com 301 https://www.example.com/shop?item=42
	// evil.test 404
}

func ExampleRedirectBucketWebsite() {
	in, err := route53.RedirectBucketWebsite("example.com")
	if err != nil {
		panic(err)
	}
	r := in.WebsiteConfiguration.RedirectAllRequestsTo
	fmt.Println(aws.ToString(in.Bucket), "->", r.Protocol, aws.ToString(r.HostName))
	// Output: example.com -> https www.example.com
}
