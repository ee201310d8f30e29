package elb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// Classic instance states as [TargetState.State] reports them. ClassicDraining is not an API
// state: while connection draining runs, Classic ELB reports a deregistered instance as
// InService with the description "Instance deregistration currently in progress."; the package
// reports it as ClassicDraining so that it is never mistaken for in service.
const (
	// ClassicInService is an instance that passes its health checks and takes traffic.
	ClassicInService = "InService"
	// ClassicOutOfService is an instance that failed its health checks or is not yet in service.
	ClassicOutOfService = "OutOfService"
	// ClassicDraining is an instance the API reports InService whose deregistration is in
	// progress.
	ClassicDraining = "draining"
	// ClassicDeregistered is not an API state either: [Classic.WaitDrained] reports an instance
	// the load balancer no longer lists with it.
	ClassicDeregistered = "deregistered"
)

// Classic ELB descriptions the waits recognise (Classic Load Balancer guide, "Configure connection
// draining" and "Troubleshoot health checks").
const (
	classicDrainingPrefix = "Instance deregistration currently in progress"
	classicFailedPrefix   = "Instance has failed at least the UnhealthyThreshold"
)

// Classic manages instances behind Classic Load Balancers, the legacy load balancer type that AWS
// recommends migrating to ALB or NLB. It offers registration, health waits, the health check,
// connection draining, cross-zone load balancing and LB-cookie stickiness; it does not create
// Classic Load Balancers.
//
// A Classic is safe for concurrent use.
type Classic struct {
	api  ClassicAPI
	opts Options
}

// NewClassic returns a Classic that calls api (an *elasticloadbalancing.Client, for example).
// It validates the options once, as [New] does.
func NewClassic(api ClassicAPI, optFns ...func(*Options)) (*Classic, error) {
	o, err := newOptions(api == nil, optFns)
	if err != nil {
		return nil, err
	}
	return &Classic{api: api, opts: o}, nil
}

func classicInstances(ids []string) []elbtypes.Instance {
	out := make([]elbtypes.Instance, len(ids))
	for i, id := range ids {
		out[i] = elbtypes.Instance{InstanceId: aws.String(id)}
	}
	return out
}

// Register registers the instances with the load balancer in chunks of Options.BatchSize,
// retrying throttling and InvalidInstance (an instance not yet visible) for up to RetryTimeout.
func (c *Classic) Register(ctx context.Context, lbName string, instanceIDs []string, optFns ...func(*Options)) error {
	return inBatches(ctx, c.opts, optFns, "RegisterInstancesWithLoadBalancer", lbName, instanceIDs, retry.Codes("InvalidInstance"), func(ctx context.Context, o Options, chunk []string) error {
		_, err := c.api.RegisterInstancesWithLoadBalancer(ctx, &elasticloadbalancing.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String(lbName), Instances: classicInstances(chunk)}, o.ClassicOptions...)
		return err
	})
}

// Deregister deregisters the instances in chunks of Options.BatchSize. With connection draining
// on, they drain for its timeout; [Classic.WaitDrained] waits for that.
func (c *Classic) Deregister(ctx context.Context, lbName string, instanceIDs []string, optFns ...func(*Options)) error {
	return inBatches(ctx, c.opts, optFns, "DeregisterInstancesFromLoadBalancer", lbName, instanceIDs, retry.Throttling, func(ctx context.Context, o Options, chunk []string) error {
		_, err := c.api.DeregisterInstancesFromLoadBalancer(ctx, &elasticloadbalancing.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: aws.String(lbName), Instances: classicInstances(chunk)}, o.ClassicOptions...)
		return err
	})
}

// instanceHealth makes one DescribeInstanceHealth call: for the instances, or every registered
// instance when ids is nil. Draining instances are reported as ClassicDraining.
func (c *Classic) instanceHealth(ctx context.Context, o Options, lbName string, ids []string) ([]TargetState, error) {
	in := &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String(lbName)}
	if ids != nil {
		in.Instances = classicInstances(ids)
	}
	out, err := c.api.DescribeInstanceHealth(ctx, in, o.ClassicOptions...)
	if err != nil {
		return nil, err
	}
	states := make([]TargetState, 0, len(out.InstanceStates))
	for _, s := range out.InstanceStates {
		st := TargetState{Target: Target{ID: aws.ToString(s.InstanceId)}, State: aws.ToString(s.State), Reason: aws.ToString(s.ReasonCode), Description: aws.ToString(s.Description)}
		if st.State == ClassicInService && strings.HasPrefix(st.Description, classicDrainingPrefix) {
			st.State = ClassicDraining
		}
		states = append(states, st)
	}
	return states, nil
}

// WaitInService waits until every instance is InService (and not draining). Each poll makes one
// DescribeInstanceHealth call. It fails fast with a [*TargetError] when an instance has failed
// UnhealthyThreshold checks (after Options.HealthyGrace when set) or is draining, and with
// [ErrTimeout] after Options.HealthyTimeout (by default HealthyGrace + (HealthyThreshold+1) x
// Interval of the load balancer's health check plus two poll intervals: Classic ELB needs
// HealthyThreshold passes before a new instance is in service).
func (c *Classic) WaitInService(ctx context.Context, lbName string, instanceIDs []string, optFns ...func(*Options)) (*WaitReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if len(instanceIDs) == 0 {
		// No instances: nothing to wait for, and no call (DescribeInstanceHealth without
		// instances would describe every registered one).
		return &WaitReport{Group: lbName}, nil
	}
	budget := o.HealthyTimeout
	if budget == 0 {
		lb, err := c.describe(ctx, o, lbName)
		if err != nil {
			return nil, err
		}
		hc := lb.HealthCheck
		if hc == nil {
			hc = &elbtypes.HealthCheck{Interval: aws.Int32(30), HealthyThreshold: aws.Int32(10)}
		}
		budget = o.HealthyGrace + time.Duration(aws.ToInt32(hc.HealthyThreshold)+1)*time.Duration(aws.ToInt32(hc.Interval))*time.Second + 2*o.MaxPollInterval
	}
	return waitTargets(ctx, o, waitSpec{
		group: lbName, what: fmt.Sprintf("%d instance(s) in service in %s", len(instanceIDs), lbName), budget: budget,
		observe: func(ctx context.Context) ([]TargetState, error) {
			return c.instanceHealth(ctx, o, lbName, instanceIDs)
		},
		judge: func(states []TargetState, elapsed time.Duration) (poll.Status, []TargetState) {
			var bad []TargetState
			in := 0
			for _, s := range states {
				switch {
				case s.State == ClassicInService:
					in++
				case s.State == ClassicDraining:
					bad = append(bad, s)
				case strings.HasPrefix(s.Description, classicFailedPrefix) && elapsed >= o.HealthyGrace:
					bad = append(bad, s)
				}
			}
			switch {
			case len(bad) > 0:
				return poll.Failed, bad
			case in == len(instanceIDs) && len(states) == len(instanceIDs):
				return poll.Done, nil
			}
			return poll.Pending, nil
		},
		// A just-registered or just-launched instance may not be known yet, as the SDK's
		// InstanceInService waiter assumes.
		transient: func(err error) bool { return awserr.IsCode(err, "InvalidInstance") },
	})
}

// WaitDrained waits until none of the instances is registered any more. Classic ELB keeps
// reporting a draining instance as InService ("Instance deregistration currently in progress"),
// so the wait lists every registered instance with one DescribeInstanceHealth call per poll and
// waits for the instances to disappear. It fails with a [*TargetError] when an instance is still
// registered and not draining, and with [ErrTimeout] after Options.DrainTimeout (by default the
// connection draining timeout plus two poll intervals).
func (c *Classic) WaitDrained(ctx context.Context, lbName string, instanceIDs []string, optFns ...func(*Options)) (*WaitReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if len(instanceIDs) == 0 {
		return &WaitReport{Group: lbName}, nil
	}
	budget := o.DrainTimeout
	if budget == 0 {
		a, err := c.attributes(ctx, o, lbName)
		if err != nil {
			return nil, err
		}
		drain := time.Duration(0)
		if d := a.ConnectionDraining; d != nil && d.Enabled {
			drain = time.Duration(aws.ToInt32(d.Timeout)) * time.Second
		}
		budget = drain + 2*o.MaxPollInterval
	}
	return waitTargets(ctx, o, waitSpec{
		group: lbName, what: fmt.Sprintf("%d instance(s) drained from %s", len(instanceIDs), lbName), budget: budget,
		observe: func(ctx context.Context) ([]TargetState, error) {
			all, err := c.instanceHealth(ctx, o, lbName, nil)
			if err != nil {
				return nil, err
			}
			byID := map[string]TargetState{}
			for _, s := range all {
				byID[s.Target.ID] = s
			}
			out := make([]TargetState, 0, len(instanceIDs))
			for _, id := range instanceIDs {
				s, ok := byID[id]
				if !ok {
					s = TargetState{Target: Target{ID: id}, State: ClassicDeregistered, Description: "Instance is not registered with the load balancer"}
				}
				out = append(out, s)
			}
			return out, nil
		},
		judge: func(states []TargetState, _ time.Duration) (poll.Status, []TargetState) {
			var bad []TargetState
			pending := false
			for _, s := range states {
				switch s.State {
				case ClassicDeregistered:
				case ClassicDraining:
					pending = true
				default:
					bad = append(bad, s)
				}
			}
			switch {
			case len(bad) > 0:
				return poll.Failed, bad
			case pending:
				return poll.Pending, nil
			}
			return poll.Done, nil
		},
	})
}

func (c *Classic) describe(ctx context.Context, o Options, lbName string) (elbtypes.LoadBalancerDescription, error) {
	var lb elbtypes.LoadBalancerDescription
	err := call(ctx, o, "DescribeLoadBalancers", retry.Throttling, func(ctx context.Context) error {
		out, err := c.api.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{lbName}}, o.ClassicOptions...)
		if err == nil {
			if len(out.LoadBalancerDescriptions) == 0 {
				return fmt.Errorf("load balancer %s not in the response", lbName)
			}
			lb = out.LoadBalancerDescriptions[0]
		}
		return err
	})
	if err != nil {
		return lb, fmt.Errorf("elb: describe classic load balancer %s: %w", lbName, err)
	}
	return lb, nil
}

func (c *Classic) attributes(ctx context.Context, o Options, lbName string) (*elbtypes.LoadBalancerAttributes, error) {
	var a *elbtypes.LoadBalancerAttributes
	err := call(ctx, o, "DescribeLoadBalancerAttributes", retry.Throttling, func(ctx context.Context) error {
		out, err := c.api.DescribeLoadBalancerAttributes(ctx, &elasticloadbalancing.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String(lbName)}, o.ClassicOptions...)
		if err == nil {
			a = out.LoadBalancerAttributes
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("elb: describe attributes of classic load balancer %s: %w", lbName, err)
	}
	if a == nil {
		a = &elbtypes.LoadBalancerAttributes{}
	}
	return a, nil
}

// Pool returns the load balancer as a [Pool]; optFns apply to every call.
func (c *Classic) Pool(lbName string, optFns ...func(*Options)) *ClassicPool {
	return &ClassicPool{c: c, name: lbName, optFns: joinOptions(nil, optFns)}
}

// ClassicPool is a [Pool] over one Classic Load Balancer. Get one from [Classic.Pool]. It is safe
// for concurrent use.
type ClassicPool struct {
	c      *Classic
	name   string
	optFns []func(*Options)
}

// Name returns the load balancer's name.
func (p *ClassicPool) Name() string { return p.name }

// Register registers the instances; see [Classic.Register].
func (p *ClassicPool) Register(ctx context.Context, instanceIDs []string) error {
	return p.c.Register(ctx, p.name, instanceIDs, p.optFns...)
}

// Deregister deregisters the instances; see [Classic.Deregister].
func (p *ClassicPool) Deregister(ctx context.Context, instanceIDs []string) error {
	return p.c.Deregister(ctx, p.name, instanceIDs, p.optFns...)
}

// WaitHealthy waits until the instances are in service; see [Classic.WaitInService].
func (p *ClassicPool) WaitHealthy(ctx context.Context, instanceIDs []string) (*WaitReport, error) {
	return p.c.WaitInService(ctx, p.name, instanceIDs, p.optFns...)
}

// WaitDrained waits until the instances drained; see [Classic.WaitDrained].
func (p *ClassicPool) WaitDrained(ctx context.Context, instanceIDs []string) (*WaitReport, error) {
	return p.c.WaitDrained(ctx, p.name, instanceIDs, p.optFns...)
}

func (p *ClassicPool) withOptions(optFns []func(*Options)) (Pool, Options, error) {
	fns := joinOptions(p.optFns, optFns)
	o, err := p.c.opts.resolve(fns)
	return &ClassicPool{c: p.c, name: p.name, optFns: fns}, o, err
}

var _ optionedPool = (*ClassicPool)(nil)
