package elb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/portalkit/portalkit/internal/retry"
)

// certificateKeyTypes are the key algorithms certificate lookup asks ACM for: ListCertificates
// returns only RSA_2048 certificates unless the request names others (ACM API reference,
// ListCertificates, Includes), which would hide an ECDSA certificate.
var certificateKeyTypes = []acmtypes.KeyAlgorithm{
	acmtypes.KeyAlgorithmRsa2048, acmtypes.KeyAlgorithmRsa3072, acmtypes.KeyAlgorithmRsa4096,
	acmtypes.KeyAlgorithmEcPrime256v1, acmtypes.KeyAlgorithmEcSecp384r1, acmtypes.KeyAlgorithmEcSecp521r1,
}

// FindCertificate returns the ARN of the issued ACM certificate that covers every one of names
// (directly or through a wildcard such as *.example.com), choosing the one that expires last. It
// lists certificates with ListCertificates and confirms the candidates with DescribeCertificate;
// a summary whose names are incomplete (HasAdditionalSubjectAlternativeNames, or no
// SubjectAlternativeNameSummaries at all, as some emulators answer) makes its certificate a
// candidate, so the names DescribeCertificate returns decide.
// It needs Options.Certificates; when no certificate fits, the error matches
// [ErrCertificateNotFound].
func (c *Client) FindCertificate(ctx context.Context, names []string, optFns ...func(*Options)) (string, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return "", err
	}
	if o.Certificates == nil {
		return "", fmt.Errorf("elb: find certificate for %v: Options.Certificates (an ACM client) is not set", names)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("elb: find certificate: no domain names given")
	}
	var candidates []string
	var token *string
	for {
		var out *acm.ListCertificatesOutput
		err := call(ctx, o, "ListCertificates", retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = o.Certificates.ListCertificates(ctx, &acm.ListCertificatesInput{
				CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued},
				Includes:            &acmtypes.Filters{KeyTypes: certificateKeyTypes},
				NextToken:           token,
			})
			return err
		})
		if err != nil {
			return "", fmt.Errorf("elb: list certificates: %w", err)
		}
		for _, s := range out.CertificateSummaryList {
			sans := append([]string{aws.ToString(s.DomainName)}, s.SubjectAlternativeNameSummaries...)
			// A summary lists at most the first 100 names (HasAdditionalSubjectAlternativeNames
			// says there are more), and some endpoints list none: such a certificate may still
			// cover the names, and DescribeCertificate below has them all.
			partial := aws.ToBool(s.HasAdditionalSubjectAlternativeNames) || len(s.SubjectAlternativeNameSummaries) == 0
			if partial || coversAll(sans, names) {
				candidates = append(candidates, aws.ToString(s.CertificateArn))
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		token = out.NextToken
	}
	now := o.Clock.Now()
	best, bestExpiry := "", time.Time{}
	for _, arn := range candidates {
		var d *acmtypes.CertificateDetail
		err := call(ctx, o, "DescribeCertificate", retry.Throttling, func(ctx context.Context) error {
			out, err := o.Certificates.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
			if err == nil {
				d = out.Certificate
			}
			return err
		})
		if err != nil {
			return "", fmt.Errorf("elb: describe certificate %s: %w", arn, err)
		}
		if d == nil || d.Status != acmtypes.CertificateStatusIssued || !coversAll(append([]string{aws.ToString(d.DomainName)}, d.SubjectAlternativeNames...), names) {
			continue
		}
		expiry := aws.ToTime(d.NotAfter)
		if !expiry.After(now) {
			continue
		}
		if best == "" || expiry.After(bestExpiry) {
			best, bestExpiry = arn, expiry
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: %s", ErrCertificateNotFound, strings.Join(names, ", "))
	}
	return best, nil
}

// coversAll reports whether the certificate names cover every wanted name. A wildcard covers one
// label: *.example.com covers www.example.com, not example.com or a.b.example.com.
func coversAll(certNames, wanted []string) bool {
	for _, w := range wanted {
		w = strings.ToLower(strings.TrimSuffix(w, "."))
		ok := false
		for _, n := range certNames {
			n = strings.ToLower(n)
			if n == w {
				ok = true
				break
			}
			if rest, isWild := strings.CutPrefix(n, "*."); isWild {
				if _, tail, found := strings.Cut(w, "."); found && tail == rest {
					ok = true
					break
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
