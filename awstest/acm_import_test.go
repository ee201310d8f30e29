package awstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// pemPair makes a self-signed certificate for names valid from notBefore to notAfter, and its key.
func pemPair(t *testing.T, notBefore, notAfter time.Time, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(notAfter.UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	k, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

func TestACMImportAndReimport(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := acm.NewFromConfig(cloud.Config())
	ctx := context.Background()
	now := cloud.Clock().Now()
	c1, k1 := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com", "www.example.com")

	out, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: c1, PrivateKey: k1, Tags: []acmtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	require.NoError(t, err)
	arn := aws.ToString(out.CertificateArn)
	d, err := client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, acmtypes.CertificateTypeImported, d.Certificate.Type)
	assert.Equal(t, acmtypes.CertificateStatusIssued, d.Certificate.Status)
	assert.Equal(t, []string{"example.com", "www.example.com"}, d.Certificate.SubjectAlternativeNames)
	assert.Equal(t, acmtypes.KeyAlgorithmEcPrime256v1, d.Certificate.KeyAlgorithm)
	assert.NotNil(t, d.Certificate.ImportedAt)

	// Re-import into the same ARN; tags are refused on a re-import.
	c2, k2 := pemPair(t, now.Add(-time.Hour), now.AddDate(1, 0, 0), "example.com", "www.example.com", "shop.example.com")
	_, err = client.ImportCertificate(ctx, &acm.ImportCertificateInput{CertificateArn: aws.String(arn), Certificate: c2, PrivateKey: k2, Tags: []acmtypes.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	var ve *acmtypes.ValidationException
	require.True(t, errors.As(err, &ve), "%v", err)
	re, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{CertificateArn: aws.String(arn), Certificate: c2, PrivateKey: k2})
	require.NoError(t, err)
	assert.Equal(t, arn, aws.ToString(re.CertificateArn))
	d, err = client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Len(t, d.Certificate.SubjectAlternativeNames, 3)
	assert.Equal(t, now.AddDate(1, 0, 0), aws.ToTime(d.Certificate.NotAfter))

	// After NotAfter the certificate reads EXPIRED.
	cloud.Clock().Advance(400 * 24 * time.Hour)
	d, err = client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, acmtypes.CertificateStatusExpired, d.Certificate.Status)
}

func TestACMImportRefusesMalformedInput(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := acm.NewFromConfig(cloud.Config())
	ctx := context.Background()
	now := cloud.Clock().Now()
	c1, k1 := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com")
	_, k2 := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com")
	expired, kExp := pemPair(t, now.AddDate(-1, 0, 0), now.Add(-time.Minute), "example.com")
	cases := map[string]struct {
		cert, key []byte
		want      string
	}{
		"two certificates": {append(append([]byte(nil), c1...), c1...), k1, "more than one certificate"},
		"mismatched key":   {c1, k2, "does not match"},
		"expired":          {expired, kExp, "not valid at this time"},
		"garbage":          {[]byte("hello"), k1, "Unable to parse certificate"},
	}
	for name, tc := range cases {
		_, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: tc.cert, PrivateKey: tc.key})
		var ve *acmtypes.ValidationException
		if assert.True(t, errors.As(err, &ve), "%s: %v", name, err) {
			assert.Contains(t, err.Error(), tc.want, name)
		}
	}
	_, err := client.ImportCertificate(ctx, &acm.ImportCertificateInput{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/nope"), Certificate: c1, PrivateKey: k1})
	var nf *acmtypes.ResourceNotFoundException
	assert.True(t, errors.As(err, &nf), "%v", err)
}

func TestIAMServerCertificates(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := iam.NewFromConfig(cloud.Config())
	ctx := context.Background()
	now := cloud.Clock().Now()
	c1, k1 := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com")
	_, k2 := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com")

	up, err := client.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("shop"), Path: aws.String("/web/"), CertificateBody: aws.String(string(c1)), PrivateKey: aws.String(string(k1))})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:iam::123456789012:server-certificate/web/shop", aws.ToString(up.ServerCertificateMetadata.Arn))

	_, err = client.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("SHOP"), CertificateBody: aws.String(string(c1)), PrivateKey: aws.String(string(k1))})
	var exists *iamtypes.EntityAlreadyExistsException
	assert.True(t, errors.As(err, &exists), "names are case-insensitive: %v", err)
	_, err = client.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("other"), CertificateBody: aws.String(string(c1)), PrivateKey: aws.String(string(k2))})
	var mismatch *iamtypes.KeyPairMismatchException
	assert.True(t, errors.As(err, &mismatch), "%v", err)

	got, err := client.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("shop")})
	require.NoError(t, err)
	assert.Equal(t, string(c1), aws.ToString(got.ServerCertificate.CertificateBody))
	list, err := client.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{PathPrefix: aws.String("/web/")})
	require.NoError(t, err)
	assert.Len(t, list.ServerCertificateMetadataList, 1)

	_, err = client.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("shop")})
	require.NoError(t, err)
	_, err = client.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("shop")})
	var nse *iamtypes.NoSuchEntityException
	assert.True(t, errors.As(err, &nse), "%v", err)
}
