package awstest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestCreateSubnet(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	require.NoError(t, err)
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)
	zone := c.Zones()[1]

	out, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("172.31.48.0/24"), AvailabilityZone: aws.String(zone),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSubnet, Tags: []ec2types.Tag{{Key: aws.String("tier"), Value: aws.String("web")}}}}})
	require.NoError(t, err)
	s := out.Subnet
	assert.Equal(t, zone, aws.ToString(s.AvailabilityZone))
	assert.Equal(t, "172.31.48.0/24", aws.ToString(s.CidrBlock))
	assert.Equal(t, int32(251), aws.ToInt32(s.AvailableIpAddressCount), "256 minus the five addresses AWS reserves")
	assert.False(t, aws.ToBool(s.DefaultForAz))
	listed, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:tier"), Values: []string{"web"}}}})
	require.NoError(t, err)
	require.Len(t, listed.Subnets, 1)
	assert.Equal(t, aws.ToString(s.SubnetId), aws.ToString(listed.Subnets[0].SubnetId))

	// An instance launched there takes its address from the new range.
	img, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	require.NoError(t, err)
	run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: img.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: s.SubnetId})
	require.NoError(t, err)
	assert.Equal(t, "172.31.48.4", aws.ToString(run.Instances[0].PrivateIpAddress))
	assert.Equal(t, zone, aws.ToString(run.Instances[0].Placement.AvailabilityZone))

	cases := []struct {
		name, cidr, zone, code, msg string
	}{
		{"overlaps a default subnet", "172.31.8.0/24", zone, "InvalidSubnet.Conflict", "The CIDR '172.31.8.0/24' conflicts with another subnet"},
		{"overlaps the new subnet", "172.31.48.128/25", zone, "InvalidSubnet.Conflict", "conflicts with another subnet"},
		{"outside the VPC", "10.0.0.0/24", zone, "InvalidSubnet.Range", "The CIDR '10.0.0.0/24' is invalid."},
		{"too small", "172.31.64.0/29", zone, "InvalidSubnet.Range", "is invalid"},
		{"host bits set", "172.31.64.1/24", zone, "InvalidSubnet.Range", "is invalid"},
		{"not a CIDR", "172.31.64.0", zone, "InvalidParameterValue", "Value (172.31.64.0) for parameter cidrBlock is invalid"},
		{"unknown zone", "172.31.64.0/24", "us-east-1z", "InvalidParameterValue",
			"Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c."},
	}
	for _, tc := range cases {
		_, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(tc.cidr), AvailabilityZone: aws.String(tc.zone)})
		assert.Equal(t, tc.code, apiCode(err), tc.name)
		assert.ErrorContains(t, err, tc.msg, tc.name)
	}
	_, err = client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0000000000000dead"), CidrBlock: aws.String("10.0.0.0/24")})
	assert.Equal(t, "InvalidVpcID.NotFound", apiCode(err))
	_, err = client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("172.31.64.0/24"), DryRun: aws.Bool(true)})
	assert.Equal(t, "DryRunOperation", apiCode(err))
	_, err = client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), Ipv6Native: aws.Bool(true)})
	assert.ErrorIs(t, err, awstest.ErrUnmodeled)

	all, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	assert.Len(t, all.Subnets, len(c.Zones())+1, "no refused request left a subnet")
}
