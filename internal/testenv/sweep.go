package testenv

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
)

// Kinds of resource a sweep finds (with those in sweep_more.go); kindOrder is the order a sweep
// lists and deletes them in.
const (
	KindLoadBalancer        = "elbv2 load balancer"
	KindClassicLoadBalancer = "classic load balancer"
	KindTargetGroup         = "elbv2 target group"
	KindInstance            = "ec2 instance"
	KindCertificate         = "acm certificate"
	KindBucket              = "s3 bucket"
)

// DefaultSweepWait bounds each wait of a sweep (load balancers gone, target groups and
// certificates no longer in use, instances terminated).
const DefaultSweepWait = 4 * time.Minute

// Leftover is one resource a sweep found.
type Leftover struct {
	// Kind is one of the Kind constants.
	Kind string
	// ID is the resource's ARN, name or instance ID.
	ID string
	// Run is the resource's TagRun value (for a bucket, its name).
	Run string
}

func (l Leftover) String() string { return fmt.Sprintf("%s %s (run %s)", l.Kind, l.ID, l.Run) }

// SweepOptions configure [Sweep].
type SweepOptions struct {
	// Run selects the resources whose TagRun value is Run or a scope of it (Run plus "-N"), and
	// the buckets named "pkit-<Run>-...". Empty selects every integration run's resources.
	Run string
	// Delete deletes what the sweep finds. False only lists it.
	Delete bool
	// Clock is the time source for the waits. Nil means clock.Real.
	Clock clock.Clock
	// MaxWait bounds each wait. Zero means DefaultSweepWait.
	MaxWait time.Duration
	// RDSWait bounds the wait for deleted RDS DB instances to be gone. Zero means DefaultRDSWait.
	RDSWait time.Duration
	// Logf, if not nil, is told what the sweep deletes.
	Logf func(format string, args ...any)
}

// Sweep finds what integration tests left behind, by the TagRun tag (S3 buckets and untagged
// IAM server certificates by their NamePrefix name), and with Delete deletes it in dependency
// order: Auto Scaling groups force-deleted (terminating their instances), ALBs and NLBs (which
// takes their listeners and rules with them) and Classic load balancers, instances terminated,
// RDS DB instances (deletion protection turned off, no final snapshot); then, once the groups and
// load balancers are gone, target groups, imported ACM certificates and IAM server certificates
// (retried while AWS still reports them in use), Route 53 hosted zones (their records but the
// apex SOA and NS first) and health checks, launch templates, manual DB snapshots, EBS snapshots
// and volumes, emptied buckets (every object version); last, the waits until the DB instances
// are gone (bounded by RDSWait; their subnet groups go after them) and the instances terminated.
// Every other wait is bounded by MaxWait. It returns what it found (sorted), and every error it
// met; what a wait ran out of time for is named in the error, for a later sweep.
//
// Services the endpoint does not offer (EnvServices) are not listed. A new package's integration
// tests that create other kinds of resource add a lister and a deleter here, in dependency order.
func Sweep(ctx context.Context, cfg aws.Config, o SweepOptions) ([]Leftover, error) {
	if o.Clock == nil {
		o.Clock = clock.Real
	}
	if o.MaxWait == 0 {
		o.MaxWait = DefaultSweepWait
	}
	if o.RDSWait == 0 {
		o.RDSWait = DefaultRDSWait
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	s := &sweeper{o: o, elbv2: elasticloadbalancingv2.NewFromConfig(cfg), classic: elasticloadbalancing.NewFromConfig(cfg),
		ec2: ec2.NewFromConfig(cfg), acm: acm.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		as: autoscaling.NewFromConfig(cfg), rds: rds.NewFromConfig(cfg), r53: route53.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
	var found []Leftover
	var errs []error
	for _, l := range []struct {
		service string
		list    func(context.Context) ([]Leftover, error)
	}{
		{"autoscaling", s.autoScalingGroups}, {"elbv2", s.loadBalancers}, {"elb", s.classicLoadBalancers}, {"elbv2", s.targetGroups},
		{"ec2", s.instances}, {"rds", s.dbInstances}, {"acm", s.certificates}, {"iam", s.serverCertificates},
		{"route53", s.hostedZones}, {"route53", s.healthChecks}, {"ec2", s.launchTemplates}, {"rds", s.dbSnapshots},
		{"rds", s.dbSubnetGroups}, {"ec2", s.ec2Snapshots}, {"ec2", s.volumes}, {"s3", s.buckets},
	} {
		if !Offers(l.service) {
			continue
		}
		l, err := l.list(ctx)
		found = append(found, l...)
		errs = append(errs, err)
	}
	sort.SliceStable(found, func(i, j int) bool { return kindOrder(found[i].Kind) < kindOrder(found[j].Kind) })
	if !o.Delete || len(found) == 0 {
		return found, errors.Join(errs...)
	}
	errs = append(errs, s.delete(ctx, found))
	return found, errors.Join(errs...)
}

func kindOrder(k string) int {
	for i, kind := range []string{KindAutoScalingGroup, KindLoadBalancer, KindClassicLoadBalancer, KindTargetGroup, KindInstance,
		KindDBInstance, KindCertificate, KindServerCertificate, KindHostedZone, KindHealthCheck, KindLaunchTemplate,
		KindDBSnapshot, KindDBSubnetGroup, KindSnapshot, KindVolume, KindBucket} {
		if k == kind {
			return i
		}
	}
	return 99
}

type sweeper struct {
	o       SweepOptions
	elbv2   *elasticloadbalancingv2.Client
	classic *elasticloadbalancing.Client
	ec2     *ec2.Client
	acm     *acm.Client
	s3      *s3.Client
	as      *autoscaling.Client
	rds     *rds.Client
	r53     *route53.Client
	iam     *iam.Client
	errs    []error
}

type (
	rdsTag = rdstypes.Tag
	iamTag = iamtypes.Tag
)

// fail records an error of the deletion.
func (s *sweeper) fail(err error) { s.errs = append(s.errs, err) }

func (s *sweeper) match(tags map[string]string) (string, bool) {
	v, ok := tags[TagRun]
	return v, ok && inRun(v, s.o.Run)
}

func (s *sweeper) loadBalancers(ctx context.Context) ([]Leftover, error) {
	var arns []string
	p := elasticloadbalancingv2.NewDescribeLoadBalancersPaginator(s.elbv2, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list load balancers: %w", err)
		}
		for _, lb := range out.LoadBalancers {
			arns = append(arns, aws.ToString(lb.LoadBalancerArn))
		}
	}
	return s.elbv2Tagged(ctx, KindLoadBalancer, arns)
}

func (s *sweeper) targetGroups(ctx context.Context) ([]Leftover, error) {
	var arns []string
	p := elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(s.elbv2, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list target groups: %w", err)
		}
		for _, tg := range out.TargetGroups {
			arns = append(arns, aws.ToString(tg.TargetGroupArn))
		}
	}
	return s.elbv2Tagged(ctx, KindTargetGroup, arns)
}

// elbv2Tagged reads the tags of arns, 20 at a time (DescribeTags' limit), and keeps the run's.
func (s *sweeper) elbv2Tagged(ctx context.Context, kind string, arns []string) ([]Leftover, error) {
	var out []Leftover
	for len(arns) > 0 {
		n := min(20, len(arns))
		chunk := arns[:n]
		arns = arns[n:]
		tags, err := s.elbv2.DescribeTags(ctx, &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: chunk})
		if awserr.IsNotFound(err) && len(chunk) > 1 {
			// One was deleted since the listing: ask one by one.
			for _, arn := range chunk {
				l, err := s.elbv2Tagged(ctx, kind, []string{arn})
				if err != nil {
					return out, err
				}
				out = append(out, l...)
			}
			continue
		}
		if awserr.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("tags of %ss: %w", kind, err)
		}
		for _, d := range tags.TagDescriptions {
			m := map[string]string{}
			for _, t := range d.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if run, ok := s.match(m); ok {
				out = append(out, Leftover{Kind: kind, ID: aws.ToString(d.ResourceArn), Run: run})
			}
		}
	}
	return out, nil
}

func (s *sweeper) classicLoadBalancers(ctx context.Context) ([]Leftover, error) {
	var names []string
	p := elasticloadbalancing.NewDescribeLoadBalancersPaginator(s.classic, &elasticloadbalancing.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list classic load balancers: %w", err)
		}
		for _, lb := range out.LoadBalancerDescriptions {
			names = append(names, aws.ToString(lb.LoadBalancerName))
		}
	}
	var out []Leftover
	for len(names) > 0 {
		n := min(20, len(names))
		chunk := names[:n]
		names = names[n:]
		tags, err := s.classic.DescribeTags(ctx, &elasticloadbalancing.DescribeTagsInput{LoadBalancerNames: chunk})
		if awserr.IsNotFound(err) {
			continue // deleted since the listing; a later sweep sees the rest
		}
		if err != nil {
			return out, fmt.Errorf("tags of classic load balancers: %w", err)
		}
		for _, d := range tags.TagDescriptions {
			m := map[string]string{}
			for _, t := range d.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if run, ok := s.match(m); ok {
				out = append(out, Leftover{Kind: KindClassicLoadBalancer, ID: aws.ToString(d.LoadBalancerName), Run: run})
			}
		}
	}
	return out, nil
}

// liveStates are the instance states a sweep terminates or waits for.
var liveStates = []string{"pending", "running", "stopping", "stopped", "shutting-down"}

func (s *sweeper) instances(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := ec2.NewDescribeInstancesPaginator(s.ec2, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{TagRun}},
		{Name: aws.String("instance-state-name"), Values: liveStates},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list instances: %w", err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				m := map[string]string{}
				for _, t := range in.Tags {
					m[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				if run, ok := s.match(m); ok {
					out = append(out, Leftover{Kind: KindInstance, ID: aws.ToString(in.InstanceId), Run: run})
				}
			}
		}
	}
	return out, nil
}

func (s *sweeper) certificates(ctx context.Context) ([]Leftover, error) {
	var out []Leftover
	p := acm.NewListCertificatesPaginator(s.acm, &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{
		acmtypes.KeyAlgorithmRsa1024, acmtypes.KeyAlgorithmRsa2048, acmtypes.KeyAlgorithmRsa3072, acmtypes.KeyAlgorithmRsa4096,
		acmtypes.KeyAlgorithmEcPrime256v1, acmtypes.KeyAlgorithmEcSecp384r1, acmtypes.KeyAlgorithmEcSecp521r1,
	}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("list certificates: %w", err)
		}
		for _, c := range page.CertificateSummaryList {
			if c.Type != "" && c.Type != acmtypes.CertificateTypeImported {
				continue // tests only import certificates
			}
			arn := aws.ToString(c.CertificateArn)
			tags, err := s.acm.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
			if awserr.IsNotFound(err) {
				continue
			}
			if err != nil {
				return out, fmt.Errorf("tags of certificate %s: %w", arn, err)
			}
			m := map[string]string{}
			for _, t := range tags.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if run, ok := s.match(m); ok {
				out = append(out, Leftover{Kind: KindCertificate, ID: arn, Run: run})
			}
		}
	}
	return out, nil
}

// legacyBucket matches the buckets backup's integration test named before it used
// [CloudEnv.Name] ("portalkit-backup-" and a Unix nanosecond time), which interrupted runs may
// have left; only a sweep of every run (an empty Run) lists them.
var legacyBucket = regexp.MustCompile(`^portalkit-backup-[0-9]{16,20}$`)

func (s *sweeper) buckets(ctx context.Context) ([]Leftover, error) {
	out, err := s.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	var found []Leftover
	for _, b := range out.Buckets {
		name := aws.ToString(b.Name)
		run, ok := strings.CutPrefix(name, NamePrefix+"-")
		if ok && (s.o.Run == "" || strings.HasPrefix(run, s.o.Run+"-")) || s.o.Run == "" && legacyBucket.MatchString(name) {
			found = append(found, Leftover{Kind: KindBucket, ID: name, Run: name})
		}
	}
	return found, nil
}

func (s *sweeper) wait(ctx context.Context, what string, check poll.Check, transient func(error) bool) error {
	_, err := poll.Wait(ctx, check, poll.Options{What: what, Package: "testenv", MinDelay: 2 * time.Second, MaxDelay: 15 * time.Second,
		MaxWait: s.o.MaxWait, Clock: s.o.Clock, Transient: transient})
	return err
}

// delete removes what the listing found, in dependency order.
func (s *sweeper) delete(ctx context.Context, found []Leftover) error {
	by := map[string][]string{}
	for _, l := range found {
		by[l.Kind] = append(by[l.Kind], l.ID)
	}
	fail := s.fail
	// Auto Scaling groups first, so that they launch no replacements for the instances the sweep
	// terminates; force-deleting one terminates its instances.
	groupsGone := s.deleteAutoScalingGroups(ctx, by[KindAutoScalingGroup])
	// Load balancers next: deleting one deletes its listeners and rules, which frees the target
	// groups and certificates they use.
	for _, arn := range by[KindLoadBalancer] {
		s.o.Logf("testenv: deleting %s %s", KindLoadBalancer, arn)
		if _, err := s.elbv2.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}); err != nil && !awserr.IsNotFound(err) {
			fail(fmt.Errorf("delete load balancer %s: %w", arn, err))
		}
	}
	for _, name := range by[KindClassicLoadBalancer] {
		s.o.Logf("testenv: deleting %s %s", KindClassicLoadBalancer, name)
		if _, err := s.classic.DeleteLoadBalancer(ctx, &elasticloadbalancing.DeleteLoadBalancerInput{LoadBalancerName: aws.String(name)}); err != nil {
			fail(fmt.Errorf("delete classic load balancer %s: %w", name, err))
		}
	}
	if ids := by[KindInstance]; len(ids) > 0 {
		s.o.Logf("testenv: terminating %s %s", KindInstance, strings.Join(ids, ", "))
		if _, err := s.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
			fail(fmt.Errorf("terminate instances %v: %w", ids, err))
		}
	}
	dbsGone := s.deleteDBInstances(ctx, by[KindDBInstance])
	if err := groupsGone(); err != nil {
		fail(err)
	}
	for _, arn := range by[KindLoadBalancer] {
		err := s.wait(ctx, "load balancer "+arn+" deleted", func(ctx context.Context) (poll.Result, error) {
			_, err := s.elbv2.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
			if awserr.IsCode(err, "LoadBalancerNotFound") {
				return poll.Result{Status: poll.Done, State: "deleted"}, nil
			}
			return poll.Result{Status: poll.Pending, State: "present"}, err
		}, nil)
		if err != nil {
			fail(err)
		}
	}
	// Target groups and certificates: AWS refuses them while a (deleting) load balancer still
	// uses them, for a while after the load balancer is gone.
	for _, arn := range by[KindTargetGroup] {
		s.o.Logf("testenv: deleting %s %s", KindTargetGroup, arn)
		err := s.wait(ctx, "target group "+arn+" deleted", func(ctx context.Context) (poll.Result, error) {
			_, err := s.elbv2.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
			if err == nil || awserr.IsNotFound(err) {
				return poll.Result{Status: poll.Done, State: "deleted"}, nil
			}
			return poll.Result{Status: poll.Pending, State: "in use"}, err
		}, func(err error) bool { return awserr.IsCode(err, "ResourceInUse") })
		if err != nil {
			fail(err)
		}
	}
	for _, arn := range by[KindCertificate] {
		s.o.Logf("testenv: deleting %s %s", KindCertificate, arn)
		err := s.wait(ctx, "certificate "+arn+" deleted", func(ctx context.Context) (poll.Result, error) {
			_, err := s.acm.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
			if err == nil || awserr.IsCode(err, "ResourceNotFoundException") {
				return poll.Result{Status: poll.Done, State: "deleted"}, nil
			}
			return poll.Result{Status: poll.Pending, State: "in use"}, err
		}, func(err error) bool { return awserr.IsCode(err, "ResourceInUseException") })
		if err != nil {
			fail(err)
		}
	}
	for _, step := range []struct {
		kind string
		del  func(context.Context, string) error
	}{
		{KindServerCertificate, s.deleteServerCertificate}, {KindHostedZone, s.deleteHostedZone}, {KindHealthCheck, s.deleteHealthCheck},
		{KindLaunchTemplate, s.deleteLaunchTemplate}, {KindDBSnapshot, s.deleteDBSnapshot}, {KindSnapshot, s.deleteEC2Snapshot},
		{KindVolume, s.deleteVolume},
	} {
		for _, id := range by[step.kind] {
			if err := step.del(ctx, id); err != nil {
				fail(err)
			}
		}
	}
	for _, name := range by[KindBucket] {
		s.o.Logf("testenv: deleting %s %s", KindBucket, name)
		if err := s.deleteBucket(ctx, name); err != nil {
			fail(err)
		}
	}
	if err := dbsGone(); err != nil {
		fail(err)
	} else {
		for _, name := range by[KindDBSubnetGroup] {
			if err := s.deleteDBSubnetGroup(ctx, name); err != nil {
				fail(err)
			}
		}
	}
	if ids := by[KindInstance]; len(ids) > 0 {
		err := s.wait(ctx, fmt.Sprintf("%d instance(s) terminated", len(ids)), func(ctx context.Context) (poll.Result, error) {
			out, err := s.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
			if awserr.IsCode(err, "InvalidInstanceID.NotFound") {
				return poll.Result{Status: poll.Done, State: "gone"}, nil
			}
			if err != nil {
				return poll.Result{}, err
			}
			live := 0
			for _, r := range out.Reservations {
				for _, in := range r.Instances {
					if in.State != nil && in.State.Name != ec2types.InstanceStateNameTerminated {
						live++
					}
				}
			}
			if live == 0 {
				return poll.Result{Status: poll.Done, State: "terminated"}, nil
			}
			return poll.Result{Status: poll.Pending, State: fmt.Sprintf("%d not terminated", live)}, nil
		}, nil)
		if err != nil {
			fail(err)
		}
	}
	return errors.Join(s.errs...)
}

// deleteBucket empties a bucket (every object version and delete marker when versioned) and
// deletes it.
func (s *sweeper) deleteBucket(ctx context.Context, name string) error {
	// A version listed again after its deletion (a server that lists the objects of an unversioned
	// bucket as versions it cannot delete by ID) ends this loop: the plain listing below deletes
	// the objects by key.
	seen := map[[2]string]bool{}
	for {
		out, err := s.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(name)})
		if awserr.IsCode(err, "NoSuchBucket") {
			return nil
		}
		if awserr.IsCode(err, "NotImplemented") {
			break // a server without versioning: the plain listing below empties the bucket
		}
		if err != nil {
			return fmt.Errorf("list object versions of bucket %s: %w", name, err)
		}
		var ids []s3types.ObjectIdentifier
		add := func(key, version *string) {
			k := [2]string{aws.ToString(key), aws.ToString(version)}
			if !seen[k] {
				seen[k] = true
				ids = append(ids, s3types.ObjectIdentifier{Key: key, VersionId: version})
			}
		}
		for _, v := range out.Versions {
			add(v.Key, v.VersionId)
		}
		for _, d := range out.DeleteMarkers {
			add(d.Key, d.VersionId)
		}
		if len(ids) == 0 {
			break
		}
		del, err := s.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("empty bucket %s: %w", name, err)
		}
		if len(del.Errors) > 0 {
			e := del.Errors[0]
			return fmt.Errorf("empty bucket %s: %d object version(s) not deleted, first %s: %s %s", name, len(del.Errors), aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	for {
		out, err := s.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
		if awserr.IsCode(err, "NoSuchBucket") {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list objects of bucket %s: %w", name, err)
		}
		if len(out.Contents) == 0 {
			break
		}
		var ids []s3types.ObjectIdentifier
		for _, o := range out.Contents {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		}
		if _, err := s.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("empty bucket %s: %w", name, err)
		}
	}
	if _, err := s.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil && !awserr.IsCode(err, "NoSuchBucket") {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	return nil
}
