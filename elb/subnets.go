package elb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/portalkit/portalkit/internal/retry"
)

// checkSubnets looks the load balancer's subnets up in EC2, when o.Instances is set, and refuses
// what CreateLoadBalancer would refuse or what would leave the site in one zone: subnets in
// fewer than two Availability Zones (ErrSingleAZ), two subnets in one zone (a load balancer
// takes one per zone), and subnets outside the target group's VPC (instance targets must be in
// the load balancer's VPC). Without o.Instances, spec.validate has counted distinct subnets and
// AWS's own refusal is the fallback.
func checkSubnets(ctx context.Context, o Options, spec Spec) error {
	if o.Instances == nil {
		return nil
	}
	ids := distinct(spec.LoadBalancer.Subnets)
	type info struct{ zone, vpc string }
	found := map[string]info{}
	var token *string
	for {
		var out *ec2.DescribeSubnetsOutput
		err := call(ctx, o, "DescribeSubnets", retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = o.Instances.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: ids, NextToken: token})
			return err
		})
		if err != nil {
			return fmt.Errorf("elb: look up the subnets of load balancer %s: %w", spec.LoadBalancer.Name, err)
		}
		for _, s := range out.Subnets {
			found[aws.ToString(s.SubnetId)] = info{zone: aws.ToString(s.AvailabilityZone), vpc: aws.ToString(s.VpcId)}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		token = out.NextToken
	}
	byZone := map[string][]string{}
	var p []string
	for _, id := range ids {
		s, ok := found[id]
		if !ok {
			return fmt.Errorf("elb: look up the subnets of load balancer %s: EC2 did not return subnet %s", spec.LoadBalancer.Name, id)
		}
		byZone[s.zone] = append(byZone[s.zone], id)
		if s.vpc != spec.TargetGroup.VPCID {
			p = append(p, fmt.Sprintf("LoadBalancer.Subnets: subnet %s is in VPC %s, not in TargetGroup.VPCID %s", id, s.vpc, spec.TargetGroup.VPCID))
		}
	}
	zones := slices.Sorted(maps.Keys(byZone))
	for _, z := range zones {
		if len(byZone[z]) > 1 {
			p = append(p, fmt.Sprintf("LoadBalancer.Subnets %s are all in Availability Zone %s; a load balancer takes one subnet per zone", strings.Join(byZone[z], ", "), z))
		}
	}
	singleAZ := len(zones) < 2
	if singleAZ {
		p = append(p, fmt.Sprintf("LoadBalancer.Subnets span %d Availability Zone(s) %v; a load balancer needs subnets in at least two", len(zones), zones))
	}
	if len(p) > 0 {
		return &specError{problems: p, singleAZ: singleAZ}
	}
	return nil
}
