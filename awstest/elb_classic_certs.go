package awstest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
)

func (m *classicModel) registerListenerCertificates() {
	handle(m.svc, "SetLoadBalancerListenerSSLCertificate", m.setListenerCertificate)
}

// setListenerCertificate replaces the certificate of a Classic HTTPS or SSL listener with an IAM
// server certificate or an ACM certificate.
func (m *classicModel) setListenerCertificate(r *request, in *elasticloadbalancing.SetLoadBalancerListenerSSLCertificateInput) (*elasticloadbalancing.SetLoadBalancerListenerSSLCertificateOutput, error) {
	lb, err := m.lb(aws.ToString(in.LoadBalancerName), r.now)
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.SSLCertificateId)
	for i, l := range lb.listeners {
		if l.LoadBalancerPort != in.LoadBalancerPort {
			continue
		}
		if p := strings.ToUpper(aws.ToString(l.Protocol)); p != "HTTPS" && p != "SSL" {
			return nil, m.svc.errorf("InvalidConfigurationRequest", "The listener on port %d is not an HTTPS or SSL listener", l.LoadBalancerPort)
		}
		if !m.cloud.certUsable(arn, r.now) {
			return nil, m.svc.errorf("CertificateNotFound", "Server Certificate not found for the key: %s", arn)
		}
		lb.listeners[i].SSLCertificateId = aws.String(arn)
		return &elasticloadbalancing.SetLoadBalancerListenerSSLCertificateOutput{}, nil
	}
	return nil, m.svc.errorf("ListenerNotFound", "Listener not found: load balancer '%s' has no listener on port %d", lb.name, in.LoadBalancerPort)
}
