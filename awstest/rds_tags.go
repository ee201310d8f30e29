package awstest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// listTagsForResource returns the tags of a DB instance, manual DB snapshot or DB subnet group by
// ARN, as RDS's ListTagsForResource does; a missing resource fails with its kind's not-found code.
// Other resource kinds (parameter groups, clusters, ...) and Filters are not modeled.
func (m *rdsModel) listTagsForResource(r *request, in *rds.ListTagsForResourceInput) (*rds.ListTagsForResourceOutput, error) {
	if len(in.Filters) > 0 {
		return nil, r.unmodeled("ListTagsForResource Filters")
	}
	arn := aws.ToString(in.ResourceName)
	prefix := m.arn("", "")
	rest, ok := strings.CutPrefix(arn, strings.TrimSuffix(prefix, ":"))
	kind, name, ok2 := strings.Cut(strings.TrimPrefix(rest, ":"), ":")
	if !ok || !ok2 || name == "" {
		return nil, m.fail("InvalidParameterValue", "Invalid resource name: %s", arn)
	}
	var tags []rdstypes.Tag
	switch kind {
	case "db":
		d := m.instance(name, r.now)
		if d == nil || d.arn != arn {
			return nil, m.fail("DBInstanceNotFound", "DBInstance %s not found.", name)
		}
		tags = d.tags
	case "snapshot":
		s := m.snapshot(name)
		if s == nil || s.arn != arn {
			return nil, m.fail("DBSnapshotNotFound", "DBSnapshot %s not found.", name)
		}
		tags = s.tags
	case "subgrp":
		g := m.group(name)
		if g == nil || g.arn != arn {
			return nil, m.fail("DBSubnetGroupNotFoundFault", "DBSubnetGroup %s not found.", name)
		}
		tags = g.tags
	default:
		return nil, r.unmodeled("ListTagsForResource on %s resources (db, snapshot and subgrp are modeled)", kind)
	}
	return &rds.ListTagsForResourceOutput{TagList: append([]rdstypes.Tag{}, copyRDSTags(tags)...)}, nil
}
