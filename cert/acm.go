package cert

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/smithy-go"
)

// Action says what an import or upload did.
type Action string

// The actions of ImportACM and UploadIAM.
const (
	// Imported means a new certificate was imported (or uploaded).
	Imported Action = "imported"
	// Reimported means the certificate with the name was replaced in place: same ARN.
	Reimported Action = "reimported"
	// Adopted means the same certificate was already there without the name tag; it was tagged.
	Adopted Action = "adopted"
	// Unchanged means the same certificate was already there; nothing was sent.
	Unchanged Action = "unchanged"
)

// Result is the outcome of ImportACM or UploadIAM.
type Result struct {
	// ARN is the certificate's ARN in ACM, or the IAM server certificate's ARN.
	ARN string
	// Name is the IAM server certificate's name (UploadIAM only).
	Name string
	// Action says what was done.
	Action Action
	// Info describes the certificate that was checked.
	Info *Info
}

// ImportACM checks the bundle (as [Check], against domains) and puts it in ACM under name, a
// label of yours such as "shop", kept in the Options.NameTag tag:
//   - no imported certificate has the name: the bundle is imported, tagged with the name and
//     Options.Tags (if the very same certificate is already there untagged, it is adopted: tagged,
//     not imported twice);
//   - the certificate with the name is this one: nothing is sent (Unchanged);
//   - it is another one (a renewal): the bundle is re-imported into the same ARN, so every
//     listener that uses it serves the new certificate with no edit. A certificate that expires
//     before the one it replaces is refused unless Options.AllowOlder; ACM itself refuses a change
//     of key type and size, and so does ImportACM, before any change.
//
// A bundle that fails the check returns a [*CheckError] and makes no call.
func (c *Client) ImportACM(ctx context.Context, name string, b Bundle, domains []string, optFns ...func(*Options)) (*Result, error) {
	o, err := c.opts(optFns, "ACM")
	if err != nil {
		return nil, err
	}
	if name == "" || len(name) > 256 {
		return nil, fmt.Errorf("%w: name %q must be 1-256 characters (it is an ACM tag value)", ErrInvalidOptions, name)
	}
	info, err := checkBundle(b, domains, o)
	if err != nil {
		return nil, err
	}
	current, same, err := c.findImported(ctx, o, name, info)
	if err != nil {
		return nil, err
	}
	switch {
	case current != nil && current.fingerprint == info.Fingerprint:
		return &Result{ARN: current.arn, Action: Unchanged, Info: info}, nil
	case current != nil:
		return c.reimport(ctx, o, current, b, info)
	case same != nil:
		if err := c.tagName(ctx, o, same.arn, name); err != nil {
			return nil, err
		}
		o.Logger.Info("cert: adopted certificate already in ACM", "name", name, "arn", same.arn, "subject", info.Subject)
		return &Result{ARN: same.arn, Action: Adopted, Info: info}, nil
	}
	in := &acm.ImportCertificateInput{Certificate: b.Certificate, PrivateKey: b.PrivateKey, Tags: acmTags(o, name)}
	if len(bytes.TrimSpace(b.Chain)) > 0 {
		in.CertificateChain = b.Chain
	}
	arn, err := c.importNew(ctx, o, in, name, info)
	if err != nil {
		return nil, fmt.Errorf("cert: import %s into ACM: %w", info.Subject, err)
	}
	o.Logger.Info("cert: imported certificate into ACM", "name", name, "arn", arn, "subject", info.Subject, "not_after", info.NotAfter)
	return &Result{ARN: arn, Action: Imported, Info: info}, nil
}

// importNew imports a certificate that is not in ACM yet and returns its ARN. ImportCertificate
// has no idempotency token: sent again after a response that was lost, it imports a second
// certificate. So the SDK's retryer does not resend it; when an attempt ends without an answer
// from ACM (or with a server error), the certificates tagged with name are looked at first, and
// the import is sent again, at most three times in all, only if it did not land. Throttling,
// answered by ACM, is retried as every call is.
func (c *Client) importNew(ctx context.Context, o Options, in *acm.ImportCertificateInput, name string, info *Info) (string, error) {
	const attempts = 3
	noResend := func(o *acm.Options) { o.Retryer = aws.NopRetryer{} }
	var err error
	for range attempts {
		var out *acm.ImportCertificateOutput
		err = call(ctx, o, func(ctx context.Context) (err error) {
			out, err = c.api.ACM.ImportCertificate(ctx, in, noResend)
			return err
		})
		if err == nil {
			return aws.ToString(out.CertificateArn), nil
		}
		var apiErr smithy.APIError
		var resp *awshttp.ResponseError
		if ctx.Err() != nil || errors.As(err, &apiErr) && !(errors.As(err, &resp) && resp.HTTPStatusCode() >= 500) {
			return "", err // ACM refused it (throttling included, after call's retries)
		}
		// No answer, or a server error: the import may have landed.
		current, _, ferr := c.findImported(ctx, o, name, info)
		if ferr != nil {
			return "", fmt.Errorf("%w (and looking for the import failed: %w)", err, ferr)
		}
		if current != nil && current.fingerprint == info.Fingerprint {
			o.Logger.Info("cert: import landed although its response was lost", "name", name, "arn", current.arn)
			return current.arn, nil
		}
	}
	return "", err
}

func (c *Client) reimport(ctx context.Context, o Options, current *acmEntry, b Bundle, info *Info) (*Result, error) {
	if current.keyAlgorithm != "" && current.keyAlgorithm != info.KeyAlgorithm {
		return nil, fmt.Errorf("cert: cannot renew %s in place: its key is %s and the new certificate's is %s (ACM keeps the key type and size of a certificate; import it under a new name)",
			current.arn, current.keyAlgorithm, info.KeyAlgorithm)
	}
	if info.NotAfter.Before(current.notAfter) && !o.AllowOlder {
		return nil, fmt.Errorf("cert: refusing to replace %s, valid until %s, with a certificate valid only until %s (Options.AllowOlder allows it)",
			current.arn, current.notAfter.Format("2006-01-02"), info.NotAfter.Format("2006-01-02"))
	}
	in := &acm.ImportCertificateInput{CertificateArn: aws.String(current.arn), Certificate: b.Certificate, PrivateKey: b.PrivateKey}
	if len(bytes.TrimSpace(b.Chain)) > 0 {
		in.CertificateChain = b.Chain
	}
	if err := call(ctx, o, func(ctx context.Context) error { _, err := c.api.ACM.ImportCertificate(ctx, in); return err }); err != nil {
		return nil, fmt.Errorf("cert: re-import %s into %s: %w", info.Subject, current.arn, err)
	}
	o.Logger.Info("cert: renewed certificate in place", "arn", current.arn, "subject", info.Subject, "not_after", info.NotAfter)
	return &Result{ARN: current.arn, Action: Reimported, Info: info}, nil
}

// acmEntry is an imported ACM certificate as findImported sees it.
type acmEntry struct {
	arn, keyAlgorithm string
	fingerprint       string
	notAfter          time.Time
}

// findImported lists the imported certificates whose domain is the bundle's and returns the one
// tagged with name (current) and, failing that, one that is the very same certificate (same).
func (c *Client) findImported(ctx context.Context, o Options, name string, info *Info) (current, same *acmEntry, err error) {
	candidates, err := c.importedFor(ctx, o, info)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range candidates {
		arn := aws.ToString(s.CertificateArn)
		tagged, err := c.hasName(ctx, o, arn, name)
		if err != nil {
			return nil, nil, err
		}
		fp, err := c.fingerprint(ctx, o, arn)
		if err != nil {
			return nil, nil, err
		}
		e := &acmEntry{arn: arn, keyAlgorithm: string(s.KeyAlgorithm), fingerprint: fp, notAfter: aws.ToTime(s.NotAfter)}
		switch {
		case tagged && current != nil:
			return nil, nil, fmt.Errorf("cert: two ACM certificates carry the name %q (%s and %s): remove the tag from one", name, current.arn, arn)
		case tagged:
			current = e
		case fp == info.Fingerprint && same == nil:
			same = e
		}
	}
	return current, same, nil
}

// importedFor lists the IMPORTED certificates, of every key type and status, whose domain name is
// the certificate's, or that were imported under a name (any subject: a renewal may change it).
func (c *Client) importedFor(ctx context.Context, o Options, info *Info) ([]acmtypes.CertificateSummary, error) {
	in := &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: acmtypes.KeyAlgorithm("").Values()}}
	var out []acmtypes.CertificateSummary
	for {
		var page *acm.ListCertificatesOutput
		if err := call(ctx, o, func(ctx context.Context) (err error) { page, err = c.api.ACM.ListCertificates(ctx, in); return err }); err != nil {
			return nil, fmt.Errorf("cert: list ACM certificates: %w", err)
		}
		for _, s := range page.CertificateSummaryList {
			if s.Type == acmtypes.CertificateTypeImported {
				out = append(out, s)
			}
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	// Same subject first: the likeliest match.
	sort.SliceStable(out, func(i, j int) bool {
		return aws.ToString(out[i].DomainName) == info.leaf.Subject.CommonName && aws.ToString(out[j].DomainName) != info.leaf.Subject.CommonName
	})
	return out, nil
}

func (c *Client) hasName(ctx context.Context, o Options, arn, name string) (bool, error) {
	var out *acm.ListTagsForCertificateOutput
	err := call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.ACM.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("cert: tags of %s: %w", arn, err)
	}
	for _, t := range out.Tags {
		if aws.ToString(t.Key) == o.NameTag && aws.ToString(t.Value) == name {
			return true, nil
		}
	}
	return false, nil
}

// fingerprint reads an imported certificate's body back from ACM and hashes it.
func (c *Client) fingerprint(ctx context.Context, o Options, arn string) (string, error) {
	var out *acm.GetCertificateOutput
	err := call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.ACM.GetCertificate(ctx, &acm.GetCertificateInput{CertificateArn: aws.String(arn)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("cert: read %s: %w", arn, err)
	}
	return pemFingerprint([]byte(aws.ToString(out.Certificate)))
}

func pemFingerprint(data []byte) (string, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return "", fmt.Errorf("cert: stored certificate is not PEM")
	}
	if _, err := x509.ParseCertificate(b.Bytes); err != nil {
		return "", fmt.Errorf("cert: stored certificate: %w", err)
	}
	sum := sha256.Sum256(b.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

func (c *Client) tagName(ctx context.Context, o Options, arn, name string) error {
	err := call(ctx, o, func(ctx context.Context) error {
		_, err := c.api.ACM.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{CertificateArn: aws.String(arn), Tags: acmTags(o, name)})
		return err
	})
	if err != nil {
		return fmt.Errorf("cert: tag %s: %w", arn, err)
	}
	return nil
}

func acmTags(o Options, name string) []acmtypes.Tag {
	tags := []acmtypes.Tag{{Key: aws.String(o.NameTag), Value: aws.String(name)}}
	for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
		if k != o.NameTag {
			tags = append(tags, acmtypes.Tag{Key: aws.String(k), Value: aws.String(o.Tags[k])})
		}
	}
	return tags
}
