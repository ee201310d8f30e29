package awstest_test

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
)

func importNames(t *testing.T, cloud *awstest.Cloud, names ...string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := cloud.Clock().Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kd, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	out, err := acm.NewFromConfig(cloud.Config()).ImportCertificate(context.Background(), &acm.ImportCertificateInput{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})})
	require.NoError(t, err)
	return aws.ToString(out.CertificateArn)
}

func summaries(t *testing.T, cloud *awstest.Cloud) []acmtypes.CertificateSummary {
	t.Helper()
	out, err := acm.NewFromConfig(cloud.Config()).ListCertificates(context.Background(), &acm.ListCertificatesInput{
		Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1}}})
	require.NoError(t, err)
	return out.CertificateSummaryList
}

// TestACMSummaryNames: ListCertificates lists the first 100 names of a certificate and says it has
// more, as ACM does; SummaryNames changes the count and OmitSummaryNames leaves the names out, as
// some emulators do, while DescribeCertificate lists them all.
func TestACMSummaryNames(t *testing.T) {
	many := []string{"example.com"}
	for i := 1; i <= 100; i++ {
		many = append(many, fmt.Sprintf("h%d.example.com", i))
	}
	cloud := awstest.NewForTest(t)
	importNames(t, cloud, many[:100]...)
	importNames(t, cloud, many...)
	s := summaries(t, cloud)
	require.Len(t, s, 2)
	assert.Len(t, s[0].SubjectAlternativeNameSummaries, 100)
	assert.False(t, aws.ToBool(s[0].HasAdditionalSubjectAlternativeNames))
	assert.Equal(t, many[:100], s[1].SubjectAlternativeNameSummaries)
	assert.True(t, aws.ToBool(s[1].HasAdditionalSubjectAlternativeNames))

	small := awstest.NewForTest(t, func(o *awstest.Options) { o.ACM.SummaryNames = 1 })
	importNames(t, small, "a.example", "b.example")
	s = summaries(t, small)
	assert.Equal(t, []string{"a.example"}, s[0].SubjectAlternativeNameSummaries)
	assert.True(t, aws.ToBool(s[0].HasAdditionalSubjectAlternativeNames))

	omit := awstest.NewForTest(t, func(o *awstest.Options) { o.ACM.OmitSummaryNames = true })
	arn := importNames(t, omit, "a.example", "b.example")
	s = summaries(t, omit)
	assert.Nil(t, s[0].SubjectAlternativeNameSummaries)
	assert.Nil(t, s[0].HasAdditionalSubjectAlternativeNames)
	d, err := acm.NewFromConfig(omit.Config()).DescribeCertificate(context.Background(), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.example", "b.example"}, d.Certificate.SubjectAlternativeNames)

	_, err = awstest.New(func(o *awstest.Options) { o.ACM.SummaryNames = -1 })
	require.ErrorIs(t, err, awstest.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "ACM.SummaryNames -1 is negative")
}
