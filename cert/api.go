package cert

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// ACMAPI is the part of the ACM client the package uses; *acm.Client satisfies it.
type ACMAPI interface {
	ImportCertificate(ctx context.Context, in *acm.ImportCertificateInput, optFns ...func(*acm.Options)) (*acm.ImportCertificateOutput, error)
	ListCertificates(ctx context.Context, in *acm.ListCertificatesInput, optFns ...func(*acm.Options)) (*acm.ListCertificatesOutput, error)
	DescribeCertificate(ctx context.Context, in *acm.DescribeCertificateInput, optFns ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
	GetCertificate(ctx context.Context, in *acm.GetCertificateInput, optFns ...func(*acm.Options)) (*acm.GetCertificateOutput, error)
	ListTagsForCertificate(ctx context.Context, in *acm.ListTagsForCertificateInput, optFns ...func(*acm.Options)) (*acm.ListTagsForCertificateOutput, error)
	AddTagsToCertificate(ctx context.Context, in *acm.AddTagsToCertificateInput, optFns ...func(*acm.Options)) (*acm.AddTagsToCertificateOutput, error)
}

// IAMAPI is the part of the IAM client the package uses for server certificates; *iam.Client
// satisfies it.
type IAMAPI interface {
	UploadServerCertificate(ctx context.Context, in *iam.UploadServerCertificateInput, optFns ...func(*iam.Options)) (*iam.UploadServerCertificateOutput, error)
	GetServerCertificate(ctx context.Context, in *iam.GetServerCertificateInput, optFns ...func(*iam.Options)) (*iam.GetServerCertificateOutput, error)
	ListServerCertificates(ctx context.Context, in *iam.ListServerCertificatesInput, optFns ...func(*iam.Options)) (*iam.ListServerCertificatesOutput, error)
}

// ELBv2API is the part of the Elastic Load Balancing v2 client the package uses for ALB and NLB
// listeners; *elasticloadbalancingv2.Client satisfies it.
type ELBv2API interface {
	DescribeListeners(ctx context.Context, in *elasticloadbalancingv2.DescribeListenersInput, optFns ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeListenersOutput, error)
	ModifyListener(ctx context.Context, in *elasticloadbalancingv2.ModifyListenerInput, optFns ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.ModifyListenerOutput, error)
	DescribeListenerCertificates(ctx context.Context, in *elasticloadbalancingv2.DescribeListenerCertificatesInput, optFns ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeListenerCertificatesOutput, error)
	AddListenerCertificates(ctx context.Context, in *elasticloadbalancingv2.AddListenerCertificatesInput, optFns ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.AddListenerCertificatesOutput, error)
}

// ClassicAPI is the part of the Classic Elastic Load Balancing client the package uses;
// *elasticloadbalancing.Client satisfies it.
type ClassicAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elasticloadbalancing.DescribeLoadBalancersInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.DescribeLoadBalancersOutput, error)
	SetLoadBalancerListenerSSLCertificate(ctx context.Context, in *elasticloadbalancing.SetLoadBalancerListenerSSLCertificateInput, optFns ...func(*elasticloadbalancing.Options)) (*elasticloadbalancing.SetLoadBalancerListenerSSLCertificateOutput, error)
}

var (
	_ ACMAPI     = (*acm.Client)(nil)
	_ IAMAPI     = (*iam.Client)(nil)
	_ ELBv2API   = (*elasticloadbalancingv2.Client)(nil)
	_ ClassicAPI = (*elasticloadbalancing.Client)(nil)
)

// Clients are the AWS clients a [Client] uses. Each is needed only by the methods that call its
// service: ACM by ImportACM and Report (for ACM certificates), IAM by UploadIAM and Report (for
// IAM server certificates), ELBv2 by the ALB/NLB listener methods, ELB by the Classic ones.
type Clients struct {
	// ACM imports and describes ACM certificates, usually an *acm.Client. Nil disables ImportACM.
	ACM ACMAPI
	// IAM uploads and lists IAM server certificates, usually an *iam.Client. Nil disables
	// UploadIAM.
	IAM IAMAPI
	// ELBv2 reads and changes ALB/NLB listeners, usually an *elasticloadbalancingv2.Client. Nil
	// disables the ALB/NLB listener methods.
	ELBv2 ELBv2API
	// ELB reads and changes Classic Load Balancer listeners, usually an
	// *elasticloadbalancing.Client. Nil disables the Classic methods.
	ELB ClassicAPI
}
