package cert_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/cert"
)

// env is a simulated cloud, a test PKI on its clock, a cert.Client and raw SDK clients.
type env struct {
	cloud *awstest.Cloud
	pki   *pki
	c     *cert.Client
	acm   *acm.Client
	elbv2 *elasticloadbalancingv2.Client
	elb   *elasticloadbalancing.Client
	iam   *iam.Client
	logs  *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cloud := awstest.NewForTest(t)
	cfg := cloud.Config()
	e := &env{
		cloud: cloud, pki: newPKI(t, cloud.Clock().Now()), acm: acm.NewFromConfig(cfg),
		elbv2: elasticloadbalancingv2.NewFromConfig(cfg), elb: elasticloadbalancing.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg),
		logs: &bytes.Buffer{},
	}
	c, err := cert.NewFromConfig(cfg, func(o *cert.Options) {
		o.Clock, o.Roots = cloud.Clock(), e.pki.roots()
		o.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	})
	require.NoError(t, err)
	e.c = c
	return e
}

// httpsListener creates an ALB across two zones with an HTTPS listener on certARN and returns the
// load balancer's and the listener's ARNs.
func (e *env) httpsListener(t *testing.T, certARN string) (lbARN, listenerARN string) {
	t.Helper()
	ctx := context.Background()
	subnets, err := ec2.NewFromConfig(e.cloud.Config()).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	ids := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
	lb, err := e.elbv2.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String("shop"), Subnets: ids})
	require.NoError(t, err)
	lbARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	l, err := e.elbv2.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: elbv2types.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates:   []elbv2types.Certificate{{CertificateArn: aws.String(certARN)}},
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: aws.String("200")}}},
	})
	require.NoError(t, err)
	return lbARN, aws.ToString(l.Listeners[0].ListenerArn)
}

// classicHTTPS creates a Classic Load Balancer with an HTTPS listener on 443 using certARN.
func (e *env) classicHTTPS(t *testing.T, name, certARN string) {
	t.Helper()
	zones := e.cloud.Zones()
	_, err := e.elb.CreateLoadBalancer(context.Background(), &elasticloadbalancing.CreateLoadBalancerInput{
		LoadBalancerName: aws.String(name), AvailabilityZones: zones[:2],
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTPS"), LoadBalancerPort: 443, InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(80), SSLCertificateId: aws.String(certARN)}},
	})
	require.NoError(t, err)
}

// calls counts the simulated cloud's calls to service operation.
func (e *env) calls(service, operation string) int {
	n := 0
	for _, c := range e.cloud.Calls() {
		if c.Service == service && c.Operation == operation {
			n++
		}
	}
	return n
}
