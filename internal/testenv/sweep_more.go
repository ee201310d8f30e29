package testenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
)

// The kinds of resource the newer packages' integration tests create (see the Kind constants in
// sweep.go for the order a sweep deletes them in).
const (
	KindAutoScalingGroup  = "autoscaling group"
	KindLaunchTemplate    = "ec2 launch template"
	KindDBInstance        = "rds db instance"
	KindDBSnapshot        = "rds db snapshot"
	KindDBSubnetGroup     = "rds db subnet group"
	KindHostedZone        = "route53 hosted zone"
	KindHealthCheck       = "route53 health check"
	KindServerCertificate = "iam server certificate"
	KindVolume            = "ec2 volume"
	KindSnapshot          = "ec2 snapshot"
)

// DefaultRDSWait bounds the wait for deleted RDS DB instances to be gone (AWS takes several
// minutes); a sweep that runs out of it reports the instances and their subnet groups as left,
// for a later `make integration-clean CONFIRM=1`.
const DefaultRDSWait = 8 * time.Minute

func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		k, v := kv(t)
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

// autoScalingGroups finds groups by the TagRun tag (DescribeTags with a key filter).
func (s *sweeper) autoScalingGroups(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := autoscaling.NewDescribeTagsPaginator(s.as, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{{Name: aws.String("key"), Values: []string{TagRun}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list auto scaling group tags: %w", err)
		}
		for _, t := range page.Tags {
			if run, ok := s.match(map[string]string{aws.ToString(t.Key): aws.ToString(t.Value)}); ok {
				out = append(out, Leftover{Kind: KindAutoScalingGroup, ID: aws.ToString(t.ResourceId), Run: run})
			}
		}
	}
	return out, nil
}

// launchTemplates, volumes and ec2Snapshots find EC2 resources by a tag-key filter.
func (s *sweeper) launchTemplates(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := ec2.NewDescribeLaunchTemplatesPaginator(s.ec2, &ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{TagRun}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list launch templates: %w", err)
		}
		for _, lt := range page.LaunchTemplates {
			if run, ok := s.match(tagMap(lt.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindLaunchTemplate, ID: aws.ToString(lt.LaunchTemplateId), Run: run})
			}
		}
	}
	return out, nil
}

func (s *sweeper) volumes(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := ec2.NewDescribeVolumesPaginator(s.ec2, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{TagRun}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list volumes: %w", err)
		}
		for _, v := range page.Volumes {
			if run, ok := s.match(tagMap(v.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindVolume, ID: aws.ToString(v.VolumeId), Run: run})
			}
		}
	}
	return out, nil
}

func (s *sweeper) ec2Snapshots(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := ec2.NewDescribeSnapshotsPaginator(s.ec2, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{TagRun}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list snapshots: %w", err)
		}
		for _, sn := range page.Snapshots {
			if run, ok := s.match(tagMap(sn.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindSnapshot, ID: aws.ToString(sn.SnapshotId), Run: run})
			}
		}
	}
	return out, nil
}

// dbInstances and dbSnapshots read the tags the describe calls return; dbSubnetGroups asks
// ListTagsForResource (DescribeDBSubnetGroups returns no tags).
func (s *sweeper) dbInstances(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := rds.NewDescribeDBInstancesPaginator(s.rds, &rds.DescribeDBInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list db instances: %w", err)
		}
		for _, d := range page.DBInstances {
			tags := d.TagList
			if tags == nil { // an endpoint that leaves TagList out
				t, err := s.rds.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: d.DBInstanceArn})
				if awserr.IsNotFound(err) {
					continue
				}
				if err != nil {
					return out, fmt.Errorf("tags of db instance %s: %w", aws.ToString(d.DBInstanceIdentifier), err)
				}
				tags = t.TagList
			}
			m := tagMap(tags, func(t rdsTag) (*string, *string) { return t.Key, t.Value })
			if run, ok := s.match(m); ok {
				out = append(out, Leftover{Kind: KindDBInstance, ID: aws.ToString(d.DBInstanceIdentifier), Run: run})
			}
		}
	}
	return out, nil
}

func (s *sweeper) dbSnapshots(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := rds.NewDescribeDBSnapshotsPaginator(s.rds, &rds.DescribeDBSnapshotsInput{SnapshotType: aws.String("manual")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list db snapshots: %w", err)
		}
		for _, sn := range page.DBSnapshots {
			if run, ok := s.match(tagMap(sn.TagList, func(t rdsTag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindDBSnapshot, ID: aws.ToString(sn.DBSnapshotIdentifier), Run: run})
			}
		}
	}
	return out, nil
}

func (s *sweeper) dbSubnetGroups(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := rds.NewDescribeDBSubnetGroupsPaginator(s.rds, &rds.DescribeDBSubnetGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list db subnet groups: %w", err)
		}
		for _, g := range page.DBSubnetGroups {
			t, err := s.rds.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: g.DBSubnetGroupArn})
			if awserr.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("tags of db subnet group %s: %w", aws.ToString(g.DBSubnetGroupName), err)
			}
			if run, ok := s.match(tagMap(t.TagList, func(t rdsTag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindDBSubnetGroup, ID: aws.ToString(g.DBSubnetGroupName), Run: run})
			}
		}
	}
	return out, nil
}

// hostedZones and healthChecks read Route 53 tags one resource at a time.
func (s *sweeper) hostedZones(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	in := &route53.ListHostedZonesByNameInput{}
	for {
		page, err := s.r53.ListHostedZonesByName(ctx, in)
		if err != nil {
			return out, fmt.Errorf("list hosted zones: %w", err)
		}
		for _, z := range page.HostedZones {
			id := strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/")
			t, err := s.r53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(id)})
			if awserr.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("tags of hosted zone %s: %w", id, err)
			}
			var tags []r53types.Tag
			if t.ResourceTagSet != nil {
				tags = t.ResourceTagSet.Tags
			}
			if run, ok := s.match(tagMap(tags, func(t r53types.Tag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindHostedZone, ID: id, Run: run})
			}
		}
		if !page.IsTruncated {
			return out, nil
		}
		in = &route53.ListHostedZonesByNameInput{DNSName: page.NextDNSName, HostedZoneId: page.NextHostedZoneId}
	}
}

func (s *sweeper) healthChecks(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := route53.NewListHealthChecksPaginator(s.r53, &route53.ListHealthChecksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list health checks: %w", err)
		}
		for _, hc := range page.HealthChecks {
			id := aws.ToString(hc.Id)
			t, err := s.r53.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHealthcheck, ResourceId: aws.String(id)})
			if awserr.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("tags of health check %s: %w", id, err)
			}
			var tags []r53types.Tag
			if t.ResourceTagSet != nil {
				tags = t.ResourceTagSet.Tags
			}
			if run, ok := s.match(tagMap(tags, func(t r53types.Tag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindHealthCheck, ID: id, Run: run})
			}
		}
	}
	return out, nil
}

// serverCertificates finds IAM server certificates by the TagRun tag, or (for those uploaded
// without tags) by a name made with [CloudEnv.Name].
func (s *sweeper) serverCertificates(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := iam.NewListServerCertificatesPaginator(s.iam, &iam.ListServerCertificatesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list server certificates: %w", err)
		}
		for _, c := range page.ServerCertificateMetadataList {
			name := aws.ToString(c.ServerCertificateName)
			if run, ok := s.named(name); ok {
				out = append(out, Leftover{Kind: KindServerCertificate, ID: name, Run: run})
				continue
			}
			t, err := s.iam.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String(name)})
			if awserr.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("tags of server certificate %s: %w", name, err)
			}
			if run, ok := s.match(tagMap(t.Tags, func(t iamTag) (*string, *string) { return t.Key, t.Value })); ok {
				out = append(out, Leftover{Kind: KindServerCertificate, ID: name, Run: run})
			}
		}
	}
	return out, nil
}

// named reports whether a name was made by [CloudEnv.Name] in the sweep's run, and the name.
func (s *sweeper) named(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, NamePrefix+"-")
	return name, ok && (s.o.Run == "" || strings.HasPrefix(rest, s.o.Run+"-"))
}

// retryDelete runs del until it succeeds or reports the resource gone, while busy says the error
// is a dependency AWS releases with time; bounded by MaxWait.
func (s *sweeper) retryDelete(ctx context.Context, what string, del func(context.Context) error, gone, busy func(error) bool) error {
	return s.wait(ctx, what+" deleted", func(ctx context.Context) (poll.Result, error) {
		err := del(ctx)
		if err == nil || gone(err) {
			return poll.Result{Status: poll.Done, State: "deleted"}, nil
		}
		return poll.Result{Status: poll.Pending, State: "in use"}, err
	}, busy)
}

// deleteAutoScalingGroups force-deletes the groups (terminating their instances) and returns a
// wait until they are gone.
func (s *sweeper) deleteAutoScalingGroups(ctx context.Context, names []string) func() error {
	for _, name := range names {
		s.o.Logf("testenv: deleting %s %s", KindAutoScalingGroup, name)
		_, err := s.as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), ForceDelete: aws.Bool(true)})
		if err != nil && !asGone(err) && !awserr.IsCode(err, "ScalingActivityInProgress") { // already being deleted
			s.fail(fmt.Errorf("delete auto scaling group %s: %w", name, err))
		}
	}
	return func() error {
		if len(names) == 0 {
			return nil
		}
		return s.wait(ctx, fmt.Sprintf("%d auto scaling group(s) deleted", len(names)), func(ctx context.Context) (poll.Result, error) {
			out, err := s.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names})
			if err != nil {
				return poll.Result{}, err
			}
			if len(out.AutoScalingGroups) == 0 {
				return poll.Result{Status: poll.Done, State: "gone"}, nil
			}
			return poll.Result{Status: poll.Pending, State: fmt.Sprintf("%d deleting", len(out.AutoScalingGroups))}, nil
		}, nil)
	}
}

// asGone: Auto Scaling reports a missing group as a ValidationError naming it.
func asGone(err error) bool {
	return awserr.IsCode(err, "ValidationError") && strings.Contains(strings.ToLower(err.Error()), "not found")
}

// deleteDBInstances turns deletion protection off (RDS takes that only from an available
// instance: it waits for that, bounded) and deletes each instance without a final snapshot; it
// returns a wait until they are gone, bounded by DefaultRDSWait.
func (s *sweeper) deleteDBInstances(ctx context.Context, ids []string) func() error {
	for _, id := range ids {
		s.o.Logf("testenv: deleting %s %s", KindDBInstance, id)
		err := s.wait(ctx, "db instance "+id+" deletion started", func(ctx context.Context) (poll.Result, error) {
			out, err := s.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
			if awserr.IsCode(err, "DBInstanceNotFound") {
				return poll.Result{Status: poll.Done, State: "gone"}, nil
			}
			if err != nil || len(out.DBInstances) == 0 {
				return poll.Result{}, err
			}
			db := out.DBInstances[0]
			status := aws.ToString(db.DBInstanceStatus)
			switch {
			case status == "deleting":
				return poll.Result{Status: poll.Done, State: status}, nil
			case aws.ToBool(db.DeletionProtection) && status != "available":
				return poll.Result{Status: poll.Pending, State: status + ", deletion protection on"}, nil
			case aws.ToBool(db.DeletionProtection):
				_, err := s.rds.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(id), DeletionProtection: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
				return poll.Result{Status: poll.Pending, State: "deletion protection turned off"}, err
			}
			_, err = s.rds.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(id), SkipFinalSnapshot: aws.Bool(true)})
			if err != nil {
				return poll.Result{Status: poll.Pending, State: status}, err
			}
			return poll.Result{Status: poll.Done, State: "deleting"}, nil
		}, func(err error) bool { return awserr.IsCode(err, "InvalidDBInstanceState") })
		if err != nil {
			s.fail(err)
		}
	}
	return func() error {
		if len(ids) == 0 {
			return nil
		}
		var left []string
		_, err := poll.Wait(ctx, func(ctx context.Context) (poll.Result, error) {
			left = left[:0]
			for _, id := range ids {
				_, err := s.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
				if awserr.IsCode(err, "DBInstanceNotFound") {
					continue
				}
				if err != nil {
					return poll.Result{}, err
				}
				left = append(left, id)
			}
			if len(left) == 0 {
				return poll.Result{Status: poll.Done, State: "gone"}, nil
			}
			return poll.Result{Status: poll.Pending, State: strings.Join(left, ", ") + " deleting"}, nil
		}, poll.Options{What: fmt.Sprintf("%d db instance(s) deleted", len(ids)), Package: "testenv", MinDelay: 5 * time.Second, MaxDelay: 30 * time.Second,
			MaxWait: s.o.RDSWait, Clock: s.o.Clock})
		if err != nil {
			return fmt.Errorf("%w (left, still deleting: %s; run make integration-clean CONFIRM=1 later for them and their subnet groups)", err, strings.Join(left, ", "))
		}
		return nil
	}
}

func (s *sweeper) deleteDBSnapshot(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindDBSnapshot, id)
	return s.retryDelete(ctx, "db snapshot "+id, func(ctx context.Context) error {
		_, err := s.rds.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: aws.String(id)})
		return err
	}, func(err error) bool { return awserr.IsCode(err, "DBSnapshotNotFound") },
		func(err error) bool { return awserr.IsCode(err, "InvalidDBSnapshotState") }) // still creating
}

func (s *sweeper) deleteDBSubnetGroup(ctx context.Context, name string) error {
	s.o.Logf("testenv: deleting %s %s", KindDBSubnetGroup, name)
	_, err := s.rds.DeleteDBSubnetGroup(ctx, &rds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(name)})
	if err != nil && !awserr.IsCode(err, "DBSubnetGroupNotFoundFault") {
		return fmt.Errorf("delete db subnet group %s: %w", name, err)
	}
	return nil
}

// deleteHostedZone deletes every record but the apex SOA and NS, then the zone.
func (s *sweeper) deleteHostedZone(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindHostedZone, id)
	z, err := s.r53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(id)})
	if awserr.IsCode(err, "NoSuchHostedZone") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get hosted zone %s: %w", id, err)
	}
	apex := strings.TrimSuffix(aws.ToString(z.HostedZone.Name), ".") + "."
	var changes []r53types.Change
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)}
	for {
		page, err := s.r53.ListResourceRecordSets(ctx, in)
		if err != nil {
			return fmt.Errorf("list records of hosted zone %s: %w", id, err)
		}
		for _, rr := range page.ResourceRecordSets {
			if (rr.Type == r53types.RRTypeSoa || rr.Type == r53types.RRTypeNs) && aws.ToString(rr.Name) == apex {
				continue
			}
			changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr})
		}
		if !page.IsTruncated {
			break
		}
		in = &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: page.NextRecordName,
			StartRecordType: page.NextRecordType, StartRecordIdentifier: page.NextRecordIdentifier}
	}
	for len(changes) > 0 {
		n := min(100, len(changes))
		if _, err := s.r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(id),
			ChangeBatch: &r53types.ChangeBatch{Changes: changes[:n]}}); err != nil {
			return fmt.Errorf("delete records of hosted zone %s: %w", id, err)
		}
		changes = changes[n:]
	}
	if _, err := s.r53.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(id)}); err != nil && !awserr.IsCode(err, "NoSuchHostedZone") {
		return fmt.Errorf("delete hosted zone %s: %w", id, err)
	}
	return nil
}

func (s *sweeper) deleteHealthCheck(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindHealthCheck, id)
	return s.retryDelete(ctx, "health check "+id, func(ctx context.Context) error {
		_, err := s.r53.DeleteHealthCheck(ctx, &route53.DeleteHealthCheckInput{HealthCheckId: aws.String(id)})
		return err
	}, func(err error) bool { return awserr.IsCode(err, "NoSuchHealthCheck") },
		func(err error) bool { return awserr.IsCode(err, "HealthCheckInUse") })
}

func (s *sweeper) deleteServerCertificate(ctx context.Context, name string) error {
	s.o.Logf("testenv: deleting %s %s", KindServerCertificate, name)
	return s.retryDelete(ctx, "server certificate "+name, func(ctx context.Context) error {
		_, err := s.iam.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String(name)})
		return err
	}, func(err error) bool { return awserr.IsCode(err, "NoSuchEntity") },
		func(err error) bool { return awserr.IsCode(err, "DeleteConflict") }) // a deleting load balancer still uses it
}

func (s *sweeper) deleteLaunchTemplate(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindLaunchTemplate, id)
	_, err := s.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id)})
	if err != nil && !awserr.IsCode(err, "InvalidLaunchTemplateId.NotFound") {
		return fmt.Errorf("delete launch template %s: %w", id, err)
	}
	return nil
}

func (s *sweeper) deleteEC2Snapshot(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindSnapshot, id)
	_, err := s.ec2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
	if err != nil && !awserr.IsCode(err, "InvalidSnapshot.NotFound") {
		return fmt.Errorf("delete snapshot %s: %w", id, err)
	}
	return nil
}

func (s *sweeper) deleteVolume(ctx context.Context, id string) error {
	s.o.Logf("testenv: deleting %s %s", KindVolume, id)
	return s.retryDelete(ctx, "volume "+id, func(ctx context.Context) error {
		_, err := s.ec2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)})
		return err
	}, func(err error) bool { return awserr.IsCode(err, "InvalidVolume.NotFound") },
		func(err error) bool { return awserr.IsCode(err, "VolumeInUse", "IncorrectState") }) // attached, or still creating
}
