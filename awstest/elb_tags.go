package awstest

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// sortedKeys returns a tag map's keys in order.
func sortedKeys(tags map[string]string) []string {
	keys := slices.Sorted(maps.Keys(tags))
	return keys
}

// describeTags answers ELBv2 DescribeTags for load balancers and target groups (up to 20 ARNs).
func (m *elbv2Model) describeTags(r *request, in *elasticloadbalancingv2.DescribeTagsInput) (*elasticloadbalancingv2.DescribeTagsOutput, error) {
	if len(in.ResourceArns) == 0 || len(in.ResourceArns) > 20 {
		return nil, m.validation("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20 and greater than or equal to 1")
	}
	out := &elasticloadbalancingv2.DescribeTagsOutput{TagDescriptions: []elbv2types.TagDescription{}}
	for _, arn := range in.ResourceArns {
		var tags map[string]string
		switch {
		case strings.Contains(arn, ":targetgroup/"):
			tg, err := m.tg(arn, r.now)
			if err != nil {
				return nil, err
			}
			tags = tg.tags
		case strings.Contains(arn, ":loadbalancer/"):
			lb := m.lb(arn, r.now)
			if lb == nil {
				return nil, m.errorf("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
			}
			tags = lb.tags
		default:
			return nil, r.unmodeled("tags of %s (only load balancers and target groups are modeled)", arn)
		}
		d := elbv2types.TagDescription{ResourceArn: aws.String(arn), Tags: []elbv2types.Tag{}}
		for _, k := range sortedKeys(tags) {
			d.Tags = append(d.Tags, elbv2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}

func classicTags(in []elbtypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range in {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// describeTags answers Classic DescribeTags (up to 20 load balancer names).
func (m *classicModel) describeTags(r *request, in *elasticloadbalancing.DescribeTagsInput) (*elasticloadbalancing.DescribeTagsOutput, error) {
	if len(in.LoadBalancerNames) == 0 || len(in.LoadBalancerNames) > 20 {
		return nil, m.validation("1 validation error detected: Value at 'loadBalancerNames' failed to satisfy constraint: Member must have length less than or equal to 20 and greater than or equal to 1")
	}
	out := &elasticloadbalancing.DescribeTagsOutput{TagDescriptions: []elbtypes.TagDescription{}}
	for _, name := range in.LoadBalancerNames {
		lb, err := m.lb(name, r.now)
		if err != nil {
			return nil, err
		}
		d := elbtypes.TagDescription{LoadBalancerName: aws.String(name), Tags: []elbtypes.Tag{}}
		for _, k := range sortedKeys(lb.tags) {
			d.Tags = append(d.Tags, elbtypes.Tag{Key: aws.String(k), Value: aws.String(lb.tags[k])})
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}
