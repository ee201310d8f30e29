// Package cert puts a TLS certificate you bought on the portal's load balancers: it checks the
// certificate, key and chain before any AWS call, imports it into ACM (a renewal re-imports into
// the same ARN, so every listener keeps working with no edit), uploads it as an IAM server
// certificate for Classic Load Balancers, sets it on ALB, NLB and Classic listeners, and reports
// how many days the certificates in use have left.
//
// The usual failures of doing this by hand (aws acm import-certificate, a Terraform
// aws_acm_certificate with imported material, a certbot renewal hook) are a key that does not
// match, a chain in the wrong order, an expired or soon-expiring certificate, names that do not
// cover www, and a renewal that creates a new ARN so that every listener must be edited. [Check]
// refuses the first four, naming every problem in one error that never contains the key;
// [Client.ImportACM] avoids the last.
//
// # Flow
//
//	c, err := cert.New(cert.Clients{ACM: acm.NewFromConfig(cfg), ELBv2: elasticloadbalancingv2.NewFromConfig(cfg)})
//	res, err := c.ImportACM(ctx, "shop", bundle, "example.com", "www.example.com")
//	_, err = c.SetListenerCertificate(ctx, httpsListenerARN, res.ARN)
//	report, err := c.Report(ctx, cert.Targets{LoadBalancerARNs: []string{lbARN}}) // ErrExpiring below the margin
//
// Renewal is the same ImportACM call with the new bundle: the certificate tagged with the name is
// found and re-imported in place. Classic Load Balancers use [Client.UploadIAM] and
// [Client.SetClassicListenerCertificate]; an IAM server certificate's name carries its expiry date
// and fingerprint, so a renewal uploads a new one beside the old and the listener is switched.
package cert
