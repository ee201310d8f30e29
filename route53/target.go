package route53

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/retry"
)

// Target is what alias records point at: a load balancer's DNS name and canonical hosted zone.
type Target struct {
	// DNSName is the load balancer's DNS name, for example
	// "web-1234567890.us-east-1.elb.amazonaws.com".
	DNSName string
	// HostedZoneID is the load balancer's canonical hosted zone ID, as the ELB API reports it
	// (CanonicalHostedZoneId; Classic: CanonicalHostedZoneNameID). It differs between regions and
	// between Application/Classic and Network Load Balancers.
	HostedZoneID string
	// DualStack reports whether the load balancer answers over IPv6 too, so AAAA alias records
	// are wanted next to the A records.
	DualStack bool
}

func (t Target) problems(field string) []string {
	var out []string
	if !validName(fqdn(t.DNSName)) {
		out = append(out, fmt.Sprintf("%s.DNSName %q is not a DNS name", field, t.DNSName))
	}
	if t.HostedZoneID == "" || strings.ContainsAny(stripZonePrefix(t.HostedZoneID), "/ ") {
		out = append(out, fmt.Sprintf("%s.HostedZoneID %q is not a hosted zone ID (read it from the load balancer: Client.LoadBalancerTarget)", field, t.HostedZoneID))
	}
	return out
}

// LoadBalancerTarget describes an Application or Network Load Balancer, named by its ARN or name,
// and returns it as an alias target, with the canonical hosted zone ID the ELB API reports (no
// table of zone IDs is kept here, so none can go stale) and DualStack set for the dualstack IP
// address types. It fails with an error matching [ErrLoadBalancerNotFound] when there is no such
// load balancer. The ELB client is an argument rather than a Client setting because the load
// balancers of a [Failover] often live in two regions, each described by its own client.
func (c *Client) LoadBalancerTarget(ctx context.Context, api ELBv2API, nameOrARN string, optFns ...func(*Options)) (Target, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return Target{}, err
	}
	in := &elasticloadbalancingv2.DescribeLoadBalancersInput{}
	if strings.HasPrefix(nameOrARN, "arn:") {
		in.LoadBalancerArns = []string{nameOrARN}
	} else {
		in.Names = []string{nameOrARN}
	}
	var out *elasticloadbalancingv2.DescribeLoadBalancersOutput
	err = c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = api.DescribeLoadBalancers(ctx, in)
		return err
	})
	switch {
	case awserr.IsCode(err, "LoadBalancerNotFound"), err == nil && len(out.LoadBalancers) == 0:
		return Target{}, fmt.Errorf("%w: %s", ErrLoadBalancerNotFound, nameOrARN)
	case err != nil:
		return Target{}, fmt.Errorf("route53: describing load balancer %s: %w", nameOrARN, err)
	}
	lb := out.LoadBalancers[0]
	return Target{
		DNSName:      aws.ToString(lb.DNSName),
		HostedZoneID: aws.ToString(lb.CanonicalHostedZoneId),
		DualStack:    lb.IpAddressType == elbv2types.IpAddressTypeDualstack || lb.IpAddressType == elbv2types.IpAddressTypeDualstackWithoutPublicIpv4,
	}, nil
}

// ClassicTarget describes a Classic Load Balancer by name and returns it as an alias target, with
// the CanonicalHostedZoneNameID the API reports. Classic Load Balancers in a VPC answer over IPv4
// only, so DualStack is false. It fails with an error matching [ErrLoadBalancerNotFound] when
// there is no such load balancer.
func (c *Client) ClassicTarget(ctx context.Context, api ClassicAPI, name string, optFns ...func(*Options)) (Target, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return Target{}, err
	}
	var out *elasticloadbalancing.DescribeLoadBalancersOutput
	err = c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = api.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{name}})
		return err
	})
	switch {
	case awserr.IsCode(err, "LoadBalancerNotFound"), err == nil && len(out.LoadBalancerDescriptions) == 0:
		return Target{}, fmt.Errorf("%w: %s", ErrLoadBalancerNotFound, name)
	case err != nil:
		return Target{}, fmt.Errorf("route53: describing load balancer %s: %w", name, err)
	}
	lb := out.LoadBalancerDescriptions[0]
	return Target{DNSName: aws.ToString(lb.DNSName), HostedZoneID: aws.ToString(lb.CanonicalHostedZoneNameID)}, nil
}
