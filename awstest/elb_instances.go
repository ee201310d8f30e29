package awstest

import (
	"time"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// lbInstance is what a load balancer model sees of an EC2 instance at now: its zone, VPC and
// state. ok is false when the instance does not exist, is not yet visible, or is gone. Called with
// c.mu held.
func (c *Cloud) lbInstance(id string, now time.Time) (zone, vpcID string, state ec2types.InstanceStateName, ok bool) {
	i := c.ec2().instance(id)
	if i == nil || now.Before(i.visibleAt) {
		return "", "", "", false
	}
	st, gone := i.state(now, c.opts.EC2)
	if gone {
		return "", "", "", false
	}
	return i.zone, i.vpcID, st, true
}
