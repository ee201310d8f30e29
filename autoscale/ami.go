package autoscale

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
)

// ImageQuery says how to find a machine image. Set exactly one of ID, NamePattern or Parameter.
type ImageQuery struct {
	// ID is an image ID (ami-...): the image must exist and be visible to the account.
	ID string
	// NamePattern is an image name with * and ? wildcards, for example
	// "portal-web-*"; the newest matching image (by creation date) wins. Owners is required
	// with it, so that a look-alike public image of another account is never picked.
	NamePattern string
	// Owners are the account IDs or aliases ("self", "amazon") whose images NamePattern
	// searches.
	Owners []string
	// Architecture, if set, keeps only images of that architecture (x86_64, arm64).
	Architecture string
	// IncludeDeprecated lets NamePattern pick a deprecated image. False (the default) skips
	// images past their deprecation time.
	IncludeDeprecated bool
	// Parameter is a Systems Manager parameter holding an image ID, typically a public one such
	// as "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64". It needs
	// Options.Parameters.
	Parameter string
}

// Image is a resolved machine image.
type Image struct {
	// ID is the image ID.
	ID string
	// Name is the image name.
	Name string
	// CreationDate is when the image was created.
	CreationDate time.Time
	// Source says how it was found: "id", "name" or "parameter <name>".
	Source string
}

// ResolveImage finds the image the query names. When nothing matches, the error matches
// ErrImageNotFound and says what was searched.
func (c *Client) ResolveImage(ctx context.Context, q ImageQuery, optFns ...func(*Options)) (Image, error) {
	o, err := c.options(optFns)
	if err != nil {
		return Image{}, err
	}
	var p check.Problems
	set := 0
	for _, s := range []string{q.ID, q.NamePattern, q.Parameter} {
		if s != "" {
			set++
		}
	}
	p.If(set != 1, "exactly one of ID, NamePattern and Parameter must be set (got %d)", set)
	p.If(q.NamePattern != "" && len(q.Owners) == 0, "NamePattern %q needs Owners (for example \"self\" or an account ID)", q.NamePattern)
	p.If(q.Parameter != "" && o.Parameters == nil, "Parameter %q needs Options.Parameters (a Systems Manager client)", q.Parameter)
	p.If(q.ID != "" && !strings.HasPrefix(q.ID, "ami-"), "ID %q is not an image ID (ami-...)", q.ID)
	if err := p.Err(ErrInvalidSpec); err != nil {
		return Image{}, err
	}
	switch {
	case q.Parameter != "":
		var out *ssm.GetParameterOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			out, err = o.Parameters.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(q.Parameter)})
			return err
		})
		if awserr.IsCode(err, "ParameterNotFound") {
			return Image{}, fmt.Errorf("%w: parameter %s does not exist", ErrImageNotFound, q.Parameter)
		}
		if err != nil {
			return Image{}, fmt.Errorf("autoscale: get parameter %s: %w", q.Parameter, err)
		}
		id := aws.ToString(out.Parameter.Value)
		img, err := c.imageByID(ctx, o, id, "parameter "+q.Parameter)
		if err != nil {
			return Image{}, fmt.Errorf("autoscale: parameter %s names %s: %w", q.Parameter, id, err)
		}
		return img, nil
	case q.ID != "":
		return c.imageByID(ctx, o, q.ID, "id")
	}
	return c.imageByName(ctx, o, q)
}

func (c *Client) imageByID(ctx context.Context, o Options, id, source string) (Image, error) {
	var out *ec2.DescribeImagesOutput
	err := call(ctx, o, nil, func(ctx context.Context) error {
		var err error
		out, err = c.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}, IncludeDeprecated: aws.Bool(true)})
		return err
	})
	if awserr.IsCode(err, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable") || (err == nil && len(out.Images) == 0) {
		return Image{}, fmt.Errorf("%w: image %s does not exist or is not visible to the account", ErrImageNotFound, id)
	}
	if err != nil {
		return Image{}, fmt.Errorf("autoscale: describe image %s: %w", id, err)
	}
	return toImage(out.Images[0], source), nil
}

func (c *Client) imageByName(ctx context.Context, o Options, q ImageQuery) (Image, error) {
	in := &ec2.DescribeImagesInput{
		Owners:  q.Owners,
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{q.NamePattern}}, {Name: aws.String("state"), Values: []string{"available"}}},
	}
	if q.Architecture != "" {
		in.Filters = append(in.Filters, ec2types.Filter{Name: aws.String("architecture"), Values: []string{q.Architecture}})
	}
	if q.IncludeDeprecated {
		in.IncludeDeprecated = aws.Bool(true)
	}
	now := o.Clock.Now()
	var found []ec2types.Image
	paginator := ec2.NewDescribeImagesPaginator(c.ec2, in)
	for paginator.HasMorePages() {
		var page *ec2.DescribeImagesOutput
		err := call(ctx, o, nil, func(ctx context.Context) error {
			var err error
			page, err = paginator.NextPage(ctx)
			return err
		})
		if err != nil {
			return Image{}, fmt.Errorf("autoscale: describe images named %q: %w", q.NamePattern, err)
		}
		for _, img := range page.Images {
			// An account's own deprecated images are listed regardless: skip them here.
			if !q.IncludeDeprecated && deprecated(img, now) {
				continue
			}
			found = append(found, img)
		}
	}
	if len(found) == 0 {
		what := fmt.Sprintf("no image named %q owned by %s", q.NamePattern, strings.Join(q.Owners, ", "))
		if q.Architecture != "" {
			what += " for " + q.Architecture
		}
		if !q.IncludeDeprecated {
			what += " (deprecated images skipped)"
		}
		return Image{}, fmt.Errorf("%w: %s", ErrImageNotFound, what)
	}
	sort.SliceStable(found, func(i, j int) bool { return creation(found[i]).After(creation(found[j])) })
	return toImage(found[0], "name"), nil
}

func deprecated(img ec2types.Image, now time.Time) bool {
	s := aws.ToString(img.DeprecationTime)
	if s == "" {
		return false
	}
	t, err := time.Parse(time.RFC3339, s)
	return err == nil && !now.Before(t)
}

func creation(img ec2types.Image) time.Time {
	t, _ := time.Parse(time.RFC3339, aws.ToString(img.CreationDate))
	return t
}

func toImage(img ec2types.Image, source string) Image {
	return Image{ID: aws.ToString(img.ImageId), Name: aws.ToString(img.Name), CreationDate: creation(img), Source: source}
}
