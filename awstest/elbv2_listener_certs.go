package awstest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// maxCertificatesPerALB is ELB's default quota of certificates per Application Load Balancer,
// the default certificate not counted.
const maxCertificatesPerALB = 25

func (m *elbv2Model) registerListenerCertificates() {
	handle(m.svc, "ModifyListener", m.modifyListener)
	handle(m.svc, "AddListenerCertificates", m.addListenerCertificates)
	handle(m.svc, "RemoveListenerCertificates", m.removeListenerCertificates)
	handle(m.svc, "DescribeListenerCertificates", m.describeListenerCertificates)
}

func (m *elbv2Model) listenerOrNotFound(arn string, r *request) (*listener, error) {
	l := m.listener(arn, r.now)
	if l == nil {
		return nil, m.errorf("ListenerNotFound", "Listener '%s' not found", arn)
	}
	return l, nil
}

func secureProtocol(p elbv2types.ProtocolEnum) bool {
	return p == elbv2types.ProtocolEnumHttps || p == elbv2types.ProtocolEnumTls
}

// modifyListener changes a listener's default certificate, SSL policy or default actions. Port,
// protocol, ALPN and mutual TLS changes are not modeled.
func (m *elbv2Model) modifyListener(r *request, in *elasticloadbalancingv2.ModifyListenerInput) (*elasticloadbalancingv2.ModifyListenerOutput, error) {
	l, err := m.listenerOrNotFound(aws.ToString(in.ListenerArn), r)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Port != nil && *in.Port != l.port, in.Protocol != "" && in.Protocol != l.protocol:
		return nil, r.unmodeled("changing a listener's port or protocol")
	case len(in.AlpnPolicy) > 0 || in.MutualAuthentication != nil:
		return nil, r.unmodeled("ALPN policies and mutual TLS")
	}
	secure := secureProtocol(l.protocol)
	certs, policy := l.certs, l.sslPolicy
	if len(in.Certificates) > 0 {
		if !secure {
			return nil, m.validation("Certificates can be specified only for HTTPS and TLS listeners")
		}
		if len(in.Certificates) > 1 {
			return nil, m.validation("You must provide exactly one certificate as the listener's default; add others with AddListenerCertificates")
		}
		arn := aws.ToString(in.Certificates[0].CertificateArn)
		if !m.cloud.certUsable(arn, r.now) {
			return nil, m.errorf("CertificateNotFound", "Certificate '%s' not found", arn)
		}
		certs = append([]string{arn}, without(l.certs[1:], arn)...)
	}
	if p := aws.ToString(in.SslPolicy); p != "" {
		if !secure {
			return nil, m.validation("SSL policies can be specified only for HTTPS and TLS listeners")
		}
		if sslPolicyByName(p) == nil {
			return nil, m.errorf("SSLPolicyNotFound", "SSL policy '%s' not found", p)
		}
		policy = p
	}
	actions := l.actions
	if len(in.DefaultActions) > 0 {
		if err := m.validateActions(l.lb, in.DefaultActions, r); err != nil {
			return nil, err
		}
		actions = copyActions(in.DefaultActions)
	}
	l.certs, l.sslPolicy, l.actions = certs, policy, actions
	return &elasticloadbalancingv2.ModifyListenerOutput{Listeners: []elbv2types.Listener{l.output()}}, nil
}

// addListenerCertificates adds SNI certificates; one already in the list is not added again, as in
// ELB.
func (m *elbv2Model) addListenerCertificates(r *request, in *elasticloadbalancingv2.AddListenerCertificatesInput) (*elasticloadbalancingv2.AddListenerCertificatesOutput, error) {
	l, err := m.listenerOrNotFound(aws.ToString(in.ListenerArn), r)
	if err != nil {
		return nil, err
	}
	if !secureProtocol(l.protocol) {
		return nil, m.validation("Certificates can be added only to HTTPS and TLS listeners")
	}
	certs := append([]string(nil), l.certs...)
	for _, c := range in.Certificates {
		arn := aws.ToString(c.CertificateArn)
		if aws.ToBool(c.IsDefault) {
			return nil, m.validation("You cannot specify a default certificate with AddListenerCertificates; use ModifyListener")
		}
		if !m.cloud.certUsable(arn, r.now) {
			return nil, m.errorf("CertificateNotFound", "Certificate '%s' not found", arn)
		}
		if !contains(certs, arn) {
			certs = append(certs, arn)
		}
	}
	if len(certs)-1 > maxCertificatesPerALB {
		return nil, m.errorf("TooManyCertificates", "You've reached the limit on the number of certificates per load balancer")
	}
	l.certs = certs
	out := &elasticloadbalancingv2.AddListenerCertificatesOutput{}
	for _, c := range l.certs[1:] {
		out.Certificates = append(out.Certificates, elbv2types.Certificate{CertificateArn: aws.String(c), IsDefault: aws.Bool(false)})
	}
	return out, nil
}

func (m *elbv2Model) removeListenerCertificates(r *request, in *elasticloadbalancingv2.RemoveListenerCertificatesInput) (*elasticloadbalancingv2.RemoveListenerCertificatesOutput, error) {
	l, err := m.listenerOrNotFound(aws.ToString(in.ListenerArn), r)
	if err != nil {
		return nil, err
	}
	certs := l.certs
	for _, c := range in.Certificates {
		arn := aws.ToString(c.CertificateArn)
		if len(l.certs) > 0 && arn == l.certs[0] {
			return nil, m.errorf("OperationNotPermitted", "The default certificate '%s' cannot be removed from the listener", arn)
		}
		certs = without(certs, arn)
	}
	l.certs = certs
	return &elasticloadbalancingv2.RemoveListenerCertificatesOutput{}, nil
}

func (m *elbv2Model) describeListenerCertificates(r *request, in *elasticloadbalancingv2.DescribeListenerCertificatesInput) (*elasticloadbalancingv2.DescribeListenerCertificatesOutput, error) {
	l, err := m.listenerOrNotFound(aws.ToString(in.ListenerArn), r)
	if err != nil {
		return nil, err
	}
	if in.Marker != nil || in.PageSize != nil {
		return nil, r.unmodeled("DescribeListenerCertificates paging")
	}
	out := &elasticloadbalancingv2.DescribeListenerCertificatesOutput{Certificates: []elbv2types.Certificate{}}
	for i, c := range l.certs {
		out.Certificates = append(out.Certificates, elbv2types.Certificate{CertificateArn: aws.String(c), IsDefault: aws.Bool(i == 0)})
	}
	return out, nil
}

// without returns list without v, as a new slice.
func without[T comparable](list []T, v T) []T {
	out := make([]T, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
