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
	// ServiceRDS is Amazon RDS.
	ServiceRDS = "RDS"
)

// registerServices builds every service model, in dependency order. It is the one place a new
// model is added (see "Adding a service model" in the package doc).
func (c *Cloud) registerServices() {
	for _, newModel := range []func(*Cloud) model{
		newEC2Model,
		newS3Model,
		newELBv2Model,
		newClassicELBModel,
		newACMModel,
		newIAMModel,
		newRDSModel,
		newRoute53Model,
		newAutoScalingModel,
		newSSMModel,
	} {
		c.register(newModel(c))
	}
}
