package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// Classic ELB instance health descriptions, as the API words them. While connection draining is
// in progress a deregistered instance is still reported InService, with ClassicDrainingDescription
// (Classic Load Balancer guide, "Configure connection draining").
const (
	ClassicDrainingDescription     = "Instance deregistration currently in progress."
	classicRegisteringDescription  = "Instance registration is still in progress."
	classicUnhealthyDescription    = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."
	classicNotYetHealthy           = "Instance has not passed the configured HealthyThreshold number of health checks consecutively."
	classicZoneDisabledDescription = "Instance is in an Availability Zone for which LoadBalancer is not configured to route traffic to."
	classicNotRunningDescription   = "Instance is in stopped state."
)

// classicModel is the Classic Load Balancer API ("Elastic Load Balancing"): load balancers,
// registered instances with their health, health check, attributes and LB-cookie stickiness.
type classicModel struct {
	cloud *Cloud
	svc   *service
	seq   uint64
	lbs   []*classicLB
}

type classicLB struct {
	name, dnsName, scheme, vpcID string
	zones, subnets, groups       []string
	listeners                    []elbtypes.Listener
	listenerPolicies             map[int32][]string
	cookiePolicies               []elbtypes.LBCookieStickinessPolicy
	hc                           elbtypes.HealthCheck
	draining                     bool
	drainTimeout                 int32
	crossZone                    bool
	idleTimeout                  int32
	created                      time.Time
	seq                          uint64 // creation order, for listings
	instances                    []*classicInstance
	tags                         map[string]string
}

type classicInstance struct {
	id               string
	lastCheck        time.Time
	inService        bool
	reasonCode, desc string
	passes, fails    int32
	drainUntil       time.Time
	deregistering    bool
}

func newClassicELBModel(c *Cloud) model {
	m := &classicModel{cloud: c, svc: newService(ServiceELB, "Throttling", http.StatusBadRequest)}
	m.svc.newError = classicError
	handle(m.svc, "CreateLoadBalancer", m.createLoadBalancer)
	handle(m.svc, "DescribeLoadBalancers", m.describeLoadBalancers)
	m.registerListenerCertificates()
	handle(m.svc, "DeleteLoadBalancer", m.deleteLoadBalancer)
	handle(m.svc, "RegisterInstancesWithLoadBalancer", m.registerInstances)
	handle(m.svc, "DeregisterInstancesFromLoadBalancer", m.deregisterInstances)
	handle(m.svc, "DescribeInstanceHealth", m.describeInstanceHealth)
	handle(m.svc, "ConfigureHealthCheck", m.configureHealthCheck)
	handle(m.svc, "DescribeLoadBalancerAttributes", m.describeAttributes)
	handle(m.svc, "ModifyLoadBalancerAttributes", m.modifyAttributes)
	handle(m.svc, "CreateLBCookieStickinessPolicy", m.createLBCookieStickinessPolicy)
	handle(m.svc, "SetLoadBalancerPoliciesOfListener", m.setListenerPolicies)
	handle(m.svc, "DescribeTags", m.describeTags)
	return m
}

func classicError(code, msg string) error { return typedError(classicExceptions, code, msg) }

func (m *classicModel) validation(format string, args ...any) error {
	return m.svc.errorf("ValidationError", format, args...)
}

func (m *classicModel) lb(name string, now time.Time) (*classicLB, error) {
	for _, lb := range m.lbs {
		if lb.name == name {
			return lb, nil
		}
	}
	return nil, m.svc.errorf("LoadBalancerNotFound", "There is no ACTIVE Load Balancer named '%s'", name)
}

func (m *classicModel) createLoadBalancer(r *request, in *elasticloadbalancing.CreateLoadBalancerInput) (*elasticloadbalancing.CreateLoadBalancerOutput, error) {
	name := aws.ToString(in.LoadBalancerName)
	if !elbNameOK(name) {
		return nil, m.validation("LoadBalancerName '%s' is not valid: up to 32 alphanumeric characters or hyphens", name)
	}
	if len(in.Listeners) == 0 {
		return nil, m.validation("At least one listener must be specified")
	}
	if len(in.AvailabilityZones) > 0 == (len(in.Subnets) > 0) {
		return nil, m.validation("Exactly one of AvailabilityZones or Subnets must be specified")
	}
	lb := &classicLB{
		name: name, scheme: "internet-facing", created: r.now, listenerPolicies: map[int32][]string{},
		hc:           elbtypes.HealthCheck{Target: aws.String("TCP:80"), Interval: aws.Int32(30), Timeout: aws.Int32(5), HealthyThreshold: aws.Int32(10), UnhealthyThreshold: aws.Int32(2)},
		drainTimeout: 300, idleTimeout: 60, tags: classicTags(in.Tags),
	}
	if in.Scheme != nil {
		lb.scheme = *in.Scheme
	}
	for _, z := range in.AvailabilityZones {
		if m.cloud.ec2().zone(z) == nil {
			return nil, m.validation("Invalid Availability Zone: %s", z)
		}
		lb.zones = append(lb.zones, z)
	}
	for _, id := range in.Subnets {
		var found *subnet
		for _, s := range m.cloud.ec2().subnets {
			if s.id == id {
				found = s
			}
		}
		if found == nil {
			return nil, m.svc.errorf("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if contains(lb.zones, found.zone) {
			return nil, m.svc.errorf("InvalidConfigurationRequest", "Only one subnet per Availability Zone may be specified")
		}
		lb.subnets, lb.zones, lb.vpcID = append(lb.subnets, id), append(lb.zones, found.zone), found.vpcID
	}
	for _, l := range in.Listeners {
		if l.LoadBalancerPort < 1 || l.LoadBalancerPort > 65535 || l.InstancePort == nil {
			return nil, m.validation("Listener ports must be from 1 to 65535")
		}
		lc := elbtypes.Listener{LoadBalancerPort: l.LoadBalancerPort, InstancePort: aws.Int32(*l.InstancePort), Protocol: aws.String(aws.ToString(l.Protocol))}
		lc.InstanceProtocol = aws.String(aws.ToString(l.InstanceProtocol))
		if l.InstanceProtocol == nil {
			lc.InstanceProtocol = aws.String(aws.ToString(l.Protocol))
		}
		if p := strings.ToUpper(aws.ToString(l.Protocol)); (p == "HTTPS" || p == "SSL") && aws.ToString(l.SSLCertificateId) == "" {
			return nil, m.validation("Secure Listeners need to specify a SSLCertificateId")
		}
		if l.SSLCertificateId != nil {
			if !m.cloud.certUsable(*l.SSLCertificateId, r.now) {
				return nil, m.svc.errorf("CertificateNotFound", "Server Certificate not found for the key: %s", *l.SSLCertificateId)
			}
			lc.SSLCertificateId = aws.String(*l.SSLCertificateId)
		}
		lb.listeners = append(lb.listeners, lc)
	}
	if existing, _ := m.lb(name, r.now); existing != nil {
		// CreateLoadBalancer is idempotent for the same settings (API reference).
		if sameStrings(existing.zones, lb.zones) && existing.scheme == lb.scheme && sameStrings(listenerKeys(existing.listeners), listenerKeys(lb.listeners)) {
			return &elasticloadbalancing.CreateLoadBalancerOutput{DNSName: aws.String(existing.dnsName)}, nil
		}
		return nil, m.svc.errorf("DuplicateLoadBalancerName", "Load Balancer named '%s' already exists and it is configured with different parameters.", name)
	}
	m.seq++
	lb.dnsName = fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, 1000000000+m.seq, m.cloud.opts.Region)
	if lb.scheme == "internal" {
		lb.dnsName = "internal-" + lb.dnsName
	}
	lb.groups = append([]string(nil), in.SecurityGroups...)
	lb.seq = m.seq
	m.lbs = append(m.lbs, lb)
	return &elasticloadbalancing.CreateLoadBalancerOutput{DNSName: aws.String(lb.dnsName)}, nil
}

func (m *classicModel) describeLoadBalancers(r *request, in *elasticloadbalancing.DescribeLoadBalancersInput) (*elasticloadbalancing.DescribeLoadBalancersOutput, error) {
	var list []*classicLB
	if len(in.LoadBalancerNames) > 0 {
		for _, n := range in.LoadBalancerNames {
			lb, err := m.lb(n, r.now)
			if err != nil {
				return nil, m.svc.errorf("LoadBalancerNotFound", "Cannot find Load Balancer %s", n)
			}
			list = append(list, lb)
		}
	} else {
		list = m.lbs
	}
	pg, next, err := pageMarker(m.svc, "DescribeLoadBalancers", list, func(lb *classicLB) string { return seqKey(lb.seq) }, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elasticloadbalancing.DescribeLoadBalancersOutput{LoadBalancerDescriptions: []elbtypes.LoadBalancerDescription{}, NextMarker: next}
	for _, lb := range pg {
		m.advance(lb, r.now)
		d := elbtypes.LoadBalancerDescription{
			LoadBalancerName: aws.String(lb.name), DNSName: aws.String(lb.dnsName), CanonicalHostedZoneName: aws.String(lb.dnsName),
			CanonicalHostedZoneNameID: aws.String(elbHostedZoneID(m.cloud.opts.Region, false)), CreatedTime: aws.Time(lb.created), Scheme: aws.String(lb.scheme),
			AvailabilityZones: append([]string{}, lb.zones...), Subnets: append([]string{}, lb.subnets...),
			SecurityGroups: append([]string{}, lb.groups...), HealthCheck: copyClassicHealthCheck(lb.hc),
			Policies: &elbtypes.Policies{LBCookieStickinessPolicies: append([]elbtypes.LBCookieStickinessPolicy{}, lb.cookiePolicies...)},
		}
		if lb.vpcID != "" {
			d.VPCId = aws.String(lb.vpcID)
		}
		for _, l := range lb.listeners {
			lc := l
			d.ListenerDescriptions = append(d.ListenerDescriptions, elbtypes.ListenerDescription{Listener: &lc, PolicyNames: append([]string{}, lb.listenerPolicies[l.LoadBalancerPort]...)})
		}
		for _, inst := range lb.instances {
			d.Instances = append(d.Instances, elbtypes.Instance{InstanceId: aws.String(inst.id)})
		}
		out.LoadBalancerDescriptions = append(out.LoadBalancerDescriptions, d)
	}
	return out, nil
}

// listenerKeys describes listeners for comparing two CreateLoadBalancer requests.
func listenerKeys(ls []elbtypes.Listener) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = fmt.Sprintf("%s:%d>%s:%d %s", aws.ToString(l.Protocol), l.LoadBalancerPort, aws.ToString(l.InstanceProtocol), aws.ToInt32(l.InstancePort), aws.ToString(l.SSLCertificateId))
	}
	return out
}

// deleteLoadBalancer deletes a Classic Load Balancer; its instances stay as they are. Deleting one
// that does not exist succeeds (API reference, DeleteLoadBalancer).
func (m *classicModel) deleteLoadBalancer(r *request, in *elasticloadbalancing.DeleteLoadBalancerInput) (*elasticloadbalancing.DeleteLoadBalancerOutput, error) {
	name := aws.ToString(in.LoadBalancerName)
	for i, lb := range m.lbs {
		if lb.name == name {
			m.lbs = append(m.lbs[:i:i], m.lbs[i+1:]...)
			break
		}
	}
	return &elasticloadbalancing.DeleteLoadBalancerOutput{}, nil
}

func copyClassicHealthCheck(hc elbtypes.HealthCheck) *elbtypes.HealthCheck {
	return &elbtypes.HealthCheck{
		Target: aws.String(*hc.Target), Interval: aws.Int32(*hc.Interval), Timeout: aws.Int32(*hc.Timeout),
		HealthyThreshold: aws.Int32(*hc.HealthyThreshold), UnhealthyThreshold: aws.Int32(*hc.UnhealthyThreshold),
	}
}

var classicTargetPattern = regexp.MustCompile(`^(TCP|SSL):\d+$|^(HTTP|HTTPS):\d+/.*$`)

func (m *classicModel) configureHealthCheck(r *request, in *elasticloadbalancing.ConfigureHealthCheckInput) (*elasticloadbalancing.ConfigureHealthCheckOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	hc := in.HealthCheck
	if hc == nil || hc.Target == nil || hc.Interval == nil || hc.Timeout == nil || hc.HealthyThreshold == nil || hc.UnhealthyThreshold == nil {
		return nil, m.validation("HealthCheck must specify Target, Interval, Timeout, HealthyThreshold and UnhealthyThreshold")
	}
	// Ranges from the Classic ELB API reference (HealthCheck).
	switch {
	case !classicTargetPattern.MatchString(*hc.Target):
		return nil, m.validation("HealthCheck Target '%s' must be TCP:port, SSL:port, HTTP:port/path or HTTPS:port/path", *hc.Target)
	case *hc.Interval < 5 || *hc.Interval > 300:
		return nil, m.validation("HealthCheck Interval must be from 5 to 300 seconds")
	case *hc.Timeout < 2 || *hc.Timeout > 60:
		return nil, m.validation("HealthCheck Timeout must be from 2 to 60 seconds")
	case *hc.Timeout >= *hc.Interval:
		return nil, m.validation("HealthCheck Timeout must be less than Interval")
	case *hc.HealthyThreshold < 2 || *hc.HealthyThreshold > 10, *hc.UnhealthyThreshold < 2 || *hc.UnhealthyThreshold > 10:
		return nil, m.validation("HealthCheck thresholds must be from 2 to 10")
	}
	m.advance(lb, r.now)
	lb.hc = *copyClassicHealthCheck(*hc)
	return &elasticloadbalancing.ConfigureHealthCheckOutput{HealthCheck: copyClassicHealthCheck(lb.hc)}, nil
}

func (m *classicModel) attributes(lb *classicLB) *elbtypes.LoadBalancerAttributes {
	return &elbtypes.LoadBalancerAttributes{
		ConnectionDraining:     &elbtypes.ConnectionDraining{Enabled: lb.draining, Timeout: aws.Int32(lb.drainTimeout)},
		CrossZoneLoadBalancing: &elbtypes.CrossZoneLoadBalancing{Enabled: lb.crossZone},
		ConnectionSettings:     &elbtypes.ConnectionSettings{IdleTimeout: aws.Int32(lb.idleTimeout)},
		AccessLog:              &elbtypes.AccessLog{Enabled: false},
	}
}

func (m *classicModel) describeAttributes(r *request, in *elasticloadbalancing.DescribeLoadBalancerAttributesInput) (*elasticloadbalancing.DescribeLoadBalancerAttributesOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	return &elasticloadbalancing.DescribeLoadBalancerAttributesOutput{LoadBalancerAttributes: m.attributes(lb)}, nil
}

func (m *classicModel) modifyAttributes(r *request, in *elasticloadbalancing.ModifyLoadBalancerAttributesInput) (*elasticloadbalancing.ModifyLoadBalancerAttributesOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	a := in.LoadBalancerAttributes
	if a == nil {
		return nil, m.validation("LoadBalancerAttributes must be specified")
	}
	if d := a.ConnectionDraining; d != nil && d.Timeout != nil && (*d.Timeout < 1 || *d.Timeout > 3600) {
		return nil, m.validation("ConnectionDraining Timeout must be from 1 to 3600 seconds")
	}
	if s := a.ConnectionSettings; s != nil && (s.IdleTimeout == nil || *s.IdleTimeout < 1 || *s.IdleTimeout > 4000) {
		return nil, m.validation("ConnectionSettings IdleTimeout must be from 1 to 4000 seconds")
	}
	m.advance(lb, r.now)
	if d := a.ConnectionDraining; d != nil {
		lb.draining = d.Enabled
		if d.Timeout != nil {
			lb.drainTimeout = *d.Timeout
		}
	}
	if cz := a.CrossZoneLoadBalancing; cz != nil {
		lb.crossZone = cz.Enabled
	}
	if s := a.ConnectionSettings; s != nil {
		lb.idleTimeout = *s.IdleTimeout
	}
	return &elasticloadbalancing.ModifyLoadBalancerAttributesOutput{LoadBalancerName: aws.String(lb.name), LoadBalancerAttributes: m.attributes(lb)}, nil
}

func (m *classicModel) createLBCookieStickinessPolicy(r *request, in *elasticloadbalancing.CreateLBCookieStickinessPolicyInput) (*elasticloadbalancing.CreateLBCookieStickinessPolicyOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	if name == "" {
		return nil, m.validation("PolicyName must be specified")
	}
	for _, p := range lb.cookiePolicies {
		if aws.ToString(p.PolicyName) == name {
			return nil, m.svc.errorf("DuplicatePolicyName", "Policy name '%s' already exists for load balancer '%s'", name, lb.name)
		}
	}
	p := elbtypes.LBCookieStickinessPolicy{PolicyName: aws.String(name)}
	if in.CookieExpirationPeriod != nil {
		if *in.CookieExpirationPeriod < 1 {
			return nil, m.validation("CookieExpirationPeriod must be a positive number of seconds")
		}
		p.CookieExpirationPeriod = aws.Int64(*in.CookieExpirationPeriod)
	}
	lb.cookiePolicies = append(lb.cookiePolicies, p)
	return &elasticloadbalancing.CreateLBCookieStickinessPolicyOutput{}, nil
}

func (m *classicModel) setListenerPolicies(r *request, in *elasticloadbalancing.SetLoadBalancerPoliciesOfListenerInput) (*elasticloadbalancing.SetLoadBalancerPoliciesOfListenerOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	found := false
	for _, l := range lb.listeners {
		found = found || l.LoadBalancerPort == in.LoadBalancerPort
	}
	if !found {
		return nil, m.svc.errorf("ListenerNotFound", "There is no listener on port %d of load balancer '%s'", in.LoadBalancerPort, lb.name)
	}
	for _, name := range in.PolicyNames {
		ok := false
		for _, p := range lb.cookiePolicies {
			ok = ok || aws.ToString(p.PolicyName) == name
		}
		if !ok {
			return nil, m.svc.errorf("PolicyNotFound", "There is no policy named '%s' for load balancer '%s'", name, lb.name)
		}
	}
	lb.listenerPolicies[in.LoadBalancerPort] = append([]string(nil), in.PolicyNames...)
	return &elasticloadbalancing.SetLoadBalancerPoliciesOfListenerOutput{}, nil
}

func (lb *classicLB) find(id string) *classicInstance {
	for _, inst := range lb.instances {
		if inst.id == id {
			return inst
		}
	}
	return nil
}

func (lb *classicLB) instanceList() []elbtypes.Instance {
	out := []elbtypes.Instance{}
	for _, inst := range lb.instances {
		out = append(out, elbtypes.Instance{InstanceId: aws.String(inst.id)})
	}
	return out
}

func (m *classicModel) registerInstances(r *request, in *elasticloadbalancing.RegisterInstancesWithLoadBalancerInput) (*elasticloadbalancing.RegisterInstancesWithLoadBalancerOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	m.advance(lb, r.now)
	for _, i := range in.Instances {
		id := aws.ToString(i.InstanceId)
		_, vpcID, st, ok := m.cloud.lbInstance(id, r.now)
		if !ok || st != ec2types.InstanceStateNameRunning || (lb.vpcID != "" && vpcID != lb.vpcID) {
			return nil, m.svc.errorf("InvalidInstance", "EC2 instance %s is not in running state or not in the load balancer's VPC.", id)
		}
	}
	for _, i := range in.Instances {
		id := aws.ToString(i.InstanceId)
		if inst := lb.find(id); inst != nil && !inst.deregistering {
			continue
		} else if inst != nil {
			lb.removeInstance(inst)
		}
		lb.instances = append(lb.instances, &classicInstance{id: id, lastCheck: r.now, reasonCode: "ELB", desc: classicRegisteringDescription})
	}
	return &elasticloadbalancing.RegisterInstancesWithLoadBalancerOutput{Instances: lb.instanceList()}, nil
}

func (lb *classicLB) removeInstance(inst *classicInstance) {
	for i, x := range lb.instances {
		if x == inst {
			lb.instances = append(lb.instances[:i:i], lb.instances[i+1:]...)
			return
		}
	}
}

func (m *classicModel) deregisterInstances(r *request, in *elasticloadbalancing.DeregisterInstancesFromLoadBalancerInput) (*elasticloadbalancing.DeregisterInstancesFromLoadBalancerOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	m.advance(lb, r.now)
	for _, i := range in.Instances {
		id := aws.ToString(i.InstanceId)
		inst := lb.find(id)
		if inst == nil {
			return nil, m.svc.errorf("InvalidInstance", "The instance %s is not registered with load balancer %s.", id, lb.name)
		}
		if inst.deregistering {
			continue
		}
		if lb.draining && inst.inService {
			inst.deregistering = true
			inst.drainUntil = r.now.Add(time.Duration(lb.drainTimeout) * time.Second)
			inst.desc = ClassicDrainingDescription
			inst.reasonCode = "N/A"
			continue
		}
		lb.removeInstance(inst)
	}
	return &elasticloadbalancing.DeregisterInstancesFromLoadBalancerOutput{Instances: lb.instanceList()}, nil
}

// advance runs the health checks due up to now and ends finished connection draining.
func (m *classicModel) advance(lb *classicLB, now time.Time) {
	interval := time.Duration(*lb.hc.Interval) * time.Second
	kept := lb.instances[:0]
	for _, inst := range lb.instances {
		if inst.deregistering {
			if now.Before(inst.drainUntil) {
				kept = append(kept, inst)
			}
			continue
		}
		for t := inst.lastCheck.Add(interval); !t.After(now); t = t.Add(interval) {
			inst.lastCheck = t
			m.check(lb, inst, t)
		}
		kept = append(kept, inst)
	}
	lb.instances = kept
}

func (m *classicModel) check(lb *classicLB, inst *classicInstance, t time.Time) {
	zone, _, st, ok := m.cloud.lbInstance(inst.id, t)
	switch {
	case !ok || st != ec2types.InstanceStateNameRunning:
		inst.inService, inst.passes, inst.fails, inst.reasonCode, inst.desc = false, 0, 0, "Instance", classicNotRunningDescription
		return
	case !contains(lb.zones, zone):
		inst.inService, inst.passes, inst.fails, inst.reasonCode, inst.desc = false, 0, 0, "ELB", classicZoneDisabledDescription
		return
	}
	if m.cloud.instanceHealthy(inst.id, t) {
		inst.fails = 0
		inst.passes++
		// Classic ELB puts an instance in service after HealthyThreshold consecutive passes, also a
		// newly registered one.
		if inst.passes >= *lb.hc.HealthyThreshold {
			inst.inService, inst.reasonCode, inst.desc = true, "N/A", "N/A"
		} else if !inst.inService && inst.desc != classicUnhealthyDescription {
			inst.reasonCode, inst.desc = "Instance", classicNotYetHealthy
		}
		return
	}
	inst.passes = 0
	inst.fails++
	if inst.fails >= *lb.hc.UnhealthyThreshold {
		inst.inService, inst.reasonCode, inst.desc = false, "Instance", classicUnhealthyDescription
	}
}

func (m *classicModel) describeInstanceHealth(r *request, in *elasticloadbalancing.DescribeInstanceHealthInput) (*elasticloadbalancing.DescribeInstanceHealthOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	m.advance(lb, r.now)
	list := lb.instances
	if len(in.Instances) > 0 {
		list = nil
		for _, i := range in.Instances {
			inst := lb.find(aws.ToString(i.InstanceId))
			if inst == nil {
				return nil, m.svc.errorf("InvalidInstance", "Could not find EC2 instance %s.", aws.ToString(i.InstanceId))
			}
			list = append(list, inst)
		}
	}
	out := &elasticloadbalancing.DescribeInstanceHealthOutput{InstanceStates: []elbtypes.InstanceState{}}
	for _, inst := range list {
		state := "OutOfService"
		if inst.inService || inst.deregistering {
			state = "InService"
		}
		out.InstanceStates = append(out.InstanceStates, elbtypes.InstanceState{
			InstanceId: aws.String(inst.id), State: aws.String(state), ReasonCode: aws.String(inst.reasonCode), Description: aws.String(inst.desc),
		})
	}
	return out, nil
}

func (m *classicModel) service() *service { return m.svc }

// elb returns the cloud's ServiceELB model.
func (c *Cloud) elb() *classicModel { return modelOf[*classicModel](c, ServiceELB) }
