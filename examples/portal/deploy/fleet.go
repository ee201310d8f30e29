package deploy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"github.com/portalkit/portalkit/elb"
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

// describeFleet lists the environment's pending and running instances with their release tag.
func describeFleet(ctx context.Context, client *ec2.Client, environment string) ([]Instance, error) {
	var insts []Instance
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + TagEnvironment), Values: []string{environment}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("deploy: instances of %s: %w", environment, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				in := Instance{ID: aws.ToString(i.InstanceId), State: string(i.State.Name)}
				if i.Placement != nil {
					in.Zone = aws.ToString(i.Placement.AvailabilityZone)
				}
				for _, t := range i.Tags {
					if aws.ToString(t.Key) == TagRelease {
						in.Release = aws.ToString(t.Value)
					}
				}
				insts = append(insts, in)
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

// UserData is the shell script an instance runs at first boot: the instance agent installs the
// release the environment's pointer names, runs its hooks, switches to it and starts serving.
func UserData(spec Spec) []byte {
	return []byte(fmt.Sprintf(`#!/bin/sh
# portal instance agent: install the release s3://%[1]s/%[2]s names, then serve it.
set -eu
exec /usr/local/bin/portal-agent launch --bucket %[1]s --pointer %[2]s --tag %[3]s
`, spec.Bucket, PointerKey(spec.Environment), TagRelease))
}

// ensureFleet terminates the instances the load balancer reports unhealthy, launches what is
// missing in the zones with the fewest instances (skipping a zone without capacity), boots them
// and returns the IDs of the whole fleet.
func ensureFleet(ctx context.Context, env Env, c *clients, spec Spec, stack *elb.Stack, site *Site, subnets []subnet, out *printer) ([]string, error) {
	insts, err := describeFleet(ctx, c.ec2, spec.Environment)
	if err != nil {
		return nil, err
	}
	health, err := targetHealth(ctx, c.elbv2, stack.TargetGroupARN)
	if err != nil {
		return nil, err
	}
	var keep, bad []Instance
	for _, in := range insts {
		if health[in.ID] == "unhealthy" {
			bad = append(bad, in)
			continue
		}
		keep = append(keep, in)
	}
	if len(bad) > 0 {
		ids := make([]string, len(bad))
		for i, in := range bad {
			ids[i] = in.ID
		}
		if err := c.lb.Deregister(ctx, stack.TargetGroupARN, elb.Instances(ids...)); err != nil {
			return nil, err
		}
		if _, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
			return nil, fmt.Errorf("deploy: terminate unhealthy %s: %w", strings.Join(ids, " "), err)
		}
		site.Replaced = len(bad)
		out.line("terminated %d unhealthy instance(s): %s", len(bad), strings.Join(ids, " "))
	}
	perZone := map[string]int{}
	for _, sn := range subnets {
		perZone[sn.zone] = 0
	}
	for _, in := range keep {
		perZone[in.Zone]++
	}
	image, err := latestImage(ctx, c.ec2)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, spec.Instances)
	for _, in := range keep {
		ids = append(ids, in.ID)
	}
	full := map[string]bool{} // zones that refused a launch this run
	userData := UserData(spec)
	for n := len(keep); n < spec.Instances; {
		sn, ok := emptiest(subnets, perZone, full)
		if !ok {
			return nil, fmt.Errorf("deploy: no zone has capacity for %d more instance(s)", spec.Instances-n)
		}
		id, err := launch(ctx, env, c.ec2, spec, image, sn, userData, n)
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "InsufficientInstanceCapacity" {
			out.line("zone %s has no capacity, trying another", sn.zone)
			full[sn.zone] = true
			continue
		}
		if err != nil {
			return nil, err
		}
		if env.Machines != nil {
			if err := env.Machines.Boot(ctx, id, userData); err != nil {
				return nil, fmt.Errorf("deploy: boot %s: %w", id, err)
			}
		}
		perZone[sn.zone]++
		ids = append(ids, id)
		site.Launched++
		n++
	}
	if site.Launched > 0 {
		out.line("launched %d instance(s); fleet: %s", site.Launched, zoneSummary(perZone))
	} else {
		out.line("%d instances in place: %s", len(ids), zoneSummary(perZone))
	}
	return ids, nil
}

// emptiest picks the subnet of the zone with the fewest instances, among zones not full.
func emptiest(subnets []subnet, perZone map[string]int, full map[string]bool) (subnet, bool) {
	var best subnet
	found := false
	for _, sn := range subnets {
		if full[sn.zone] {
			continue
		}
		if !found || perZone[sn.zone] < perZone[best.zone] {
			best, found = sn, true
		}
	}
	return best, found
}

func launch(ctx context.Context, env Env, client *ec2.Client, spec Spec, image string, sn subnet, userData []byte, n int) (string, error) {
	tags := []ec2types.Tag{
		{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("portal-%s-web", spec.Environment))},
		{Key: aws.String(TagEnvironment), Value: aws.String(spec.Environment)},
	}
	for k, v := range spec.Tags {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(image), InstanceType: ec2types.InstanceTypeT3Small,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(sn.id),
		// The same token on a retried call launches nothing twice.
		ClientToken:       aws.String(fmt.Sprintf("portal-%s-%d-%d", spec.Environment, env.clock().Now().UnixNano(), n)),
		UserData:          aws.String(encodeUserData(userData)),
		MetadataOptions:   &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired, HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: tags}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Instances[0].InstanceId), nil
}

// latestImage returns the newest Amazon Linux 2023 x86_64 image.
func latestImage(ctx context.Context, client *ec2.Client) (string, error) {
	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-2023.*-x86_64"}}},
	})
	if err != nil {
		return "", fmt.Errorf("deploy: base image: %w", err)
	}
	if len(out.Images) == 0 {
		return "", errors.New("deploy: no Amazon Linux 2023 image")
	}
	sort.Slice(out.Images, func(i, j int) bool {
		return aws.ToString(out.Images[i].CreationDate) > aws.ToString(out.Images[j].CreationDate)
	})
	return aws.ToString(out.Images[0].ImageId), nil
}

func zoneSummary(perZone map[string]int) string {
	zones := make([]string, 0, len(perZone))
	for z := range perZone {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	parts := make([]string, len(zones))
	for i, z := range zones {
		parts[i] = fmt.Sprintf("%s: %d", z, perZone[z])
	}
	return strings.Join(parts, ", ")
}

func encodeUserData(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
