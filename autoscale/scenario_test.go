package autoscale_test

import (
	"context"
	"errors"
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

// TestScenarioMainFlows runs the main flows on the simulated cloud in a scope whose sweep deletes
// what they created; TestIntegrationMainFlows (build tag integration) runs the same against
// AWS_ENDPOINT_URL.
func TestScenarioMainFlows(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireSim(t) // under the integration tag, TestIntegrationMainFlows runs it against an endpoint
	t.Run("MainFlows", func(t *testing.T) { mainFlows(t, env.Scope(t)) })
	assert.Empty(t, env.Leftovers(t), "the scope's sweep deleted the group and the template")
}

// mainFlows: resolve the image, create a template version and a group across two zones, re-run
// without changes, wait in service, put a policy, roll out a new version by instance refresh.
// Names come from env.Name and everything carries env.Tags (the group's propagate to its
// instances, the template's to the instances and volumes launched from it), so the scope's sweep
// deletes it when the test ends, group before template, also after a failure; every wait is
// bounded. optFns override the client's options (a failure test shortens a wait).
func mainFlows(t testing.TB, env *testenv.CloudEnv, optFns ...func(*autoscale.Options)) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	name := env.Name("asg")
	ec2c, asc := ec2.NewFromConfig(env.Config), autoscaling.NewFromConfig(env.Config)
	client, err := autoscale.New(asc, ec2c, append([]func(*autoscale.Options){func(o *autoscale.Options) {
		o.Clock = env.Clock
		o.Parameters = ssm.NewFromConfig(env.Config)
		o.InServiceTimeout = 10 * time.Minute
		o.RefreshTimeout = 15 * time.Minute
	}}, optFns...)...)
	require.NoError(t, err)

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

	tags := env.Tags()
	tmpl := autoscale.TemplateSpec{Name: name, ImageID: img.ID, InstanceType: "t3.micro", UserData: []byte("#!/bin/sh\necho " + env.Run + "\n"), Tags: tags}
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

	require.NoError(t, client.WaitInService(ctx, name), "wait in service")
	_, err = client.EnsurePolicies(ctx, name, []autoscale.PolicySpec{{Name: "cpu", TargetCPU: 50}})
	require.NoError(t, err)

	tmpl.UserData = []byte("#!/bin/sh\necho " + env.Run + " v2\n")
	v2, err := client.EnsureTemplateVersion(ctx, tmpl)
	require.NoError(t, err)
	assert.Equal(t, v1.Version+1, v2.Version)
	r, err := client.RollingDeploy(ctx, name, autoscale.RefreshSpec{Template: ptr(v2.Ref()), MinHealthyPercentage: aws.Int32(50)})
	require.NoError(t, err)
	assert.Equal(t, "Successful", r.Status)
}
