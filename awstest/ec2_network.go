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
	// base is the subnet's first address as an integer, for handing out private IPs.
	base     uint32
	nextHost uint32
	tags     tags
}

func (e *ec2Model) registerNetwork() {
	handle(e.svc, "DescribeAvailabilityZones", e.describeAvailabilityZones)
}

func (e *ec2Model) initNetwork() {
	o := e.cloud.opts
	v := &vpc{id: e.newID("vpc"), cidr: "172.31.0.0/16", isDefault: true, tags: tags{}}
	e.vpcs = append(e.vpcs, v)
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
			base: base, nextHost: 4, tags: tags{}, // AWS reserves the first four addresses
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
