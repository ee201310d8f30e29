package awstest_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// baseImage returns the ID of the default Amazon Linux 2023 x86_64 image.
func baseImage(t *testing.T, client *ec2.Client) string {
	t.Helper()
	out, err := client.DescribeImages(context.Background(), &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"al2023-ami-2023.*-x86_64"}}},
	})
	require.NoError(t, err)
	require.Len(t, out.Images, 1)
	return aws.ToString(out.Images[0].ImageId)
}

func run(t *testing.T, client *ec2.Client, in *ec2.RunInstancesInput) []ec2types.Instance {
	t.Helper()
	if in.MinCount == nil {
		in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
	}
	out, err := client.RunInstances(context.Background(), in)
	require.NoError(t, err)
	return out.Instances
}

func describe(t *testing.T, client *ec2.Client, ids ...string) map[string]ec2types.Instance {
	t.Helper()
	out, err := client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	got := map[string]ec2types.Instance{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			got[aws.ToString(i.InstanceId)] = i
		}
	}
	return got
}

func TestInstanceLifecycleAcrossZones(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	var ids []string
	zones := map[string]bool{}
	for range 3 {
		inst := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), InstanceType: ec2types.InstanceTypeT3Micro})[0]
		assert.Equal(t, ec2types.InstanceStateNamePending, inst.State.Name)
		assert.Equal(t, int32(0), aws.ToInt32(inst.State.Code))
		ids = append(ids, aws.ToString(inst.InstanceId))
		zones[aws.ToString(inst.Placement.AvailabilityZone)] = true
	}
	assert.Len(t, zones, 3, "launches without a placement spread over the zones")

	require.NoError(t, c.Clock().Sleep(ctx, awstest.DefaultInstancePending-time.Second))
	for _, i := range describe(t, client, ids...) {
		assert.Equal(t, ec2types.InstanceStateNamePending, i.State.Name)
	}
	require.NoError(t, c.Clock().Sleep(ctx, time.Second))
	for _, i := range describe(t, client, ids...) {
		assert.Equal(t, ec2types.InstanceStateNameRunning, i.State.Name)
		assert.Equal(t, int32(16), aws.ToInt32(i.State.Code))
		assert.NotEmpty(t, aws.ToString(i.PublicIpAddress))
		assert.True(t, strings.HasPrefix(aws.ToString(i.PrivateIpAddress), "172.31."))
		assert.True(t, c.InstanceHealthy(aws.ToString(i.InstanceId)))
	}

	term, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[:1]})
	require.NoError(t, err)
	require.Len(t, term.TerminatingInstances, 1)
	assert.Equal(t, ec2types.InstanceStateNameRunning, term.TerminatingInstances[0].PreviousState.Name)
	assert.Equal(t, ec2types.InstanceStateNameShuttingDown, term.TerminatingInstances[0].CurrentState.Name)
	assert.False(t, c.InstanceHealthy(ids[0]))

	require.NoError(t, c.Clock().Sleep(ctx, awstest.DefaultInstanceShuttingDown))
	got := describe(t, client, ids[0])[ids[0]]
	assert.Equal(t, ec2types.InstanceStateNameTerminated, got.State.Name)
	assert.Equal(t, "Client.UserInitiatedShutdown", aws.ToString(got.StateReason.Code))
	assert.Nil(t, got.PublicIpAddress)

	// Terminating again is allowed and reports terminated.
	term, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[:1]})
	require.NoError(t, err)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, term.TerminatingInstances[0].CurrentState.Name)

	// EC2 forgets terminated instances after about an hour.
	require.NoError(t, c.Clock().Sleep(ctx, awstest.DefaultTerminatedRetention))
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids[:1]})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	assert.Len(t, describe(t, client), 2)
}

func TestRunInstancesCountsAndPlacement(t *testing.T) {
	_, client := newCloud(t)
	img := baseImage(t, client)
	subnets, err := client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("availability-zone"), Values: []string{"us-east-1b"}}},
	})
	require.NoError(t, err)
	require.Len(t, subnets.Subnets, 1)
	sn := subnets.Subnets[0]

	insts := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(2), MaxCount: aws.Int32(3), SubnetId: sn.SubnetId})
	require.Len(t, insts, 3, "EC2 launches MaxCount when it has the capacity")
	for n, i := range insts {
		assert.Equal(t, "us-east-1b", aws.ToString(i.Placement.AvailabilityZone))
		assert.Equal(t, aws.ToString(sn.SubnetId), aws.ToString(i.SubnetId))
		assert.Equal(t, aws.ToString(sn.VpcId), aws.ToString(i.VpcId))
		assert.Equal(t, int32(n), aws.ToInt32(i.AmiLaunchIndex))
		assert.Equal(t, ec2types.InstanceType("m1.small"), i.InstanceType, "EC2's default instance type")
		assert.Equal(t, ec2types.HttpTokensStateRequired, i.MetadataOptions.HttpTokens, "AL2023 images default to IMDSv2")
		require.Len(t, i.SecurityGroups, 1)
		assert.Equal(t, "default", aws.ToString(i.SecurityGroups[0].GroupName))
	}

	insts = run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1c")},
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateOptional}})
	assert.Equal(t, "us-east-1c", aws.ToString(insts[0].Placement.AvailabilityZone))
	assert.Equal(t, ec2types.HttpTokensStateOptional, insts[0].MetadataOptions.HttpTokens)
}

func TestRunInstancesValidation(t *testing.T) {
	c, client := newCloud(t)
	img := baseImage(t, client)
	bigUserData := base64.StdEncoding.EncodeToString(make([]byte, 16*1024+1))
	tagSpec := func(rt ec2types.ResourceType, k string) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: rt, Tags: []ec2types.Tag{{Key: aws.String(k), Value: aws.String("v")}}}}
	}
	for _, tc := range []struct {
		name string
		in   ec2.RunInstancesInput
		code string
	}{
		{"unknown image", ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0")}, "InvalidAMIID.NotFound"},
		{"malformed image", ec2.RunInstancesInput{ImageId: aws.String("image-1")}, "InvalidAMIID.Malformed"},
		{"no image", ec2.RunInstancesInput{}, "MissingParameter"},
		{"min count zero", ec2.RunInstancesInput{ImageId: &img, MinCount: aws.Int32(0), MaxCount: aws.Int32(1)}, "InvalidParameterValue"},
		{"max below min", ec2.RunInstancesInput{ImageId: &img, MinCount: aws.Int32(3), MaxCount: aws.Int32(2)}, "InvalidParameterValue"},
		{"bad instance type", ec2.RunInstancesInput{ImageId: &img, InstanceType: "huge"}, "InvalidParameterValue"},
		{"unknown subnet", ec2.RunInstancesInput{ImageId: &img, SubnetId: aws.String("subnet-0000000000000dead")}, "InvalidSubnetID.NotFound"},
		{"unknown zone", ec2.RunInstancesInput{ImageId: &img, Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1z")}}, "InvalidParameterValue"},
		{"unknown group", ec2.RunInstancesInput{ImageId: &img, SecurityGroupIds: []string{"sg-0000000000000dead"}}, "InvalidGroup.NotFound"},
		{"user data not base64", ec2.RunInstancesInput{ImageId: &img, UserData: aws.String("#!/bin/sh\necho hi")}, "InvalidUserData.Malformed"},
		{"user data over 16 KB", ec2.RunInstancesInput{ImageId: &img, UserData: &bigUserData}, "InvalidParameterValue"},
		{"reserved tag prefix", ec2.RunInstancesInput{ImageId: &img, TagSpecifications: tagSpec(ec2types.ResourceTypeInstance, "aws:owner")}, "InvalidParameterValue"},
		{"tag spec for another resource type", ec2.RunInstancesInput{ImageId: &img, TagSpecifications: tagSpec(ec2types.ResourceTypeVpc, "k")}, "InvalidParameterValue"},
		{"unknown template", ec2.RunInstancesInput{LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("nope")}}, "InvalidLaunchTemplateName.NotFoundException"},
		{"hop limit", ec2.RunInstancesInput{ImageId: &img, MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: aws.Int32(65)}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.MinCount == nil {
				in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
			}
			_, err := client.RunInstances(context.Background(), &in)
			require.Error(t, err)
			assert.Equal(t, tc.code, apiCode(err), "RunInstances(%s): %v", tc.name, err)
		})
	}
	assert.Empty(t, describe(t, client), "no failed call launched anything")
	assert.Len(t, c.Calls().Operation(awstest.ServiceEC2, "RunInstances"), 15, "client errors are not retried")
}

func TestRunInstancesClientToken(t *testing.T) {
	_, client := newCloud(t)
	img := baseImage(t, client)
	in := &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(2), MaxCount: aws.Int32(2), ClientToken: aws.String("deploy-42")}
	first := run(t, client, in)
	again := run(t, client, in)
	require.Len(t, again, 2)
	assert.Equal(t, first[0].InstanceId, again[0].InstanceId)
	assert.Equal(t, first[1].InstanceId, again[1].InstanceId)
	assert.Len(t, describe(t, client), 2, "a repeated token launches nothing new")

	_, err := client.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("deploy-42")})
	assert.Equal(t, "IdempotentParameterMismatch", apiCode(err))
}

func TestDescribeInstancesFilters(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	web := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		Placement:         &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Role"), Value: aws.String("web")}}}},
	})
	worker := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1b")}})
	require.NoError(t, c.Clock().Sleep(ctx, time.Minute))
	_, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(web[1].InstanceId)}})
	require.NoError(t, err)
	w0, w1, wk := aws.ToString(web[0].InstanceId), aws.ToString(web[1].InstanceId), aws.ToString(worker[0].InstanceId)

	f := func(name string, values ...string) ec2types.Filter {
		return ec2types.Filter{Name: aws.String(name), Values: values}
	}
	for _, tc := range []struct {
		name    string
		filters []ec2types.Filter
		want    []string
	}{
		{"tag", []ec2types.Filter{f("tag:Role", "web")}, []string{w0, w1}},
		{"tag wildcard", []ec2types.Filter{f("tag:Role", "w*")}, []string{w0, w1}},
		{"tag-key", []ec2types.Filter{f("tag-key", "Role")}, []string{w0, w1}},
		{"state", []ec2types.Filter{f("instance-state-name", "running")}, []string{w0, wk}},
		{"state or", []ec2types.Filter{f("instance-state-name", "running", "shutting-down")}, []string{w0, w1, wk}},
		{"tag and state", []ec2types.Filter{f("tag:Role", "web"), f("instance-state-name", "running", "pending")}, []string{w0}},
		{"zone", []ec2types.Filter{f("availability-zone", "us-east-1b")}, []string{wk}},
		{"instance-id", []ec2types.Filter{f("instance-id", wk)}, []string{wk}},
		{"subnet-id", []ec2types.Filter{f("subnet-id", aws.ToString(worker[0].SubnetId))}, []string{wk}},
		{"vpc-id", []ec2types.Filter{f("vpc-id", aws.ToString(worker[0].VpcId))}, []string{w0, w1, wk}},
		{"no match", []ec2types.Filter{f("tag:Role", "db")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: tc.filters})
			require.NoError(t, err)
			var got []string
			for _, r := range out.Reservations {
				for _, i := range r.Instances {
					got = append(got, aws.ToString(i.InstanceId))
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}

	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{f("colour", "blue")}})
	assert.Equal(t, "InvalidParameterValue", apiCode(err))
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0000000000000dead"}})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}})
	assert.Equal(t, "InvalidInstanceID.Malformed", apiCode(err))
	_, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{wk, "i-0000000000000dead"}})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	assert.Equal(t, ec2types.InstanceStateNameRunning, describe(t, client, wk)[wk].State.Name, "a failed terminate changes nothing")
}

func TestDescribeInstancesPagination(t *testing.T) {
	_, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	for range 4 {
		run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
	}
	seen := map[string]bool{}
	pages := 0
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		n := 0
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				assert.False(t, seen[aws.ToString(i.InstanceId)], "instance on two pages")
				seen[aws.ToString(i.InstanceId)] = true
				n++
			}
		}
		assert.LessOrEqual(t, n, 5)
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, seen, 12)

	for _, tc := range []struct {
		name string
		in   ec2.DescribeInstancesInput
		code string
	}{
		{"max results below 5", ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "InvalidParameterValue"},
		{"ids with max results", ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), InstanceIds: []string{"i-00000000000000001"}}, "InvalidParameterCombination"},
		{"bad token", ec2.DescribeInstancesInput{NextToken: aws.String("garbage")}, "InvalidPaginationToken"},
	} {
		_, err := client.DescribeInstances(ctx, &tc.in)
		assert.Equal(t, tc.code, apiCode(err), tc.name)
	}
}

func TestReadAfterCreateVisibility(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	c.DelayVisibility(awstest.ServiceEC2, 5*time.Second)
	id := aws.ToString(run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img)})[0].InstanceId)

	_, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	_, err = client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	assert.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	assert.Empty(t, describe(t, client), "not listed either")

	require.NoError(t, c.Clock().Sleep(ctx, 5*time.Second))
	assert.Contains(t, describe(t, client, id), id)
}

func TestFailZone(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	inA := aws.ToString(run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")}})[0].InstanceId)
	require.NoError(t, c.Clock().Sleep(ctx, time.Minute))
	require.True(t, c.InstanceHealthy(inA))

	c.FailZone("us-east-1a")
	assert.False(t, c.InstanceHealthy(inA), "instances in a failed zone stop answering health checks")
	assert.Equal(t, ec2types.InstanceStateNameRunning, describe(t, client, inA)[inA].State.Name, "EC2 still reports them running")

	c.ResetCalls()
	_, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")}})
	require.Error(t, err)
	assert.Equal(t, "InsufficientInstanceCapacity", apiCode(err))
	assert.Len(t, c.Calls(), 3, "a server error is retried by the SDK")

	assert.ErrorContains(t, err, "We currently do not have sufficient m1.small capacity in the Availability Zone you requested (us-east-1a). "+
		"Our system will be working on provisioning additional capacity. You can currently get m1.small capacity by not specifying an "+
		"Availability Zone in your request or choosing us-east-1b, us-east-1c.")

	for range 4 {
		i := run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img)})[0]
		assert.NotEqual(t, "us-east-1a", aws.ToString(i.Placement.AvailabilityZone), "unplaced launches avoid the failed zone")
	}

	// With every zone failed, EC2 has no zone to suggest: the message ends without the list.
	c.FailZone("us-east-1b")
	c.FailZone("us-east-1c")
	for _, placement := range []*ec2types.Placement{{AvailabilityZone: aws.String("us-east-1b")}, nil} {
		_, err = client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: placement})
		require.Error(t, err)
		assert.Equal(t, "InsufficientInstanceCapacity", apiCode(err))
		var apiErr smithy.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Regexp(t, `^We currently do not have sufficient m1\.small capacity in the Availability Zone you requested \(us-east-1[abc]\)\. `+
			`Our system will be working on provisioning additional capacity\.$`, apiErr.ErrorMessage())
	}
	c.RecoverZone("us-east-1b")
	c.RecoverZone("us-east-1c")

	c.RecoverZone("us-east-1a")
	assert.True(t, c.InstanceHealthy(inA))
	c.FailInstance(inA)
	assert.False(t, c.InstanceHealthy(inA))
	c.RecoverInstance(inA)
	assert.True(t, c.InstanceHealthy(inA))
	assert.False(t, c.InstanceHealthy("i-0000000000000dead"))
}

func TestTags(t *testing.T) {
	_, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	id := aws.ToString(run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(img)})[0].InstanceId)
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: aws.String(k), Value: aws.String(v)} }

	_, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id, img}, Tags: []ec2types.Tag{tag("Name", "web-1"), tag("Env", "prod")}})
	require.NoError(t, err)
	assert.Equal(t, []ec2types.Tag{tag("Env", "prod"), tag("Name", "web-1")}, describe(t, client, id)[id].Tags)

	_, err = client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}, {Key: aws.String("Name")}}})
	require.NoError(t, err)
	assert.Equal(t, []ec2types.Tag{tag("Env", "prod")}, describe(t, client, id)[id].Tags, "a value that does not match is not deleted")

	for _, tc := range []struct {
		name      string
		resources []string
		tags      []ec2types.Tag
		code      string
	}{
		{"unknown instance", []string{"i-0000000000000dead"}, []ec2types.Tag{tag("a", "b")}, "InvalidInstanceID.NotFound"},
		{"unknown group", []string{"sg-0000000000000dead"}, []ec2types.Tag{tag("a", "b")}, "InvalidGroup.NotFound"},
		{"not an id", []string{"web-1"}, []ec2types.Tag{tag("a", "b")}, "InvalidID"},
		{"reserved prefix", []string{id}, []ec2types.Tag{tag("aws:x", "b")}, "InvalidParameterValue"},
		{"one bad resource fails all", []string{id, "vpc-0000000000000dead"}, []ec2types.Tag{tag("new", "b")}, "InvalidVpcID.NotFound"},
	} {
		_, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: tc.resources, Tags: tc.tags})
		assert.Equal(t, tc.code, apiCode(err), tc.name)
	}
	assert.Equal(t, []ec2types.Tag{tag("Env", "prod")}, describe(t, client, id)[id].Tags, "failed calls tagged nothing")

	many := make([]ec2types.Tag, 51)
	for n := range many {
		many[n] = tag(strings.Repeat("k", n+1), "v")
	}
	_, err = client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: many})
	assert.Equal(t, "TagLimitExceeded", apiCode(err))
}

func TestDryRun(t *testing.T) {
	_, client := newCloud(t)
	img := baseImage(t, client)
	_, err := client.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String(img), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: aws.Bool(true)})
	assert.Equal(t, "DryRunOperation", apiCode(err))
	assert.Empty(t, describe(t, client), "a dry run launches nothing")
}

func TestFaultCountsOfZeroDoNothing(t *testing.T) {
	c, client := newCloud(t)
	c.ThrottleNext(awstest.ServiceEC2, "", 0)
	c.FailNext(awstest.ServiceEC2, "", -1, "InternalError")
	_, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	assert.NoError(t, err)
	assert.Panics(t, func() { c.FailNext(awstest.ServiceEC2, "", 1, "") })
}
