//go:build integration

package cert_test

import (
	"context"
	"strings"
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
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationImportRenewServe runs the package's main flow in its own scope against the
// simulated cloud or AWS_ENDPOINT_URL / real AWS, then checks that nothing of the run is left.
func TestIntegrationImportRenewServe(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "acm", "iam", "ec2", "elbv2")
	t.Run("ImportRenewServe", func(t *testing.T) { importRenewServe(t, env.Scope(t)) })
	assert.Empty(t, env.Leftovers(t), "the scenario's sweep deleted everything it created")
}

// TestIntegrationFailureLeavesNothing: a scenario that fails with everything created (the ACM
// certificate served by the load balancer's listener, the IAM server certificate) still leaves
// nothing behind: the scope's sweep runs after the failure, the load balancer before the
// certificates it uses.
func TestIntegrationFailureLeavesNothing(t *testing.T) {
	env := testenv.Cloud(t)
	env.RequireServices(t, "acm", "iam", "ec2", "elbv2")
	res := testenv.RunFailing(t, func(tb testing.TB) {
		s := env.Scope(tb)
		importRenewServe(tb, s)
		require.NotEmpty(tb, s.Leftovers(tb), "the scenario's resources exist")
		require.Fail(tb, "forced failure")
	})
	require.True(t, res.Failed, "the scenario failed")
	assert.Contains(t, strings.Join(res.Messages, "\n"), "forced failure")
	assert.Empty(t, env.Leftovers(t), "the failed scenario's sweep deleted everything")
}

// importRenewServe imports a certificate made in the test, serves it on an ALB listener, renews it
// in place, reports its expiry and uploads it to IAM. The ACM certificate and the load balancer
// carry env.Tags, the IAM server certificate a name from env.Name (the package names it
// "<name>-<expiry>-<fingerprint>" and does not tag it), so the scope's sweep deletes them when
// the test ends, also after a failure: the load balancer first, then the certificates it used
// (retried, bounded, while AWS still reports them in use).
func importRenewServe(t testing.TB, env *testenv.CloudEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newPKI(t, env.Clock.Now())
	acmc, iamc, elbc := acm.NewFromConfig(env.Config), iam.NewFromConfig(env.Config), elasticloadbalancingv2.NewFromConfig(env.Config)
	c, err := cert.New(cert.Clients{ACM: acmc, IAM: iamc, ELBv2: elbc}, func(o *cert.Options) {
		o.Clock, o.Roots, o.Tags = env.Clock, p.roots(), env.Tags()
	})
	require.NoError(t, err)
	names := []string{env.Name("shop") + ".example.com"}
	name := env.Name("it")

	res, err := c.ImportACM(ctx, name, p.bundle(t, 90, names...), names)
	require.NoError(t, err)
	assert.Equal(t, cert.Imported, res.Action)

	lbARN := integrationListener(t, ctx, env, elbc, res.ARN)

	renewed, err := c.ImportACM(ctx, name, p.bundle(t, 300, names...), names)
	require.NoError(t, err)
	assert.Equal(t, cert.Reimported, renewed.Action)
	assert.Equal(t, res.ARN, renewed.ARN)

	rep, err := c.Report(ctx, cert.Targets{LoadBalancerARNs: []string{lbARN}})
	require.NoError(t, err)
	require.Len(t, rep.Entries, 1)
	assert.Equal(t, res.ARN, rep.Entries[0].CertificateARN)

	up, err := c.UploadIAM(ctx, name, p.bundle(t, 90, names...), names)
	require.NoError(t, err)
	assert.Contains(t, up.Name, name)
}

// integrationListener creates an ALB (named and tagged for env) over the first two default
// subnets with an HTTPS listener on certARN, and returns its ARN.
func integrationListener(t testing.TB, ctx context.Context, env *testenv.CloudEnv, elbc *elasticloadbalancingv2.Client, certARN string) string {
	t.Helper()
	subnets, err := ec2.NewFromConfig(env.Config).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
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
	var tags []elbv2types.Tag
	for k, v := range env.Tags() {
		tags = append(tags, elbv2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	lb, err := elbc.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String(env.Name("lb")), Subnets: ids, Tags: tags})
	require.NoError(t, err)
	lbARN := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	_, err = elbc.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates:   []elbv2types.Certificate{{CertificateArn: aws.String(certARN)}},
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("200")}}},
	})
	require.NoError(t, err)
	return lbARN
}
