package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func selfSigned(t *testing.T, now time.Time, name string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 30)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	k, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}

// TestSweepNewerKinds: what the autoscale, rds, route53, cert and backup integration tests create
// is found by the run tag (or the run's name) and deleted in dependency order: a group with
// instances before its launch template, a protected DB instance (still creating) with a manual
// snapshot before its subnet group, a hosted zone with records, a health check, IAM server
// certificates, an EBS snapshot and its volume, a versioned bucket with old versions and an
// unversioned one with an object.
func TestSweepNewerKinds(t *testing.T) {
	env := Cloud(t)
	env.RequireSim(t, "asserts the exact leftovers of one run")
	ctx := context.Background()
	ec2c, asc := ec2.NewFromConfig(env.Config), autoscaling.NewFromConfig(env.Config)
	rdsc, r53, iamc := rds.NewFromConfig(env.Config), route53.NewFromConfig(env.Config), iam.NewFromConfig(env.Config)
	run := aws.String(env.Run)
	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var ids, zones []string
	for _, s := range subnets.Subnets {
		ids, zones = append(ids, aws.ToString(s.SubnetId)), append(zones, aws.ToString(s.AvailabilityZone))
	}
	images, err := ec2c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	require.NoError(t, err)

	lt, err := ec2c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(env.Name("lt")),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro},
		TagSpecifications:  []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: []ec2types.Tag{{Key: aws.String(TagRun), Value: run}}}}})
	require.NoError(t, err)
	_, err = asc.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(env.Name("asg")),
		MinSize: aws.Int32(2), MaxSize: aws.Int32(2), DesiredCapacity: aws.Int32(2), VPCZoneIdentifier: aws.String(strings.Join(ids[:2], ",")),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId, Version: aws.String("$Latest")},
		Tags:           []astypes.Tag{{Key: aws.String(TagRun), Value: run, PropagateAtLaunch: aws.Bool(true)}}})
	require.NoError(t, err)

	rtags := []rdstypes.Tag{{Key: aws.String(TagRun), Value: run}}
	_, err = rdsc.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String(env.Name("subnets")),
		DBSubnetGroupDescription: aws.String("test"), SubnetIds: ids, Tags: rtags})
	require.NoError(t, err)
	_, err = rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(env.Name("db")), Engine: aws.String("mysql"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), ManageMasterUserPassword: aws.Bool(true),
		DBSubnetGroupName: aws.String(env.Name("subnets")), DeletionProtection: aws.Bool(true), CopyTagsToSnapshot: aws.Bool(true), Tags: rtags})
	require.NoError(t, err)
	require.NoError(t, env.Clock.Sleep(ctx, time.Hour)) // available and backed up
	_, err = rdsc.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(env.Name("db")), DBSnapshotIdentifier: aws.String(env.Name("snap"))})
	require.NoError(t, err)

	zone, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(env.Name("z") + ".test"), CallerReference: aws.String(env.Name("z"))})
	require.NoError(t, err)
	zoneID := strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/")
	_, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{
		Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("www." + env.Name("z") + ".test"), Type: r53types.RRTypeA,
			TTL: aws.Int64(60), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}}}}})
	require.NoError(t, err)
	hc, err := r53.CreateHealthCheck(ctx, &route53.CreateHealthCheckInput{CallerReference: aws.String(env.Name("hc")), HealthCheckConfig: &r53types.HealthCheckConfig{
		Type: r53types.HealthCheckTypeHttp, IPAddress: aws.String("192.0.2.1"), Port: aws.Int32(80), ResourcePath: aws.String("/health")}})
	require.NoError(t, err)
	for typ, id := range map[r53types.TagResourceType]string{r53types.TagResourceTypeHostedzone: zoneID, r53types.TagResourceTypeHealthcheck: aws.ToString(hc.HealthCheck.Id)} {
		_, err = r53.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: typ, ResourceId: aws.String(id), AddTags: []r53types.Tag{{Key: aws.String(TagRun), Value: run}}})
		require.NoError(t, err)
	}

	body, key := selfSigned(t, env.Clock.Now(), "example.test")
	_, err = iamc.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String(env.Name("named")), CertificateBody: &body, PrivateKey: &key})
	require.NoError(t, err)
	_, err = iamc.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("tagged-" + env.Run), CertificateBody: &body, PrivateKey: &key,
		Tags: []iamtypes.Tag{{Key: aws.String(TagRun), Value: run}}})
	require.NoError(t, err)
	_, err = iamc.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("someone-elses"), CertificateBody: &body, PrivateKey: &key})
	require.NoError(t, err)

	etags := []ec2types.Tag{{Key: aws.String(TagRun), Value: run}}
	vol, err := ec2c.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(zones[0]), Size: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: etags}}})
	require.NoError(t, err)
	require.NoError(t, env.Clock.Sleep(ctx, time.Minute))
	_, err = ec2c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: etags}}})
	require.NoError(t, err)

	bucket := env.Bucket(t, "versioned")
	s3c := env.S3Client()
	_, err = s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	for _, v := range []string{"one", "two"} {
		_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader(v)})
		require.NoError(t, err)
	}
	_, err = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")}) // a delete marker
	require.NoError(t, err)
	plain := env.Bucket(t, "plain") // unversioned, with an object
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: &plain, Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)

	found, err := Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Clock: env.Clock})
	require.NoError(t, err)
	var kinds []string
	for _, l := range found {
		kinds = append(kinds, l.Kind)
	}
	assert.Equal(t, []string{KindAutoScalingGroup, KindInstance, KindInstance, KindDBInstance, KindServerCertificate, KindServerCertificate,
		KindHostedZone, KindHealthCheck, KindLaunchTemplate, KindDBSnapshot, KindDBSubnetGroup, KindSnapshot, KindVolume, KindBucket, KindBucket}, kinds)

	var log []string
	_, err = Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Delete: true, Clock: env.Clock, Logf: func(f string, a ...any) { log = append(log, f) }})
	require.NoError(t, err)
	left, err := Sweep(ctx, env.Config, SweepOptions{Run: env.Run, Clock: env.Clock})
	require.NoError(t, err)
	assert.Empty(t, left)
	certs, err := iamc.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	require.NoError(t, err)
	require.Len(t, certs.ServerCertificateMetadataList, 1, "a certificate neither tagged nor named for the run stays")
	assert.Equal(t, "someone-elses", aws.ToString(certs.ServerCertificateMetadataList[0].ServerCertificateName))
	groups, err := rdsc.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{})
	require.NoError(t, err)
	assert.Empty(t, groups.DBSubnetGroups, "the subnet group went after its instance")
}

// TestSweepReportsSlowRDSDeletions: a DB instance that takes longer to delete than RDSWait is
// named in the sweep's error, and its subnet group is left for a later sweep, which deletes both.
func TestSweepReportsSlowRDSDeletions(t *testing.T) {
	sim := awstest.NewForTest(t, func(o *awstest.Options) { o.RDS.InstanceCreating, o.RDS.Deleting = time.Minute, 20*time.Minute })
	ctx := context.Background()
	rdsc := rds.NewFromConfig(sim.Config())
	subnets, err := ec2.NewFromConfig(sim.Config()).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	const run = "slowrun-1"
	tags := []rdstypes.Tag{{Key: aws.String(TagRun), Value: aws.String(run)}}
	_, err = rdsc.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String("pkit-slowrun-1-subnets"),
		DBSubnetGroupDescription: aws.String("test"), SubnetIds: ids, Tags: tags})
	require.NoError(t, err)
	_, err = rdsc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("pkit-slowrun-1-db"), Engine: aws.String("mysql"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), ManageMasterUserPassword: aws.Bool(true),
		DBSubnetGroupName: aws.String("pkit-slowrun-1-subnets"), Tags: tags})
	require.NoError(t, err)

	opts := SweepOptions{Run: run, Delete: true, Clock: sim.Clock(), RDSWait: 10 * time.Minute}
	_, err = Sweep(ctx, sim.Config(), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pkit-slowrun-1-db")
	opts.Delete = false
	left, err := Sweep(ctx, sim.Config(), opts)
	require.NoError(t, err)
	var kinds []string
	for _, l := range left {
		kinds = append(kinds, l.Kind)
	}
	assert.Equal(t, []string{KindDBInstance, KindDBSubnetGroup}, kinds, "listed until gone")

	opts.Delete = true
	_, err = Sweep(ctx, sim.Config(), opts)
	require.NoError(t, err, "a later sweep finds the instance deleting, waits for it and deletes the group")
	opts.Delete = false
	left, err = Sweep(ctx, sim.Config(), opts)
	require.NoError(t, err)
	assert.Empty(t, left)
}
