package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/route53"
)

// pointDNS creates the public hosted zone of the domain and points its apex and www at the load
// balancer with alias records, in one change, then shows that a second run changes nothing.
func (d *demo) pointDNS(ctx context.Context) error {
	api := awsroute53.NewFromConfig(d.cloud.Config())
	if _, err := api.CreateHostedZone(ctx, &awsroute53.CreateHostedZoneInput{Name: aws.String(domain), CallerReference: aws.String("portal-demo")}); err != nil {
		return err
	}
	dns, err := route53.New(api, func(o *route53.Options) {
		o.Clock = d.cloud.Clock()
		o.OnProgress = func(p route53.Progress) {
			d.out.line("change %s: %s after %d polls", p.ChangeID, p.Status, p.Polls)
		}
	})
	if err != nil {
		return err
	}
	target, err := dns.LoadBalancerTarget(ctx, elasticloadbalancingv2.NewFromConfig(d.cloud.Config()), d.stack.LoadBalancerARN)
	if err != nil {
		return err
	}
	site := route53.Site{Domain: domain, Target: target}
	res, err := dns.EnsureSite(ctx, site)
	if err != nil {
		return err
	}
	d.out.line("%d alias records to %s (hosted zone %s of the load balancer), one change", len(res.Changes), target.DNSName, target.HostedZoneID)
	again, err := dns.EnsureSite(ctx, site)
	if err != nil {
		return err
	}
	d.out.line("DNS second run: %s", map[bool]string{true: "changed", false: "no change sent"}[again.Changed()])
	return nil
}
