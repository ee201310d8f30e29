package awstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
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

func (m *acmModel) registerImport() {
	handle(m.svc, "ImportCertificate", m.importCertificate)
	handle(m.svc, "DeleteCertificate", m.deleteCertificate)
	handle(m.svc, "ListTagsForCertificate", m.listTags)
}

func (c *acmCert) certType() acmtypes.CertificateType {
	if c.imported {
		return acmtypes.CertificateTypeImported
	}
	return acmtypes.CertificateTypeAmazonIssued
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

// importCertificate imports a PEM certificate and its private key. The certificate's subject
// common name is the domain name (its first DNS name when it has no common name), its DNS names
// the subject alternative names, its validity the certificate's. Re-importing into an existing
// ARN is not modeled.
func (m *acmModel) importCertificate(r *request, in *acm.ImportCertificateInput) (*acm.ImportCertificateOutput, error) {
	if in.CertificateArn != nil {
		return nil, r.unmodeled("re-import into an existing certificate (CertificateArn)")
	}
	if len(in.Certificate) == 0 || len(in.PrivateKey) == 0 {
		return nil, m.svc.errorf("ValidationException", "1 validation error detected: Certificate and PrivateKey must not be empty")
	}
	block, _ := pem.Decode(in.Certificate)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, m.svc.errorf("ValidationException", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, m.svc.errorf("ValidationException", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	key, err := parsePrivateKey(in.PrivateKey)
	if err != nil {
		return nil, m.svc.errorf("ValidationException", "Unable to parse key. Please ensure the key is in PEM format.")
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, m.svc.errorf("ValidationException", "The private key does not match the public key in the certificate.")
	}
	alg, ok := keyAlgorithm(cert.PublicKey)
	if !ok {
		return nil, m.svc.errorf("ValidationException", "The certificate's key algorithm is not supported.")
	}
	domain := cert.Subject.CommonName
	if domain == "" && len(cert.DNSNames) > 0 {
		domain = cert.DNSNames[0]
	}
	if domain == "" {
		return nil, m.svc.errorf("ValidationException", "The certificate has no domain name (no subject common name and no DNS names).")
	}
	tags, err := m.tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	status := acmtypes.CertificateStatusIssued
	if !cert.NotAfter.After(r.now) {
		status = acmtypes.CertificateStatusExpired
	}
	ac := m.add(Certificate{DomainName: domain, SubjectAlternativeNames: cert.DNSNames, Status: status, KeyAlgorithm: alg, NotAfter: cert.NotAfter}, r.now)
	ac.notBefore, ac.imported, ac.tags = cert.NotBefore, true, tags
	return &acm.ImportCertificateOutput{CertificateArn: aws.String(ac.arn)}, nil
}

func parsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("unsupported key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

// keyAlgorithm names a public key as ACM does.
func keyAlgorithm(pub crypto.PublicKey) (acmtypes.KeyAlgorithm, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 1024:
			return acmtypes.KeyAlgorithmRsa1024, true
		case 2048:
			return acmtypes.KeyAlgorithmRsa2048, true
		case 3072:
			return acmtypes.KeyAlgorithmRsa3072, true
		case 4096:
			return acmtypes.KeyAlgorithmRsa4096, true
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return acmtypes.KeyAlgorithmEcPrime256v1, true
		case elliptic.P384():
			return acmtypes.KeyAlgorithmEcSecp384r1, true
		case elliptic.P521():
			return acmtypes.KeyAlgorithmEcSecp521r1, true
		}
	}
	return "", false
}

func (m *acmModel) tagMap(in []acmtypes.Tag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range in {
		k := aws.ToString(t.Key)
		if k == "" || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, m.svc.errorf("InvalidTagException", "Tag key '%s' is invalid", k)
		}
		out[k] = aws.ToString(t.Value)
	}
	if len(out) > 50 {
		return nil, m.svc.errorf("TooManyTagsException", "the certificate would have more than 50 tags")
	}
	return out, nil
}

func (m *acmModel) cert(arn string) (*acmCert, int, error) {
	if !strings.HasPrefix(arn, "arn:aws:acm:") {
		return nil, 0, m.svc.errorf("InvalidArnException", "Invalid ARN: %s", arn)
	}
	for i, c := range m.certs {
		if c.arn == arn {
			return c, i, nil
		}
	}
	return nil, 0, m.svc.errorf("ResourceNotFoundException", "Could not find certificate with arn %s", arn)
}

// deleteCertificate deletes a certificate no load balancer uses; one in use fails with
// ResourceInUseException, as in ACM.
func (m *acmModel) deleteCertificate(r *request, in *acm.DeleteCertificateInput) (*acm.DeleteCertificateOutput, error) {
	c, i, err := m.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	if users := m.inUseBy(c.arn); len(users) > 0 {
		return nil, m.svc.errorf("ResourceInUseException", "Certificate %s in account %s is in use.", c.arn, m.cloud.opts.AccountID)
	}
	m.certs = append(m.certs[:i:i], m.certs[i+1:]...)
	return &acm.DeleteCertificateOutput{}, nil
}

func (m *acmModel) listTags(r *request, in *acm.ListTagsForCertificateInput) (*acm.ListTagsForCertificateOutput, error) {
	c, _, err := m.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(c.tags))
	for k := range c.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &acm.ListTagsForCertificateOutput{Tags: []acmtypes.Tag{}}
	for _, k := range keys {
		out.Tags = append(out.Tags, acmtypes.Tag{Key: aws.String(k), Value: aws.String(c.tags[k])})
	}
	return out, nil
}
