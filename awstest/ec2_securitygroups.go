package awstest

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// securityGroup is a VPC security group. Rules are kept flat, one per peer, as AWS's security
// group rules are, and grouped into IpPermissions when described.
type securityGroup struct {
	id, name, description, vpcID string
	ingress, egress              []sgRule
	tags                         tags
}

type sgRule struct {
	id, protocol     string
	from, to         int32
	cidr, cidr6      string
	groupID, comment string
}

func (e *ec2Model) registerSecurityGroups() {
	handle(e.svc, "CreateSecurityGroup", e.createSecurityGroup)
	handle(e.svc, "DescribeSecurityGroups", e.describeSecurityGroups)
	handle(e.svc, "AuthorizeSecurityGroupIngress", e.authorizeSecurityGroupIngress)
	handle(e.svc, "DeleteSecurityGroup", e.deleteSecurityGroup)
}

// defaultGroup is the group every VPC starts with: all traffic from members of the group, all
// traffic out.
func (e *ec2Model) defaultGroup(vpcID string) *securityGroup {
	g := &securityGroup{id: e.newID("sg"), name: "default", description: "default VPC security group", vpcID: vpcID, tags: tags{}}
	g.ingress = []sgRule{{id: e.newID("sgr"), protocol: "-1", from: -1, to: -1, groupID: g.id}}
	g.egress = []sgRule{{id: e.newID("sgr"), protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}
	return g
}

func (e *ec2Model) createSecurityGroup(r *request, in *ec2.CreateSecurityGroupInput) (*ec2.CreateSecurityGroupOutput, error) {
	name, desc := aws.ToString(in.GroupName), aws.ToString(in.Description)
	switch {
	case name == "":
		return nil, e.errorf("MissingParameter", "The request must contain the parameter groupName")
	case desc == "":
		return nil, e.errorf("MissingParameter", "The request must contain the parameter groupDescription")
	case len(name) > 255:
		return nil, e.errorf("InvalidParameterValue", "Value for parameter groupName is too long: at most 255 characters")
	case len(desc) > 255:
		return nil, e.errorf("InvalidParameterValue", "Value for parameter groupDescription is too long: at most 255 characters")
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return nil, e.errorf("InvalidParameterValue", "Group names may not be in the format sg-*.")
	case name == "default":
		return nil, e.errorf("InvalidGroup.Reserved", "The security group 'default' is reserved")
	}
	vpcID := aws.ToString(in.VpcId)
	if vpcID == "" {
		vpcID = e.defaultVPC().id
	} else if e.vpc(vpcID) == nil {
		return nil, e.errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpcID)
	}
	if e.groupByName(vpcID, name) != nil {
		return nil, e.errorf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpcID)
	}
	t, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeSecurityGroup, ec2types.ResourceTypeSecurityGroup)
	if err != nil {
		return nil, err
	}
	g := &securityGroup{id: e.newID("sg"), name: name, description: desc, vpcID: vpcID, tags: t}
	g.egress = []sgRule{{id: e.newID("sgr"), protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}
	e.groups = append(e.groups, g)
	return &ec2.CreateSecurityGroupOutput{
		GroupId:          aws.String(g.id),
		SecurityGroupArn: aws.String(fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", e.cloud.opts.Region, e.cloud.opts.AccountID, g.id)),
		Tags:             t.list(),
	}, nil
}

func (e *ec2Model) describeSecurityGroups(r *request, in *ec2.DescribeSecurityGroupsInput) (*ec2.DescribeSecurityGroupsOutput, error) {
	for _, id := range in.GroupIds {
		if !strings.HasPrefix(id, "sg-") {
			return nil, e.errorf("InvalidGroupId.Malformed", "Invalid id: \"%s\" (expecting \"sg-...\")", id)
		}
		if e.group(id) == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
	}
	def := e.defaultVPC()
	for _, name := range in.GroupNames {
		if e.groupByName(def.id, name) == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, def.id)
		}
	}
	var matched []ec2types.SecurityGroup
	for _, g := range e.groups {
		if len(in.GroupIds) > 0 && !contains(in.GroupIds, g.id) {
			continue
		}
		if len(in.GroupNames) > 0 && (g.vpcID != def.id || !contains(in.GroupNames, g.name)) {
			continue
		}
		ok, err := e.matchFilters(in.Filters, g.tags, func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return []string{g.id}, true
			case "group-name":
				return []string{g.name}, true
			case "vpc-id":
				return []string{g.vpcID}, true
			case "description":
				return []string{g.description}, true
			case "owner-id":
				return []string{e.cloud.opts.AccountID}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, e.describeGroup(g))
		}
	}
	groups, next, err := page(e, "DescribeSecurityGroups", matched, func(g ec2types.SecurityGroup) string { return aws.ToString(g.GroupId) }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: append([]ec2types.SecurityGroup{}, groups...), NextToken: next}, nil
}

func (e *ec2Model) describeGroup(g *securityGroup) ec2types.SecurityGroup {
	return ec2types.SecurityGroup{
		GroupId: aws.String(g.id), GroupName: aws.String(g.name), Description: aws.String(g.description),
		VpcId: aws.String(g.vpcID), OwnerId: aws.String(e.cloud.opts.AccountID),
		IpPermissions: e.permissions(g.ingress), IpPermissionsEgress: e.permissions(g.egress),
		SecurityGroupArn: aws.String(fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", e.cloud.opts.Region, e.cloud.opts.AccountID, g.id)),
		Tags:             g.tags.list(),
	}
}

// permissions groups flat rules into IpPermissions by protocol and port range, in rule order.
func (e *ec2Model) permissions(rules []sgRule) []ec2types.IpPermission {
	out := []ec2types.IpPermission{}
	index := map[string]int{}
	for _, r := range rules {
		key := fmt.Sprintf("%s/%d/%d", r.protocol, r.from, r.to)
		i, ok := index[key]
		if !ok {
			p := ec2types.IpPermission{IpProtocol: aws.String(r.protocol), IpRanges: []ec2types.IpRange{},
				Ipv6Ranges: []ec2types.Ipv6Range{}, UserIdGroupPairs: []ec2types.UserIdGroupPair{}, PrefixListIds: []ec2types.PrefixListId{}}
			if r.protocol != "-1" {
				p.FromPort, p.ToPort = aws.Int32(r.from), aws.Int32(r.to)
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		var desc *string
		if r.comment != "" {
			desc = aws.String(r.comment)
		}
		switch {
		case r.cidr != "":
			out[i].IpRanges = append(out[i].IpRanges, ec2types.IpRange{CidrIp: aws.String(r.cidr), Description: desc})
		case r.cidr6 != "":
			out[i].Ipv6Ranges = append(out[i].Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: aws.String(r.cidr6), Description: desc})
		default:
			out[i].UserIdGroupPairs = append(out[i].UserIdGroupPairs, ec2types.UserIdGroupPair{GroupId: aws.String(r.groupID), UserId: aws.String(e.cloud.opts.AccountID), Description: desc})
		}
	}
	return out
}

func (e *ec2Model) authorizeSecurityGroupIngress(r *request, in *ec2.AuthorizeSecurityGroupIngressInput) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	var g *securityGroup
	switch {
	case in.GroupId != nil:
		if g = e.group(*in.GroupId); g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", *in.GroupId)
		}
	case in.GroupName != nil:
		def := e.defaultVPC()
		if g = e.groupByName(def.id, *in.GroupName); g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", *in.GroupName, def.id)
		}
	default:
		return nil, e.errorf("MissingParameter", "The request must contain the parameter groupName or groupId")
	}
	perms := in.IpPermissions
	if in.IpProtocol != nil || in.CidrIp != nil {
		if len(perms) > 0 {
			return nil, e.errorf("InvalidParameterCombination", "The parameter 'ipPermissions' may not be used in combination with 'ipProtocol'")
		}
		perms = []ec2types.IpPermission{{IpProtocol: in.IpProtocol, FromPort: in.FromPort, ToPort: in.ToPort}}
		if in.CidrIp != nil {
			perms[0].IpRanges = []ec2types.IpRange{{CidrIp: in.CidrIp}}
		}
	}
	if len(perms) == 0 {
		return nil, e.errorf("MissingParameter", "No inbound rule given: the request must contain ipPermissions")
	}
	var added []sgRule
	for _, p := range perms {
		rules, err := e.rulesFrom(p)
		if err != nil {
			return nil, err
		}
		for _, nr := range rules {
			for _, old := range append(append([]sgRule(nil), g.ingress...), added...) {
				if old.protocol == nr.protocol && old.from == nr.from && old.to == nr.to && old.cidr == nr.cidr && old.cidr6 == nr.cidr6 && old.groupID == nr.groupID {
					peer := nr.cidr + nr.cidr6 + nr.groupID
					return nil, e.errorf("InvalidPermission.Duplicate", "the specified rule \"peer: %s, %s, from port: %d, to port: %d, ALLOW\" already exists", peer, strings.ToUpper(nr.protocol), nr.from, nr.to)
				}
			}
			nr.id = e.newID("sgr")
			added = append(added, nr)
		}
	}
	g.ingress = append(g.ingress, added...)
	out := &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true)}
	for _, nr := range added {
		rule := ec2types.SecurityGroupRule{
			SecurityGroupRuleId: aws.String(nr.id), GroupId: aws.String(g.id), GroupOwnerId: aws.String(e.cloud.opts.AccountID),
			IsEgress: aws.Bool(false), IpProtocol: aws.String(nr.protocol), FromPort: aws.Int32(nr.from), ToPort: aws.Int32(nr.to),
		}
		if nr.cidr != "" {
			rule.CidrIpv4 = aws.String(nr.cidr)
		}
		if nr.cidr6 != "" {
			rule.CidrIpv6 = aws.String(nr.cidr6)
		}
		if nr.groupID != "" {
			rule.ReferencedGroupInfo = &ec2types.ReferencedSecurityGroup{GroupId: aws.String(nr.groupID), UserId: aws.String(e.cloud.opts.AccountID)}
		}
		if nr.comment != "" {
			rule.Description = aws.String(nr.comment)
		}
		out.SecurityGroupRules = append(out.SecurityGroupRules, rule)
	}
	return out, nil
}

// rulesFrom validates one IpPermission and splits it into flat rules, one per peer.
func (e *ec2Model) rulesFrom(p ec2types.IpPermission) ([]sgRule, error) {
	proto := strings.ToLower(aws.ToString(p.IpProtocol))
	switch proto {
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	}
	from, to := int32(-1), int32(-1)
	switch proto {
	case "":
		return nil, e.errorf("MissingParameter", "The request must contain the parameter ipProtocol")
	case "-1", "all":
		proto = "-1"
	case "tcp", "udp":
		if p.FromPort == nil || p.ToPort == nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
		}
		from, to = *p.FromPort, *p.ToPort
		if from < 0 || to > 65535 || from > to {
			return nil, e.errorf("InvalidParameterValue", "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
		}
	case "icmp":
		from, to = aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort)
	default:
		if n, err := strconv.Atoi(proto); err != nil || n < 0 || n > 255 {
			return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", aws.ToString(p.IpProtocol))
		}
	}
	var out []sgRule
	for _, rg := range p.IpRanges {
		c := aws.ToString(rg.CidrIp)
		if pfx, err := netip.ParsePrefix(c); err != nil || !pfx.Addr().Is4() {
			return nil, e.errorf("InvalidParameterValue", "CIDR block %s is malformed", c)
		}
		out = append(out, sgRule{protocol: proto, from: from, to: to, cidr: c, comment: aws.ToString(rg.Description)})
	}
	for _, rg := range p.Ipv6Ranges {
		c := aws.ToString(rg.CidrIpv6)
		if pfx, err := netip.ParsePrefix(c); err != nil || !pfx.Addr().Is6() {
			return nil, e.errorf("InvalidParameterValue", "CIDR block %s is malformed", c)
		}
		out = append(out, sgRule{protocol: proto, from: from, to: to, cidr6: c, comment: aws.ToString(rg.Description)})
	}
	for _, pair := range p.UserIdGroupPairs {
		id := aws.ToString(pair.GroupId)
		if id == "" && pair.GroupName != nil {
			if g := e.groupByName(e.defaultVPC().id, *pair.GroupName); g != nil {
				id = g.id
			}
		}
		if e.group(id) == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id+aws.ToString(pair.GroupName))
		}
		out = append(out, sgRule{protocol: proto, from: from, to: to, groupID: id, comment: aws.ToString(pair.Description)})
	}
	if len(out) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain at least one of IpRanges, Ipv6Ranges or UserIdGroupPairs")
	}
	return out, nil
}

func (e *ec2Model) deleteSecurityGroup(r *request, in *ec2.DeleteSecurityGroupInput) (*ec2.DeleteSecurityGroupOutput, error) {
	var g *securityGroup
	switch {
	case in.GroupId != nil:
		g = e.group(*in.GroupId)
		if g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", *in.GroupId)
		}
	case in.GroupName != nil:
		if g = e.groupByName(e.defaultVPC().id, *in.GroupName); g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", *in.GroupName, e.defaultVPC().id)
		}
	default:
		return nil, e.errorf("MissingParameter", "The request must contain the parameter groupName or groupId")
	}
	if g.name == "default" {
		return nil, e.errorf("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	for _, i := range e.instances {
		if st, gone := i.state(r.now, e.cloud.opts.EC2); !gone && st != ec2types.InstanceStateNameTerminated && contains(i.groupIDs, g.id) {
			return nil, e.errorf("DependencyViolation", "resource %s has a dependent object", g.id)
		}
	}
	for _, other := range e.groups {
		for _, rule := range other.ingress {
			if other != g && rule.groupID == g.id {
				return nil, e.errorf("DependencyViolation", "resource %s has a dependent object", g.id)
			}
		}
	}
	for i, x := range e.groups {
		if x == g {
			e.groups = append(e.groups[:i:i], e.groups[i+1:]...)
			break
		}
	}
	return &ec2.DeleteSecurityGroupOutput{Return: aws.Bool(true), GroupId: aws.String(g.id)}, nil
}

func (e *ec2Model) group(id string) *securityGroup {
	for _, g := range e.groups {
		if g.id == id {
			return g
		}
	}
	return nil
}

func (e *ec2Model) groupByName(vpcID, name string) *securityGroup {
	for _, g := range e.groups {
		if g.vpcID == vpcID && g.name == name {
			return g
		}
	}
	return nil
}
