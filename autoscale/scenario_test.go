package autoscale_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestScenarioMainFlows runs the main flows on the simulated cloud; TestIntegrationMainFlows
// (build tag integration) runs the same against AWS_ENDPOINT_URL.
func TestScenarioMainFlows(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireSim(t) // under the integration tag, TestIntegrationMainFlows runs it instead
	mainFlows(t, env)
}

// mainFlows: resolve the image, create a template version and a group across two zones, re-run
// without changes, wait in service, put a policy, roll out a new version by instance refresh.
// Names carry a run ID and the run's tag; everything is deleted in t.Cleanup, group before
// template, also after a failure; every wait is bounded.
func mainFlows(t *testing.T, env *testenv.CloudEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	run := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000)
	name := "pk-asg-" + run
	ec2c, asc := ec2.NewFromConfig(env.Config), autoscaling.NewFromConfig(env.Config)
	client, err := autoscale.New(asc, ec2c, func(o *autoscale.Options) {
		o.Clock = env.Clock
		o.Parameters = ssm.NewFromConfig(env.Config)
		o.InServiceTimeout = 10 * time.Minute
		o.RefreshTimeout = 15 * time.Minute
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		// Dependency order: the group (and its instances), then the template.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := asc.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), ForceDelete: aws.Bool(true)}); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Logf("cleanup: delete group %s: %v", name, err)
		}
		if _, err := ec2c.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String(name)}); err != nil && !strings.Contains(err.Error(), "NotFound") {
			t.Logf("cleanup: delete launch template %s: %v", name, err)
		}
	})

	img, err := client.ResolveImage(ctx, autoscale.ImageQuery{Parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"})
	if errors.Is(err, autoscale.ErrImageNotFound) {
		img, err = client.ResolveImage(ctx, autoscale.ImageQuery{NamePattern: "al2023-ami-2023.*-x86_64", Owners: []string{"amazon"}})
	}
	require.NoError(t, err)

	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	byZone := map[string]string{}
	for _, s := range subnets.Subnets {
		byZone[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
	}
	var ids []string
	for _, id := range byZone {
		ids = append(ids, id)
	}
	require.GreaterOrEqual(t, len(ids), 2, "the account needs default subnets in two zones")

	tags := map[string]string{"portalkit-run": run}
	tmpl := autoscale.TemplateSpec{Name: name, ImageID: img.ID, InstanceType: "t3.micro", UserData: []byte("#!/bin/sh\necho " + run + "\n"), Tags: tags}
	v1, err := client.EnsureTemplateVersion(ctx, tmpl)
	require.NoError(t, err)
	spec := autoscale.GroupSpec{Name: name, Template: v1.Ref(), Subnets: ids[:2], MinSize: 0, MaxSize: 4, DesiredCapacity: 2, Tags: tags,
		HealthCheckGracePeriod: 60 * time.Second, DefaultInstanceWarmup: 30 * time.Second}
	g, err := client.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.True(t, g.Created)
	again, err := client.Ensure(ctx, spec)
	require.NoError(t, err)
	assert.False(t, again.Created)
	assert.Empty(t, again.Drift)
	assert.Empty(t, again.Added)

	require.NoError(t, client.WaitInService(ctx, name))
	_, err = client.EnsurePolicies(ctx, name, []autoscale.PolicySpec{{Name: "cpu", TargetCPU: 50}})
	require.NoError(t, err)

	tmpl.UserData = []byte("#!/bin/sh\necho " + run + " v2\n")
	v2, err := client.EnsureTemplateVersion(ctx, tmpl)
	require.NoError(t, err)
	assert.Equal(t, v1.Version+1, v2.Version)
	r, err := client.RollingDeploy(ctx, name, autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
}
