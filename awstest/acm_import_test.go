package awstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
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

func pemCert(t *testing.T, notAfter time.Time, cn string, names ...string) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, DNSNames: names, NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kd, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
}

func TestACMImportCertificate(t *testing.T) {
	cloud := awstest.NewForTest(t, func(o *awstest.Options) { o.ACM.SummaryNames = 2 })
	client := acm.NewFromConfig(cloud.Config())
	ctx := context.Background()
	notAfter := cloud.Clock().Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
	cert, key := pemCert(t, notAfter, "example.com", "example.com", "www.example.com", "api.example.com")

	out, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: cert, PrivateKey: key,
		Tags: []acmtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	require.NoError(t, err)
	arn := aws.ToString(out.CertificateArn)

	d, err := client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	c := d.Certificate
	assert.Equal(t, "example.com", aws.ToString(c.DomainName))
	assert.Equal(t, []string{"example.com", "www.example.com", "api.example.com"}, c.SubjectAlternativeNames, "from the PEM")
	assert.Equal(t, notAfter, aws.ToTime(c.NotAfter).UTC())
	assert.Equal(t, acmtypes.CertificateTypeImported, c.Type)
	assert.Equal(t, acmtypes.KeyAlgorithmEcSecp384r1, c.KeyAlgorithm)
	assert.Equal(t, acmtypes.CertificateStatusIssued, c.Status)

	// Summaries list the first SummaryNames names and say there are more, as ACM does past 100.
	list, err := client.ListCertificates(ctx, &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcSecp384r1}}})
	require.NoError(t, err)
	require.Len(t, list.CertificateSummaryList, 1)
	assert.Equal(t, []string{"example.com", "www.example.com"}, list.CertificateSummaryList[0].SubjectAlternativeNameSummaries)
	assert.True(t, aws.ToBool(list.CertificateSummaryList[0].HasAdditionalSubjectAlternativeNames))

	tags, err := client.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, []acmtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}, tags.Tags)

	_, err = client.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	_, err = client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	var nf *acmtypes.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)

	// A new certificate after a delete gets a new ARN.
	again, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: cert, PrivateKey: key})
	require.NoError(t, err)
	assert.NotEqual(t, arn, aws.ToString(again.CertificateArn))
}

func TestACMImportCertificateRefusesBadInput(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := acm.NewFromConfig(cloud.Config())
	ctx := context.Background()
	cert, key := pemCert(t, cloud.Clock().Now().Add(time.Hour), "a.example")
	_, otherKey := pemCert(t, cloud.Clock().Now().Add(time.Hour), "b.example")
	var ve *acmtypes.ValidationException
	_, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: []byte("not pem"), PrivateKey: key})
	require.ErrorAs(t, err, &ve)
	_, err = client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: cert, PrivateKey: otherKey})
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, err.Error(), "does not match")

	_, err = client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: cert, PrivateKey: key, CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/x")})
	var ue *awstest.UnmodeledError
	require.ErrorAs(t, err, &ue)

	_, err = awstest.New(func(o *awstest.Options) { o.ACM.SummaryNames = -1 })
	require.ErrorIs(t, err, awstest.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "ACM.SummaryNames -1 is negative")
}
