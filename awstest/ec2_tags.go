package awstest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func (e *ec2Model) registerTags() {
	handle(e.svc, "CreateTags", e.createTags)
	handle(e.svc, "DeleteTags", e.deleteTags)
}

// resourceTags finds the tag set of any taggable resource the model knows, failing with the
// resource type's NotFound code as EC2 does.
func (e *ec2Model) resourceTags(id string, r *request) (tags, error) {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "i":
		found, err := e.lookup([]string{id}, r.now)
		if err != nil {
			return nil, err
		}
		return found[0].tags, nil
	case "sg":
		if g := e.group(id); g != nil {
			return g.tags, nil
		}
		return nil, e.errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	case "subnet":
		if s := e.subnet(id); s != nil {
			return s.tags, nil
		}
		return nil, e.errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	case "vpc":
		if v := e.vpc(id); v != nil {
			return v.tags, nil
		}
		return nil, e.errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	case "ami":
		if img := e.image(id); img != nil {
			return img.tags, nil
		}
		return nil, e.errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
	case "vol":
		if v := e.volume(id); v != nil {
			return v.tags, nil
		}
		return nil, e.volumeNotFound(id)
	case "snap":
		if s := e.snapshot(id); s != nil {
			return s.tags, nil
		}
		return nil, e.snapshotNotFound(id)
	case "lt":
		lt, err := e.findTemplate(aws.String(id), nil)
		if err != nil {
			return nil, err
		}
		return lt.tags, nil
	}
	return nil, e.errorf("InvalidID", "The ID '%s' is not valid", id)
}

func (e *ec2Model) createTags(r *request, in *ec2.CreateTagsInput) (*ec2.CreateTagsOutput, error) {
	e.expire(r.now)
	if len(in.Resources) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	if len(in.Tags) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter tagSet")
	}
	if err := e.validateTags(in.Tags); err != nil {
		return nil, err
	}
	// Check every resource before changing any, so a failed call changes nothing.
	var sets []tags
	for _, id := range in.Resources {
		t, err := e.resourceTags(id, r)
		if err != nil {
			return nil, err
		}
		probe := t.clone()
		if err := e.applyTags(probe, in.Tags); err != nil {
			return nil, err
		}
		sets = append(sets, t)
	}
	for _, t := range sets {
		for _, tag := range in.Tags {
			t[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (e *ec2Model) deleteTags(r *request, in *ec2.DeleteTagsInput) (*ec2.DeleteTagsOutput, error) {
	e.expire(r.now)
	if len(in.Resources) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter resourceIdSet")
	}
	var sets []tags
	for _, id := range in.Resources {
		t, err := e.resourceTags(id, r)
		if err != nil {
			return nil, err
		}
		sets = append(sets, t)
	}
	for _, t := range sets {
		if len(in.Tags) == 0 { // no tags named: delete every user tag
			for k := range t {
				if !strings.HasPrefix(k, "aws:") {
					delete(t, k)
				}
			}
			continue
		}
		for _, tag := range in.Tags {
			k := aws.ToString(tag.Key)
			if tag.Value == nil || t[k] == *tag.Value {
				delete(t, k)
			}
		}
	}
	return &ec2.DeleteTagsOutput{}, nil
}
