package awstest

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Subnet sizes CreateSubnet accepts for IPv4 (VPC User Guide, "Subnet sizing").
const (
	minSubnetPrefix = 16
	maxSubnetPrefix = 28
)

// createSubnet models CreateSubnet for IPv4 subnets of the account's VPCs (API reference,
// CreateSubnet; errors as EC2 words them): the CIDR must be a /16 to /28 inside the VPC's block
// (InvalidSubnet.Range otherwise) that overlaps no other subnet of the VPC
// (InvalidSubnet.Conflict), in a zone of the region (InvalidParameterValue naming the zones).
// Without a zone EC2 picks one; the model picks the region's first.
func (e *ec2Model) createSubnet(r *request, in *ec2.CreateSubnetInput) (*ec2.CreateSubnetOutput, error) {
	switch {
	case in.Ipv6CidrBlock != nil || aws.ToBool(in.Ipv6Native) || in.Ipv6IpamPoolId != nil:
		return nil, r.unmodeled("IPv6 subnets")
	case in.Ipv4IpamPoolId != nil:
		return nil, r.unmodeled("IPAM pools")
	case in.OutpostArn != nil:
		return nil, r.unmodeled("Outposts")
	}
	v := e.vpc(aws.ToString(in.VpcId))
	if v == nil {
		return nil, e.errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", aws.ToString(in.VpcId))
	}
	cidr := aws.ToString(in.CidrBlock)
	if cidr == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter cidrBlock")
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() {
		return nil, e.errorf("InvalidParameterValue", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	vpcPrefix := netip.MustParsePrefix(v.cidr)
	if prefix.Masked() != prefix || prefix.Bits() < minSubnetPrefix || prefix.Bits() > maxSubnetPrefix ||
		prefix.Bits() < vpcPrefix.Bits() || !vpcPrefix.Contains(prefix.Addr()) {
		return nil, e.errorf("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	for _, other := range e.subnets {
		if other.vpcID == v.id && netip.MustParsePrefix(other.cidr).Overlaps(prefix) {
			return nil, e.errorf("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	zone, err := e.subnetZone(in)
	if err != nil {
		return nil, err
	}
	t, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeSubnet, ec2types.ResourceTypeSubnet)
	if err != nil {
		return nil, err
	}
	addr := prefix.Addr().As4()
	s := &subnet{
		id: e.newID("subnet"), vpcID: v.id, zone: aws.ToString(zone.ZoneName), zoneID: aws.ToString(zone.ZoneId), cidr: cidr,
		base: binary.BigEndian.Uint32(addr[:]), size: 1 << (32 - prefix.Bits()), nextHost: 4, tags: t,
	}
	e.subnets = append(e.subnets, s)
	out := e.subnetOutput(s)
	return &ec2.CreateSubnetOutput{Subnet: &out}, nil
}

// subnetZone resolves CreateSubnet's AvailabilityZone or AvailabilityZoneId.
func (e *ec2Model) subnetZone(in *ec2.CreateSubnetInput) (*ec2types.AvailabilityZone, error) {
	name, id := aws.ToString(in.AvailabilityZone), aws.ToString(in.AvailabilityZoneId)
	if name != "" && id != "" {
		return nil, e.errorf("InvalidParameterCombination", "The parameters 'availabilityZone' and 'availabilityZoneId' cannot be used together")
	}
	names := make([]string, len(e.zones))
	for i, z := range e.zones {
		names[i] = aws.ToString(z.ZoneName)
	}
	for i := range e.zones {
		z := &e.zones[i]
		if (name == "" && id == "") || aws.ToString(z.ZoneName) == name || (id != "" && aws.ToString(z.ZoneId) == id) {
			return z, nil
		}
	}
	param, value := "availabilityZone", name
	if id != "" {
		param, value = "availabilityZoneId", id
	}
	return nil, e.errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.", value, param, strings.Join(names, ", "))
}
