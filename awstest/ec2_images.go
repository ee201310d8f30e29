package awstest

import (
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

var amiIDPattern = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)

func (e *ec2Model) registerImages() {
	handle(e.svc, "DescribeImages", e.describeImages)
}

// describeImages lists images. Owners takes account IDs, "self" and owner aliases ("amazon");
// filters include name with wildcards, owner-id, owner-alias, architecture, state and tags.
func (e *ec2Model) describeImages(r *request, in *ec2.DescribeImagesInput) (*ec2.DescribeImagesOutput, error) {
	if len(in.ImageIds) > 0 && in.MaxResults != nil {
		return nil, e.errorf("InvalidParameterCombination", "The parameter imageIdsSet cannot be used with the parameter maxResults")
	}
	var missing []string
	for _, id := range in.ImageIds {
		if !amiIDPattern.MatchString(id) {
			return nil, e.errorf("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
		}
		if e.image(id) == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		if len(missing) == 1 {
			return nil, e.errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", missing[0])
		}
		return nil, e.errorf("InvalidAMIID.NotFound", "The image ids '[%s]' do not exist", strings.Join(missing, ", "))
	}
	for _, o := range in.Owners {
		if o != "self" && o != "amazon" && o != "aws-marketplace" && o != "aws-backup-vault" && !accountPattern.MatchString(o) {
			return nil, e.errorf("InvalidUserID.Malformed", "Invalid user id: \"%s\"", o)
		}
	}
	var matched []ec2types.Image
	for _, img := range e.images {
		if len(in.ImageIds) > 0 && !contains(in.ImageIds, img.ID) {
			continue
		}
		if len(in.Owners) > 0 && !e.ownedBy(img, in.Owners) {
			continue
		}
		// Deprecated images are listed only when asked for, by ID, or to their owner.
		if !img.DeprecationTime.IsZero() && !r.now.Before(img.DeprecationTime) && !aws.ToBool(in.IncludeDeprecated) &&
			len(in.ImageIds) == 0 && img.OwnerID != e.cloud.opts.AccountID {
			continue
		}
		ok, err := e.matchFilters(in.Filters, img.tags, func(name string) ([]string, bool) {
			switch name {
			case "name":
				return []string{img.Name}, true
			case "image-id":
				return []string{img.ID}, true
			case "owner-id":
				return []string{img.OwnerID}, true
			case "owner-alias":
				return []string{img.OwnerAlias}, true
			case "architecture":
				return []string{img.Architecture}, true
			case "state":
				return []string{string(ec2types.ImageStateAvailable)}, true
			case "is-public":
				return []string{boolString(img.Public)}, true
			case "description":
				return []string{img.Description}, true
			case "image-type":
				return []string{string(ec2types.ImageTypeValuesMachine)}, true
			case "root-device-type":
				return []string{string(ec2types.DeviceTypeEbs)}, true
			case "virtualization-type":
				return []string{string(ec2types.VirtualizationTypeHvm)}, true
			case "platform-details":
				return []string{"Linux/UNIX"}, true
			case "creation-date":
				return []string{isoTime(img.CreationDate)}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, e.describeImage(img))
		}
	}
	images, next, err := page(e, "DescribeImages", matched, func(i ec2types.Image) string { return aws.ToString(i.ImageId) }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeImagesOutput{Images: append([]ec2types.Image{}, images...), NextToken: next}, nil
}

func (e *ec2Model) ownedBy(img *image, owners []string) bool {
	for _, o := range owners {
		switch {
		case o == "self" && img.OwnerID == e.cloud.opts.AccountID,
			o == img.OwnerID,
			img.OwnerAlias != "" && o == img.OwnerAlias:
			return true
		}
	}
	return false
}

func (e *ec2Model) describeImage(img *image) ec2types.Image {
	out := ec2types.Image{
		ImageId: aws.String(img.ID), Name: aws.String(img.Name), OwnerId: aws.String(img.OwnerID),
		CreationDate: aws.String(isoTime(img.CreationDate)), Architecture: ec2types.ArchitectureValues(img.Architecture),
		State: ec2types.ImageStateAvailable, Public: aws.Bool(img.Public), ImageType: ec2types.ImageTypeValuesMachine,
		RootDeviceType: ec2types.DeviceTypeEbs, RootDeviceName: aws.String("/dev/xvda"), VirtualizationType: ec2types.VirtualizationTypeHvm,
		Hypervisor: ec2types.HypervisorTypeXen, PlatformDetails: aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"),
		EnaSupport: aws.Bool(true), BootMode: ec2types.BootModeValuesUefiPreferred,
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{
			VolumeSize: aws.Int32(8), VolumeType: ec2types.VolumeTypeGp3, DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false),
		}}},
		Tags: img.tags.list(),
	}
	if img.Description != "" {
		out.Description = aws.String(img.Description)
	}
	if img.OwnerAlias != "" {
		out.ImageOwnerAlias = aws.String(img.OwnerAlias)
	}
	if img.IMDSv2Required {
		out.ImdsSupport = ec2types.ImdsSupportValuesV20
	}
	if !img.DeprecationTime.IsZero() {
		out.DeprecationTime = aws.String(isoTime(img.DeprecationTime))
	}
	return out
}

func (e *ec2Model) image(id string) *image {
	for _, img := range e.images {
		if img.ID == id {
			return img
		}
	}
	return nil
}

// isoTime formats a time as EC2 does in string fields such as Image.CreationDate.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
