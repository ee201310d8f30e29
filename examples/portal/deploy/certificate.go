package deploy

import (
	"context"
	"crypto/x509"

	"github.com/aws/aws-sdk-go-v2/service/acm"

	"github.com/portalkit/portalkit/cert"
)

// Certificate is a TLS certificate the team bought for the site, put on the load balancer.
type Certificate struct {
	// Bundle is the certificate, its key and its chain.
	Bundle cert.Bundle
	// Roots verifies the chain. Nil means the system's roots.
	Roots *x509.CertPool
}

// importCertificate checks the bought certificate (key, chain, expiry, names covering the domain
// and www) before any call and imports it into ACM under the environment's name: a renewal
// re-imports into the same ARN, so the listener keeps working with no edit.
func importCertificate(ctx context.Context, env Env, spec Spec, out *printer) (string, error) {
	c, err := cert.New(cert.Clients{ACM: acm.NewFromConfig(env.Config)}, func(o *cert.Options) {
		o.Roots = spec.Certificate.Roots
		o.Clock = env.Clock
		o.Tags = spec.Tags
	})
	if err != nil {
		return "", err
	}
	res, err := c.ImportACM(ctx, "portal-"+spec.Environment, spec.Certificate.Bundle, []string{spec.Domain, "www." + spec.Domain})
	if err != nil {
		return "", err
	}
	out.line("certificate for %v %s in ACM (expires %s)", res.Info.DNSNames, res.Action, res.Info.NotAfter.Format("2006-01-02"))
	return res.ARN, nil
}
