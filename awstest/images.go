package awstest

import (
	"fmt"
	"regexp"
	"time"
)

// Image describes a machine image (AMI) to register with [Cloud.RegisterImage].
type Image struct {
	// ID is the image ID. Empty means a new ami-... ID.
	ID string
	// Name is the image name: 3 to 128 characters of letters, digits and ( ) [ ] . / - ' @ _ or
	// space, unique per owner. Required.
	Name string
	// Description is the image description. Optional.
	Description string
	// OwnerID is the owning account. Empty means the cloud's account.
	OwnerID string
	// OwnerAlias is the owner alias DescribeImages matches with Owners ("amazon",
	// "aws-marketplace"). Empty means none.
	OwnerAlias string
	// CreationDate is when the image was created. Zero means the virtual time of registration.
	CreationDate time.Time
	// Architecture is x86_64 (the default when empty), arm64, i386, x86_64_mac or arm64_mac.
	Architecture string
	// Public makes the image public. Images owned by other accounts are visible to DescribeImages
	// either way, as if shared with the cloud's account.
	Public bool
	// IMDSv2Required marks the image ImdsSupport v2.0: instances launched from it require IMDSv2
	// tokens unless the launch says otherwise, as Amazon Linux 2023 images do.
	IMDSv2Required bool
	// Tags are the image's tags.
	Tags map[string]string
	// DeprecationTime, when not zero, is when the image becomes deprecated: from then on
	// DescribeImages leaves it out unless IncludeDeprecated is set or the caller owns it, and
	// reports its DeprecationTime.
	DeprecationTime time.Time
}

// AmazonOwnerID is the account that owns Amazon's public Linux images.
const AmazonOwnerID = "137112412989"

// DefaultImages returns the public images a new Cloud registers unless Options.NoDefaultImages is
// set: Amazon Linux 2023 for x86_64 and arm64, owned by Amazon, as DescribeImages with Owners
// ["amazon"] and a name filter "al2023-ami-2023.*" finds them in AWS. Each call returns a fresh
// slice, so a caller changing it affects neither other callers nor the clouds New creates.
func DefaultImages() []Image {
	return []Image{
		{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 x86_64 HVM kernel-6.1",
			OwnerID: AmazonOwnerID, OwnerAlias: "amazon", CreationDate: time.Date(2025, 1, 7, 21, 13, 46, 0, time.UTC),
			Architecture: "x86_64", Public: true, IMDSv2Required: true},
		{Name: "al2023-ami-2023.6.20250107.0-kernel-6.1-arm64", Description: "Amazon Linux 2023 AMI 2023.6.20250107.0 arm64 HVM kernel-6.1",
			OwnerID: AmazonOwnerID, OwnerAlias: "amazon", CreationDate: time.Date(2025, 1, 7, 21, 13, 50, 0, time.UTC),
			Architecture: "arm64", Public: true, IMDSv2Required: true},
	}
}

var imageNamePattern = regexp.MustCompile(`^[a-zA-Z0-9()\[\]./\-'@_ ]{3,128}$`)

// RegisterImage adds an image to the catalogue and returns its ID. It panics if the image is
// invalid (the message says why): a test's setup is wrong, not the code under test.
func (c *Cloud) RegisterImage(img Image) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, err := c.ec2().registerImage(img, c.clock.Now())
	if err != nil {
		panic(err.Error())
	}
	return id
}

// image is a registered AMI.
type image struct {
	Image
	tags tags
}

func (e *ec2Model) registerImage(img Image, now time.Time) (string, error) {
	if img.OwnerID == "" {
		img.OwnerID = e.cloud.opts.AccountID
	}
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	if img.CreationDate.IsZero() {
		img.CreationDate = now
	}
	switch img.Architecture {
	case "x86_64", "arm64", "i386", "x86_64_mac", "arm64_mac":
	default:
		return "", fmt.Errorf("awstest: RegisterImage %q: unknown architecture %q", img.Name, img.Architecture)
	}
	if !imageNamePattern.MatchString(img.Name) {
		return "", fmt.Errorf("awstest: RegisterImage: name %q is not 3 to 128 characters of letters, digits and ()[]./-'@_ or space", img.Name)
	}
	if !accountPattern.MatchString(img.OwnerID) {
		return "", fmt.Errorf("awstest: RegisterImage %q: owner %q is not a 12-digit account ID", img.Name, img.OwnerID)
	}
	for _, other := range e.images {
		if other.OwnerID == img.OwnerID && other.Name == img.Name {
			return "", fmt.Errorf("awstest: RegisterImage: owner %s already has an image named %q (%s)", img.OwnerID, img.Name, other.ID)
		}
		if img.ID != "" && other.ID == img.ID {
			return "", fmt.Errorf("awstest: RegisterImage: image ID %s is taken", img.ID)
		}
	}
	if img.ID == "" {
		img.ID = e.newID("ami")
	} else if !regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`).MatchString(img.ID) {
		return "", fmt.Errorf("awstest: RegisterImage %q: ID %q is not ami- and 8 to 17 hex digits", img.Name, img.ID)
	}
	t := tags{}
	for k, v := range img.Tags {
		t[k] = v
	}
	img.Tags = nil
	e.images = append(e.images, &image{Image: img, tags: t})
	return img.ID, nil
}
