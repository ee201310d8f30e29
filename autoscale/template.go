package autoscale

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
	"github.com/portalkit/portalkit/internal/retry"
)

// MaxUserData is EC2's limit on user data, in bytes before base64 encoding.
const MaxUserData = 16 * 1024

// DefaultHopLimit is the IMDS PUT response hop limit templates get when TemplateSpec.HopLimit
// is zero: 1 keeps the IMDSv2 token on the instance itself; containers on it need 2.
const DefaultHopLimit = 1

// TemplateSpec describes one launch template version. Every version requires IMDSv2 tokens
// with an explicit hop limit.
type TemplateSpec struct {
	// Name is the launch template name: 3 to 128 letters, digits and ( ) . / - _. Required.
	Name string
	// ImageID is the machine image (see ResolveImage). Required.
	ImageID string
	// InstanceType, for example "t3.small". Required.
	InstanceType string
	// UserData is the raw user data (a script or cloud-init document), at most MaxUserData
	// bytes; it is base64-encoded for the API. Optional.
	UserData []byte
	// InstanceProfile is the IAM instance profile's name or ARN. Optional.
	InstanceProfile string
	// SecurityGroupIDs are the instances' security groups. Optional.
	SecurityGroupIDs []string
	// KeyName is an EC2 key pair name. Optional.
	KeyName string
	// HopLimit is the IMDS PUT response hop limit, 1 to 64. Zero means DefaultHopLimit.
	HopLimit int32
	// BlockDevices map EBS volumes and instance stores. Optional.
	BlockDevices []BlockDevice
	// Tags go on the template, and on the instances and volumes launched from it.
	Tags map[string]string
	// Description describes the version. Optional; not compared when deciding whether the
	// latest version already matches.
	Description string
}

// BlockDevice is a block device mapping: an EBS volume (VolumeSize set) or an instance store
// (VirtualName set).
type BlockDevice struct {
	// DeviceName, for example "/dev/xvda". Required.
	DeviceName string
	// VirtualName maps an instance store volume, "ephemeral0" to "ephemeral23".
	VirtualName string
	// VolumeSize is the EBS volume size in GiB.
	VolumeSize int32
	// VolumeType is the EBS volume type. Empty means gp3.
	VolumeType string
	// IOPS and Throughput (MiB/s) for gp3, io1 and io2 volumes. Zero means the type's default.
	IOPS, Throughput int32
	// Encrypted encrypts the EBS volume.
	Encrypted bool
	// KeepOnTermination keeps the volume when the instance terminates. False (the default)
	// deletes it.
	KeepOnTermination bool
}

// TemplateVersion identifies a launch template version.
type TemplateVersion struct {
	// TemplateID and TemplateName identify the template.
	TemplateID, TemplateName string
	// Version is the version number.
	Version int64
	// Created reports whether this call created the version (or the template); false means
	// the latest version already matched the spec.
	Created bool
}

// Ref returns the version as a group or refresh references it, with the version number.
func (v TemplateVersion) Ref() TemplateRef {
	return TemplateRef{ID: v.TemplateID, Version: strconv.FormatInt(v.Version, 10)}
}

var (
	templateNameRE = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)
	virtualNameRE  = regexp.MustCompile(`^ephemeral([0-9]|1[0-9]|2[0-3])$`)
)

func (s TemplateSpec) validate() error {
	var p check.Problems
	p.If(!templateNameRE.MatchString(s.Name), "Name %q is not 3 to 128 letters, digits and ( ) . / - _", s.Name)
	p.If(s.ImageID == "", "ImageID is required")
	p.If(s.InstanceType == "", "InstanceType is required")
	p.If(s.HopLimit < 0 || s.HopLimit > 64, "HopLimit %d is outside 1 to 64", s.HopLimit)
	for i, b := range s.BlockDevices {
		p.If(b.DeviceName == "", "BlockDevices[%d].DeviceName is required", i)
		p.If((b.VirtualName == "") == (b.VolumeSize == 0), "BlockDevices[%d] needs exactly one of VolumeSize (EBS) and VirtualName (instance store)", i)
		p.If(b.VirtualName != "" && !virtualNameRE.MatchString(b.VirtualName), "BlockDevices[%d].VirtualName %q is not ephemeral0 to ephemeral23", i, b.VirtualName)
		p.If(b.VolumeSize < 0 || b.VolumeSize > 65536, "BlockDevices[%d].VolumeSize %d GiB is out of range", i, b.VolumeSize)
	}
	p.If(len(s.UserData) > MaxUserData, "UserData is %d bytes, over the %d-byte limit (before base64)", len(s.UserData), MaxUserData)
	return also(p.Err(ErrInvalidSpec), len(s.UserData) > MaxUserData, ErrUserDataTooLarge)
}

// data renders the spec as launch template data.
func (s TemplateSpec) data() *ec2types.RequestLaunchTemplateData {
	hop := s.HopLimit
	if hop == 0 {
		hop = DefaultHopLimit
	}
	d := &ec2types.RequestLaunchTemplateData{
		ImageId:      aws.String(s.ImageID),
		InstanceType: ec2types.InstanceType(s.InstanceType),
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
			HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(hop),
			HttpEndpoint: ec2types.LaunchTemplateInstanceMetadataEndpointStateEnabled,
		},
	}
	if len(s.UserData) > 0 {
		d.UserData = aws.String(base64.StdEncoding.EncodeToString(s.UserData))
	}
	if s.InstanceProfile != "" {
		if len(s.InstanceProfile) > 4 && s.InstanceProfile[:4] == "arn:" {
			d.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Arn: aws.String(s.InstanceProfile)}
		} else {
			d.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(s.InstanceProfile)}
		}
	}
	if len(s.SecurityGroupIDs) > 0 {
		d.SecurityGroupIds = append([]string(nil), s.SecurityGroupIDs...)
	}
	if s.KeyName != "" {
		d.KeyName = aws.String(s.KeyName)
	}
	for _, b := range s.BlockDevices {
		m := ec2types.LaunchTemplateBlockDeviceMappingRequest{DeviceName: aws.String(b.DeviceName)}
		if b.VirtualName != "" {
			m.VirtualName = aws.String(b.VirtualName)
		} else {
			vt := b.VolumeType
			if vt == "" {
				vt = string(ec2types.VolumeTypeGp3)
			}
			m.Ebs = &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(b.VolumeSize), VolumeType: ec2types.VolumeType(vt),
				Encrypted: aws.Bool(b.Encrypted), DeleteOnTermination: aws.Bool(!b.KeepOnTermination)}
			if b.IOPS > 0 {
				m.Ebs.Iops = aws.Int32(b.IOPS)
			}
			if b.Throughput > 0 {
				m.Ebs.Throughput = aws.Int32(b.Throughput)
			}
		}
		d.BlockDeviceMappings = append(d.BlockDeviceMappings, m)
	}
	if len(s.Tags) > 0 {
		tags := sortedTags(s.Tags)
		d.TagSpecifications = []ec2types.LaunchTemplateTagSpecificationRequest{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: tags},
			{ResourceType: ec2types.ResourceTypeVolume, Tags: tags},
		}
	}
	return d
}

func sortedTags(m map[string]string) []ec2types.Tag {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// sameData reports whether a stored version's data is what the spec renders: the stored
// (response) shape is read back into the request shape, so fields EC2 adds are ignored.
func sameData(stored *ec2types.ResponseLaunchTemplateData, want *ec2types.RequestLaunchTemplateData) bool {
	if stored == nil {
		return false
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return false
	}
	var got ec2types.RequestLaunchTemplateData
	if err := json.Unmarshal(raw, &got); err != nil {
		return false
	}
	return reflect.DeepEqual(normalized(&got), normalized(want))
}

// normalized is v as generic JSON without null members, empty lists and empty objects, so that
// values compare equal whether a service leaves an empty field out or sends it empty.
func normalized(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil
	}
	return prune(out)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e = prune(e); e == nil {
				delete(x, k)
			} else {
				x[k] = e
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
		if len(x) == 0 {
			return nil
		}
	}
	return v
}

// EnsureTemplateVersion makes the spec the latest version of the launch template: it creates the
// template when it does not exist, returns the latest version when that already matches the spec
// (no call that creates anything), and adds a numbered version otherwise. The template's
// default version is left alone: reference the returned number (TemplateVersion.Ref).
func (c *Client) EnsureTemplateVersion(ctx context.Context, spec TemplateSpec, optFns ...func(*Options)) (TemplateVersion, error) {
	o, err := c.options(optFns)
	if err != nil {
		return TemplateVersion{}, err
	}
	if err := spec.validate(); err != nil {
		return TemplateVersion{}, err
	}
	data := spec.data()
	var versions *ec2.DescribeLaunchTemplateVersionsOutput
	created := false
	for attempt := 0; ; attempt++ {
		err = call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			versions, err = c.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String(spec.Name), Versions: []string{"$Latest"}})
			return err
		})
		if attempt > 0 || !awserr.IsCode(err, "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound") {
			break
		}
		v, err := c.createTemplate(ctx, o, spec, data)
		if err == nil {
			return v, nil
		}
		// A create whose response was lost and was retried, or a concurrent creator, finds the
		// template: read it back and carry on as for an existing one.
		if !awserr.IsCode(err, "InvalidLaunchTemplateName.AlreadyExistsException") {
			return TemplateVersion{}, err
		}
		created = true
	}
	switch {
	case err != nil:
		return TemplateVersion{}, fmt.Errorf("autoscale: describe launch template %s: %w", spec.Name, err)
	case len(versions.LaunchTemplateVersions) == 0:
		return TemplateVersion{}, fmt.Errorf("autoscale: launch template %s has no latest version", spec.Name)
	}
	latest := versions.LaunchTemplateVersions[0]
	id := aws.ToString(latest.LaunchTemplateId)
	if sameData(latest.LaunchTemplateData, data) {
		return TemplateVersion{TemplateID: id, TemplateName: spec.Name, Version: aws.ToInt64(latest.VersionNumber), Created: created}, nil
	}
	in := &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id), LaunchTemplateData: data,
		ClientToken: aws.String(clientToken("ltv", fmt.Sprint(id, aws.ToInt64(latest.VersionNumber)), data))}
	if spec.Description != "" {
		in.VersionDescription = aws.String(spec.Description)
	}
	var out *ec2.CreateLaunchTemplateVersionOutput
	err = call(ctx, o, retry.Any(retry.Codes("InvalidLaunchTemplateId.NotFound"), retry.InstanceProfileNotPropagated), func(ctx context.Context) error {
		var err error
		out, err = c.ec2.CreateLaunchTemplateVersion(ctx, in)
		return err
	})
	if err != nil {
		return TemplateVersion{}, fmt.Errorf("autoscale: create version of launch template %s: %w", spec.Name, err)
	}
	v := aws.ToInt64(out.LaunchTemplateVersion.VersionNumber)
	o.Logger.Info("autoscale: created launch template version", "name", spec.Name, "version", v)
	return TemplateVersion{TemplateID: id, TemplateName: spec.Name, Version: v, Created: true}, nil
}

// createTemplate creates the template with the spec as its first version.
func (c *Client) createTemplate(ctx context.Context, o Options, spec TemplateSpec, data *ec2types.RequestLaunchTemplateData) (TemplateVersion, error) {
	in := &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(spec.Name), LaunchTemplateData: data, ClientToken: aws.String(clientToken("lt", spec.Name, data))}
	if spec.Description != "" {
		in.VersionDescription = aws.String(spec.Description)
	}
	if len(spec.Tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: sortedTags(spec.Tags)}}
	}
	var out *ec2.CreateLaunchTemplateOutput
	err := call(ctx, o, retry.InstanceProfileNotPropagated, func(ctx context.Context) error {
		var err error
		out, err = c.ec2.CreateLaunchTemplate(ctx, in)
		return err
	})
	if err != nil {
		return TemplateVersion{}, fmt.Errorf("autoscale: create launch template %s: %w", spec.Name, err)
	}
	o.Logger.Info("autoscale: created launch template", "name", spec.Name, "id", aws.ToString(out.LaunchTemplate.LaunchTemplateId))
	return TemplateVersion{TemplateID: aws.ToString(out.LaunchTemplate.LaunchTemplateId), TemplateName: spec.Name, Version: aws.ToInt64(out.LaunchTemplate.LatestVersionNumber), Created: true}, nil
}

// clientToken derives an idempotency token from what a create call makes, so a retried call
// (a lost response) does not create twice.
func clientToken(kind, key string, data any) string {
	raw, _ := json.Marshal(data)
	sum := sha256.Sum256(append([]byte(key+"\x00"), raw...))
	return fmt.Sprintf("pk-%s-%x", kind, sum[:24])
}

// PruneTemplateVersions deletes old versions of the launch template, keeping the newest keep
// versions, the default version, the latest version and every version that the named groups
// use (their launch template, their instances' and their active refresh's). A named group that
// does not exist is an error matching ErrNotFound, before anything is deleted. It returns the
// deleted version numbers.
func (c *Client) PruneTemplateVersions(ctx context.Context, template string, keep int, groups []string, optFns ...func(*Options)) ([]int64, error) {
	o, err := c.options(optFns)
	if err != nil {
		return nil, err
	}
	if keep < 1 {
		return nil, fmt.Errorf("%w: keep %d must be at least 1", ErrInvalidSpec, keep)
	}
	inUse := map[int64]bool{}
	var templateID string
	var all []ec2types.LaunchTemplateVersion
	paginator := ec2.NewDescribeLaunchTemplateVersionsPaginator(c.ec2, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String(template)})
	for paginator.HasMorePages() {
		var page *ec2.DescribeLaunchTemplateVersionsOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			page, err = paginator.NextPage(ctx)
			return err
		})
		if awserr.IsCode(err, "InvalidLaunchTemplateName.NotFoundException") {
			return nil, fmt.Errorf("%w: launch template %s", ErrNotFound, template)
		}
		if err != nil {
			return nil, fmt.Errorf("autoscale: describe versions of %s: %w", template, err)
		}
		all = append(all, page.LaunchTemplateVersions...)
	}
	if len(all) == 0 {
		return nil, nil
	}
	templateID = aws.ToString(all[0].LaunchTemplateId)
	if len(groups) > 0 {
		if err := c.versionsInUse(ctx, o, template, templateID, groups, inUse); err != nil {
			return nil, err
		}
	}
	sort.Slice(all, func(i, j int) bool { return aws.ToInt64(all[i].VersionNumber) > aws.ToInt64(all[j].VersionNumber) })
	var victims []string
	for k, v := range all {
		n := aws.ToInt64(v.VersionNumber)
		if k < keep || aws.ToBool(v.DefaultVersion) || inUse[n] {
			continue
		}
		victims = append(victims, strconv.FormatInt(n, 10))
	}
	if len(victims) == 0 {
		return nil, nil
	}
	var deleted []int64
	for start := 0; start < len(victims); start += 200 {
		batch := victims[start:min(start+200, len(victims))]
		var out *ec2.DeleteLaunchTemplateVersionsOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			out, err = c.ec2.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID), Versions: batch})
			return err
		})
		if err != nil {
			return deleted, fmt.Errorf("autoscale: delete versions of %s: %w", template, err)
		}
		for _, s := range out.SuccessfullyDeletedLaunchTemplateVersions {
			deleted = append(deleted, aws.ToInt64(s.VersionNumber))
		}
		for _, f := range out.UnsuccessfullyDeletedLaunchTemplateVersions {
			if f.ResponseError != nil && f.ResponseError.Code != ec2types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist {
				return deleted, fmt.Errorf("autoscale: delete version %d of %s: %s: %s", aws.ToInt64(f.VersionNumber), template, f.ResponseError.Code, aws.ToString(f.ResponseError.Message))
			}
		}
	}
	return deleted, nil
}

// versionsInUse marks the versions of the template the groups reference.
func (c *Client) versionsInUse(ctx context.Context, o Options, name, id string, groups []string, inUse map[int64]bool) error {
	mark := func(ltID, ltName, version string) {
		if ltID != id && ltName != name {
			return
		}
		if n, err := strconv.ParseInt(version, 10, 64); err == nil {
			inUse[n] = true
		}
	}
	for start := 0; start < len(groups); start += 50 {
		batch := groups[start:min(start+50, len(groups))]
		var out *autoscaling.DescribeAutoScalingGroupsOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			out, err = c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: batch}, o.AutoScalingOptions...)
			return err
		})
		if err != nil {
			return fmt.Errorf("autoscale: describe groups using %s: %w", name, err)
		}
		// A named group that does not exist (a typo, the wrong region) protects nothing: refuse
		// rather than delete a version it may be using.
		var missing []string
		for _, want := range batch {
			if !slices.ContainsFunc(out.AutoScalingGroups, func(g astypes.AutoScalingGroup) bool { return aws.ToString(g.AutoScalingGroupName) == want }) {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: group %s (named to protect the versions of %s it uses); nothing deleted", ErrNotFound, strings.Join(missing, ", "), name)
		}
		for _, g := range out.AutoScalingGroups {
			if lt := g.LaunchTemplate; lt != nil {
				mark(aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.LaunchTemplateName), aws.ToString(lt.Version))
			}
			for _, i := range g.Instances {
				if lt := i.LaunchTemplate; lt != nil {
					mark(aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.LaunchTemplateName), aws.ToString(lt.Version))
				}
			}
			refreshes, err := c.describeRefreshes(ctx, o, aws.ToString(g.AutoScalingGroupName))
			if err != nil {
				return err
			}
			for _, r := range refreshes {
				if active(r.Status) && r.DesiredConfiguration != nil && r.DesiredConfiguration.LaunchTemplate != nil {
					lt := r.DesiredConfiguration.LaunchTemplate
					mark(aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.LaunchTemplateName), aws.ToString(lt.Version))
				}
			}
		}
	}
	return nil
}
