package awstest

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// asTagRow is one tag of one group, the unit DescribeTags lists and pages.
type asTagRow struct {
	g   *asGroup
	tag asTag
	idx int
}

// describeTags lists group tags as Auto Scaling's DescribeTags does: filters auto-scaling-group,
// key, value and propagate-at-launch (values within a filter are ORed, filters ANDed; at most 5
// filters), MaxRecords 1 to 100 (default 50), NextToken.
func (m *asModel) describeTags(r *request, in *autoscaling.DescribeTagsInput) (*autoscaling.DescribeTagsOutput, error) {
	if len(in.Filters) > 5 {
		return nil, m.validation("1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	for _, f := range in.Filters {
		switch aws.ToString(f.Name) {
		case "auto-scaling-group", "key", "value", "propagate-at-launch":
		default:
			return nil, m.validation("Filter type %s is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch", aws.ToString(f.Name))
		}
	}
	var rows []asTagRow
	for _, g := range m.groups {
		for i, t := range g.tags {
			if asTagMatches(in.Filters, g.name, t) {
				rows = append(rows, asTagRow{g: g, tag: t, idx: i})
			}
		}
	}
	pg, next, err := asPage(m, "DescribeTags", rows, func(x asTagRow) string { return fmt.Sprintf("%s/%04d", seqKey(x.g.seq), x.idx) }, in.MaxRecords, in.NextToken, 50, 100)
	if err != nil {
		return nil, err
	}
	out := &autoscaling.DescribeTagsOutput{Tags: []astypes.TagDescription{}, NextToken: next}
	for _, x := range pg {
		out.Tags = append(out.Tags, astypes.TagDescription{
			ResourceId: aws.String(x.g.name), ResourceType: aws.String("auto-scaling-group"),
			Key: aws.String(x.tag.key), Value: aws.String(x.tag.value), PropagateAtLaunch: aws.Bool(x.tag.propagate),
		})
	}
	return out, nil
}

func asTagMatches(filters []astypes.Filter, group string, t asTag) bool {
	for _, f := range filters {
		var field string
		switch aws.ToString(f.Name) {
		case "auto-scaling-group":
			field = group
		case "key":
			field = t.key
		case "value":
			field = t.value
		case "propagate-at-launch":
			field = strconv.FormatBool(t.propagate)
		}
		if !contains(f.Values, field) {
			return false
		}
	}
	return true
}
