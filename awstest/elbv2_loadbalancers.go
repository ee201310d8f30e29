package awstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

type loadBalancer struct {
	arn, name, dnsName string
	lbType             elbv2types.LoadBalancerTypeEnum
	scheme             elbv2types.LoadBalancerSchemeEnum
	ipType             elbv2types.IpAddressType
	vpcID              string
	subnets            []*subnet
	securityGroups     []string
	tags               map[string]string
	created, visible   time.Time
	// seq orders load balancers by creation, as listings show them.
	seq uint64
}

func (m *elbv2Model) registerLoadBalancers() {
	handle(m.svc, "CreateLoadBalancer", m.createLoadBalancer)
	handle(m.svc, "DescribeLoadBalancers", m.describeLoadBalancers)
	handle(m.svc, "DeleteLoadBalancer", m.deleteLoadBalancer)
}

// zones returns the load balancer's Availability Zone names.
func (lb *loadBalancer) zones() []string {
	out := make([]string, len(lb.subnets))
	for i, s := range lb.subnets {
		out[i] = s.zone
	}
	return out
}

func (m *elbv2Model) createLoadBalancer(r *request, in *elasticloadbalancingv2.CreateLoadBalancerInput) (*elasticloadbalancingv2.CreateLoadBalancerOutput, error) {
	name := aws.ToString(in.Name)
	if !elbNameOK(name) || strings.HasPrefix(name, "internal-") {
		return nil, m.validation("The load balancer name '%s' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen or beginning with 'internal-'", name)
	}
	typ := in.Type
	if typ == "" {
		typ = elbv2types.LoadBalancerTypeEnumApplication
	}
	if typ != elbv2types.LoadBalancerTypeEnumApplication && typ != elbv2types.LoadBalancerTypeEnumNetwork {
		return nil, r.unmodeled("load balancer type %s (application and network are)", typ)
	}
	scheme := in.Scheme
	if scheme == "" {
		scheme = elbv2types.LoadBalancerSchemeEnumInternetFacing
	}
	ipType := in.IpAddressType
	if ipType == "" {
		ipType = elbv2types.IpAddressTypeIpv4
	}
	ids := append([]string(nil), in.Subnets...)
	for _, sm := range in.SubnetMappings {
		ids = append(ids, aws.ToString(sm.SubnetId))
	}
	subnets, err := m.subnets(ids)
	if err != nil {
		return nil, err
	}
	zones := map[string]bool{}
	for _, s := range subnets {
		if zones[s.zone] {
			return nil, m.errorf("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		zones[s.zone] = true
		if s.vpcID != subnets[0].vpcID {
			return nil, m.errorf("InvalidConfigurationRequest", "The subnets must all belong to the same VPC")
		}
	}
	// An ALB needs two zones; an NLB accepts one (ELB User Guide, "Availability Zones").
	if typ == elbv2types.LoadBalancerTypeEnumApplication && len(zones) < 2 {
		return nil, m.validation("At least two subnets in two different Availability Zones must be specified")
	}
	if len(zones) == 0 {
		return nil, m.validation("At least one subnet must be specified")
	}
	if typ == elbv2types.LoadBalancerTypeEnumApplication && len(in.SecurityGroups) == 0 {
		// AWS uses the VPC's default group; the model records its absence as that.
		in.SecurityGroups = []string{"default"}
	}
	if existing := m.lbByName(name); existing != nil {
		// CreateLoadBalancer is idempotent: the same settings return the existing one.
		if existing.lbType == typ && existing.scheme == scheme && sameStrings(existing.subnetIDs(), ids) {
			return &elasticloadbalancingv2.CreateLoadBalancerOutput{LoadBalancers: []elbv2types.LoadBalancer{m.lbOutput(existing, r.now)}}, nil
		}
		return nil, m.errorf("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", name)
	}
	short := "app"
	if typ == elbv2types.LoadBalancerTypeEnumNetwork {
		short = "net"
	}
	id := m.newHexID()
	dns := fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name, id[:10], m.cloud.opts.Region)
	if scheme == elbv2types.LoadBalancerSchemeEnumInternal {
		dns = "internal-" + dns
	}
	lb := &loadBalancer{
		arn: m.cloud.elbARN(fmt.Sprintf("loadbalancer/%s/%s/%s", short, name, id)), name: name, dnsName: dns,
		lbType: typ, scheme: scheme, ipType: ipType, vpcID: subnets[0].vpcID, subnets: subnets,
		securityGroups: append([]string(nil), in.SecurityGroups...), tags: elbTags(in.Tags),
		created: r.now, visible: m.cloud.visibleFrom(ServiceELBv2, r.now),
	}
	lb.seq = m.seq
	m.lbs = append(m.lbs, lb)
	return &elasticloadbalancingv2.CreateLoadBalancerOutput{LoadBalancers: []elbv2types.LoadBalancer{m.lbOutput(lb, r.now)}}, nil
}

func (lb *loadBalancer) subnetIDs() []string {
	out := make([]string, len(lb.subnets))
	for i, s := range lb.subnets {
		out[i] = s.id
	}
	return out
}

// subnets resolves subnet IDs in the EC2 model.
func (m *elbv2Model) subnets(ids []string) ([]*subnet, error) {
	var out []*subnet
	for _, id := range ids {
		var found *subnet
		for _, s := range m.cloud.ec2().subnets {
			if s.id == id {
				found = s
			}
		}
		if found == nil {
			return nil, m.errorf("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		out = append(out, found)
	}
	return out, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}

func (m *elbv2Model) lbByName(name string) *loadBalancer {
	for _, lb := range m.lbs {
		if lb.name == name {
			return lb
		}
	}
	return nil
}

// lb returns the load balancer with the ARN if it is visible at now.
func (m *elbv2Model) lb(arn string, now time.Time) *loadBalancer {
	for _, lb := range m.lbs {
		if lb.arn == arn && !now.Before(lb.visible) {
			return lb
		}
	}
	return nil
}

func (m *elbv2Model) lbOutput(lb *loadBalancer, now time.Time) elbv2types.LoadBalancer {
	state := elbv2types.LoadBalancerStateEnumActive
	if now.Before(lb.created.Add(LoadBalancerProvisioning)) {
		state = elbv2types.LoadBalancerStateEnumProvisioning
	}
	zone := elbHostedZoneID(m.cloud.opts.Region, lb.lbType == elbv2types.LoadBalancerTypeEnumNetwork)
	out := elbv2types.LoadBalancer{
		LoadBalancerArn: aws.String(lb.arn), LoadBalancerName: aws.String(lb.name), DNSName: aws.String(lb.dnsName),
		CanonicalHostedZoneId: aws.String(zone), CreatedTime: aws.Time(lb.created), Scheme: lb.scheme, Type: lb.lbType,
		IpAddressType: lb.ipType, VpcId: aws.String(lb.vpcID), State: &elbv2types.LoadBalancerState{Code: state},
		SecurityGroups: append([]string(nil), lb.securityGroups...),
	}
	for _, s := range lb.subnets {
		out.AvailabilityZones = append(out.AvailabilityZones, elbv2types.AvailabilityZone{
			SubnetId: aws.String(s.id), ZoneName: aws.String(s.zone), LoadBalancerAddresses: []elbv2types.LoadBalancerAddress{},
		})
	}
	return out
}

func (m *elbv2Model) describeLoadBalancers(r *request, in *elasticloadbalancingv2.DescribeLoadBalancersInput) (*elasticloadbalancingv2.DescribeLoadBalancersOutput, error) {
	if len(in.Names) > 0 && len(in.LoadBalancerArns) > 0 {
		return nil, m.validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	var list []*loadBalancer
	switch {
	case len(in.Names) > 0:
		var missing []string
		for _, n := range in.Names {
			lb := m.lbByName(n)
			if lb == nil || r.now.Before(lb.visible) {
				missing = append(missing, n)
				continue
			}
			list = append(list, lb)
		}
		if len(missing) > 0 {
			return nil, m.errorf("LoadBalancerNotFound", "Load balancers '[%s]' not found", strings.Join(missing, ", "))
		}
	case len(in.LoadBalancerArns) > 0:
		for _, a := range in.LoadBalancerArns {
			lb := m.lb(a, r.now)
			if lb == nil {
				return nil, m.errorf("LoadBalancerNotFound", "One or more load balancers not found")
			}
			list = append(list, lb)
		}
	default:
		for _, lb := range m.lbs {
			if !r.now.Before(lb.visible) {
				list = append(list, lb)
			}
		}
	}
	pg, next, err := pageMarker(m.svc, "DescribeLoadBalancers", list, func(lb *loadBalancer) string { return seqKey(lb.seq) }, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elasticloadbalancingv2.DescribeLoadBalancersOutput{LoadBalancers: []elbv2types.LoadBalancer{}, NextMarker: next}
	for _, lb := range pg {
		out.LoadBalancers = append(out.LoadBalancers, m.lbOutput(lb, r.now))
	}
	return out, nil
}

func (m *elbv2Model) deleteLoadBalancer(r *request, in *elasticloadbalancingv2.DeleteLoadBalancerInput) (*elasticloadbalancingv2.DeleteLoadBalancerOutput, error) {
	arn := aws.ToString(in.LoadBalancerArn)
	// Deleting a load balancer that does not exist succeeds (API reference, DeleteLoadBalancer).
	for i, lb := range m.lbs {
		if lb.arn != arn {
			continue
		}
		m.advanceAll(r.now)
		m.lbs = append(m.lbs[:i:i], m.lbs[i+1:]...)
		kept := m.listeners[:0:0]
		for _, l := range m.listeners {
			if l.lb != lb {
				kept = append(kept, l)
			}
		}
		m.listeners = kept
		break
	}
	return &elasticloadbalancingv2.DeleteLoadBalancerOutput{}, nil
}
