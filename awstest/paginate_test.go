package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Instances that disappear between two pages must not make the next page skip the ones after
// them: the token names the last instance returned, not a position.
func TestDescribeInstancesPagesSurviveDeletion(t *testing.T) {
	c, client := newCloud(t)
	ctx := context.Background()
	var ids []string
	for _, i := range run(t, client, &ec2.RunInstancesInput{ImageId: aws.String(baseImage(t, client)), MinCount: aws.Int32(10), MaxCount: aws.Int32(10)}) {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	first, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	assert.Equal(t, ids[:5], instanceIDs(first))

	// Two instances of the first page terminate and are forgotten before the next call.
	_, err = client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[:2]})
	require.NoError(t, err)
	c.Clock().Advance(awstest.DefaultInstanceShuttingDown + awstest.DefaultTerminatedRetention)

	second, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), NextToken: first.NextToken})
	require.NoError(t, err)
	assert.Equal(t, ids[5:], instanceIDs(second))
	assert.Nil(t, second.NextToken)

	// A token from another operation, or a forged one, is refused with EC2's code.
	images, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	for _, tok := range []string{"garbage", "Zm9v", aws.ToString(images.NextToken) + "x"} {
		_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{NextToken: aws.String(tok)})
		assert.Equal(t, "InvalidPaginationToken", apiCode(err), tok)
		assert.Equal(t, http.StatusBadRequest, httpStatus(err), tok)
	}
}

func instanceIDs(out *ec2.DescribeInstancesOutput) []string {
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids
}

func TestDescribeLaunchTemplatesPagesSurviveChanges(t *testing.T) {
	_, client := newCloud(t)
	ctx := context.Background()
	img := baseImage(t, client)
	create := func(name string) string {
		out, err := client.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
			LaunchTemplateName: aws.String(name), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(img)},
		})
		require.NoError(t, err)
		return aws.ToString(out.LaunchTemplate.LaunchTemplateId)
	}
	names := func(out *ec2.DescribeLaunchTemplatesOutput) []string {
		var got []string
		for _, lt := range out.LaunchTemplates {
			got = append(got, aws.ToString(lt.LaunchTemplateName))
		}
		return got
	}
	first := create("lt-1")
	for _, n := range []string{"lt-2", "lt-3", "lt-4"} {
		create(n)
	}
	p1, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	assert.Equal(t, []string{"lt-1", "lt-2"}, names(p1))

	_, err = client.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(first)})
	require.NoError(t, err)
	create("lt-5")

	p2, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(2), NextToken: p1.NextToken})
	require.NoError(t, err)
	assert.Equal(t, []string{"lt-3", "lt-4"}, names(p2), "nothing skipped after a deletion")
	p3, err := client.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(2), NextToken: p2.NextToken})
	require.NoError(t, err)
	assert.Equal(t, []string{"lt-5"}, names(p3), "a template created meanwhile comes last, once")
	assert.Nil(t, p3.NextToken)
}

// Target groups deleted and created between pages: every group that existed throughout is seen
// exactly once.
func TestDescribeTargetGroupsMarkerSurvivesChanges(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	create := func(name string) {
		_, err := f.elb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
			Name: aws.String(name), Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpcID),
		})
		require.NoError(t, err)
	}
	for i := range 6 {
		create(fmt.Sprintf("tg-%d", i))
	}
	all := map[string]string{} // name -> ARN of the groups that exist throughout
	out, err := f.elb.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	require.NoError(t, err)
	for _, g := range out.TargetGroups {
		all[aws.ToString(g.TargetGroupName)] = aws.ToString(g.TargetGroupArn)
	}
	require.Len(t, all, 7)

	seen := map[string]int{}
	in := &elasticloadbalancingv2.DescribeTargetGroupsInput{PageSize: aws.Int32(2)}
	for page := 0; ; page++ {
		out, err := f.elb.DescribeTargetGroups(ctx, in)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(out.TargetGroups), 2)
		for _, g := range out.TargetGroups {
			seen[aws.ToString(g.TargetGroupName)]++
		}
		if page == 0 {
			// Drop the group the marker names (the last of this page) and add one.
			victim := aws.ToString(out.TargetGroups[len(out.TargetGroups)-1].TargetGroupName)
			_, err := f.elb.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(all[victim])})
			require.NoError(t, err)
			delete(all, victim)
			create("late")
		}
		if out.NextMarker == nil {
			break
		}
		in.Marker = out.NextMarker
	}
	for name := range all {
		assert.Equal(t, 1, seen[name], "group %s seen once", name)
	}
	assert.LessOrEqual(t, seen["late"], 1)

	_, err = f.elb.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{Marker: aws.String("m2")})
	assert.Equal(t, "ValidationError", apiCode(err))
	assert.Equal(t, http.StatusBadRequest, httpStatus(err))
	_, err = f.elb.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{PageSize: aws.Int32(401)})
	assert.Equal(t, "ValidationError", apiCode(err))
}

func TestDescribeRulesPagesInPriorityOrder(t *testing.T) {
	f := newLBFixture(t)
	ctx := context.Background()
	ls, err := f.elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(f.lbARN)})
	require.NoError(t, err)
	listener := ls.Listeners[0].ListenerArn
	for _, p := range []int32{30, 10, 20} {
		_, err := f.elb.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{
			ListenerArn: listener, Priority: aws.Int32(p),
			Conditions: []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{fmt.Sprintf("/p%d/*", p)}}},
			Actions:    []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(f.tgARN)}},
		})
		require.NoError(t, err)
	}
	var priorities []string
	in := &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: listener, PageSize: aws.Int32(1)}
	for {
		out, err := f.elb.DescribeRules(ctx, in)
		require.NoError(t, err)
		for _, r := range out.Rules {
			priorities = append(priorities, aws.ToString(r.Priority))
		}
		if out.NextMarker == nil {
			break
		}
		in.Marker = out.NextMarker
	}
	assert.Equal(t, []string{"10", "20", "30", "default"}, priorities)
}

func TestClassicDescribeLoadBalancersPages(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	client := elasticloadbalancing.NewFromConfig(cloud.Config())
	create := func(name string) {
		_, err := client.CreateLoadBalancer(ctx, &elasticloadbalancing.CreateLoadBalancerInput{
			LoadBalancerName: aws.String(name), AvailabilityZones: cloud.Zones()[:2],
			Listeners: []elbtypes.Listener{{LoadBalancerPort: 80, InstancePort: aws.Int32(80), Protocol: aws.String("HTTP")}},
		})
		require.NoError(t, err)
	}
	for _, n := range []string{"c", "a", "d"} {
		create(n)
	}
	var names []string
	in := &elasticloadbalancing.DescribeLoadBalancersInput{PageSize: aws.Int32(2)}
	for page := 0; ; page++ {
		out, err := client.DescribeLoadBalancers(ctx, in)
		require.NoError(t, err)
		for _, d := range out.LoadBalancerDescriptions {
			names = append(names, aws.ToString(d.LoadBalancerName))
		}
		if page == 0 {
			_, err := client.DeleteLoadBalancer(ctx, &elasticloadbalancing.DeleteLoadBalancerInput{LoadBalancerName: aws.String("c")})
			require.NoError(t, err)
			create("b")
		}
		if out.NextMarker == nil {
			break
		}
		in.Marker = out.NextMarker
	}
	assert.Equal(t, []string{"c", "a", "d", "b"}, names, "creation order; nothing skipped after a deletion, a new one last")

	for _, in := range []*elasticloadbalancing.DescribeLoadBalancersInput{
		{Marker: aws.String("not-a-marker")},
		{PageSize: aws.Int32(0)},
	} {
		_, err := client.DescribeLoadBalancers(ctx, in)
		assert.Equal(t, "ValidationError", apiCode(err))
		assert.Equal(t, http.StatusBadRequest, httpStatus(err))
	}
}

func TestACMListCertificatesPages(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	client := acm.NewFromConfig(cloud.Config())
	want := map[string]bool{}
	for i := range 5 {
		want[cloud.AddCertificate(awstest.Certificate{DomainName: fmt.Sprintf("site%d.example.com", i)})] = true
	}
	seen := map[string]int{}
	in := &acm.ListCertificatesInput{MaxItems: aws.Int32(2)}
	for page := 0; ; page++ {
		out, err := client.ListCertificates(ctx, in)
		require.NoError(t, err)
		for _, s := range out.CertificateSummaryList {
			seen[aws.ToString(s.CertificateArn)]++
		}
		if page == 0 {
			cloud.AddCertificate(awstest.Certificate{DomainName: "late.example.com"})
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	for arn := range want {
		assert.Equal(t, 1, seen[arn], arn)
	}
	for arn, n := range seen {
		assert.Equal(t, 1, n, arn)
	}

	_, err := client.ListCertificates(ctx, &acm.ListCertificatesInput{NextToken: aws.String("acm2")})
	var bad *acmtypes.InvalidArgsException
	assert.True(t, errors.As(err, &bad), "typed InvalidArgsException: %v", err)
	assert.Equal(t, http.StatusBadRequest, httpStatus(err))
}

func TestDescribeSubnetsAndVpcsPage(t *testing.T) {
	_, client := newCloud(t, func(o *awstest.Options) {
		o.Zones = []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}
	})
	ctx := context.Background()
	var zones []string
	p := ec2.NewDescribeSubnetsPaginator(client, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(out.Subnets), 5)
		for _, s := range out.Subnets {
			zones = append(zones, aws.ToString(s.AvailabilityZone))
		}
		pages++
	}
	assert.Equal(t, 2, pages)
	assert.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}, zones)

	_, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(4)})
	assert.Equal(t, "InvalidParameterValue", apiCode(err))
	_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{NextToken: aws.String("garbage")})
	assert.Equal(t, "InvalidPaginationToken", apiCode(err))
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	assert.Len(t, vpcs.Vpcs, 1)
	assert.Nil(t, vpcs.NextToken)
}
