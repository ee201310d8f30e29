package awstest

// Service IDs of the modeled services, as the SDK names them (awsmiddleware.GetServiceID). Fault
// injection and the call log use them.
const (
	ServiceEC2 = "EC2"
	ServiceS3  = "S3"
)

// registerServices builds every service model. It is the one place a new model is added.
func (c *Cloud) registerServices() {
	c.ec2 = newEC2Model(c)
	c.register(c.ec2.svc)
	c.register(newS3Service())
}
