package awstest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

func TestACMListAndDescribe(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	client := acm.NewFromConfig(cloud.Config())
	rsa := cloud.AddCertificate(awstest.Certificate{DomainName: "example.com", SubjectAlternativeNames: []string{"www.example.com"}})
	ec := cloud.AddCertificate(awstest.Certificate{DomainName: "example.org", KeyAlgorithm: acmtypes.KeyAlgorithmEcPrime256v1})
	cloud.AddCertificate(awstest.Certificate{DomainName: "example.net", Status: acmtypes.CertificateStatusPendingValidation})

	arns := func(in *acm.ListCertificatesInput) []string {
		var out []string
		p := acm.NewListCertificatesPaginator(client, in, func(o *acm.ListCertificatesPaginatorOptions) { o.Limit = 1 })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, s := range page.CertificateSummaryList {
				out = append(out, aws.ToString(s.CertificateArn))
			}
		}
		return out
	}
	assert.Len(t, arns(&acm.ListCertificatesInput{}), 2, "RSA_2048 only by default, any status")
	assert.Equal(t, []string{rsa}, arns(&acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued}}))
	assert.Equal(t, []string{rsa, ec}, arns(&acm.ListCertificatesInput{
		CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued},
		Includes:            &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmRsa2048, acmtypes.KeyAlgorithmEcPrime256v1}},
	}))

	d, err := client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(rsa)})
	require.NoError(t, err)
	assert.Equal(t, []string{"example.com", "www.example.com"}, d.Certificate.SubjectAlternativeNames)
	assert.Equal(t, acmtypes.CertificateStatusIssued, d.Certificate.Status)
	assert.True(t, d.Certificate.NotAfter.After(cloud.Clock().Now()))

	_, err = client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(rsa + "0")})
	var nf *acmtypes.ResourceNotFoundException
	assert.True(t, errors.As(err, &nf), "typed ResourceNotFoundException: %v", err)
}
