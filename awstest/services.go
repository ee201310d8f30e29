package awstest

// Service IDs of the modeled services, as the SDK names them (awsmiddleware.GetServiceID). Fault
// injection and the call log use them.
const (
	ServiceEC2 = "EC2"
	ServiceS3  = "S3"
	// ServiceELBv2 is Elastic Load Balancing v2 (Application and Network Load Balancers).
	ServiceELBv2 = "Elastic Load Balancing v2"
	// ServiceELB is the Classic Load Balancer API.
	ServiceELB = "Elastic Load Balancing"
	// ServiceACM is AWS Certificate Manager.
	ServiceACM = "ACM"
)

// registerServices builds every service model. It is the one place a new model is added.
func (c *Cloud) registerServices() {
	c.ec2 = newEC2Model(c)
	c.register(c.ec2.svc)
	c.register(newS3Service())
	c.elbv2 = newELBv2Model(c)
	c.register(c.elbv2.svc)
	c.elb = newClassicELBModel(c)
	c.register(c.elb.svc)
	c.acm = newACMModel(c)
	c.register(c.acm.svc)
}
