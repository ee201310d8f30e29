package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/elb"
)

// LaunchHook is the launching lifecycle hook of every group: a new instance waits in
// Pending:Wait until its agent installed the release, ran its hooks and completed the action
// (CONTINUE), or gave up (ABANDON, and the group replaces it).
const LaunchHook = "portal-ready"

// BaseImageParameter is the public SSM parameter naming the latest Amazon Linux 2023 image.
const BaseImageParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// UserData is the shell script an instance runs at first boot: the instance agent installs the
// release the environment's pointer names, runs its hooks, switches to it, starts serving and
// completes the group's launching lifecycle hook.
func UserData(spec Spec) []byte {
	hook := ""
	if !spec.NoLaunchHook {
		hook = " --lifecycle-hook " + LaunchHook
	}
	return []byte(fmt.Sprintf(`#!/bin/sh
# portal instance agent: install the release s3://%[1]s/%[2]s names, then serve it.
set -eu
exec /usr/local/bin/portal-agent launch --bucket %[1]s --pointer %[2]s --tag %[3]s%[4]s
`, spec.Bucket, PointerKey(spec.Environment), TagRelease, hook))
}

func (s Spec) groupName() string { return "portal-" + s.Environment }

// ensureGroup ensures the launch template (base image from SSM, IMDSv2 required, the agent's
// user data) and the Auto Scaling group across the zones, attached to the target group with ELB
// health checks and the launching hook, and waits until its instances are in service and
// healthy.
func ensureGroup(ctx context.Context, env Env, c *clients, spec Spec, stack *elb.Stack, subnets []subnet, out *printer) (*autoscale.Group, error) {
	img, err := c.as.ResolveImage(ctx, autoscale.ImageQuery{Parameter: BaseImageParameter})
	if err != nil {
		return nil, err
	}
	tv, err := c.as.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{
		Name: spec.groupName(), ImageID: img.ID, InstanceType: "t3.small", HopLimit: 2, UserData: UserData(spec),
	})
	if err != nil {
		return nil, err
	}
	gs := autoscale.GroupSpec{
		Name: spec.groupName(), Template: tv.Ref(), Subnets: subnetIDs(subnets),
		MinSize: int32(spec.Instances), MaxSize: int32(2 * spec.Instances), DesiredCapacity: int32(spec.Instances),
		TargetGroupARNs: []string{stack.TargetGroupARN}, HealthCheckType: "ELB", HealthCheckGracePeriod: 2 * time.Minute,
		DefaultInstanceWarmup: 30 * time.Second,
		Tags:                  map[string]string{TagEnvironment: spec.Environment, "Name": spec.groupName() + "-web"},
	}
	for k, v := range spec.Tags {
		gs.Tags[k] = v
	}
	if !spec.NoLaunchHook {
		gs.LifecycleHooks = []autoscale.LifecycleHook{{Name: LaunchHook, Transition: autoscale.Launching,
			DefaultResult: autoscale.Abandon, HeartbeatTimeout: 10 * time.Minute}}
	}
	g, err := c.as.Ensure(ctx, gs)
	if err != nil {
		return nil, err
	}
	switch {
	case g.Created:
		out.line("created launch template %s v%d (%s, IMDSv2 required) and group %s across %s", spec.groupName(), tv.Version, img.Name, g.Name, strings.Join(g.Zones, ", "))
	default:
		out.line("group %s in place (template v%d), nothing created", g.Name, tv.Version)
	}
	for _, d := range g.Drift {
		out.line("drift (left alone): %v", d)
	}
	last := ""
	err = c.as.WaitInService(ctx, g.Name, func(o *autoscale.Options) {
		o.OnProgress = func(p autoscale.Progress) {
			s := healthBar(p.Healthy, p.Desired) + fmt.Sprintf(", %d in service", p.InService)
			if s != last {
				out.line("%s %s", g.Name, s)
				last = s
			}
		}
	})
	return g, err
}
