package awstest

import (
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// DefaultCertificateValidity is how long a certificate added with [Cloud.AddCertificate] is valid
// when Certificate.NotAfter is zero: ACM issues public certificates for 395 days.
const DefaultCertificateValidity = 395 * 24 * time.Hour

// Certificate describes a certificate to add to the simulated ACM with [Cloud.AddCertificate].
type Certificate struct {
	// DomainName is the certificate's primary name, for example "example.com" or "*.example.com".
	// Required.
	DomainName string
	// SubjectAlternativeNames are further names the certificate covers. The domain name is always
	// covered and need not be repeated.
	SubjectAlternativeNames []string
	// Status is the certificate's status. Empty means ISSUED.
	Status acmtypes.CertificateStatus
	// KeyAlgorithm is the key type. Empty means RSA_2048, the only type ListCertificates returns
	// unless the request's Includes.KeyTypes names others (as in ACM).
	KeyAlgorithm acmtypes.KeyAlgorithm
	// NotAfter is when the certificate expires. Zero means DefaultCertificateValidity after the
	// current virtual time.
	NotAfter time.Time
}

type acmCert struct {
	arn       string
	domain    string
	sans      []string
	status    acmtypes.CertificateStatus
	key       acmtypes.KeyAlgorithm
	created   time.Time
	notBefore time.Time
	notAfter  time.Time
	seq       int // creation order, for listings
	// imported is set for certificates from ImportCertificate (Type IMPORTED).
	imported *importedCert
	tags     []acmtypes.Tag
	deleted  bool
}

// statusAt is the certificate's status at now: an issued certificate is EXPIRED after NotAfter.
func (c *acmCert) statusAt(now time.Time) acmtypes.CertificateStatus {
	if c.status == acmtypes.CertificateStatusIssued && !now.Before(c.notAfter) {
		return acmtypes.CertificateStatusExpired
	}
	return c.status
}

func (c *acmCert) certType() acmtypes.CertificateType {
	if c.imported != nil {
		return acmtypes.CertificateTypeImported
	}
	return acmtypes.CertificateTypeAmazonIssued
}

// acmModel is AWS Certificate Manager, enough to look certificates up: ListCertificates and
// DescribeCertificate over certificates that tests add with [Cloud.AddCertificate].
type acmModel struct {
	cloud *Cloud
	svc   *service
	certs []*acmCert
}

func newACMModel(c *Cloud) model {
	m := &acmModel{cloud: c, svc: newService(ServiceACM, "ThrottlingException", http.StatusBadRequest)}
	m.svc.newError = acmError
	handle(m.svc, "ListCertificates", m.listCertificates)
	handle(m.svc, "DescribeCertificate", m.describeCertificate)
	m.registerImport()
	return m
}

func acmError(code, msg string) error { return typedError(acmExceptions, code, msg) }

// AddCertificate adds a certificate to the simulated ACM and returns its ARN. It panics if
// DomainName is empty, as the certificate could never be requested.
func (c *Cloud) AddCertificate(cert Certificate) string {
	if cert.DomainName == "" {
		panic("awstest: AddCertificate: DomainName is required")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	m := c.acm()
	ac := m.newCert(now, cert.DomainName)
	ac.domain, ac.sans, ac.status, ac.key = cert.DomainName, []string{cert.DomainName}, cert.Status, cert.KeyAlgorithm
	ac.notBefore, ac.notAfter = now, cert.NotAfter
	for _, s := range cert.SubjectAlternativeNames {
		if !contains(ac.sans, s) {
			ac.sans = append(ac.sans, s)
		}
	}
	if ac.status == "" {
		ac.status = acmtypes.CertificateStatusIssued
	}
	if ac.key == "" {
		ac.key = acmtypes.KeyAlgorithmRsa2048
	}
	if ac.notAfter.IsZero() {
		ac.notAfter = now.Add(DefaultCertificateValidity)
	}
	return ac.arn
}

// usable reports whether arn names an issued, unexpired certificate a listener can use at now.
// Called with c.mu held.
func (m *acmModel) usable(arn string, now time.Time) bool {
	c := m.cert(arn)
	return c != nil && c.statusAt(now) == acmtypes.CertificateStatusIssued
}

// cert returns the certificate with the ARN, or nil.
func (m *acmModel) cert(arn string) *acmCert {
	for _, c := range m.certs {
		if c.arn == arn && !c.deleted {
			return c
		}
	}
	return nil
}

func (m *acmModel) listCertificates(r *request, in *acm.ListCertificatesInput) (*acm.ListCertificatesOutput, error) {
	keyTypes := []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmRsa2048}
	if in.Includes != nil && len(in.Includes.KeyTypes) > 0 {
		keyTypes = in.Includes.KeyTypes
	}
	var list []*acmCert
	for _, c := range m.certs {
		if c.deleted || !contains(keyTypes, c.key) || (len(in.CertificateStatuses) > 0 && !contains(in.CertificateStatuses, c.statusAt(r.now))) {
			continue
		}
		list = append(list, c)
	}
	var after string
	if tok := aws.ToString(in.NextToken); tok != "" {
		var ok bool
		if after, ok = decodeToken(ServiceACM+" ListCertificates", tok); !ok {
			return nil, m.svc.errorf("InvalidArgsException", "The NextToken '%s' is not valid", tok)
		}
	}
	limit := 0
	if in.MaxItems != nil {
		if *in.MaxItems < 1 || *in.MaxItems > 1000 {
			return nil, m.svc.errorf("ValidationException", "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *in.MaxItems)
		}
		limit = int(*in.MaxItems)
	}
	pg, next := pageAfter(ServiceACM+" ListCertificates", list, func(c *acmCert) string { return seqKey(uint64(c.seq)) }, after, limit)
	out := &acm.ListCertificatesOutput{CertificateSummaryList: []acmtypes.CertificateSummary{}}
	for _, c := range pg {
		sum := acmtypes.CertificateSummary{
			CertificateArn: aws.String(c.arn), DomainName: aws.String(c.domain), Status: c.statusAt(r.now), KeyAlgorithm: c.key,
			CreatedAt: aws.Time(c.created), IssuedAt: aws.Time(c.created), NotBefore: aws.Time(c.notBefore), NotAfter: aws.Time(c.notAfter),
			Type: c.certType(), InUse: aws.Bool(len(m.inUseBy(c.arn)) > 0),
		}
		m.summarizeNames(&sum, c)
		if c.imported != nil {
			sum.IssuedAt, sum.ImportedAt = nil, aws.Time(c.imported.importedAt)
		}
		out.CertificateSummaryList = append(out.CertificateSummaryList, sum)
	}
	if next != "" {
		out.NextToken = aws.String(next)
	}
	return out, nil
}

func (m *acmModel) describeCertificate(r *request, in *acm.DescribeCertificateInput) (*acm.DescribeCertificateOutput, error) {
	arn := aws.ToString(in.CertificateArn)
	if !strings.HasPrefix(arn, "arn:aws:acm:") {
		return nil, m.svc.errorf("InvalidArnException", "Invalid ARN: %s", arn)
	}
	c := m.cert(arn)
	if c == nil {
		return nil, m.notFound(arn)
	}
	d := &acmtypes.CertificateDetail{
		CertificateArn: aws.String(c.arn), DomainName: aws.String(c.domain), Status: c.statusAt(r.now), KeyAlgorithm: c.key,
		SubjectAlternativeNames: append([]string(nil), c.sans...), CreatedAt: aws.Time(c.created), IssuedAt: aws.Time(c.created),
		NotBefore: aws.Time(c.notBefore), NotAfter: aws.Time(c.notAfter), Type: c.certType(),
		Subject: aws.String("CN=" + c.domain), InUseBy: m.inUseBy(c.arn),
	}
	if im := c.imported; im != nil {
		d.IssuedAt, d.ImportedAt = nil, aws.Time(im.importedAt)
		d.Subject, d.Issuer, d.Serial = aws.String(im.leaf.leaf.Subject.String()), aws.String(im.leaf.leaf.Issuer.String()), aws.String(serialHex(im.leaf.leaf))
	}
	return &acm.DescribeCertificateOutput{Certificate: d}, nil
}

func (m *acmModel) notFound(arn string) error {
	return m.svc.errorf("ResourceNotFoundException", "Could not find certificate with arn %s", arn)
}

// inUseBy lists the load balancers whose listeners use the certificate: ALBs and NLBs, and
// Classic Load Balancers by their ARN.
func (m *acmModel) inUseBy(arn string) []string {
	out := []string{}
	for _, l := range m.cloud.elbv2().listeners {
		if contains(l.certs, arn) && !contains(out, l.lb.arn) {
			out = append(out, l.lb.arn)
		}
	}
	for _, lb := range m.cloud.elb().lbs {
		for _, l := range lb.listeners {
			if aws.ToString(l.SSLCertificateId) == arn {
				out = append(out, m.cloud.elbARN("loadbalancer/"+lb.name))
				break
			}
		}
	}
	return out
}

func (m *acmModel) service() *service { return m.svc }

// acm returns the cloud's ServiceACM model.
func (c *Cloud) acm() *acmModel { return modelOf[*acmModel](c, ServiceACM) }
