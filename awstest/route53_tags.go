package awstest

import (
	"maps"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// tagsOf returns the tag map of a hosted zone or health check, or an error naming what is missing.
func (m *route53Model) tagsOf(r *request, typ r53types.TagResourceType, id string) (map[string]string, error) {
	switch typ {
	case r53types.TagResourceTypeHostedzone:
		z := m.zone(id)
		if z == nil {
			return nil, m.noSuchZone(id)
		}
		if z.tags == nil {
			z.tags = map[string]string{}
		}
		return z.tags, nil
	case r53types.TagResourceTypeHealthcheck:
		hc := m.healthCheck(id)
		if hc == nil {
			return nil, m.noSuchHealthCheck(id)
		}
		if hc.tags == nil {
			hc.tags = map[string]string{}
		}
		return hc.tags, nil
	}
	return nil, r.unmodeled("tags on %s resources (hostedzone and healthcheck are modeled)", typ)
}

// changeTagsForResource adds and removes tags; Route 53 allows 10 tags per resource.
func (m *route53Model) changeTagsForResource(r *request, in *route53.ChangeTagsForResourceInput) (*route53.ChangeTagsForResourceOutput, error) {
	tags, err := m.tagsOf(r, in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	for k, v := range tags {
		next[k] = v
	}
	for _, k := range in.RemoveTagKeys {
		delete(next, k)
	}
	for _, t := range in.AddTags {
		next[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if len(next) > 10 {
		return nil, m.svc.statusErrorf(http.StatusBadRequest, "InvalidInput", "Invalid request: a resource can have at most 10 tags")
	}
	for k := range tags {
		delete(tags, k)
	}
	for k, v := range next {
		tags[k] = v
	}
	return &route53.ChangeTagsForResourceOutput{}, nil
}

func (m *route53Model) listTagsForResource(r *request, in *route53.ListTagsForResourceInput) (*route53.ListTagsForResourceOutput, error) {
	tags, err := m.tagsOf(r, in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	set := &r53types.ResourceTagSet{ResourceId: in.ResourceId, ResourceType: in.ResourceType, Tags: []r53types.Tag{}}
	keys := slices.Sorted(maps.Keys(tags))
	for _, k := range keys {
		set.Tags = append(set.Tags, r53types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return &route53.ListTagsForResourceOutput{ResourceTagSet: set}, nil
}
