//go:build integration

package cert_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/cert"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationImportRenewServe imports a certificate made in the test, serves it on an ALB
// listener, renews it in place and reports its expiry, against the simulated cloud or
// AWS_ENDPOINT_URL. Everything it creates is named with a per-run suffix, tagged with the run id
// and deleted when the test ends, also after a failure; cleanup waits are bounded.
func TestIntegrationImportRenewServe(t *testing.T) {
	env := testenv.Cloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := runSuffix(t)
	p := newPKI(t, env.Clock.Now())
	acmc, iamc, elbc := acm.NewFromConfig(env.Config), iam.NewFromConfig(env.Config), elasticloadbalancingv2.NewFromConfig(env.Config)
	c, err := cert.New(cert.Clients{ACM: acmc, IAM: iamc, ELBv2: elbc}, func(o *cert.Options) {
		o.Clock, o.Roots, o.Tags = env.Clock, p.roots(), map[string]string{"portalkit:test-run": run}
	})
	require.NoError(t, err)
	names := []string{"shop-" + run + ".example.com"}

	res, err := c.ImportACM(ctx, "it-"+run, p.bundle(t, 90, names...), names)
	require.NoError(t, err)
	t.Cleanup(func() { deleteACM(t, acmc, res.ARN) })
	assert.Equal(t, cert.Imported, res.Action)

	lbARN, listenerARN := integrationListener(t, ctx, env.Config, elbc, "pk-cert-"+run, res.ARN)
	_ = listenerARN

	renewed, err := c.ImportACM(ctx, "it-"+run, p.bundle(t, 300, names...), names)
	require.NoError(t, err)
	assert.Equal(t, cert.Reimported, renewed.Action)
	assert.Equal(t, res.ARN, renewed.ARN)

	rep, err := c.Report(ctx, cert.Targets{LoadBalancerARNs: []string{lbARN}})
	require.NoError(t, err)
	require.Len(t, rep.Entries, 1)
	assert.Equal(t, res.ARN, rep.Entries[0].CertificateARN)

	up, err := c.UploadIAM(ctx, "it-"+run, p.bundle(t, 90, names...), names)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := iamc.DeleteServerCertificate(context.Background(), &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String(up.Name)})
		if err != nil && !awserr.IsCode(err, "NoSuchEntity") {
			t.Errorf("cleanup: delete IAM server certificate %s: %v", up.Name, err)
		}
	})
}

func runSuffix(t *testing.T) string {
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// integrationListener creates an ALB over the first two default subnets with an HTTPS listener on
// certARN, deleted when the test ends.
func integrationListener(t *testing.T, ctx context.Context, cfg aws.Config, elbc *elasticloadbalancingv2.Client, name, certARN string) (lbARN, listenerARN string) {
	t.Helper()
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	byZone := map[string]string{}
	for _, s := range subnets.Subnets {
		byZone[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
	}
	var ids []string
	for _, id := range byZone {
		if len(ids) < 2 {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, 2, "needs subnets in two zones")
	lb, err := elbc.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: ids, Tags: []elbv2types.Tag{{Key: aws.String("portalkit:test-run"), Value: aws.String(name)}},
	})
	require.NoError(t, err)
	lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	t.Cleanup(func() {
		if _, err := elbc.DeleteLoadBalancer(context.Background(), &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(lbARN)}); err != nil {
			t.Errorf("cleanup: delete load balancer %s: %v", name, err)
		}
	})
	l, err := elbc.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates:   []elbv2types.Certificate{{CertificateArn: aws.String(certARN)}},
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("200")}}},
	})
	require.NoError(t, err)
	return lbARN, aws.ToString(l.Listeners[0].ListenerArn)
}

// deleteACM deletes an ACM certificate, retrying for up to two minutes while a just-deleted load
// balancer still holds it (ResourceInUseException).
func deleteACM(t *testing.T, client *acm.Client, arn string) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := client.DeleteCertificate(context.Background(), &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
		switch {
		case err == nil, awserr.IsCode(err, "ResourceNotFoundException"):
			return
		case awserr.IsCode(err, "ResourceInUseException") && time.Now().Before(deadline):
			time.Sleep(5 * time.Second)
		default:
			t.Errorf("cleanup: delete ACM certificate %s: %v", arn, err)
			return
		}
	}
}
