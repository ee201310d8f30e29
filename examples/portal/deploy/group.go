package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/bootstrap"
	"github.com/portalkit/portalkit/elb"
)

// LaunchHook is the launching lifecycle hook of every group: a new instance waits in
// Pending:Wait until its agent installed the release, ran its hooks and completed the action
// (CONTINUE), or gave up (ABANDON, and the group replaces it).
const LaunchHook = "portal-ready"

// BaseImageParameter is the public SSM parameter naming the latest Amazon Linux 2023 image.
const BaseImageParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// AppDir is the application root on the instances: releases/<version>, current -> the one served.
const AppDir = "/srv/portal"

// HealthURL is the agent's health gate on the instance: the web server's health check.
const HealthURL = "http://127.0.0.1/health"

// AgentConfig is the instance agent's configuration for an environment (package bootstrap):
// install the release the environment's pointer names, run its hooks, switch atomically, pass
// the health gate, keep three releases, and complete the group's launching lifecycle hook.
func AgentConfig(spec Spec) bootstrap.Config {
	cfg := bootstrap.Config{
		Bucket: spec.Bucket, Prefix: ReleasePrefix, Pointer: pointerName(spec.Environment),
		AppDir: AppDir, Keep: 3, Hooks: AgentHooks, HealthURL: HealthURL, HealthTimeoutSeconds: 60,
	}
	if !spec.NoLaunchHook {
		cfg.AutoScalingGroup, cfg.LifecycleHook = spec.groupName(), LaunchHook
	}
	return cfg
}

// UserData is the cloud-config document a new instance runs at first boot: it writes the
// agent's configuration and starts the agent (examples/agent, on the base image) in launch mode.
func UserData(spec Spec) ([]byte, error) {
	return bootstrap.RenderUserData(bootstrap.UserData{Format: bootstrap.FormatCloudConfig, Config: AgentConfig(spec)})
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
	userData, err := UserData(spec)
	if err != nil {
		return nil, err
	}
	tv, err := c.as.EnsureTemplateVersion(ctx, autoscale.TemplateSpec{
		Name: spec.groupName(), ImageID: img.ID, InstanceType: "t3.small", HopLimit: 2, UserData: userData,
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
