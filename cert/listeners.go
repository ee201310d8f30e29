package cert

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
)

// SetListenerCertificate makes certARN the default certificate of an ALB HTTPS or NLB TLS
// listener. It reads the listener first and sends nothing when the certificate is already its
// default (changed is false). The previous default is no longer served. CertificateNotFound, which
// the API answers for a few seconds after an import, is retried for up to two minutes.
func (c *Client) SetListenerCertificate(ctx context.Context, listenerARN, certARN string, optFns ...func(*Options)) (changed bool, err error) {
	o, err := c.opts(optFns, "ELBv2")
	if err != nil {
		return false, err
	}
	l, err := c.listener(ctx, o, listenerARN)
	if err != nil {
		return false, err
	}
	if len(l.Certificates) > 0 && aws.ToString(l.Certificates[0].CertificateArn) == certARN {
		return false, nil
	}
	if l.Protocol != elbv2types.ProtocolEnumHttps && l.Protocol != elbv2types.ProtocolEnumTls {
		return false, fmt.Errorf("cert: listener %s is %s: only HTTPS and TLS listeners take a certificate", listenerARN, l.Protocol)
	}
	err = callUsingCertificate(ctx, o, func(ctx context.Context) error {
		_, err := c.api.ELBv2.ModifyListener(ctx, &elasticloadbalancingv2.ModifyListenerInput{
			ListenerArn: aws.String(listenerARN), Certificates: []elbv2types.Certificate{{CertificateArn: aws.String(certARN)}},
		})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("cert: set the certificate of listener %s: %w", listenerARN, err)
	}
	o.Logger.Info("cert: listener certificate set", "listener", listenerARN, "certificate", certARN)
	return true, nil
}

// AddSNICertificates adds certificates to an HTTPS or TLS listener's list, served by SNI beside
// the default. Those already there are not sent again; added lists the ones sent. CertificateNotFound
// is retried as for SetListenerCertificate.
func (c *Client) AddSNICertificates(ctx context.Context, listenerARN string, certARNs []string, optFns ...func(*Options)) (added []string, err error) {
	o, err := c.opts(optFns, "ELBv2")
	if err != nil {
		return nil, err
	}
	have, err := c.listenerCertificates(ctx, o, listenerARN)
	if err != nil {
		return nil, err
	}
	var certs []elbv2types.Certificate
	for _, arn := range certARNs {
		if _, ok := have[arn]; !ok {
			have[arn] = false
			added = append(added, arn)
			certs = append(certs, elbv2types.Certificate{CertificateArn: aws.String(arn)})
		}
	}
	if len(certs) == 0 {
		return nil, nil
	}
	err = callUsingCertificate(ctx, o, func(ctx context.Context) error {
		_, err := c.api.ELBv2.AddListenerCertificates(ctx, &elasticloadbalancingv2.AddListenerCertificatesInput{ListenerArn: aws.String(listenerARN), Certificates: certs})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cert: add certificates to listener %s: %w", listenerARN, err)
	}
	o.Logger.Info("cert: SNI certificates added", "listener", listenerARN, "certificates", added)
	return added, nil
}

// SetClassicListenerCertificate sets the certificate (an IAM server certificate ARN, or an ACM
// certificate ARN) of the HTTPS or SSL listener on port of a Classic Load Balancer. It reads the
// load balancer first and sends nothing when the listener already uses it. CertificateNotFound,
// which ELB answers for a few seconds after an IAM upload, is retried for up to two minutes.
func (c *Client) SetClassicListenerCertificate(ctx context.Context, loadBalancer string, port int32, certARN string, optFns ...func(*Options)) (changed bool, err error) {
	o, err := c.opts(optFns, "ELB")
	if err != nil {
		return false, err
	}
	lb, err := c.classic(ctx, o, loadBalancer)
	if err != nil {
		return false, err
	}
	found := false
	for _, ld := range lb.ListenerDescriptions {
		l := ld.Listener
		if l == nil || l.LoadBalancerPort != port {
			continue
		}
		found = true
		if p := strings.ToUpper(aws.ToString(l.Protocol)); p != "HTTPS" && p != "SSL" {
			return false, fmt.Errorf("cert: listener %d of %s is %s: only HTTPS and SSL listeners take a certificate", port, loadBalancer, p)
		}
		if aws.ToString(l.SSLCertificateId) == certARN {
			return false, nil
		}
	}
	if !found {
		return false, fmt.Errorf("%w: %s has no listener on port %d", ErrNotFound, loadBalancer, port)
	}
	err = callUsingCertificate(ctx, o, func(ctx context.Context) error {
		_, err := c.api.ELB.SetLoadBalancerListenerSSLCertificate(ctx, &elasticloadbalancing.SetLoadBalancerListenerSSLCertificateInput{
			LoadBalancerName: aws.String(loadBalancer), LoadBalancerPort: port, SSLCertificateId: aws.String(certARN),
		})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("cert: set the certificate of %s:%d: %w", loadBalancer, port, err)
	}
	o.Logger.Info("cert: Classic listener certificate set", "load_balancer", loadBalancer, "port", port, "certificate", certARN)
	return true, nil
}

func (c *Client) listener(ctx context.Context, o Options, arn string) (*elbv2types.Listener, error) {
	var out *elasticloadbalancingv2.DescribeListenersOutput
	err := call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.ELBv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{arn}})
		return err
	})
	switch {
	case awserr.IsCode(err, "ListenerNotFound"):
		return nil, fmt.Errorf("%w: listener %s", ErrNotFound, arn)
	case err != nil:
		return nil, fmt.Errorf("cert: describe listener %s: %w", arn, err)
	case len(out.Listeners) == 0:
		return nil, fmt.Errorf("%w: listener %s", ErrNotFound, arn)
	}
	return &out.Listeners[0], nil
}

// listenerCertificates returns a listener's certificates, each with whether it is the default.
func (c *Client) listenerCertificates(ctx context.Context, o Options, arn string) (map[string]bool, error) {
	have := map[string]bool{}
	in := &elasticloadbalancingv2.DescribeListenerCertificatesInput{ListenerArn: aws.String(arn)}
	for {
		var out *elasticloadbalancingv2.DescribeListenerCertificatesOutput
		err := call(ctx, o, func(ctx context.Context) (err error) {
			out, err = c.api.ELBv2.DescribeListenerCertificates(ctx, in)
			return err
		})
		switch {
		case awserr.IsCode(err, "ListenerNotFound"):
			return nil, fmt.Errorf("%w: listener %s", ErrNotFound, arn)
		case err != nil:
			return nil, fmt.Errorf("cert: certificates of listener %s: %w", arn, err)
		}
		for _, cert := range out.Certificates {
			have[aws.ToString(cert.CertificateArn)] = aws.ToBool(cert.IsDefault)
		}
		if aws.ToString(out.NextMarker) == "" {
			return have, nil
		}
		in.Marker = out.NextMarker
	}
}

func (c *Client) classic(ctx context.Context, o Options, name string) (*elbtypes.LoadBalancerDescription, error) {
	var out *elasticloadbalancing.DescribeLoadBalancersOutput
	err := call(ctx, o, func(ctx context.Context) (err error) {
		out, err = c.api.ELB.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{name}})
		return err
	})
	switch {
	case awserr.IsCode(err, "LoadBalancerNotFound"):
		return nil, fmt.Errorf("%w: Classic load balancer %s", ErrNotFound, name)
	case err != nil:
		return nil, fmt.Errorf("cert: describe Classic load balancer %s: %w", name, err)
	case len(out.LoadBalancerDescriptions) == 0:
		return nil, fmt.Errorf("%w: Classic load balancer %s", ErrNotFound, name)
	}
	return &out.LoadBalancerDescriptions[0], nil
}
