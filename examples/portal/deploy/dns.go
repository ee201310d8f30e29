package deploy

import (
	"context"
	"fmt"
	"time"

	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/elb"
	"github.com/portalkit/portalkit/route53"
)

// ensureDNS points the site's domain and www.<domain> at the load balancer with alias records,
// in one change to the hosted zone serving the domain (which must exist), and waits until
// Route 53 reports the change INSYNC. A second run sends no change.
func ensureDNS(ctx context.Context, env Env, c *clients, spec Spec, stack *elb.Stack, out *printer) (*route53.Result, error) {
	dns, err := route53.New(awsroute53.NewFromConfig(env.Config), func(o *route53.Options) {
		o.Clock = env.Clock
		o.OnProgress = func(p route53.Progress) {
			if p.Status == "INSYNC" {
				out.line("Route 53 change %s INSYNC after %s (%d polls)", p.ChangeID, p.Elapsed.Round(time.Second), p.Polls)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	target, err := dns.LoadBalancerTarget(ctx, c.elbv2, stack.LoadBalancerARN)
	if err != nil {
		return nil, err
	}
	res, err := dns.EnsureSite(ctx, route53.Site{Domain: spec.Domain, Target: target})
	if err != nil {
		return nil, err
	}
	if res.Changed() {
		out.line("%s and www.%s: %d alias record changes to the load balancer, in one change (zone %s)", spec.Domain, spec.Domain, len(res.Changes), res.Zone.ID)
	} else {
		out.line("%s and www.%s already alias the load balancer: no change sent", spec.Domain, spec.Domain)
	}
	return res, nil
}

// DNSNames returns the names that reach the site: the domain and www.<domain>.
func (s *Site) DNSNames() []string {
	return []string{s.Spec.Domain, "www." + s.Spec.Domain}
}

func dnsSummary(s *Site) string {
	if s.DNS == nil {
		return "-"
	}
	return fmt.Sprintf("alias -> load balancer, zone %s", s.DNS.Zone.ID)
}
