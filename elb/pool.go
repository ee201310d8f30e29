package elb

import "context"

// Pool is a set of instances behind a load balancer, by instance ID: a target group ([TargetGroup])
// or a Classic Load Balancer ([ClassicPool]). Deploy code written against Pool, such as [Roll],
// works with either.
type Pool interface {
	// Register puts the instances in service; Deregister takes them out.
	Register(ctx context.Context, instanceIDs []string) error
	Deregister(ctx context.Context, instanceIDs []string) error
	// WaitHealthy waits until every instance passes its health checks, failing fast when one
	// fails them. WaitDrained waits until deregistered instances have drained.
	WaitHealthy(ctx context.Context, instanceIDs []string) (*WaitReport, error)
	WaitDrained(ctx context.Context, instanceIDs []string) (*WaitReport, error)
}

// zoneChecker is the optional capability of a Pool to check the Availability Zone spread of its
// in-service instances.
type zoneChecker interface {
	CheckZones(ctx context.Context) (*ZoneReport, error)
}

// optionedPool is a Pool of this package: it resolves its options with a roll's overrides and
// returns itself with the overrides applied to every call.
type optionedPool interface {
	Pool
	withOptions(optFns []func(*Options)) (Pool, Options, error)
}

// joinOptions returns base followed by more, in a new slice.
func joinOptions(base, more []func(*Options)) []func(*Options) {
	return append(append([]func(*Options){}, base...), more...)
}

// TargetGroup is a [Pool] over one target group, with instance targets on the group's port. Get
// one from [Client.TargetGroup]. It is safe for concurrent use.
type TargetGroup struct {
	c      *Client
	arn    string
	optFns []func(*Options)
}

// TargetGroup returns the target group with the ARN as a [Pool]; optFns apply to every call.
func (c *Client) TargetGroup(arn string, optFns ...func(*Options)) *TargetGroup {
	return &TargetGroup{c: c, arn: arn, optFns: joinOptions(nil, optFns)}
}

func (g *TargetGroup) withOptions(optFns []func(*Options)) (Pool, Options, error) {
	fns := joinOptions(g.optFns, optFns)
	o, err := g.c.opts.resolve(fns)
	return &TargetGroup{c: g.c, arn: g.arn, optFns: fns}, o, err
}

// ARN returns the target group's ARN.
func (g *TargetGroup) ARN() string { return g.arn }

// Register registers the instances; see [Client.Register].
func (g *TargetGroup) Register(ctx context.Context, instanceIDs []string) error {
	return g.c.Register(ctx, g.arn, Instances(instanceIDs...), g.optFns...)
}

// Deregister deregisters the instances; see [Client.Deregister].
func (g *TargetGroup) Deregister(ctx context.Context, instanceIDs []string) error {
	return g.c.Deregister(ctx, g.arn, Instances(instanceIDs...), g.optFns...)
}

// WaitHealthy waits for the instances to be healthy; see [Client.WaitHealthy].
func (g *TargetGroup) WaitHealthy(ctx context.Context, instanceIDs []string) (*WaitReport, error) {
	return g.c.WaitHealthy(ctx, g.arn, Instances(instanceIDs...), g.optFns...)
}

// WaitDrained waits for the instances to drain; see [Client.WaitDrained].
func (g *TargetGroup) WaitDrained(ctx context.Context, instanceIDs []string) (*WaitReport, error) {
	return g.c.WaitDrained(ctx, g.arn, Instances(instanceIDs...), g.optFns...)
}

// CheckZones checks the Availability Zone spread of the group's healthy targets; see
// [Client.CheckZones].
func (g *TargetGroup) CheckZones(ctx context.Context) (*ZoneReport, error) {
	return g.c.CheckZones(ctx, g.arn, g.optFns...)
}

var (
	_ optionedPool = (*TargetGroup)(nil)
	_ zoneChecker  = (*TargetGroup)(nil)
)
