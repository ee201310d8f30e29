package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/portalkit/portalkit/awstest"
)

// fleet is the web servers the demo launched, and the zone of each.
type fleet struct {
	ids  []string
	zone map[string]string
}

// defaultNetwork returns the default VPC and one subnet per zone.
func defaultNetwork(ctx context.Context, client *ec2.Client) (vpcID string, subnets []string, err error) {
	out, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", nil, err
	}
	for _, s := range out.Subnets {
		vpcID = aws.ToString(s.VpcId)
		subnets = append(subnets, aws.ToString(s.SubnetId))
	}
	return vpcID, subnets, nil
}

// launchFleet launches n instances round-robin over the default subnets from the newest Amazon
// Linux image, and waits until they run.
func launchFleet(ctx context.Context, client *ec2.Client, cloud *awstest.Cloud, n int) (*fleet, error) {
	images, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-*-x86_64"}}},
	})
	if err != nil {
		return nil, err
	}
	if len(images.Images) == 0 {
		return nil, fmt.Errorf("no Amazon Linux 2023 image")
	}
	sort.Slice(images.Images, func(i, j int) bool {
		return aws.ToString(images.Images[i].CreationDate) > aws.ToString(images.Images[j].CreationDate)
	})
	_, subnets, err := defaultNetwork(ctx, client)
	if err != nil {
		return nil, err
	}
	f := &fleet{zone: map[string]string{}}
	for i := 0; i < n; i++ {
		out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Small,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnets[i%len(subnets)]),
			MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired},
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("web-%d", i+1))}}}},
		})
		if err != nil {
			return nil, err
		}
		inst := out.Instances[0]
		id := aws.ToString(inst.InstanceId)
		f.ids = append(f.ids, id)
		f.zone[id] = aws.ToString(inst.Placement.AvailabilityZone)
	}
	return f, waitRunning(ctx, client, cloud, f.ids)
}

// waitRunning polls DescribeInstances until every instance is running, sleeping on the cloud's
// virtual clock between polls. (portalkit's packages wait with their own poll loop; this is the
// plain version of it.)
func waitRunning(ctx context.Context, client *ec2.Client, cloud *awstest.Cloud, ids []string) error {
	for {
		out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidInstanceID.NotFound":
			// EC2 is eventually consistent: a new instance may not be visible yet.
		case err != nil:
			return err
		default:
			running := 0
			for _, r := range out.Reservations {
				for _, inst := range r.Instances {
					switch inst.State.Name {
					case ec2types.InstanceStateNameRunning:
						running++
					case ec2types.InstanceStateNamePending:
					default:
						return fmt.Errorf("instance %s is %s", aws.ToString(inst.InstanceId), inst.State.Name)
					}
				}
			}
			if running == len(ids) {
				return nil
			}
		}
		if err := cloud.Clock().Sleep(ctx, 5*time.Second); err != nil {
			return err
		}
	}
}

func (f *fleet) inZone(zone string) []string {
	var ids []string
	for _, id := range f.ids {
		if f.zone[id] == zone {
			ids = append(ids, id)
		}
	}
	return ids
}

func (f *fleet) zoneSummary() string {
	count := map[string]int{}
	for _, z := range f.zone {
		count[z]++
	}
	var parts []string
	for z, n := range count {
		parts = append(parts, fmt.Sprintf("%d in %s", n, z))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
