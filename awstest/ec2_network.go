package awstest

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// vpc and subnet model the default VPC (172.31.0.0/16) with one default /20 subnet per zone, as a
// new AWS account has.
type vpc struct {
	id, cidr  string
	isDefault bool
	tags      tags
}

type subnet struct {
	id, vpcID, zone, zoneID, cidr string
	defaultForAz, mapPublicIP     bool
	// base is the subnet's first address as an integer, for handing out private IPs; size is
	// its number of addresses.
	base, size uint32
	nextHost   uint32
	tags       tags
}

func (e *ec2Model) registerNetwork() {
	handle(e.svc, "DescribeAvailabilityZones", e.describeAvailabilityZones)
	handle(e.svc, "DescribeVpcs", e.describeVpcs)
	handle(e.svc, "DescribeSubnets", e.describeSubnets)
	handle(e.svc, "CreateSubnet", e.createSubnet)
}

func (e *ec2Model) initNetwork() {
	o := e.cloud.opts
	v := &vpc{id: e.newID("vpc"), cidr: "172.31.0.0/16", isDefault: true, tags: tags{}}
	e.vpcs = append(e.vpcs, v)
	e.groups = append(e.groups, e.defaultGroup(v.id))
	for i, z := range o.Zones {
		zoneID := fmt.Sprintf("%s-az%d", regionShort(o.Region), i+1)
		e.zones = append(e.zones, ec2types.AvailabilityZone{
			ZoneName: aws.String(z), ZoneId: aws.String(zoneID), RegionName: aws.String(o.Region),
			State: ec2types.AvailabilityZoneStateAvailable, ZoneType: aws.String("availability-zone"),
			OptInStatus: ec2types.AvailabilityZoneOptInStatusOptInNotRequired, GroupName: aws.String(o.Region),
			NetworkBorderGroup: aws.String(o.Region), Messages: []ec2types.AvailabilityZoneMessage{},
		})
		base := uint32(172)<<24 | uint32(31)<<16 | uint32(i*16)<<8
		e.subnets = append(e.subnets, &subnet{
			id: e.newID("subnet"), vpcID: v.id, zone: z, zoneID: zoneID,
			cidr: fmt.Sprintf("172.31.%d.0/20", i*16), defaultForAz: true, mapPublicIP: true,
			base: base, size: 1 << 12, nextHost: 4, tags: tags{}, // AWS reserves the first four addresses
		})
	}
}

// regionShort abbreviates a region for zone IDs: us-east-1 -> use1, eu-west-2 -> euw2.
func regionShort(region string) string {
	var out []byte
	parts := strings.Split(region, "-")
	for i, p := range parts {
		if i == 0 {
			out = append(out, p...)
		} else if len(p) > 0 {
			out = append(out, p[0])
		}
	}
	return string(out)
}

func (e *ec2Model) describeAvailabilityZones(r *request, in *ec2.DescribeAvailabilityZonesInput) (*ec2.DescribeAvailabilityZonesOutput, error) {
	for _, name := range in.ZoneNames {
		if e.zone(name) == nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid availability zone: [%s]", name)
		}
	}
	out := &ec2.DescribeAvailabilityZonesOutput{AvailabilityZones: []ec2types.AvailabilityZone{}}
	for _, z := range e.zones {
		if len(in.ZoneNames) > 0 && !contains(in.ZoneNames, *z.ZoneName) {
			continue
		}
		if len(in.ZoneIds) > 0 && !contains(in.ZoneIds, *z.ZoneId) {
			continue
		}
		ok, err := e.matchFilters(in.Filters, nil, func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return []string{*z.ZoneName}, true
			case "zone-id":
				return []string{*z.ZoneId}, true
			case "region-name":
				return []string{*z.RegionName}, true
			case "state":
				return []string{string(z.State)}, true
			case "zone-type":
				return []string{*z.ZoneType}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			zc := z
			zc.ZoneName, zc.ZoneId, zc.RegionName = aws.String(*z.ZoneName), aws.String(*z.ZoneId), aws.String(*z.RegionName)
			out.AvailabilityZones = append(out.AvailabilityZones, zc)
		}
	}
	return out, nil
}

func (e *ec2Model) zone(name string) *ec2types.AvailabilityZone {
	for i := range e.zones {
		if *e.zones[i].ZoneName == name {
			return &e.zones[i]
		}
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (e *ec2Model) describeVpcs(r *request, in *ec2.DescribeVpcsInput) (*ec2.DescribeVpcsOutput, error) {
	for _, id := range in.VpcIds {
		if e.vpc(id) == nil {
			return nil, e.errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		}
	}
	out := &ec2.DescribeVpcsOutput{Vpcs: []ec2types.Vpc{}}
	for _, v := range e.vpcs {
		if len(in.VpcIds) > 0 && !contains(in.VpcIds, v.id) {
			continue
		}
		ok, err := e.matchFilters(in.Filters, v.tags, func(name string) ([]string, bool) {
			switch name {
			case "vpc-id":
				return []string{v.id}, true
			case "is-default":
				return []string{boolString(v.isDefault)}, true
			case "cidr", "cidr-block-association.cidr-block":
				return []string{v.cidr}, true
			case "state":
				return []string{string(ec2types.VpcStateAvailable)}, true
			case "owner-id":
				return []string{e.cloud.opts.AccountID}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out.Vpcs = append(out.Vpcs, ec2types.Vpc{
				VpcId: aws.String(v.id), CidrBlock: aws.String(v.cidr), IsDefault: aws.Bool(v.isDefault),
				State: ec2types.VpcStateAvailable, OwnerId: aws.String(e.cloud.opts.AccountID),
				InstanceTenancy: ec2types.TenancyDefault, DhcpOptionsId: aws.String("default"),
				CidrBlockAssociationSet: []ec2types.VpcCidrBlockAssociation{{
					AssociationId: aws.String(v.id + "-cidr-assoc"), CidrBlock: aws.String(v.cidr),
					CidrBlockState: &ec2types.VpcCidrBlockState{State: ec2types.VpcCidrBlockStateCodeAssociated},
				}},
				Tags: v.tags.list(),
			})
		}
	}
	var err error
	out.Vpcs, out.NextToken, err = page(e, "DescribeVpcs", out.Vpcs, func(v ec2types.Vpc) string { return aws.ToString(v.VpcId) }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *ec2Model) describeSubnets(r *request, in *ec2.DescribeSubnetsInput) (*ec2.DescribeSubnetsOutput, error) {
	for _, id := range in.SubnetIds {
		if e.subnet(id) == nil {
			return nil, e.errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
	}
	out := &ec2.DescribeSubnetsOutput{Subnets: []ec2types.Subnet{}}
	for _, s := range e.subnets {
		if len(in.SubnetIds) > 0 && !contains(in.SubnetIds, s.id) {
			continue
		}
		ok, err := e.matchFilters(in.Filters, s.tags, func(name string) ([]string, bool) {
			switch name {
			case "subnet-id":
				return []string{s.id}, true
			case "vpc-id":
				return []string{s.vpcID}, true
			case "availability-zone", "availabilityZone":
				return []string{s.zone}, true
			case "availability-zone-id", "availabilityZoneId":
				return []string{s.zoneID}, true
			case "default-for-az", "defaultForAz":
				return []string{boolString(s.defaultForAz)}, true
			case "cidr-block", "cidr", "cidrBlock":
				return []string{s.cidr}, true
			case "map-public-ip-on-launch":
				return []string{boolString(s.mapPublicIP)}, true
			case "state":
				return []string{string(ec2types.SubnetStateAvailable)}, true
			case "owner-id":
				return []string{e.cloud.opts.AccountID}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out.Subnets = append(out.Subnets, e.subnetOutput(s))
		}
	}
	var err error
	out.Subnets, out.NextToken, err = page(e, "DescribeSubnets", out.Subnets, func(s ec2types.Subnet) string { return aws.ToString(s.SubnetId) }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *ec2Model) vpc(id string) *vpc {
	for _, v := range e.vpcs {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (e *ec2Model) defaultVPC() *vpc {
	for _, v := range e.vpcs {
		if v.isDefault {
			return v
		}
	}
	return nil
}

func (e *ec2Model) subnet(id string) *subnet {
	for _, s := range e.subnets {
		if s.id == id {
			return s
		}
	}
	return nil
}

// defaultSubnet returns the default subnet of a zone.
func (e *ec2Model) defaultSubnet(zone string) *subnet {
	for _, s := range e.subnets {
		if s.zone == zone && s.defaultForAz {
			return s
		}
	}
	return nil
}

// allocateIP hands out the subnet's next private address.
func (s *subnet) allocateIP() string {
	ip := s.base + s.nextHost
	s.nextHost++
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&0xff, ip>>8&0xff, ip&0xff)
}

// subnetOutput is the API's view of a subnet. AWS reserves the first four addresses and the
// last one of every subnet.
func (e *ec2Model) subnetOutput(s *subnet) ec2types.Subnet {
	return ec2types.Subnet{
		SubnetId: aws.String(s.id), VpcId: aws.String(s.vpcID), AvailabilityZone: aws.String(s.zone),
		AvailabilityZoneId: aws.String(s.zoneID), CidrBlock: aws.String(s.cidr), DefaultForAz: aws.Bool(s.defaultForAz),
		MapPublicIpOnLaunch: aws.Bool(s.mapPublicIP), State: ec2types.SubnetStateAvailable,
		AvailableIpAddressCount: aws.Int32(int32(s.size - 5 - (s.nextHost - 4))), OwnerId: aws.String(e.cloud.opts.AccountID),
		SubnetArn: aws.String(fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", e.cloud.opts.Region, e.cloud.opts.AccountID, s.id)),
		Tags:      s.tags.list(),
	}
}
