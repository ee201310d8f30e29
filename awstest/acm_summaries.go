package awstest

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// DefaultACMSummaryNames is how many names ACM's ListCertificates puts in a summary's
// SubjectAlternativeNameSummaries: the first 100, with HasAdditionalSubjectAlternativeNames set
// when the certificate has more (ACM API reference, CertificateSummary).
const DefaultACMSummaryNames = 100

// ACMOptions configure the ACM model.
type ACMOptions struct {
	// SummaryNames is how many names a ListCertificates summary lists before it sets
	// HasAdditionalSubjectAlternativeNames. Zero means DefaultACMSummaryNames.
	SummaryNames int
	// OmitSummaryNames leaves SubjectAlternativeNameSummaries and
	// HasAdditionalSubjectAlternativeNames out of ListCertificates summaries, as some AWS emulators
	// do; DescribeCertificate still lists every name. False (the default) answers as ACM does.
	OmitSummaryNames bool
}

func (o ACMOptions) withDefaults() ACMOptions {
	if o.SummaryNames == 0 {
		o.SummaryNames = DefaultACMSummaryNames
	}
	return o
}

func (o ACMOptions) problems() []string {
	if o.SummaryNames < 0 {
		return []string{fmt.Sprintf("ACM.SummaryNames %d is negative", o.SummaryNames)}
	}
	return nil
}

// summarizeNames fills a ListCertificates summary's names as ACM does: the first SummaryNames,
// and HasAdditionalSubjectAlternativeNames when there are more.
func (m *acmModel) summarizeNames(s *acmtypes.CertificateSummary, c *acmCert) {
	o := m.cloud.opts.ACM
	if o.OmitSummaryNames {
		return
	}
	names := c.sans
	more := len(names) > o.SummaryNames
	if more {
		names = names[:o.SummaryNames]
	}
	s.SubjectAlternativeNameSummaries = append([]string(nil), names...)
	s.HasAdditionalSubjectAlternativeNames = aws.Bool(more)
}
