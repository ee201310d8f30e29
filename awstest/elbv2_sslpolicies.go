package awstest

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// sslPolicy is one predefined ELB security policy: its name, TLS versions and the load balancer
// types that accept it (ALB User Guide, "Security policies for your Application Load Balancer").
type sslPolicy struct {
	name      string
	protocols []string
}

var (
	tls12and13 = []string{"TLSv1.2", "TLSv1.3"}
	tls13      = []string{"TLSv1.3"}
	tls10to12  = []string{"TLSv1", "TLSv1.1", "TLSv1.2"}
)

// sslPolicies lists the predefined policies the simulated region offers, newest first.
var sslPolicies = []sslPolicy{
	{"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", tls13},
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", tls13},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", tls12and13},
	{"ELBSecurityPolicy-TLS13-1-1-2021-06", []string{"TLSv1.1", "TLSv1.2", "TLSv1.3"}},
	{"ELBSecurityPolicy-TLS13-1-0-2021-06", []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
	{"ELBSecurityPolicy-FS-1-2-Res-2020-10", []string{"TLSv1.2"}},
	{"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", []string{"TLSv1.2"}},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", []string{"TLSv1.2"}},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", []string{"TLSv1.1", "TLSv1.2"}},
	{"ELBSecurityPolicy-2016-08", tls10to12},
	{"ELBSecurityPolicy-2015-05", tls10to12},
}

func sslPolicyByName(name string) *sslPolicy {
	for i := range sslPolicies {
		if sslPolicies[i].name == name {
			return &sslPolicies[i]
		}
	}
	return nil
}

func (m *elbv2Model) describeSSLPolicies(r *request, in *elasticloadbalancingv2.DescribeSSLPoliciesInput) (*elasticloadbalancingv2.DescribeSSLPoliciesOutput, error) {
	var list []sslPolicy
	if len(in.Names) > 0 {
		for _, n := range in.Names {
			p := sslPolicyByName(n)
			if p == nil {
				return nil, m.errorf("SSLPolicyNotFound", "One or more SSL policies not found: '%s'", n)
			}
			list = append(list, *p)
		}
	} else {
		list = sslPolicies
	}
	pg, next, err := pageMarker(m.svc, "DescribeSSLPolicies", list, sslPolicyKey, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elasticloadbalancingv2.DescribeSSLPoliciesOutput{SslPolicies: []elbv2types.SslPolicy{}, NextMarker: next}
	for _, p := range pg {
		out.SslPolicies = append(out.SslPolicies, elbv2types.SslPolicy{
			Name: aws.String(p.name), SslProtocols: append([]string(nil), p.protocols...),
			SupportedLoadBalancerTypes: []string{"application", "network"},
		})
	}
	return out, nil
}

// sslPolicyKey keeps the predefined policies in their listed order, newest first.
func sslPolicyKey(p sslPolicy) string {
	for i := range sslPolicies {
		if sslPolicies[i].name == p.name {
			return fmt.Sprintf("%03d", i)
		}
	}
	return p.name
}
