package awstest

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// maxImportKeySize is ACM's limit on an imported private key: 5 KB (5,120 bytes), unencrypted
// (ACM User Guide, "Prerequisites for importing ACM certificates").
const maxImportKeySize = 5120

// importedCert is what ACM keeps of an imported certificate.
type importedCert struct {
	leaf       *pemCert
	chain      string
	importedAt time.Time
}

func (m *acmModel) registerImport() {
	handle(m.svc, "ImportCertificate", m.importCertificate)
	handle(m.svc, "GetCertificate", m.getCertificate)
	handle(m.svc, "DeleteCertificate", m.deleteCertificate)
	handle(m.svc, "AddTagsToCertificate", m.addTags)
	handle(m.svc, "ListTagsForCertificate", m.listTags)
}

// importCertificate imports a certificate, or re-imports one into the same ARN when CertificateArn
// is set, with ACM's checks: one PEM certificate, a matching unencrypted key of a supported type no
// larger than 5 KB, a certificate valid now, and for a re-import the same key type and no tags.
func (m *acmModel) importCertificate(r *request, in *acm.ImportCertificateInput) (*acm.ImportCertificateOutput, error) {
	if len(in.Certificate) == 0 || len(in.PrivateKey) == 0 {
		return nil, m.svc.errorf("ValidationException", "1 validation error detected: Value null at 'certificate' failed to satisfy constraint: Member must not be null")
	}
	if len(in.PrivateKey) > maxImportKeySize {
		return nil, m.svc.errorf("ValidationException", "The private key length %d is greater than the maximum of %d.", len(in.PrivateKey), maxImportKeySize)
	}
	pc, err := parseUpload(in.Certificate, in.PrivateKey)
	if err != nil {
		return nil, m.importError(err)
	}
	if now := r.now; now.Before(pc.leaf.NotBefore) || !now.Before(pc.leaf.NotAfter) {
		return nil, m.svc.errorf("ValidationException", "The certificate is not valid at this time: it is valid from %s to %s.",
			pc.leaf.NotBefore.UTC().Format(time.RFC3339), pc.leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if len(in.CertificateChain) > 0 {
		if err := verifyChain(pc.leaf, in.CertificateChain); err != nil {
			return nil, m.svc.errorf("ValidationException", "Could not validate the certificate with the certificate chain.")
		}
	}
	im := &importedCert{leaf: pc, chain: string(in.CertificateChain), importedAt: r.now}
	if arn := aws.ToString(in.CertificateArn); arn != "" {
		return m.reimport(r, arn, im, in.Tags)
	}
	tags, err := m.checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	c := m.newCert(r.now, pc.leaf.Subject.CommonName)
	c.imported, c.tags = im, tags
	m.applyLeaf(c, pc)
	return &acm.ImportCertificateOutput{CertificateArn: aws.String(c.arn)}, nil
}

// reimport replaces the certificate behind arn, keeping the ARN so that every listener using it
// serves the new certificate with no edit.
func (m *acmModel) reimport(r *request, arn string, im *importedCert, tags []acmtypes.Tag) (*acm.ImportCertificateOutput, error) {
	if !strings.HasPrefix(arn, "arn:aws:acm:") {
		return nil, m.svc.errorf("InvalidArnException", "Invalid ARN: %s", arn)
	}
	c := m.cert(arn)
	if c == nil {
		return nil, m.notFound(arn)
	}
	if c.imported == nil {
		return nil, m.svc.errorf("ValidationException", "Certificate %s was not imported: only imported certificates can be reimported.", arn)
	}
	if len(tags) > 0 {
		return nil, m.svc.errorf("ValidationException", "Tags cannot be applied when reimporting a certificate.")
	}
	if acmtypes.KeyAlgorithm(im.leaf.keyAlg) != c.key {
		return nil, m.svc.errorf("ValidationException", "The key type and size of a reimported certificate (%s) must match the certificate it replaces (%s).", im.leaf.keyAlg, c.key)
	}
	c.imported = im
	m.applyLeaf(c, im.leaf)
	return &acm.ImportCertificateOutput{CertificateArn: aws.String(c.arn)}, nil
}

// applyLeaf sets the names, key type and validity ACM reads from the certificate.
func (m *acmModel) applyLeaf(c *acmCert, pc *pemCert) {
	c.domain = pc.leaf.Subject.CommonName
	c.sans = nil
	if c.domain != "" {
		c.sans = append(c.sans, c.domain)
	}
	for _, n := range pc.leaf.DNSNames {
		if !contains(c.sans, n) {
			c.sans = append(c.sans, n)
		}
	}
	if c.domain == "" && len(c.sans) > 0 {
		c.domain = c.sans[0]
	}
	c.key = acmtypes.KeyAlgorithm(pc.keyAlg)
	c.status = acmtypes.CertificateStatusIssued
	c.notBefore, c.notAfter = pc.leaf.NotBefore.UTC(), pc.leaf.NotAfter.UTC()
}

// newCert adds a certificate record with a fresh ARN. Called with c.mu held.
func (m *acmModel) newCert(now time.Time, seed string) *acmCert {
	sum := sha256.Sum256([]byte(fmt.Sprintf("acm-%d-%s", len(m.certs)+1, seed)))
	h := hex.EncodeToString(sum[:16])
	id := fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
	c := &acmCert{
		arn:     fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", m.cloud.opts.Region, m.cloud.opts.AccountID, id),
		created: now, seq: len(m.certs) + 1,
	}
	m.certs = append(m.certs, c)
	return c
}

func (m *acmModel) importError(err error) error {
	switch err {
	case errManyCertificates:
		return m.svc.errorf("ValidationException", "The certificate field contains more than one certificate. You can specify only one certificate in this field.")
	case errKeyMismatch:
		return m.svc.errorf("ValidationException", "The private key does not match the public key in the certificate.")
	case errKeyType:
		return m.svc.errorf("ValidationException", "The certificate's key algorithm is not supported. Supported algorithms: RSA_1024, RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, EC_secp384r1, EC_secp521r1.")
	case errBadKey:
		return m.svc.errorf("ValidationException", "The private key is not supported: it must be a PEM-encoded, unencrypted RSA or EC key.")
	}
	return m.svc.errorf("ValidationException", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
}

// verifyChain checks that chain (PEM, issuer first) signs leaf up to its last certificate.
func verifyChain(leaf *x509.Certificate, chain []byte) error {
	blocks := pemBlocks(chain, "CERTIFICATE")
	if len(blocks) == 0 {
		return errNoCertificate
	}
	child := leaf
	for _, b := range blocks {
		parent, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return err
		}
		if err := child.CheckSignatureFrom(parent); err != nil {
			return err
		}
		child = parent
	}
	return nil
}

func serialHex(c *x509.Certificate) string {
	b := c.SerialNumber.Bytes()
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

func (m *acmModel) getCertificate(r *request, in *acm.GetCertificateInput) (*acm.GetCertificateOutput, error) {
	c := m.cert(aws.ToString(in.CertificateArn))
	if c == nil {
		return nil, m.notFound(aws.ToString(in.CertificateArn))
	}
	if c.imported == nil {
		return nil, r.unmodeled("GetCertificate of a certificate ACM issued (the model keeps no PEM for it)")
	}
	out := &acm.GetCertificateOutput{Certificate: aws.String(c.imported.leaf.pem)}
	if c.imported.chain != "" {
		out.CertificateChain = aws.String(c.imported.chain)
	}
	return out, nil
}

func (m *acmModel) deleteCertificate(r *request, in *acm.DeleteCertificateInput) (*acm.DeleteCertificateOutput, error) {
	arn := aws.ToString(in.CertificateArn)
	c := m.cert(arn)
	if c == nil {
		return nil, m.notFound(arn)
	}
	if users := m.inUseBy(arn); len(users) > 0 {
		return nil, m.svc.errorf("ResourceInUseException", "Certificate %s in use by %s", arn, strings.Join(users, ", "))
	}
	c.deleted = true
	return &acm.DeleteCertificateOutput{}, nil
}

// checkTags applies ACM's tag rules: at most 50, keys 1-128 characters, not starting with "aws:".
func (m *acmModel) checkTags(tags []acmtypes.Tag) ([]acmtypes.Tag, error) {
	if len(tags) > 50 {
		return nil, m.svc.errorf("TooManyTagsException", "the TagSet: %d tags exceed the maximum of 50", len(tags))
	}
	out := make([]acmtypes.Tag, 0, len(tags))
	for _, t := range tags {
		k := aws.ToString(t.Key)
		if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, m.svc.errorf("InvalidTagException", "the tag key %q is invalid", k)
		}
		out = append(out, acmtypes.Tag{Key: aws.String(k), Value: aws.String(aws.ToString(t.Value))})
	}
	return out, nil
}

func (m *acmModel) addTags(r *request, in *acm.AddTagsToCertificateInput) (*acm.AddTagsToCertificateOutput, error) {
	c := m.cert(aws.ToString(in.CertificateArn))
	if c == nil {
		return nil, m.notFound(aws.ToString(in.CertificateArn))
	}
	tags, err := m.checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	merged := append([]acmtypes.Tag(nil), c.tags...)
	for _, t := range tags {
		replaced := false
		for i := range merged {
			if aws.ToString(merged[i].Key) == aws.ToString(t.Key) {
				merged[i], replaced = t, true
			}
		}
		if !replaced {
			merged = append(merged, t)
		}
	}
	if len(merged) > 50 {
		return nil, m.svc.errorf("TooManyTagsException", "the TagSet: %d tags exceed the maximum of 50", len(merged))
	}
	c.tags = merged
	return &acm.AddTagsToCertificateOutput{}, nil
}

func (m *acmModel) listTags(r *request, in *acm.ListTagsForCertificateInput) (*acm.ListTagsForCertificateOutput, error) {
	c := m.cert(aws.ToString(in.CertificateArn))
	if c == nil {
		return nil, m.notFound(aws.ToString(in.CertificateArn))
	}
	out := &acm.ListTagsForCertificateOutput{Tags: []acmtypes.Tag{}}
	for _, t := range c.tags {
		out.Tags = append(out.Tags, acmtypes.Tag{Key: aws.String(aws.ToString(t.Key)), Value: aws.String(aws.ToString(t.Value))})
	}
	return out, nil
}
