package elb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/internal/testenv"
)

// selfSigned returns a PEM certificate for names (the first is the subject) valid for 30 days from
// now on the environment's clock, and its PEM private key.
func selfSigned(t testing.TB, now time.Time, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// importCertificate imports a self-signed certificate for names into ACM, tagged with the run id.
func (f *fixture) importCertificate(t testing.TB, names ...string) string {
	t.Helper()
	cert, key := selfSigned(t, f.env.Clock.Now(), names...)
	var tags []acmtypes.Tag
	for k, v := range f.env.Tags() {
		tags = append(tags, acmtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := f.acm.ImportCertificate(context.Background(), &acm.ImportCertificateInput{Certificate: cert, PrivateKey: key, Tags: tags})
	require.NoError(t, err)
	return aws.ToString(out.CertificateArn)
}

// TestFindCertificateWithoutSummaryNames: an endpoint whose ListCertificates summaries carry no
// names (as some emulators answer) still finds the certificate, through DescribeCertificate.
func TestFindCertificateWithoutSummaryNames(t *testing.T) {
	f := newFixtureOn(t, testenv.Cloud(t, func(o *awstest.Options) { o.ACM.OmitSummaryNames = true }))
	f.env.RequireSim(t, "configures how ListCertificates answers")
	arn := f.importCertificate(t, "example.com", "www.example.com")
	got, err := f.client().FindCertificate(context.Background(), []string{"example.com", "www.example.com"})
	require.NoError(t, err)
	assert.Equal(t, arn, got)
	_, err = f.client().FindCertificate(context.Background(), []string{"other.example"})
	require.ErrorIs(t, err, elb.ErrCertificateNotFound)
}

// TestFindCertificateManyNames: ACM lists the first 100 names of a certificate and says it has
// more; a name past them is found through DescribeCertificate.
func TestFindCertificateManyNames(t *testing.T) {
	f := newFixture(t)
	f.env.RequireSim(t, "asserts ACM's summary truncation, which the simulated cloud models")
	names := []string{"example.com"}
	for i := 1; i <= 120; i++ {
		names = append(names, fmt.Sprintf("host%d.example.com", i))
	}
	arn := f.importCertificate(t, names...)
	out, err := f.acm.ListCertificates(context.Background(), &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1}}})
	require.NoError(t, err)
	require.Len(t, out.CertificateSummaryList, 1)
	assert.Len(t, out.CertificateSummaryList[0].SubjectAlternativeNameSummaries, 100)
	assert.True(t, aws.ToBool(out.CertificateSummaryList[0].HasAdditionalSubjectAlternativeNames))
	got, err := f.client().FindCertificate(context.Background(), []string{"example.com", "host120.example.com"})
	require.NoError(t, err)
	assert.Equal(t, arn, got)
}

// TestEnsureChecksBeforeCreating: an HTTPS Ensure whose certificate is missing, not issued, or
// whose TLS policy the region does not offer fails before it creates anything.
func TestEnsureChecksBeforeCreating(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t, "asserts the call log; adds ACM certificates directly (Cloud.AddCertificate)")
	ctx := context.Background()
	pending := sim.AddCertificate(awstest.Certificate{DomainName: "pending.example", Status: acmtypes.CertificateStatusPendingValidation})
	issued := f.importCertificate(t, "issued.example")
	for name, tc := range map[string]struct {
		listeners elb.ListenerSpec
		want      error
		msg       string
	}{
		"no certificate for the domain": {elb.ListenerSpec{CertificateDomain: "missing.example"}, elb.ErrCertificateNotFound, "missing.example"},
		"certificate ARN not issued":    {elb.ListenerSpec{CertificateARN: pending}, elb.ErrCertificateNotFound, "PENDING_VALIDATION, not ISSUED"},
		"certificate ARN unknown":       {elb.ListenerSpec{CertificateARN: pending[:len(pending)-4] + "0000"}, elb.ErrCertificateNotFound, "does not exist"},
		"TLS policy not offered":        {elb.ListenerSpec{CertificateARN: issued, SSLPolicy: "ELBSecurityPolicy-NoSuchPolicy"}, elb.ErrInvalidSpec, "Listeners.SSLPolicy"},
	} {
		t.Run(name, func(t *testing.T) {
			sim.ResetCalls()
			spec := f.spec("checks")
			spec.Listeners = tc.listeners
			_, err := f.client().Ensure(ctx, spec)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Empty(t, creates(sim.Calls()), "nothing created: %v", sim.Calls().Names())
			for _, call := range sim.Calls() {
				assert.NotEqual(t, awstest.ServiceELBv2+".DescribeLoadBalancers", call.Service+"."+call.Operation, "failed before any load balancer call")
			}
		})
	}
}
