package awstest_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestDefaultNetwork(t *testing.T) {
	_, client := newCloud(t, func(o *awstest.Options) { o.Region = "eu-west-2" })
	ctx := context.Background()
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.Len(t, vpcs.Vpcs, 1)
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)
	assert.Equal(t, "172.31.0.0/16", aws.ToString(vpcs.Vpcs[0].CidrBlock))

	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	var got [][2]string
	for _, s := range subnets.Subnets {
		got = append(got, [2]string{aws.ToString(s.AvailabilityZone), aws.ToString(s.CidrBlock)})
	}
	assert.Equal(t, [][2]string{{"eu-west-2a", "172.31.0.0/20"}, {"eu-west-2b", "172.31.16.0/20"}, {"eu-west-2c", "172.31.32.0/20"}}, got)

	_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0000000000000dead"}})
	assert.Equal(t, "InvalidVpcID.NotFound", apiCode(err))
	_, err = client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0000000000000dead"}})
	assert.Equal(t, "InvalidSubnetID.NotFound", apiCode(err))
	_, err = client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id")}}})
	assert.Equal(t, "InvalidParameterValue", apiCode(err), "a filter without values")
}

func TestSecurityGroups(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	created, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web servers"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: []ec2types.Tag{{Key: aws.String("App"), Value: aws.String("portal")}}}}})
	require.NoError(t, err)
	web := aws.ToString(created.GroupId)

	auth, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}, {CidrIp: aws.String("192.168.0.0/16")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(web)}}},
	}})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(auth.Return))
	assert.Len(t, auth.SecurityGroupRules, 3)

	out, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:App"), Values: []string{"portal"}}}})
	require.NoError(t, err)
	require.Len(t, out.SecurityGroups, 1)
	g := out.SecurityGroups[0]
	assert.Equal(t, "web", aws.ToString(g.GroupName))
	require.Len(t, g.IpPermissions, 2)
	assert.Len(t, g.IpPermissions[0].IpRanges, 2, "rules with the same protocol and ports are grouped")
	assert.Equal(t, web, aws.ToString(g.IpPermissions[1].UserIdGroupPairs[0].GroupId))
	require.Len(t, g.IpPermissionsEgress, 1)
	assert.Equal(t, "-1", aws.ToString(g.IpPermissionsEgress[0].IpProtocol))

	byName, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default", "web"}})
	require.NoError(t, err)
	assert.Len(t, byName.SecurityGroups, 2)

	img := baseImage(t, client)
	inst := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), SecurityGroupIds: []string{web}})[0]
	assert.Equal(t, "web", aws.ToString(inst.SecurityGroups[0].GroupName))

	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate group", func() error {
			_, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again")})
			return err
		}, "InvalidGroup.Duplicate"},
		{"sg- name", func() error {
			_, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("sg-web"), Description: aws.String("d")})
			return err
		}, "InvalidParameterValue"},
		{"unknown vpc", func() error {
			_, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("d"), VpcId: aws.String("vpc-0000000000000dead")})
			return err
		}, "InvalidVpcID.NotFound"},
		{"duplicate rule", func() error {
			_, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIp: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidPermission.Duplicate"},
		{"bad cidr", func() error {
			_, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), CidrIp: aws.String("10.0.0.0/33")})
			return err
		}, "InvalidParameterValue"},
		{"bad ports", func() error {
			_, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(90), ToPort: aws.Int32(80), CidrIp: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidParameterValue"},
		{"unknown group id", func() error {
			_, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0000000000000dead"}})
			return err
		}, "InvalidGroup.NotFound"},
		{"in use", func() error {
			_, err := client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)})
			return err
		}, "DependencyViolation"},
		{"default group", func() error {
			_, err := client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("default")})
			return err
		}, "CannotDelete"},
	} {
		assert.Equal(t, tc.code, apiCode(tc.call()), tc.name)
	}

	other, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("tmp"), Description: aws.String("d")})
	require.NoError(t, err)
	_, err = client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: other.GroupId})
	require.NoError(t, err)
	_, err = client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(other.GroupId)}})
	assert.Equal(t, "InvalidGroup.NotFound", apiCode(err))

	// Once the instance is gone, the group can go.
	_, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(inst.InstanceId)}})
	require.NoError(t, err)
	require.NoError(t, c.Clock().Sleep(ctx, time.Minute))
	_, err = client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)})
	assert.NoError(t, err, "a terminated instance and a rule referencing the group itself do not hold it")
}

func TestDescribeImages(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	mine := c.RegisterImage(awstest.Image{Name: "portal-base-2026-01", CreationDate: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Tags: map[string]string{"App": "portal"}})
	older := c.RegisterImage(awstest.Image{Name: "portal-base-2025-12", CreationDate: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), Architecture: "arm64"})
	other := c.RegisterImage(awstest.Image{Name: "portal-base-2026-01", OwnerID: "210987654321", Public: true})

	names := func(in *ec2.DescribeImagesInput) []string {
		t.Helper()
		out, err := client.DescribeImages(ctx, in)
		require.NoError(t, err)
		var ids []string
		for _, img := range out.Images {
			ids = append(ids, aws.ToString(img.ImageId))
		}
		return ids
	}
	name := func(v ...string) []ec2types.Filter { return []ec2types.Filter{{Name: aws.String("name"), Values: v}} }
	assert.Equal(t, []string{mine, older}, names(&ec2.DescribeImagesInput{Owners: []string{"self"}}))
	assert.Equal(t, []string{mine, older, other}, names(&ec2.DescribeImagesInput{Filters: name("portal-base-*")}))
	assert.Equal(t, []string{other}, names(&ec2.DescribeImagesInput{Owners: []string{"210987654321"}, Filters: name("portal-*")}))
	assert.Equal(t, []string{older}, names(&ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"arm64"}}}}))
	assert.Equal(t, []string{mine}, names(&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:App"), Values: []string{"portal"}}}}))
	assert.Len(t, names(&ec2.DescribeImagesInput{Owners: []string{"amazon"}}), 2)
	assert.Len(t, names(&ec2.DescribeImagesInput{Owners: []string{awstest.AmazonOwnerID}, Filters: name("al2023-ami-2023.?.*-arm64")}), 1)

	out, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{mine}})
	require.NoError(t, err)
	assert.Equal(t, "2026-01-02T00:00:00.000Z", aws.ToString(out.Images[0].CreationDate))
	assert.Equal(t, awstest.DefaultAccountID, aws.ToString(out.Images[0].OwnerId))

	for _, tc := range []struct {
		name string
		in   ec2.DescribeImagesInput
		code string
	}{
		{"unknown id", ec2.DescribeImagesInput{ImageIds: []string{"ami-0000000000000dead"}}, "InvalidAMIID.NotFound"},
		{"malformed id", ec2.DescribeImagesInput{ImageIds: []string{"portal-base"}}, "InvalidAMIID.Malformed"},
		{"bad owner", ec2.DescribeImagesInput{Owners: []string{"me"}}, "InvalidUserID.Malformed"},
		{"unknown filter", ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}}, "InvalidParameterValue"},
	} {
		_, err := client.DescribeImages(ctx, &tc.in)
		assert.Equal(t, tc.code, apiCode(err), tc.name)
	}

	assert.Panics(t, func() { c.RegisterImage(awstest.Image{Name: "portal-base-2026-01"}) }, "duplicate name for one owner")
	assert.Panics(t, func() { c.RegisterImage(awstest.Image{Name: "x"}) }, "name too short")
	assert.Panics(t, func() { c.RegisterImage(awstest.Image{Name: "ok-name", Architecture: "sparc"}) })

	empty, _ := newCloud(t, func(o *awstest.Options) { o.EC2.NoDefaultImages = true })
	emptyClient := ec2.NewFromConfig(empty.Config())
	res, err := emptyClient.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	assert.Empty(t, res.Images)
}

func TestDefaultImagesCannotBeChangedFromOutside(t *testing.T) {
	imgs := awstest.DefaultImages()
	require.Len(t, imgs, 2)
	want := imgs[0].Name
	imgs[0].Name = "tampered-image"
	imgs[1].Architecture = "sparc"
	assert.Equal(t, want, awstest.DefaultImages()[0].Name, "each call returns a fresh slice")

	_, client := newCloud(t)
	out, err := client.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	require.NoError(t, err)
	var names []string
	for _, img := range out.Images {
		names = append(names, aws.ToString(img.Name))
	}
	assert.Contains(t, names, want)
	assert.NotContains(t, names, "tampered-image")
}

func TestLaunchTemplates(t *testing.T) {
	_, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hello\n"))

	created, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("portal-web"),
		VersionDescription: aws.String("first"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId: aws.String(img), InstanceType: ec2types.InstanceTypeT3Small, UserData: aws.String(userData),
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired},
			TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{{ResourceType: ec2types.ResourceTypeInstance,
				Tags: []ec2types.Tag{{Key: aws.String("Role"), Value: aws.String("web")}}}},
		},
	})
	require.NoError(t, err)
	assert.Nil(t, created.Warning)
	lt := created.LaunchTemplate
	ltID := aws.ToString(lt.LaunchTemplateId)
	assert.Equal(t, int64(1), aws.ToInt64(lt.DefaultVersionNumber))
	assert.Equal(t, int64(1), aws.ToInt64(lt.LatestVersionNumber))

	// Version 2 derives from version 1 and changes only the instance type.
	v2, err := client.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: aws.String(ltID), SourceVersion: aws.String("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{InstanceType: ec2types.InstanceTypeT3Large},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), aws.ToInt64(v2.LaunchTemplateVersion.VersionNumber))
	assert.False(t, aws.ToBool(v2.LaunchTemplateVersion.DefaultVersion))
	data := v2.LaunchTemplateVersion.LaunchTemplateData
	assert.Equal(t, img, aws.ToString(data.ImageId), "inherited from the source version")
	assert.Equal(t, userData, aws.ToString(data.UserData))
	assert.Equal(t, ec2types.InstanceTypeT3Large, data.InstanceType)

	versions := func(refs ...string) []int64 {
		t.Helper()
		out, err := client.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("portal-web"), Versions: refs})
		require.NoError(t, err)
		var ns []int64
		for _, v := range out.LaunchTemplateVersions {
			ns = append(ns, aws.ToInt64(v.VersionNumber))
		}
		return ns
	}
	assert.Equal(t, []int64{1, 2}, versions())
	assert.Equal(t, []int64{2}, versions("$Latest"))
	assert.Equal(t, []int64{1}, versions("$Default"))

	// Launch from $Default, from $Latest, and with a request override.
	fromDefault := run(t, client, &ec2.RunInstancesInput{LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("portal-web")}})[0]
	assert.Equal(t, ec2types.InstanceTypeT3Small, fromDefault.InstanceType)
	assert.Equal(t, img, aws.ToString(fromDefault.ImageId))
	assert.Contains(t, fromDefault.Tags, ec2types.Tag{Key: aws.String("Role"), Value: aws.String("web")})
	assert.Contains(t, fromDefault.Tags, ec2types.Tag{Key: aws.String("aws:ec2launchtemplate:id"), Value: aws.String(ltID)})
	assert.Contains(t, fromDefault.Tags, ec2types.Tag{Key: aws.String("aws:ec2launchtemplate:version"), Value: aws.String("1")})
	fromLatest := run(t, client, &ec2.RunInstancesInput{LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("$Latest")}})[0]
	assert.Equal(t, ec2types.InstanceTypeT3Large, fromLatest.InstanceType)
	override := run(t, client, &ec2.RunInstancesInput{InstanceType: ec2types.InstanceTypeC5Large,
		LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("2")}})[0]
	assert.Equal(t, ec2types.InstanceTypeC5Large, override.InstanceType)

	mod, err := client.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(ltID), DefaultVersion: aws.String("2")})
	require.NoError(t, err)
	assert.Equal(t, int64(2), aws.ToInt64(mod.LaunchTemplate.DefaultVersionNumber))
	assert.Equal(t, []int64{2}, versions("$Default"))

	byName, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"portal-web"}})
	require.NoError(t, err)
	require.Len(t, byName.LaunchTemplates, 1)
	assert.Equal(t, int64(2), aws.ToInt64(byName.LaunchTemplates[0].LatestVersionNumber))

	// EC2 accepts a template whose AMI does not exist, with a warning; the launch then fails.
	warned, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("broken"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-0000000000000dead")}})
	require.NoError(t, err)
	require.NotNil(t, warned.Warning)
	assert.Equal(t, "InvalidAMIID.NotFound", aws.ToString(warned.Warning.Errors[0].Code))
	_, err = client.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("broken")}})
	assert.Equal(t, "InvalidAMIID.NotFound", apiCode(err))

	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate name", func() error {
			_, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("portal-web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.AlreadyExistsException"},
		{"malformed name", func() error {
			_, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("a b"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.MalformedException"},
		{"bad user data", func() error {
			_, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("bad-user-data"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{UserData: aws.String("not base64!")}})
			return err
		}, "InvalidUserData.Malformed"},
		{"unknown version", func() error {
			_, err := client.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ltID), Versions: []string{"9"}})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound"},
		{"unknown default version", func() error {
			_, err := client.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(ltID), DefaultVersion: aws.String("9")})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound"},
		{"unknown id", func() error {
			_, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0000000000000dead"}})
			return err
		}, "InvalidLaunchTemplateId.NotFound"},
		{"malformed id", func() error {
			_, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"portal-web"}})
			return err
		}, "InvalidLaunchTemplateId.Malformed"},
		{"unknown name", func() error {
			_, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
			return err
		}, "InvalidLaunchTemplateName.NotFoundException"},
		{"id and name", func() error {
			_, err := client.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(ltID), LaunchTemplateName: aws.String("portal-web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidParameterCombination"},
		{"unknown version at launch", func() error {
			_, err := client.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
				LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("7")}})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound"},
	} {
		assert.Equal(t, tc.code, apiCode(tc.call()), tc.name)
	}

	_, err = client.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("broken")})
	require.NoError(t, err)
	_, err = client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"broken"}})
	assert.Equal(t, "InvalidLaunchTemplateName.NotFoundException", apiCode(err))
}
