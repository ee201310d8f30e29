package awstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// launchSpec is a launch after the launch template and the request have been merged: what
// RunInstances (and, later, an Auto Scaling model) asks EC2 to start.
type launchSpec struct {
	imageID, instanceType, keyName, userData string
	subnetID, zone                           string
	groupIDs, groupNames                     []string
	profile                                  *ec2types.IamInstanceProfileSpecification
	httpTokens                               ec2types.HttpTokensState
	hopLimit                                 int32
	tags                                     tags
	monitoring, noTerminate                  bool
	template                                 *launchTemplate
	version                                  *ltVersion
}

// defaultInstanceType is what EC2 launches when neither the request nor the template names a type.
const defaultInstanceType = "m1.small"

func (e *ec2Model) runInstances(r *request, in *ec2.RunInstancesInput) (*ec2.RunInstancesOutput, error) {
	e.expire(r.now)
	minCount, maxCount := aws.ToInt32(in.MinCount), aws.ToInt32(in.MaxCount)
	if minCount < 1 {
		return nil, e.errorf("InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Expected a positive integer.", minCount)
	}
	if maxCount < minCount {
		return nil, e.errorf("InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount (%d).", maxCount, minCount)
	}
	token := aws.ToString(in.ClientToken)
	if len(token) > 64 {
		return nil, e.errorf("InvalidParameterValue", "Value for parameter clientToken is too long: at most 64 characters")
	}
	if rec, ok := e.byToken[token]; ok && token != "" {
		if rec.fingerprint != fingerprint(in) {
			return nil, e.errorf("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
		}
		return e.replay(rec, r.now), nil
	}
	spec, err := e.specFromRequest(in)
	if err != nil {
		return nil, err
	}
	launched, err := e.launch(r.now, spec, int(maxCount), token)
	if err != nil {
		return nil, err
	}
	out := &ec2.RunInstancesOutput{ReservationId: aws.String(launched[0].reservationID), OwnerId: aws.String(e.cloud.opts.AccountID), Groups: []ec2types.GroupIdentifier{}}
	rec := &runRecord{fingerprint: fingerprint(in)}
	for _, i := range launched {
		out.Instances = append(out.Instances, e.describeInstance(i, r.now))
		rec.ids = append(rec.ids, i.id)
	}
	if token != "" {
		e.byToken[token] = rec
	}
	return out, nil
}

// replay answers a repeated RunInstances with the instances the first one launched.
func (e *ec2Model) replay(rec *runRecord, now time.Time) *ec2.RunInstancesOutput {
	out := &ec2.RunInstancesOutput{OwnerId: aws.String(e.cloud.opts.AccountID), Groups: []ec2types.GroupIdentifier{}}
	for _, id := range rec.ids {
		if i := e.instance(id); i != nil {
			out.ReservationId = aws.String(i.reservationID)
			out.Instances = append(out.Instances, e.describeInstance(i, now))
		}
	}
	return out
}

// specFromRequest merges the launch template version (if any) with the request; the request's
// fields win.
func (e *ec2Model) specFromRequest(in *ec2.RunInstancesInput) (launchSpec, error) {
	var spec launchSpec
	if lts := in.LaunchTemplate; lts != nil {
		lt, err := e.findTemplate(lts.LaunchTemplateId, lts.LaunchTemplateName)
		if err != nil {
			return spec, err
		}
		v, err := e.templateVersion(lt, aws.ToString(lts.Version))
		if err != nil {
			return spec, err
		}
		if spec, err = e.specFromTemplate(lt, v); err != nil {
			return spec, err
		}
	}
	if in.ImageId != nil {
		spec.imageID = *in.ImageId
	}
	if in.InstanceType != "" {
		spec.instanceType = string(in.InstanceType)
	}
	if in.KeyName != nil {
		spec.keyName = *in.KeyName
	}
	if in.UserData != nil {
		spec.userData = *in.UserData
	}
	if len(in.NetworkInterfaces) > 0 && (in.SubnetId != nil || len(in.SecurityGroupIds) > 0) {
		return spec, e.errorf("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request")
	}
	if in.SubnetId != nil {
		spec.subnetID = *in.SubnetId
	}
	if len(in.NetworkInterfaces) > 0 {
		spec.subnetID = aws.ToString(in.NetworkInterfaces[0].SubnetId)
		spec.groupIDs = append([]string(nil), in.NetworkInterfaces[0].Groups...)
	}
	if in.Placement != nil && in.Placement.AvailabilityZone != nil {
		spec.zone = *in.Placement.AvailabilityZone
	}
	if len(in.SecurityGroupIds) > 0 {
		spec.groupIDs = append([]string(nil), in.SecurityGroupIds...)
	}
	if len(in.SecurityGroups) > 0 {
		spec.groupNames = append([]string(nil), in.SecurityGroups...)
	}
	if p := in.IamInstanceProfile; p != nil {
		spec.profile = &ec2types.IamInstanceProfileSpecification{Arn: copyString(p.Arn), Name: copyString(p.Name)}
	}
	if m := in.MetadataOptions; m != nil {
		if m.HttpTokens != "" {
			spec.httpTokens = ec2types.HttpTokensState(m.HttpTokens)
		}
		if m.HttpPutResponseHopLimit != nil {
			spec.hopLimit = *m.HttpPutResponseHopLimit
		}
	}
	if in.Monitoring != nil {
		spec.monitoring = aws.ToBool(in.Monitoring.Enabled)
	}
	if in.DisableApiTermination != nil {
		spec.noTerminate = *in.DisableApiTermination
	}
	reqTags, err := e.tagsFor(in.TagSpecifications, ec2types.ResourceTypeInstance, ec2types.ResourceTypeInstance,
		ec2types.ResourceTypeVolume, ec2types.ResourceTypeNetworkInterface, ec2types.ResourceTypeSpotInstancesRequest)
	if err != nil {
		return spec, err
	}
	if spec.tags == nil {
		spec.tags = tags{}
	}
	for k, v := range reqTags {
		spec.tags[k] = v
	}
	return spec, nil
}

// specFromTemplate reads a launch template version's data into a launch spec.
func (e *ec2Model) specFromTemplate(lt *launchTemplate, v *ltVersion) (launchSpec, error) {
	d := v.data
	spec := launchSpec{
		imageID: aws.ToString(d.ImageId), instanceType: string(d.InstanceType), keyName: aws.ToString(d.KeyName),
		userData: aws.ToString(d.UserData), groupIDs: append([]string(nil), d.SecurityGroupIds...),
		groupNames: append([]string(nil), d.SecurityGroups...), template: lt, version: v, tags: tags{},
		noTerminate: aws.ToBool(d.DisableApiTermination),
	}
	if d.Placement != nil {
		spec.zone = aws.ToString(d.Placement.AvailabilityZone)
	}
	if len(d.NetworkInterfaces) > 0 {
		spec.subnetID = aws.ToString(d.NetworkInterfaces[0].SubnetId)
		if len(d.NetworkInterfaces[0].Groups) > 0 {
			spec.groupIDs = append([]string(nil), d.NetworkInterfaces[0].Groups...)
		}
	}
	if p := d.IamInstanceProfile; p != nil {
		spec.profile = &ec2types.IamInstanceProfileSpecification{Arn: copyString(p.Arn), Name: copyString(p.Name)}
	}
	if m := d.MetadataOptions; m != nil {
		spec.httpTokens = ec2types.HttpTokensState(m.HttpTokens)
		spec.hopLimit = aws.ToInt32(m.HttpPutResponseHopLimit)
	}
	if d.Monitoring != nil {
		spec.monitoring = aws.ToBool(d.Monitoring.Enabled)
	}
	for _, ts := range d.TagSpecifications {
		if ts.ResourceType == ec2types.ResourceTypeInstance {
			if err := e.applyTags(spec.tags, ts.Tags); err != nil {
				return spec, err
			}
		}
	}
	return spec, nil
}

// launch validates a spec and starts count instances in one reservation, pending at now. It is the
// entry point for other models that launch instances.
func (e *ec2Model) launch(now time.Time, spec launchSpec, count int, token string) ([]*instance, error) {
	if spec.imageID == "" {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter ImageId")
	}
	if !amiIDPattern.MatchString(spec.imageID) {
		return nil, e.errorf("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", spec.imageID)
	}
	img := e.image(spec.imageID)
	if img == nil {
		return nil, e.errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", spec.imageID)
	}
	if spec.instanceType == "" {
		spec.instanceType = defaultInstanceType
	}
	if !instanceTypeRE.MatchString(spec.instanceType) {
		return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", spec.instanceType)
	}
	if spec.userData != "" {
		if err := e.checkUserData(spec.userData); err != nil {
			return nil, err
		}
	}
	switch spec.httpTokens {
	case "", ec2types.HttpTokensStateOptional, ec2types.HttpTokensStateRequired:
	default:
		return nil, e.errorf("InvalidParameterValue", "Invalid value '%s' for HttpTokens. Valid values: optional, required", spec.httpTokens)
	}
	if spec.hopLimit != 0 && (spec.hopLimit < 1 || spec.hopLimit > 64) {
		return nil, e.errorf("InvalidParameterValue", "Invalid value '%d' for HttpPutResponseHopLimit. Valid values: 1 to 64", spec.hopLimit)
	}
	sn, err := e.placement(now, spec, count)
	if err != nil {
		return nil, err
	}
	groups, err := e.launchGroups(spec, sn)
	if err != nil {
		return nil, err
	}
	meta := ec2types.InstanceMetadataOptionsResponse{
		State: ec2types.InstanceMetadataOptionsStateApplied, HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled,
		HttpTokens: ec2types.HttpTokensStateOptional, HttpPutResponseHopLimit: aws.Int32(1),
		HttpProtocolIpv6: ec2types.InstanceMetadataProtocolStateDisabled, InstanceMetadataTags: ec2types.InstanceMetadataTagsStateDisabled,
	}
	if img.IMDSv2Required { // ImdsSupport v2.0 images default to tokens required and hop limit 2
		meta.HttpTokens, meta.HttpPutResponseHopLimit = ec2types.HttpTokensStateRequired, aws.Int32(2)
	}
	if spec.httpTokens != "" {
		meta.HttpTokens = spec.httpTokens
	}
	if spec.hopLimit != 0 {
		meta.HttpPutResponseHopLimit = aws.Int32(spec.hopLimit)
	}
	var profile *ec2types.IamInstanceProfile
	if p := spec.profile; p != nil {
		arn := aws.ToString(p.Arn)
		if arn == "" {
			arn = fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", e.cloud.opts.AccountID, aws.ToString(p.Name))
		}
		profile = &ec2types.IamInstanceProfile{Arn: aws.String(arn), Id: aws.String(strings.ToUpper("AIPA" + e.newID("ip")[3:]))}
	}
	reservationID := e.newID("r")
	visibleAt := e.cloud.visibleFrom(ServiceEC2, now)
	var out []*instance
	for n := range count {
		i := &instance{
			id: e.newID("i"), reservationID: reservationID, imageID: img.ID, instanceType: spec.instanceType,
			keyName: spec.keyName, architecture: img.Architecture, zone: sn.zone, subnetID: sn.id, vpcID: sn.vpcID,
			privateIP: sn.allocateIP(), groupIDs: groups, launched: now, visibleAt: visibleAt, launchIndex: int32(n),
			tags: spec.tags.clone(), userData: spec.userData, clientToken: token, profile: profile, metadata: meta,
			monitoring: spec.monitoring, noTerminate: spec.noTerminate,
		}
		if sn.mapPublicIP {
			seq := e.seq["public-ip"] + 1
			e.seq["public-ip"] = seq
			i.publicIP = fmt.Sprintf("3.%d.%d.%d", 80+seq>>16&0xff, seq>>8&0xff, seq&0xff)
		}
		// AWS tags instances launched from a template with the template and version.
		if spec.template != nil {
			i.tags["aws:ec2launchtemplate:id"] = spec.template.id
			i.tags["aws:ec2launchtemplate:version"] = versionRef(spec.version)
		}
		out = append(out, i)
	}
	e.instances = append(e.instances, out...)
	return out, nil
}

// placement picks the subnet: the requested one, the default subnet of the requested zone, or of
// the next healthy zone in rotation, and fails with InsufficientInstanceCapacity in a failed zone.
func (e *ec2Model) placement(now time.Time, spec launchSpec, count int) (*subnet, error) {
	var sn *subnet
	switch {
	case spec.subnetID != "":
		if sn = e.subnet(spec.subnetID); sn == nil {
			return nil, e.errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", spec.subnetID)
		}
		if spec.zone != "" && spec.zone != sn.zone {
			return nil, e.errorf("InvalidParameterValue", "The subnet '%s' is in Availability Zone %s, not %s", sn.id, sn.zone, spec.zone)
		}
	case spec.zone != "":
		if e.zone(spec.zone) == nil {
			return nil, e.errorf("InvalidParameterValue", "Invalid availability zone: [%s]", spec.zone)
		}
		sn = e.defaultSubnet(spec.zone)
	default:
		zones := e.cloud.opts.Zones
		zone := zones[e.nextZone%len(zones)]
		for k := range zones {
			z := zones[(e.nextZone+k)%len(zones)]
			if !e.cloud.zoneFailed(z, now) {
				zone = z
				e.nextZone = (e.nextZone + k + 1) % len(zones)
				break
			}
		}
		sn = e.defaultSubnet(zone)
	}
	if e.cloud.zoneFailed(sn.zone, now) {
		return nil, e.capacityError(now, spec.instanceType, sn.zone)
	}
	if int(4091-(sn.nextHost-4)) < count {
		return nil, e.errorf("InsufficientFreeAddressesInSubnet", "The specified subnet %s does not have enough free addresses to satisfy the request.", sn.id)
	}
	return sn, nil
}

// capacityError is EC2's InsufficientInstanceCapacity (HTTP 500) for a launch in zone. EC2 names
// the zones that have capacity; when none has, the message ends after its second sentence, as in
// the Auto Scaling activity AWS Batch documents: "We currently do not have sufficient p3dn.24xlarge
// capacity in the Availability Zone you requested (us-west-2c). Our system will be working on
// provisioning additional capacity."
func (e *ec2Model) capacityError(now time.Time, instanceType, zone string) error {
	msg := fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity.", instanceType, zone)
	var others []string
	for _, z := range e.cloud.opts.Zones {
		if !e.cloud.zoneFailed(z, now) {
			others = append(others, z)
		}
	}
	if len(others) > 0 {
		msg += fmt.Sprintf(" You can currently get %s capacity by not specifying an Availability Zone in your request or choosing %s.", instanceType, strings.Join(others, ", "))
	}
	return e.svc.statusErrorf(statusForCode("InsufficientInstanceCapacity"), "InsufficientInstanceCapacity", "%s", msg)
}

// launchGroups resolves the security groups of a launch in the subnet's VPC; none means the VPC's
// default group.
func (e *ec2Model) launchGroups(spec launchSpec, sn *subnet) ([]string, error) {
	var ids []string
	for _, id := range spec.groupIDs {
		g := e.group(id)
		if g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, sn.vpcID)
		}
		if g.vpcID != sn.vpcID {
			return nil, e.errorf("InvalidParameter", "Security group %s and subnet %s belong to different networks.", id, sn.id)
		}
		ids = append(ids, id)
	}
	for _, name := range spec.groupNames {
		g := e.groupByName(sn.vpcID, name)
		if g == nil {
			return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, sn.vpcID)
		}
		if !contains(ids, g.id) {
			ids = append(ids, g.id)
		}
	}
	if len(ids) == 0 {
		ids = []string{e.groupByName(sn.vpcID, "default").id}
	}
	return ids, nil
}

func copyString(s *string) *string {
	if s == nil {
		return nil
	}
	return aws.String(*s)
}
