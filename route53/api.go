package route53

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// API is the part of the Route 53 client the package uses. The SDK's *route53.Client satisfies it.
type API interface {
	GetHostedZone(ctx context.Context, in *awsroute53.GetHostedZoneInput, optFns ...func(*awsroute53.Options)) (*awsroute53.GetHostedZoneOutput, error)
	ListHostedZonesByName(ctx context.Context, in *awsroute53.ListHostedZonesByNameInput, optFns ...func(*awsroute53.Options)) (*awsroute53.ListHostedZonesByNameOutput, error)
	ListResourceRecordSets(ctx context.Context, in *awsroute53.ListResourceRecordSetsInput, optFns ...func(*awsroute53.Options)) (*awsroute53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(ctx context.Context, in *awsroute53.ChangeResourceRecordSetsInput, optFns ...func(*awsroute53.Options)) (*awsroute53.ChangeResourceRecordSetsOutput, error)
	GetChange(ctx context.Context, in *awsroute53.GetChangeInput, optFns ...func(*awsroute53.Options)) (*awsroute53.GetChangeOutput, error)
	ListHealthChecks(ctx context.Context, in *awsroute53.ListHealthChecksInput, optFns ...func(*awsroute53.Options)) (*awsroute53.ListHealthChecksOutput, error)
	CreateHealthCheck(ctx context.Context, in *awsroute53.CreateHealthCheckInput, optFns ...func(*awsroute53.Options)) (*awsroute53.CreateHealthCheckOutput, error)
}

// ELBv2API is the part of the Elastic Load Balancing v2 client (ALB and NLB) that
// [Client.LoadBalancerTarget] uses. The SDK's *elasticloadbalancingv2.Client satisfies it.
type ELBv2API interface {
	DescribeLoadBalancers(ctx context.Context, in *elasticloadbalancingv2.DescribeLoadBalancersInput, optFns ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeLoadBalancersOutput, error)
}

// ClassicAPI is the part of the Classic Load Balancer client that [Client.ClassicTarget] uses.
// The SDK's *elasticloadbalancing.Client satisfies it.
type ClassicAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elasticloadbalancing.DescribeLoadBalancersInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeLoadBalancersOutput, error)
}

// WebsiteAPI is the part of the S3 client that [ConfigureRedirectBucket] uses. The SDK's
// *s3.Client satisfies it.
type WebsiteAPI interface {
	PutBucketWebsite(ctx context.Context, in *s3.PutBucketWebsiteInput, optFns ...func(*s3.Options)) (*s3.PutBucketWebsiteOutput, error)
}

var (
	_ API        = (*awsroute53.Client)(nil)
	_ ELBv2API   = (*elasticloadbalancingv2.Client)(nil)
	_ ClassicAPI = (*elasticloadbalancing.Client)(nil)
	_ WebsiteAPI = (*s3.Client)(nil)
)
