package awstest

import (
	"time"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// InstanceHealthy reports whether an instance would pass a load balancer's health check now: it
// exists, is running, and neither its Availability Zone ([Cloud.FailZone]) nor the instance itself
// ([Cloud.FailInstance]) has been failed. Load balancer models ask this for each target.
func (c *Cloud) InstanceHealthy(instanceID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.instanceHealthy(instanceID, c.clock.Now())
}

// instanceHealthy is InstanceHealthy at virtual time now (which may be in the past: a health
// check being replayed), for models, which already hold c.mu.
func (c *Cloud) instanceHealthy(instanceID string, now time.Time) bool {
	i := c.ec2().instance(instanceID)
	if i == nil {
		return false
	}
	st, gone := i.state(now, c.opts.EC2)
	return !gone && st == ec2types.InstanceStateNameRunning && !c.zoneFailed(i.zone, now) && !c.instanceFailed(instanceID, now)
}
