package elb

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/retry"
)

// ZoneReport is the Availability Zone spread of in-service instances.
type ZoneReport struct {
	// Zones maps each zone to its number of in-service instances.
	Zones map[string]int
	// Checked is false when the check was skipped (ZoneIgnore, or no Options.Instances).
	Checked bool
}

// Spread returns the number of zones with in-service instances.
func (r *ZoneReport) Spread() int { return len(r.Zones) }

// CheckZones reports the Availability Zones of the target group's healthy targets, learned from
// EC2 (Options.Instances). With fewer than two zones it logs a warning (ZoneWarn, the default) or
// fails with [ErrSingleZone] (ZoneError): one zone's outage would then take the site down.
func (c *Client) CheckZones(ctx context.Context, targetGroupARN string, optFns ...func(*Options)) (*ZoneReport, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if o.ZoneSpread == ZoneIgnore {
		return &ZoneReport{}, nil
	}
	var states []TargetState
	err = call(ctx, o, "DescribeTargetHealth", retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
		var err error
		states, err = c.targetHealth(ctx, o, targetGroupARN, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("elb: describe target health of %s: %w", targetGroupARN, err)
	}
	var ids []string
	for _, s := range states {
		if s.State == string(elbv2types.TargetHealthStateEnumHealthy) {
			ids = append(ids, s.Target.ID)
		}
	}
	return checkZones(ctx, o, targetGroupARN, distinct(ids))
}

// checkZones looks up the instances' zones and applies o.ZoneSpread.
func checkZones(ctx context.Context, o Options, group string, ids []string) (*ZoneReport, error) {
	if o.ZoneSpread == ZoneIgnore {
		return &ZoneReport{}, nil
	}
	if o.Instances == nil {
		o.Logger.Debug("elb: zone spread not checked: Options.Instances is not set", "group", group)
		return &ZoneReport{}, nil
	}
	rep := &ZoneReport{Zones: map[string]int{}, Checked: true}
	// DescribeInstances takes up to 1000 IDs per call.
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var token *string
		for {
			var out *ec2.DescribeInstancesOutput
			err := call(ctx, o, "DescribeInstances", retry.Codes("InvalidInstanceID.NotFound"), func(ctx context.Context) error {
				var err error
				out, err = o.Instances.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: chunk, NextToken: token})
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("elb: describe instances of %s: %w", group, err)
			}
			for _, r := range out.Reservations {
				for _, in := range r.Instances {
					if in.Placement != nil {
						rep.Zones[aws.ToString(in.Placement.AvailabilityZone)]++
					}
				}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			token = out.NextToken
		}
	}
	if rep.Spread() >= 2 {
		return rep, nil
	}
	zones := slices.Sorted(maps.Keys(rep.Zones))
	if o.ZoneSpread == ZoneError {
		return rep, fmt.Errorf("%w: %s has %d in-service instance(s) in zones %v", ErrSingleZone, group, len(ids), zones)
	}
	o.Logger.Warn("elb: in-service instances span fewer than two Availability Zones", "group", group, "instances", len(ids), "zones", zones)
	return rep, nil
}
