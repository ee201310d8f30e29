package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/portalkit/portalkit/autoscale"
	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/rds"
	"github.com/portalkit/portalkit/route53"
)

// ErrInvalidSpec is matched by the error of Deploy (and Spec.Validate) for a spec with problems;
// the message names every one.
var ErrInvalidSpec = errors.New("deploy: invalid spec")

// Defaults of Spec's zero fields.
const (
	// DefaultInstances is the number of web servers: two per zone in a three-zone region.
	DefaultInstances = 6
	// DefaultMinHealthyPercent is the share of the servers a rollout keeps in service.
	DefaultMinHealthyPercent = 66
	// DefaultHealthCheckInterval is the target group's health check interval.
	DefaultHealthCheckInterval = 10 * time.Second
	// TagEnvironment is the tag naming the environment an instance belongs to.
	TagEnvironment = "portal:environment"
	// TagRelease is the tag the agent sets on its instance: the release it serves.
	TagRelease = "portal:release"
)

// Spec is what one environment consists of.
type Spec struct {
	// Environment names the environment ("staging", "production"); every resource is named
	// portal-<Environment>[-...]. Required: letters, digits and hyphens, at most 20.
	Environment string
	// Domain is the site's name; the HTTPS listener uses the issued ACM certificate covering it
	// (and www.<Domain> when Apex is set). Required.
	Domain string
	// Apex says Domain is a zone apex: the load balancer redirects it to www.<Domain>.
	Apex bool
	// Bucket holds releases and the environment's release pointer. Required.
	Bucket string
	// Instances is the number of web servers, spread over the zones. Zero means
	// DefaultInstances; at least 3 (one per zone).
	Instances int
	// MinHealthyPercent is the share a rollout keeps in service, 1-99. Zero means
	// DefaultMinHealthyPercent.
	MinHealthyPercent int
	// HealthCheckInterval is the target group's health check interval. Zero means
	// DefaultHealthCheckInterval.
	HealthCheckInterval time.Duration
	// Tags are added to the group and every instance, for example a run id.
	Tags map[string]string
	// Certificate, if not nil, is the bought certificate the HTTPS listener uses, imported into
	// ACM (package cert). Nil means an issued ACM certificate covering Domain, found by name.
	Certificate *Certificate
	// Throwaway leaves out the DB instance's deletion protection, for environments a test
	// deletes when it ends. False (the default) protects the database.
	Throwaway bool
	// NoLaunchHook leaves out the launching lifecycle hook, for endpoints where no agent runs
	// on the instances to complete it (LocalStack). False (the default) has the hook.
	NoLaunchHook bool
}

func (s Spec) withDefaults() Spec {
	if s.Instances == 0 {
		s.Instances = DefaultInstances
	}
	if s.MinHealthyPercent == 0 {
		s.MinHealthyPercent = DefaultMinHealthyPercent
	}
	if s.HealthCheckInterval == 0 {
		s.HealthCheckInterval = DefaultHealthCheckInterval
	}
	return s
}

// Validate reports every problem of the spec in one error matching ErrInvalidSpec.
func (s Spec) Validate() error {
	s = s.withDefaults()
	var p []string
	if s.Environment == "" || len(s.Environment) > 20 || strings.Trim(s.Environment, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		p = append(p, fmt.Sprintf("Environment %q must be 1-20 lowercase letters, digits or hyphens", s.Environment))
	}
	if s.Domain == "" {
		p = append(p, "Domain is empty")
	}
	if s.Bucket == "" {
		p = append(p, "Bucket is empty")
	}
	if s.Instances < 3 {
		p = append(p, fmt.Sprintf("Instances %d: need at least 3, one per zone", s.Instances))
	}
	if s.MinHealthyPercent < 1 || s.MinHealthyPercent > 99 {
		p = append(p, fmt.Sprintf("MinHealthyPercent %d must be 1-99", s.MinHealthyPercent))
	}
	if s.HealthCheckInterval < 5*time.Second {
		p = append(p, fmt.Sprintf("HealthCheckInterval %s is under ELB's 5s minimum", s.HealthCheckInterval))
	}
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(p, "; "))
}

// Names of an environment's resources.
func (s Spec) loadBalancerName() string { return "portal-" + s.Environment }
func (s Spec) targetGroupName() string  { return "portal-" + s.Environment + "-web" }

// Plan lists what Deploy creates for the spec when nothing exists yet, for a person to read
// before an apply against a real account.
func (s Spec) Plan() []string {
	s = s.withDefaults()
	lines := []string{
		fmt.Sprintf("S3 bucket %s (releases, environment pointers), if missing", s.Bucket),
		fmt.Sprintf("Application Load Balancer %s in every zone of the default VPC, internet-facing", s.loadBalancerName()),
		fmt.Sprintf("target group %s (HTTP:80, health check /health every %s, stickiness, 30s deregistration delay)", s.targetGroupName(), s.HealthCheckInterval),
		fmt.Sprintf("listeners HTTP:80 -> HTTPS redirect, HTTPS:443 with the ACM certificate for %s", s.Domain),
	}
	if s.Certificate != nil {
		lines = append(lines, fmt.Sprintf("ACM certificate portal-%s imported from the bought certificate (checked first: key, chain, expiry, %s and www.%s)", s.Environment, s.Domain, s.Domain))
	}
	if s.Apex {
		lines = append(lines, fmt.Sprintf("listener rule: %s -> https://www.%s (301)", s.Domain, s.Domain))
	}
	lines = append(lines, fmt.Sprintf("Route 53 alias records %s and www.%s -> the load balancer, in the existing hosted zone serving %s", s.Domain, s.Domain, s.Domain))
	hook := ""
	if !s.NoLaunchHook {
		hook = fmt.Sprintf(", launching lifecycle hook %s completed by the instance agent", LaunchHook)
	}
	lines = append(lines,
		fmt.Sprintf("launch template %s: Amazon Linux 2023 (SSM %s), t3.small, IMDSv2 required, the agent's user data", s.groupName(), BaseImageParameter),
		fmt.Sprintf("Auto Scaling group %s: %d instances (max %d) across the zones, in the target group, ELB health checks%s", s.groupName(), s.Instances, 2*s.Instances, hook),
		fmt.Sprintf("DB subnet group and DB instance %s: MySQL, db.t3.medium, Multi-AZ, encrypted, 7-day backups, deletion protection, master password managed by RDS", s.dbIdentifier()),
		fmt.Sprintf("release pointer s3://%s/%s", s.Bucket, PointerKey(s.Environment)))
	return lines
}

// Site is what exists of one environment after Deploy.
type Site struct {
	// Spec is the spec it was deployed from, defaults resolved.
	Spec Spec
	// LoadBalancer is the load balancer, its target group and listeners.
	LoadBalancer *elb.Stack
	// DNS is the Route 53 change that made Domain and www.<Domain> alias the load balancer
	// (no change on a second run).
	DNS *route53.Result
	// Instances are the environment's web servers, in zone order.
	Instances []Instance
	// Group is the Auto Scaling group: Created is true on the run that created it.
	Group *autoscale.Group
	// Database is the Multi-AZ MySQL instance the web servers keep sessions in.
	Database *rds.Instance
}

// Instance is one web server.
type Instance struct {
	ID, Zone, State string
	// Health is its state in the target group: healthy, unhealthy, draining, ...
	Health string
	// Release is the release its agent reports (the TagRelease tag), "" before it reported.
	Release string
}

// IDs returns the instance IDs.
func (s *Site) IDs() []string {
	ids := make([]string, len(s.Instances))
	for i, in := range s.Instances {
		ids[i] = in.ID
	}
	return ids
}

// Zones returns how many instances run in each zone.
func (s *Site) Zones() map[string]int {
	z := map[string]int{}
	for _, in := range s.Instances {
		z[in.Zone]++
	}
	return z
}

// clients is what a deploy talks to.
type clients struct {
	ec2   *ec2.Client
	elbv2 *elasticloadbalancingv2.Client
	lb    *elb.Client
	as    *autoscale.Client
	asg   *autoscaling.Client
}

func (e Env) clients() (*clients, error) {
	c := &clients{ec2: ec2.NewFromConfig(e.Config), elbv2: elasticloadbalancingv2.NewFromConfig(e.Config)}
	var err error
	c.lb, err = elb.New(c.elbv2, func(o *elb.Options) {
		o.Certificates = acm.NewFromConfig(e.Config)
		o.Instances = c.ec2
		o.Clock = e.Clock
		o.PollInterval = 5 * time.Second
		o.MaxPollInterval = 10 * time.Second
	})
	if err != nil {
		return nil, err
	}
	c.asg = autoscaling.NewFromConfig(e.Config)
	c.as, err = autoscale.New(c.asg, c.ec2, func(o *autoscale.Options) {
		o.Parameters = ssm.NewFromConfig(e.Config)
		o.TargetHealth = c.elbv2
		o.Clock = e.Clock
		o.PollInterval = 5 * time.Second
		o.MaxPollInterval = 15 * time.Second
	})
	return c, err
}

// Deploy ensures the environment spec describes: the load balancer with HTTPS and (for an apex)
// the apex -> www rule, the Route 53 alias records, the launch template and the Auto Scaling
// group across the zones, and waits until the group's instances are in service and healthy.
// A second run creates nothing.
func Deploy(ctx context.Context, env Env, spec Spec) (*Site, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	out := env.printer()
	c, err := env.clients()
	if err != nil {
		return nil, err
	}
	vpcID, subnets, err := defaultNetwork(ctx, c.ec2)
	if err != nil {
		return nil, err
	}
	lbSpec := elb.Spec{
		LoadBalancer: elb.LoadBalancerSpec{Name: spec.loadBalancerName(), Subnets: subnetIDs(subnets)},
		TargetGroup: elb.TargetGroupSpec{
			Name: spec.targetGroupName(), VPCID: vpcID,
			HealthCheck:         elb.HealthCheck{Path: "/health", Interval: spec.HealthCheckInterval},
			DeregistrationDelay: durationPtr(30 * time.Second),
			Stickiness:          &elb.Stickiness{Type: elb.LBCookie, Duration: time.Hour},
		},
		Listeners: elb.ListenerSpec{CertificateDomain: spec.Domain},
	}
	if spec.Apex {
		lbSpec.Listeners.ApexRedirect = spec.Domain
	}
	if _, err := startDatabase(ctx, env, spec, subnets, out); err != nil {
		return nil, err
	}
	if spec.Certificate != nil {
		arn, err := importCertificate(ctx, env, spec, out)
		if err != nil {
			return nil, err
		}
		lbSpec.Listeners.CertificateARN, lbSpec.Listeners.CertificateDomain = arn, ""
	}
	stack, err := c.lb.Ensure(ctx, lbSpec)
	if err != nil {
		return nil, err
	}
	if len(stack.Created) > 0 {
		out.line("created %s", strings.Join(stack.Created, ", "))
	} else {
		out.line("load balancer %s in place, nothing created", spec.loadBalancerName())
	}
	for _, d := range stack.Drift {
		out.line("drift (left alone): %s", d)
	}
	out.line("%s in %d zones, TLS policy %s", stack.DNSName, len(stack.Zones), stack.SSLPolicy)

	site := &Site{Spec: spec, LoadBalancer: stack}
	if site.DNS, err = ensureDNS(ctx, env, c, spec, stack, out); err != nil {
		return nil, err
	}
	if site.Group, err = ensureGroup(ctx, env, c, spec, stack, subnets, out); err != nil {
		return nil, err
	}
	if site.Database, err = waitDatabase(ctx, env, spec, out); err != nil {
		return nil, err
	}
	if err := site.refresh(ctx, c); err != nil {
		return nil, err
	}
	out.line("%d instances in service: %s", len(site.Instances), zoneSummary(site.Zones()))
	return site, nil
}

// Refresh reads the site's instances, their target health and releases again.
func Refresh(ctx context.Context, env Env, site *Site) error {
	c, err := env.clients()
	if err != nil {
		return err
	}
	return site.refresh(ctx, c)
}

func (s *Site) refresh(ctx context.Context, c *clients) error {
	insts, err := describeFleet(ctx, c, s.Spec.groupName())
	if err != nil {
		return err
	}
	health, err := targetHealth(ctx, c.elbv2, s.LoadBalancer.TargetGroupARN)
	if err != nil {
		return err
	}
	for i := range insts {
		insts[i].Health = health[insts[i].ID]
	}
	sort.Slice(insts, func(i, j int) bool {
		if insts[i].Zone != insts[j].Zone {
			return insts[i].Zone < insts[j].Zone
		}
		return insts[i].ID < insts[j].ID
	})
	s.Instances = insts
	return nil
}

func durationPtr(d time.Duration) *time.Duration { return &d }
