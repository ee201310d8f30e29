package elb

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/portalkit/portalkit/internal/retry"
)

// Classic ELB limits (Classic ELB API reference: HealthCheck, ConnectionDraining).
const (
	// MaxClassicHealthCheckTimeout bounds ClassicHealthCheck.Timeout.
	MaxClassicHealthCheckTimeout = 60 * time.Second
	// MaxConnectionDraining bounds ClassicSettings.ConnectionDraining.
	MaxConnectionDraining = time.Hour
)

// ClassicSettings configure a Classic Load Balancer. Nil fields are left as they are.
type ClassicSettings struct {
	// HealthCheck replaces the health check.
	HealthCheck *ClassicHealthCheck
	// ConnectionDraining is how long deregistered instances drain, 1 s to 1 hour; zero turns
	// draining off.
	ConnectionDraining *time.Duration
	// CrossZone turns cross-zone load balancing on or off.
	CrossZone *bool
	// Stickiness sets an LB-cookie stickiness policy on a listener, replacing any other
	// stickiness policy (LB- or application-cookie) the listener has; its other policies stay.
	Stickiness *ClassicStickiness
}

// ClassicHealthCheck is a Classic Load Balancer health check.
type ClassicHealthCheck struct {
	// Target is what is checked: TCP:port, SSL:port, HTTP:port/path or HTTPS:port/path.
	// Required.
	Target string
	// Interval between checks, 5 s to 300 s. Zero means 30 s.
	Interval time.Duration
	// Timeout of one check, 2 s to 60 s and below Interval. Zero means 5 s.
	Timeout time.Duration
	// HealthyThreshold is the number of passes that put an instance in service, 2 to 10. Zero
	// means 3.
	HealthyThreshold int32
	// UnhealthyThreshold is the number of failures that take it out, 2 to 10. Zero means 2.
	UnhealthyThreshold int32
}

// ClassicStickiness is an LB-cookie stickiness policy on one listener.
type ClassicStickiness struct {
	// Port is the listener's load balancer port. Required.
	Port int32
	// Duration is the cookie's lifetime. Zero means the browser session.
	Duration time.Duration
	// PolicyName names the policy. Empty means "lb-cookie-<seconds>s".
	PolicyName string
}

var classicTargetPattern = regexp.MustCompile(`^(TCP|SSL):\d{1,5}$|^(HTTP|HTTPS):\d{1,5}/\S*$`)

func (s ClassicSettings) resolve() (ClassicSettings, error) {
	var p []string
	if hc := s.HealthCheck; hc != nil {
		cp := *hc
		if cp.Interval == 0 {
			cp.Interval = 30 * time.Second
		}
		if cp.Timeout == 0 {
			cp.Timeout = 5 * time.Second
		}
		if cp.HealthyThreshold == 0 {
			cp.HealthyThreshold = 3
		}
		if cp.UnhealthyThreshold == 0 {
			cp.UnhealthyThreshold = 2
		}
		if !classicTargetPattern.MatchString(cp.Target) {
			p = append(p, fmt.Sprintf("HealthCheck.Target %q must be TCP:port, SSL:port, HTTP:port/path or HTTPS:port/path", cp.Target))
		}
		if cp.Interval < MinHealthCheckInterval || cp.Interval > MaxHealthCheckInterval || cp.Interval%time.Second != 0 {
			p = append(p, fmt.Sprintf("HealthCheck.Interval %s must be whole seconds from %s to %s", cp.Interval, MinHealthCheckInterval, MaxHealthCheckInterval))
		}
		if cp.Timeout < MinHealthCheckTimeout || cp.Timeout > MaxClassicHealthCheckTimeout || cp.Timeout%time.Second != 0 {
			p = append(p, fmt.Sprintf("HealthCheck.Timeout %s must be whole seconds from %s to %s", cp.Timeout, MinHealthCheckTimeout, MaxClassicHealthCheckTimeout))
		}
		if cp.Timeout >= cp.Interval {
			p = append(p, fmt.Sprintf("HealthCheck.Interval %s must be greater than HealthCheck.Timeout %s", cp.Interval, cp.Timeout))
		}
		if cp.HealthyThreshold < MinThreshold || cp.HealthyThreshold > MaxThreshold || cp.UnhealthyThreshold < MinThreshold || cp.UnhealthyThreshold > MaxThreshold {
			p = append(p, fmt.Sprintf("HealthCheck thresholds %d/%d must be %d-%d", cp.HealthyThreshold, cp.UnhealthyThreshold, MinThreshold, MaxThreshold))
		}
		s.HealthCheck = &cp
	}
	if d := s.ConnectionDraining; d != nil && (*d < 0 || *d > MaxConnectionDraining || *d%time.Second != 0) {
		p = append(p, fmt.Sprintf("ConnectionDraining %s must be whole seconds from 0 (off) to %s", *d, MaxConnectionDraining))
	}
	if st := s.Stickiness; st != nil {
		cp := *st
		if cp.Port < 1 || cp.Port > 65535 {
			p = append(p, fmt.Sprintf("Stickiness.Port %d must be 1-65535", cp.Port))
		}
		if cp.Duration < 0 || cp.Duration%time.Second != 0 {
			p = append(p, fmt.Sprintf("Stickiness.Duration %s must be whole seconds, zero for the browser session", cp.Duration))
		}
		if cp.PolicyName == "" {
			cp.PolicyName = fmt.Sprintf("lb-cookie-%ds", int64(cp.Duration/time.Second))
		}
		s.Stickiness = &cp
	}
	if len(p) > 0 {
		return s, invalidSpec(p)
	}
	return s, nil
}

// Configure applies the settings to the Classic Load Balancer, changing only what differs: a
// second run with the same settings makes no change call. It returns the names of the settings
// it changed ("health check", "attributes", "stickiness").
func (c *Classic) Configure(ctx context.Context, lbName string, s ClassicSettings, optFns ...func(*Options)) ([]string, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if s, err = s.resolve(); err != nil {
		return nil, err
	}
	lb, err := c.describe(ctx, o, lbName)
	if err != nil {
		return nil, err
	}
	var changed []string
	if hc := s.HealthCheck; hc != nil {
		want := elbtypes.HealthCheck{
			Target: aws.String(hc.Target), Interval: aws.Int32(seconds(hc.Interval)), Timeout: aws.Int32(seconds(hc.Timeout)),
			HealthyThreshold: aws.Int32(hc.HealthyThreshold), UnhealthyThreshold: aws.Int32(hc.UnhealthyThreshold),
		}
		if have := lb.HealthCheck; have == nil || aws.ToString(have.Target) != hc.Target || aws.ToInt32(have.Interval) != *want.Interval ||
			aws.ToInt32(have.Timeout) != *want.Timeout || aws.ToInt32(have.HealthyThreshold) != *want.HealthyThreshold || aws.ToInt32(have.UnhealthyThreshold) != *want.UnhealthyThreshold {
			err := call(ctx, o, "ConfigureHealthCheck", retry.Throttling, func(ctx context.Context) error {
				_, err := c.api.ConfigureHealthCheck(ctx, &elasticloadbalancing.ConfigureHealthCheckInput{LoadBalancerName: aws.String(lbName), HealthCheck: &want}, o.ClassicOptions...)
				return err
			})
			if err != nil {
				return changed, fmt.Errorf("elb: configure health check of %s: %w", lbName, err)
			}
			changed = append(changed, "health check")
		}
	}
	if s.ConnectionDraining != nil || s.CrossZone != nil {
		have, err := c.attributes(ctx, o, lbName)
		if err != nil {
			return changed, err
		}
		want := &elbtypes.LoadBalancerAttributes{}
		diff := false
		if d := s.ConnectionDraining; d != nil {
			cd := &elbtypes.ConnectionDraining{Enabled: *d > 0}
			if *d > 0 {
				cd.Timeout = aws.Int32(seconds(*d))
			}
			hd := have.ConnectionDraining
			if hd == nil || hd.Enabled != cd.Enabled || (cd.Enabled && aws.ToInt32(hd.Timeout) != *cd.Timeout) {
				want.ConnectionDraining, diff = cd, true
			}
		}
		if cz := s.CrossZone; cz != nil && (have.CrossZoneLoadBalancing == nil || have.CrossZoneLoadBalancing.Enabled != *cz) {
			want.CrossZoneLoadBalancing, diff = &elbtypes.CrossZoneLoadBalancing{Enabled: *cz}, true
		}
		if diff {
			err := call(ctx, o, "ModifyLoadBalancerAttributes", retry.Throttling, func(ctx context.Context) error {
				_, err := c.api.ModifyLoadBalancerAttributes(ctx, &elasticloadbalancing.ModifyLoadBalancerAttributesInput{LoadBalancerName: aws.String(lbName), LoadBalancerAttributes: want}, o.ClassicOptions...)
				return err
			})
			if err != nil {
				return changed, fmt.Errorf("elb: modify attributes of %s: %w", lbName, err)
			}
			changed = append(changed, "attributes")
		}
	}
	if st := s.Stickiness; st != nil {
		did, err := c.stickiness(ctx, o, lb, *st)
		if err != nil {
			return changed, err
		}
		if did {
			changed = append(changed, "stickiness")
		}
	}
	return changed, nil
}

// stickiness creates the LB-cookie policy if missing and puts it on the listener in place of any
// other stickiness policy there. It reports whether it changed anything.
func (c *Classic) stickiness(ctx context.Context, o Options, lb elbtypes.LoadBalancerDescription, st ClassicStickiness) (bool, error) {
	name := aws.ToString(lb.LoadBalancerName)
	var listener *elbtypes.ListenerDescription
	for i, l := range lb.ListenerDescriptions {
		if l.Listener != nil && l.Listener.LoadBalancerPort == st.Port {
			listener = &lb.ListenerDescriptions[i]
		}
	}
	if listener == nil {
		return false, fmt.Errorf("elb: stickiness on %s: no listener on port %d", name, st.Port)
	}
	exists := false
	// The listener's other stickiness policies: a listener carries one, so ours replaces them.
	stickiness := map[string]bool{}
	if lb.Policies != nil {
		for _, p := range lb.Policies.AppCookieStickinessPolicies {
			stickiness[aws.ToString(p.PolicyName)] = true
		}
		for _, p := range lb.Policies.LBCookieStickinessPolicies {
			stickiness[aws.ToString(p.PolicyName)] = true
			if aws.ToString(p.PolicyName) == st.PolicyName {
				exists = true
				if got := time.Duration(aws.ToInt64(p.CookieExpirationPeriod)) * time.Second; got != st.Duration {
					return false, fmt.Errorf("elb: stickiness on %s: policy %s exists with cookie duration %s, not %s; choose another PolicyName", name, st.PolicyName, got, st.Duration)
				}
			}
		}
	}
	changed := false
	if !exists {
		in := &elasticloadbalancing.CreateLBCookieStickinessPolicyInput{LoadBalancerName: aws.String(name), PolicyName: aws.String(st.PolicyName)}
		if st.Duration > 0 {
			in.CookieExpirationPeriod = aws.Int64(int64(st.Duration / time.Second))
		}
		err := call(ctx, o, "CreateLBCookieStickinessPolicy", retry.Throttling, func(ctx context.Context) error {
			_, err := c.api.CreateLBCookieStickinessPolicy(ctx, in, o.ClassicOptions...)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("elb: create stickiness policy %s on %s: %w", st.PolicyName, name, err)
		}
		changed = true
	}
	// SetLoadBalancerPoliciesOfListener replaces the listener's policies: keep the others (an
	// SSL negotiation policy, for example) and swap any other stickiness policy for ours.
	policies := []string{}
	have := false
	for _, p := range listener.PolicyNames {
		switch {
		case p == st.PolicyName:
			have = true
			policies = append(policies, p)
		case !stickiness[p]:
			policies = append(policies, p)
		}
	}
	if have && len(policies) == len(listener.PolicyNames) {
		return changed, nil
	}
	if !have {
		policies = append(policies, st.PolicyName)
	}
	err := call(ctx, o, "SetLoadBalancerPoliciesOfListener", retry.Throttling, func(ctx context.Context) error {
		_, err := c.api.SetLoadBalancerPoliciesOfListener(ctx, &elasticloadbalancing.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: aws.String(name), LoadBalancerPort: st.Port, PolicyNames: policies}, o.ClassicOptions...)
		return err
	})
	if err != nil {
		return changed, fmt.Errorf("elb: set policies of listener %d on %s: %w", st.Port, name, err)
	}
	return true, nil
}
