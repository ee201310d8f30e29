package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// subnet is a default subnet and its zone.
type subnet struct{ id, zone string }

// defaultNetwork returns the default VPC and its default subnets, one per zone, in zone order.
func defaultNetwork(ctx context.Context, client *ec2.Client) (vpcID string, subnets []subnet, err error) {
	out, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", nil, fmt.Errorf("deploy: default subnets: %w", err)
	}
	for _, s := range out.Subnets {
		vpcID = aws.ToString(s.VpcId)
		subnets = append(subnets, subnet{aws.ToString(s.SubnetId), aws.ToString(s.AvailabilityZone)})
	}
	if len(subnets) < 2 {
		return "", nil, fmt.Errorf("deploy: the default VPC has %d default subnets; the load balancer needs two zones", len(subnets))
	}
	sort.Slice(subnets, func(i, j int) bool { return subnets[i].zone < subnets[j].zone })
	return vpcID, subnets, nil
}

func subnetIDs(s []subnet) []string {
	ids := make([]string, len(s))
	for i, sn := range s {
		ids[i] = sn.id
	}
	return ids
}

// describeFleet lists the group's instances in service, with their zone, EC2 state and release
// tag.
func describeFleet(ctx context.Context, c *clients, group string) ([]Instance, error) {
	out, err := c.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil {
		return nil, fmt.Errorf("deploy: group %s: %w", group, err)
	}
	var insts []Instance
	var ids []string
	for _, g := range out.AutoScalingGroups {
		for _, i := range g.Instances {
			if i.LifecycleState != astypes.LifecycleStateInService {
				continue
			}
			insts = append(insts, Instance{ID: aws.ToString(i.InstanceId), Zone: aws.ToString(i.AvailabilityZone)})
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	p := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
	info := map[string]ec2types.Instance{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("deploy: instances of %s: %w", group, err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				info[aws.ToString(i.InstanceId)] = i
			}
		}
	}
	for k := range insts {
		i := info[insts[k].ID]
		if i.State != nil {
			insts[k].State = string(i.State.Name)
		}
		for _, t := range i.Tags {
			if aws.ToString(t.Key) == TagRelease {
				insts[k].Release = aws.ToString(t.Value)
			}
		}
	}
	return insts, nil
}

// targetHealth maps each registered target of a group to its state.
func targetHealth(ctx context.Context, client *elasticloadbalancingv2.Client, arn string) (map[string]string, error) {
	out, err := client.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("deploy: target health: %w", err)
	}
	m := map[string]string{}
	for _, d := range out.TargetHealthDescriptions {
		m[aws.ToString(d.Target.Id)] = string(d.TargetHealth.State)
	}
	return m, nil
}

func zoneSummary(perZone map[string]int) string {
	zones := slices.Sorted(maps.Keys(perZone))
	parts := make([]string, len(zones))
	for i, z := range zones {
		parts[i] = fmt.Sprintf("%s: %d", z, perZone[z])
	}
	return strings.Join(parts, ", ")
}
