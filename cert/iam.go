package cert

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

var iamNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,90}$`)

// UploadIAM checks the bundle (as [Check], against domains) and uploads it as an IAM server
// certificate, the kind Classic Load Balancer HTTPS and SSL listeners use. Its name is
// name-<expiry date>-<first 8 hex digits of the fingerprint>, so the upload is idempotent (the same
// certificate finds its name taken by itself: Unchanged, nothing sent) and a renewal gets a new
// name beside the old one; switch the listener with [Client.SetClassicListenerCertificate], then
// delete the old one. An upload answered with EntityAlreadyExists (its first response was lost
// and the SDK retried it) adopts the server certificate of the name when it holds this
// certificate. name is 1-90 characters of letters, digits and +=,.@_-.
func (c *Client) UploadIAM(ctx context.Context, name string, b Bundle, domains []string, optFns ...func(*Options)) (*Result, error) {
	o, err := c.opts(optFns, "IAM")
	if err != nil {
		return nil, err
	}
	if !iamNamePattern.MatchString(name) {
		return nil, fmt.Errorf("%w: name %q must be 1-90 letters, digits or +=,.@_- (IAM's rule, less room for the date and fingerprint)", ErrInvalidOptions, name)
	}
	info, err := checkBundle(b, domains, o)
	if err != nil {
		return nil, err
	}
	full := fmt.Sprintf("%s-%s-%s", name, info.NotAfter.Format("20060102"), info.Fingerprint[:8])

	// sameAs returns the result for an existing server certificate of the name, which must hold
	// this very certificate.
	sameAs := func(existing *iamtypes.ServerCertificate, action Action) (*Result, error) {
		fp, err := pemFingerprint([]byte(aws.ToString(existing.CertificateBody)))
		if err != nil {
			return nil, err
		}
		if fp != info.Fingerprint {
			return nil, fmt.Errorf("cert: IAM server certificate %s exists and holds another certificate", full)
		}
		return &Result{ARN: aws.ToString(existing.ServerCertificateMetadata.Arn), Name: full, Action: action, Info: info}, nil
	}
	existing, err := c.serverCertificate(ctx, o, full)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return sameAs(existing, Unchanged)
	}
	in := &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(full), Path: aws.String(o.IAMPath),
		CertificateBody: aws.String(string(b.Certificate)), PrivateKey: aws.String(string(b.PrivateKey)),
	}
	if len(b.Chain) > 0 {
		in.CertificateChain = aws.String(string(b.Chain))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
		in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(o.Tags[k])})
	}
	var out *iam.UploadServerCertificateOutput
	err = call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.IAM.UploadServerCertificate(ctx, in)
		return err
	})
	var exists *iamtypes.EntityAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		// An upload whose response was lost and that the SDK retried, or a concurrent run: the
		// name holds the fingerprint, so what is there is adopted if it is this certificate.
		existing, rerr := c.serverCertificate(ctx, o, full)
		if rerr != nil || existing == nil {
			return nil, fmt.Errorf("cert: upload %s to IAM as %s: %w", info.Subject, full, err)
		}
		o.Logger.Info("cert: IAM server certificate already uploaded", "name", full)
		return sameAs(existing, Imported)
	case err != nil:
		return nil, fmt.Errorf("cert: upload %s to IAM as %s: %w", info.Subject, full, err)
	}
	arn := aws.ToString(out.ServerCertificateMetadata.Arn)
	o.Logger.Info("cert: uploaded IAM server certificate", "name", full, "arn", arn, "not_after", info.NotAfter)
	return &Result{ARN: arn, Name: full, Action: Imported, Info: info}, nil
}

// serverCertificate returns the IAM server certificate with the name, or nil when there is none.
// Only IAM's NoSuchEntity means none; any other failure is returned.
func (c *Client) serverCertificate(ctx context.Context, o Options, name string) (*iamtypes.ServerCertificate, error) {
	var out *iam.GetServerCertificateOutput
	err := call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.IAM.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String(name)})
		return err
	})
	var nse *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &nse):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cert: read IAM server certificate %s: %w", name, err)
	}
	return out.ServerCertificate, nil
}
