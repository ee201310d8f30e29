package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// ServiceIAM is AWS Identity and Access Management; the model covers server certificates, which
// Classic Load Balancer HTTPS and SSL listeners use.
const ServiceIAM = "IAM"

// serverCertNamePattern is IAM's rule for ServerCertificateName: 1-128 of [\w+=,.@-].
var serverCertNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

// iamModel is IAM's server-certificate store.
type iamModel struct {
	cloud *Cloud
	svc   *service
	certs []*serverCert
	seq   uint64
}

type serverCert struct {
	name, path, id, arn string
	leaf                *pemCert
	chain               string
	uploaded            time.Time
	seq                 uint64
	tags                []iamtypes.Tag
}

func newIAMModel(c *Cloud) model {
	// IAM throttles with Throttling and HTTP 400, as the Query-protocol services do.
	m := &iamModel{cloud: c, svc: newService(ServiceIAM, "Throttling", http.StatusBadRequest)}
	m.svc.newError = func(code, msg string) error { return typedError(iamExceptions, code, msg) }
	handle(m.svc, "UploadServerCertificate", m.upload)
	handle(m.svc, "GetServerCertificate", m.get)
	handle(m.svc, "DeleteServerCertificate", m.delete)
	handle(m.svc, "ListServerCertificates", m.list)
	handle(m.svc, "ListServerCertificateTags", m.listTags)
	return m
}

func (m *iamModel) service() *service { return m.svc }

// iam returns the cloud's ServiceIAM model.
func (c *Cloud) iam() *iamModel { return modelOf[*iamModel](c, ServiceIAM) }

var iamExceptions = map[string]exception{
	"DeleteConflict":       func(msg *string) error { return &iamtypes.DeleteConflictException{Message: msg} },
	"EntityAlreadyExists":  func(msg *string) error { return &iamtypes.EntityAlreadyExistsException{Message: msg} },
	"InvalidInput":         func(msg *string) error { return &iamtypes.InvalidInputException{Message: msg} },
	"KeyPairMismatch":      func(msg *string) error { return &iamtypes.KeyPairMismatchException{Message: msg} },
	"LimitExceeded":        func(msg *string) error { return &iamtypes.LimitExceededException{Message: msg} },
	"MalformedCertificate": func(msg *string) error { return &iamtypes.MalformedCertificateException{Message: msg} },
	"NoSuchEntity":         func(msg *string) error { return &iamtypes.NoSuchEntityException{Message: msg} },
	"ServiceFailure":       func(msg *string) error { return &iamtypes.ServiceFailureException{Message: msg} },
}

func (m *iamModel) byName(name string) *serverCert {
	for _, c := range m.certs {
		if strings.EqualFold(c.name, name) { // IAM names are case-insensitive
			return c
		}
	}
	return nil
}

// serverCertByARN returns the server certificate with the ARN, or nil. Called with c.mu held.
func (m *iamModel) serverCertByARN(arn string) *serverCert {
	for _, c := range m.certs {
		if c.arn == arn {
			return c
		}
	}
	return nil
}

func (m *iamModel) upload(r *request, in *iam.UploadServerCertificateInput) (*iam.UploadServerCertificateOutput, error) {
	name, path := aws.ToString(in.ServerCertificateName), aws.ToString(in.Path)
	if path == "" {
		path = "/"
	}
	switch {
	case !serverCertNamePattern.MatchString(name):
		return nil, m.svc.errorf("ValidationError", "1 validation error detected: Value '%s' at 'serverCertificateName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name)
	case !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/"):
		return nil, m.svc.errorf("ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	case aws.ToString(in.CertificateBody) == "" || aws.ToString(in.PrivateKey) == "":
		return nil, m.svc.errorf("ValidationError", "1 validation error detected: Value null at 'certificateBody' failed to satisfy constraint: Member must not be null")
	}
	if m.byName(name) != nil {
		return nil, m.svc.statusErrorf(http.StatusConflict, "EntityAlreadyExists", "The Server Certificate with name %s already exists.", name)
	}
	if len(in.Tags) > 50 {
		return nil, m.svc.errorf("LimitExceeded", "Cannot exceed quota for TagsPerServerCertificate: 50")
	}
	pc, err := parseUpload([]byte(aws.ToString(in.CertificateBody)), []byte(aws.ToString(in.PrivateKey)))
	switch err {
	case nil:
	case errKeyMismatch:
		return nil, m.svc.errorf("KeyPairMismatch", "Unable to validate certificate. The public key of the certificate does not match the private key.")
	case errBadKey:
		return nil, m.svc.errorf("MalformedCertificate", "Unable to parse private key. Please ensure the private key is in PEM format and not encrypted.")
	default:
		return nil, m.svc.errorf("MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if !r.now.Before(pc.leaf.NotAfter) {
		return nil, m.svc.errorf("MalformedCertificate", "Certificate is expired.")
	}
	if chain := aws.ToString(in.CertificateChain); chain != "" {
		if err := verifyChain(pc.leaf, []byte(chain)); err != nil {
			return nil, m.svc.errorf("MalformedCertificate", "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: 0")
		}
	}
	m.seq++
	c := &serverCert{
		name: name, path: path, id: fmt.Sprintf("ASCA%016X", m.seq),
		arn:  fmt.Sprintf("arn:aws:iam::%s:server-certificate%s%s", m.cloud.opts.AccountID, path, name),
		leaf: pc, chain: aws.ToString(in.CertificateChain), uploaded: r.now, seq: m.seq,
		tags: append([]iamtypes.Tag{}, in.Tags...),
	}
	m.certs = append(m.certs, c)
	return &iam.UploadServerCertificateOutput{ServerCertificateMetadata: c.metadata(), Tags: append([]iamtypes.Tag{}, c.tags...)}, nil
}

func (c *serverCert) metadata() *iamtypes.ServerCertificateMetadata {
	return &iamtypes.ServerCertificateMetadata{
		Arn: aws.String(c.arn), Path: aws.String(c.path), ServerCertificateId: aws.String(c.id),
		ServerCertificateName: aws.String(c.name), Expiration: aws.Time(c.leaf.leaf.NotAfter.UTC()), UploadDate: aws.Time(c.uploaded),
	}
}

func (m *iamModel) noSuch(name string) error {
	return m.svc.statusErrorf(http.StatusNotFound, "NoSuchEntity", "The Server Certificate with name %s cannot be found.", name)
}

func (m *iamModel) get(r *request, in *iam.GetServerCertificateInput) (*iam.GetServerCertificateOutput, error) {
	name := aws.ToString(in.ServerCertificateName)
	c := m.byName(name)
	if c == nil {
		return nil, m.noSuch(name)
	}
	sc := &iamtypes.ServerCertificate{CertificateBody: aws.String(c.leaf.pem), ServerCertificateMetadata: c.metadata(), Tags: append([]iamtypes.Tag{}, c.tags...)}
	if c.chain != "" {
		sc.CertificateChain = aws.String(c.chain)
	}
	return &iam.GetServerCertificateOutput{ServerCertificate: sc}, nil
}

func (m *iamModel) delete(r *request, in *iam.DeleteServerCertificateInput) (*iam.DeleteServerCertificateOutput, error) {
	name := aws.ToString(in.ServerCertificateName)
	c := m.byName(name)
	if c == nil {
		return nil, m.noSuch(name)
	}
	for _, lb := range m.cloud.elb().lbs {
		for _, l := range lb.listeners {
			if aws.ToString(l.SSLCertificateId) == c.arn {
				return nil, m.svc.statusErrorf(http.StatusConflict, "DeleteConflict", "Certificate: %s is currently in use by arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s. Please remove it first before deleting it from IAM.", c.id, m.cloud.opts.Region, m.cloud.opts.AccountID, lb.name)
			}
		}
	}
	kept := m.certs[:0]
	for _, x := range m.certs {
		if x != c {
			kept = append(kept, x)
		}
	}
	m.certs = kept
	return &iam.DeleteServerCertificateOutput{}, nil
}

func (m *iamModel) list(r *request, in *iam.ListServerCertificatesInput) (*iam.ListServerCertificatesOutput, error) {
	prefix := aws.ToString(in.PathPrefix)
	if prefix == "" {
		prefix = "/"
	}
	var matched []*serverCert
	for _, c := range m.certs {
		if strings.HasPrefix(c.path, prefix) {
			matched = append(matched, c)
		}
	}
	var after string
	if tok := aws.ToString(in.Marker); tok != "" {
		var ok bool
		if after, ok = decodeToken(ServiceIAM+" ListServerCertificates", tok); !ok {
			return nil, m.svc.errorf("ValidationError", "Invalid Marker.")
		}
	}
	limit := 100
	if in.MaxItems != nil {
		if *in.MaxItems < 1 || *in.MaxItems > 1000 {
			return nil, m.svc.errorf("ValidationError", "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *in.MaxItems)
		}
		limit = int(*in.MaxItems)
	}
	pg, next := pageAfter(ServiceIAM+" ListServerCertificates", matched, func(c *serverCert) string { return seqKey(c.seq) }, after, limit)
	out := &iam.ListServerCertificatesOutput{ServerCertificateMetadataList: []iamtypes.ServerCertificateMetadata{}}
	for _, c := range pg {
		out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, *c.metadata())
	}
	if next != "" {
		out.IsTruncated, out.Marker = true, aws.String(next)
	}
	return out, nil
}

// listTags returns a server certificate's tags (IAM's ListServerCertificateTags; one page: the
// model keeps at most 50 tags, fewer than a page).
func (m *iamModel) listTags(r *request, in *iam.ListServerCertificateTagsInput) (*iam.ListServerCertificateTagsOutput, error) {
	name := aws.ToString(in.ServerCertificateName)
	c := m.byName(name)
	if c == nil {
		return nil, m.noSuch(name)
	}
	if aws.ToString(in.Marker) != "" {
		return nil, m.svc.errorf("ValidationError", "Invalid Marker.")
	}
	return &iam.ListServerCertificateTagsOutput{Tags: append([]iamtypes.Tag{}, c.tags...)}, nil
}
