package deploy_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/cert"
	"github.com/portalkit/portalkit/examples/portal/deploy"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestScenarioDeploy runs the deploy part of examples/portal (not the drills) on the simulated
// cloud, and with the integration tag against AWS_ENDPOINT_URL: publish a release, point an
// environment at it, deploy it from nothing, deploy again without creating anything. Names carry
// a per-run suffix, instances the run id tag, and everything is deleted in t.Cleanup in
// dependency order, also after a failure.
func TestScenarioDeploy(t *testing.T) {
	env := testenv.Cloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := fmt.Sprintf("%06d", time.Now().UnixNano()/1000%1000000)
	spec := deploy.Spec{
		Environment: "it-" + run, Domain: "it-" + run + ".example.com", Bucket: "portal-it-" + run,
		Instances: 3, Tags: map[string]string{"portalkit:run": run},
		NoLaunchHook: true, // no agent runs on the instances here to complete it
		Throwaway:    true, // the database is deleted when the test ends
	}
	d := deploy.Env{Config: env.Config, Clock: env.Clock, S3PathStyle: true}
	var certARN string
	t.Cleanup(func() { cleanup(t, env, spec, certARN) })
	spec.Certificate = certificate(t, spec.Domain, env.Clock.Now())
	hostedZone(t, ctx, env.Config, spec.Domain)

	dir := filepath.Join(t.TempDir(), "v1")
	require.NoError(t, deploy.Build(dir, "v1"))
	rel, err := deploy.Publish(ctx, d, spec.Bucket, dir, "v1")
	require.NoError(t, err)
	require.NoError(t, deploy.Promote(ctx, d, rel, spec.Environment))

	site, err := deploy.Deploy(ctx, d, spec)
	if site != nil {
		certARN = site.LoadBalancer.CertificateARN
	}
	require.NoError(t, err)
	assert.Len(t, site.Instances, 3)
	assert.True(t, site.Group.Created)
	assert.GreaterOrEqual(t, len(site.Zones()), 2, "spread over zones")
	for _, in := range site.Instances {
		assert.Equal(t, "healthy", in.Health, in.ID)
	}

	again, err := deploy.Deploy(ctx, d, spec)
	require.NoError(t, err)
	assert.Empty(t, again.LoadBalancer.Created, "a second run creates nothing")
	assert.False(t, again.Group.Created, "and launches nothing")
	assert.ElementsMatch(t, site.IDs(), again.IDs())
	require.NotNil(t, site.DNS)
	assert.True(t, site.DNS.Changed(), "the first run creates the alias records")
	assert.True(t, site.DNS.InSync, "and waits until they are INSYNC")
	assert.False(t, again.DNS.Changed(), "a second run sends no change")

}

// certificate returns a certificate for domain and www.domain "bought" from a CA made for the
// test; the deploy checks it and imports it into ACM.
func certificate(t *testing.T, domain string, now time.Time) *deploy.Certificate {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "portalkit test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain, "www." + domain},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 6, 0), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &deploy.Certificate{Roots: roots, Bundle: cert.Bundle{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		Chain:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
	}}
}

// hostedZone creates a public hosted zone for domain, deleted (with its records) when the test
// ends.
func hostedZone(t *testing.T, ctx context.Context, cfg aws.Config, domain string) {
	t.Helper()
	client := route53.NewFromConfig(cfg)
	out, err := client.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(domain), CallerReference: aws.String(domain)})
	require.NoError(t, err)
	id := out.HostedZone.Id
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		sets, err := client.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: id})
		if assert.NoError(t, err) {
			var changes []r53types.Change
			for _, rs := range sets.ResourceRecordSets {
				if rs.Type != r53types.RRTypeSoa && rs.Type != r53types.RRTypeNs {
					changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
				}
			}
			if len(changes) > 0 {
				_, err := client.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: id, ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
				assert.NoError(t, err)
			}
		}
		_, err = client.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: id})
		assert.NoError(t, err)
	})
}

// cleanup deletes what the scenario created, in dependency order, each wait bounded.
func cleanup(t *testing.T, env *testenv.CloudEnv, spec deploy.Spec, certARN string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cfg := env.Config
	group := "portal-" + spec.Environment
	as := autoscaling.NewFromConfig(cfg)
	if _, err := as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String(group), ForceDelete: aws.Bool(true)}); err != nil && !strings.Contains(err.Error(), "not found") {
		assert.NoError(t, err)
	}
	e := ec2.NewFromConfig(cfg)
	if _, err := e.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String(group)}); err != nil && !strings.Contains(err.Error(), "NotFound") {
		assert.NoError(t, err)
	}
	db := awsrds.NewFromConfig(cfg)
	if _, err := db.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(group), SkipFinalSnapshot: aws.Bool(true), DeleteAutomatedBackups: aws.Bool(true)}); err != nil && !strings.Contains(err.Error(), "NotFound") {
		assert.NoError(t, err)
	}
	out, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:portalkit:run"), Values: []string{spec.Tags["portalkit:run"]}}}})
	if assert.NoError(t, err) {
		var ids []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
		if len(ids) > 0 {
			_, err := e.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
			assert.NoError(t, err)
		}
	}
	lb := elasticloadbalancingv2.NewFromConfig(cfg)
	if out, err := lb.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{Names: []string{"portal-" + spec.Environment}}); err == nil {
		for _, l := range out.LoadBalancers {
			_, err := lb.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: l.LoadBalancerArn})
			assert.NoError(t, err)
		}
	}
	if out, err := lb.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: []string{"portal-" + spec.Environment + "-web"}}); err == nil {
		for _, g := range out.TargetGroups {
			// The group is in use until its load balancer's deletion completes.
			for deadline := time.Now().Add(2 * time.Minute); ; {
				_, err := lb.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: g.TargetGroupArn})
				if err == nil || time.Now().After(deadline) {
					assert.NoError(t, err)
					break
				}
				_ = env.Clock.Sleep(ctx, 5*time.Second)
			}
		}
	}
	if certARN != "" { // no longer in use once the load balancer is gone
		_, err := acm.NewFromConfig(cfg).DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(certARN)})
		assert.NoError(t, err)
	}
	// The subnet group goes once the DB instance is gone (minutes), each wait bounded.
	for deadline := env.Clock.Now().Add(8 * time.Minute); ; {
		_, err := db.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(group)})
		if err != nil && strings.Contains(err.Error(), "DBInstanceNotFound") {
			break
		}
		if env.Clock.Now().After(deadline) {
			t.Errorf("DB instance %s still there 8 minutes after its deletion: %v", group, err)
			break
		}
		if err := env.Clock.Sleep(ctx, 15*time.Second); err != nil {
			break
		}
	}
	if _, err := db.DeleteDBSubnetGroup(ctx, &awsrds.DeleteDBSubnetGroupInput{DBSubnetGroupName: aws.String(group)}); err != nil && !strings.Contains(err.Error(), "NotFound") {
		assert.NoError(t, err)
	}
	s := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	p := s3.NewListObjectsV2Paginator(s, &s3.ListObjectsV2Input{Bucket: aws.String(spec.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			break
		}
		var ids []s3types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, s3types.ObjectIdentifier{Key: o.Key})
		}
		if len(ids) > 0 {
			_, err := s.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(spec.Bucket), Delete: &s3types.Delete{Objects: ids}})
			assert.NoError(t, err)
		}
	}
	_, err = s.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(spec.Bucket)})
	assert.NoError(t, err)
}
