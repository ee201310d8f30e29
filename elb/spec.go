package elb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Load balancer types, as the API names them.
const (
	// Application is an Application Load Balancer (HTTP and HTTPS).
	Application = "application"
	// Network is a Network Load Balancer (TCP and TLS).
	Network = "network"
)

// Stickiness types, as the target group attribute stickiness.type names them.
const (
	// LBCookie makes the load balancer issue its own cookie (AWSALB).
	LBCookie = "lb_cookie"
	// AppCookie follows a cookie the application sets.
	AppCookie = "app_cookie"
	// SourceIP pins clients by address (Network Load Balancers only).
	SourceIP = "source_ip"
)

// TLS security policies.
const (
	// DefaultSSLPolicy is the policy Ensure gives an HTTPS listener unless the spec names one:
	// TLS 1.3 and 1.2 with hybrid post-quantum key exchange, the console's default and AWS's
	// recommendation. The API's own default, ELBSecurityPolicy-2016-08, still allows TLS 1.0.
	DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
	// FallbackSSLPolicy is used when DefaultSSLPolicy is not offered in the region.
	FallbackSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
)

// AWS limits checked before any call (ELBv2 API reference, CreateTargetGroup and
// TargetGroupAttribute), and defaults Ensure applies.
const (
	// MinHealthCheckInterval and MaxHealthCheckInterval bound HealthCheck.Interval.
	MinHealthCheckInterval = 5 * time.Second
	// MaxHealthCheckInterval is the longest HealthCheck.Interval.
	MaxHealthCheckInterval = 300 * time.Second
	// MinHealthCheckTimeout and MaxHealthCheckTimeout bound HealthCheck.Timeout.
	MinHealthCheckTimeout = 2 * time.Second
	// MaxHealthCheckTimeout is the longest HealthCheck.Timeout.
	MaxHealthCheckTimeout = 120 * time.Second
	// MinThreshold and MaxThreshold bound the healthy and unhealthy thresholds.
	MinThreshold = 2
	// MaxThreshold is the largest healthy or unhealthy threshold.
	MaxThreshold = 10
	// MaxDeregistrationDelay bounds TargetGroupSpec.DeregistrationDelay.
	MaxDeregistrationDelay = time.Hour
	// MinStickinessDuration and MaxStickinessDuration bound Stickiness.Duration.
	MinStickinessDuration = time.Second
	// MaxStickinessDuration is the longest Stickiness.Duration.
	MaxStickinessDuration = 7 * 24 * time.Hour
	// MinSlowStart and MaxSlowStart bound a non-zero TargetGroupSpec.SlowStart.
	MinSlowStart = 30 * time.Second
	// MaxSlowStart is the longest non-zero TargetGroupSpec.SlowStart.
	MaxSlowStart = 900 * time.Second
	// MaxMatcherCodeALB is the highest HTTP code a health check matcher may name for an
	// Application Load Balancer's target group (the lowest is 200 for both types).
	MaxMatcherCodeALB = 499
	// MaxMatcherCodeNLB is the highest HTTP code a health check matcher may name for a Network
	// Load Balancer's target group.
	MaxMatcherCodeNLB = 599
	// DefaultApexRulePriority is the apex redirect rule's priority unless the spec sets one.
	DefaultApexRulePriority = 10
	// DefaultDeregistrationDelay is AWS's default deregistration delay, which Ensure sets
	// explicitly unless the spec gives one.
	DefaultDeregistrationDelay = 300 * time.Second
)

// Spec describes the load balancer stack Ensure converges to.
type Spec struct {
	// LoadBalancer is the ALB or NLB.
	LoadBalancer LoadBalancerSpec
	// TargetGroup is the group the listeners forward to.
	TargetGroup TargetGroupSpec
	// Listeners are the HTTP, HTTPS (or TCP/TLS) listeners.
	Listeners ListenerSpec
}

// LoadBalancerSpec describes the load balancer.
type LoadBalancerSpec struct {
	// Name is the load balancer's name: up to 32 letters, digits or hyphens. Required.
	Name string
	// Type is Application or Network. Empty means Application.
	Type string
	// Internal makes the load balancer internal. False means internet-facing.
	Internal bool
	// Subnets are the subnets, one per Availability Zone, in at least two zones. Required.
	Subnets []string
	// SecurityGroups are the security group IDs (ALB). Empty means the VPC's default group.
	SecurityGroups []string
	// Tags are added to the load balancer and target group when they are created.
	Tags map[string]string
}

// TargetGroupSpec describes the target group.
type TargetGroupSpec struct {
	// Name is the target group's name: up to 32 letters, digits or hyphens. Required.
	Name string
	// VPCID is the VPC of the targets. Required.
	VPCID string
	// Protocol is the protocol to the targets. Empty means HTTP (ALB) or TCP (NLB).
	Protocol string
	// Port is the port the targets listen on. Zero means 80.
	Port int32
	// HealthCheck configures the health check.
	HealthCheck HealthCheck
	// DeregistrationDelay is how long a deregistered target drains, 0 to 1 hour. Nil means
	// DefaultDeregistrationDelay (AWS's default, 300 s).
	DeregistrationDelay *time.Duration
	// Stickiness configures sticky sessions. Nil means off.
	Stickiness *Stickiness
	// SlowStart ramps traffic to a new target over this duration, 30 s to 15 min (ALB). Zero
	// means off.
	SlowStart time.Duration
}

// HealthCheck configures a target group's health check. Zero fields mean AWS's defaults, which
// Ensure sets explicitly so that drift is visible.
type HealthCheck struct {
	// Protocol is HTTP, HTTPS or TCP. Empty means the target group's protocol (TCP for TLS).
	Protocol string
	// Port is "traffic-port" or a port number. Empty means "traffic-port".
	Port string
	// Path is the HTTP(S) path. Empty means "/".
	Path string
	// Interval between checks, 5 s to 300 s. Zero means 30 s.
	Interval time.Duration
	// Timeout of one check, 2 s to 120 s and below Interval. Zero means 5 s.
	Timeout time.Duration
	// HealthyThreshold is the number of passes that make an unhealthy target healthy, 2 to 10.
	// Zero means 5.
	HealthyThreshold int32
	// UnhealthyThreshold is the number of failures that make a target unhealthy, 2 to 10. Zero
	// means 2.
	UnhealthyThreshold int32
	// Matcher is the HTTP codes that pass: "200", "200,302" or "200-299", each 200 to 499
	// (ALB) or 200 to 599 (NLB). Empty means "200".
	Matcher string
}

// Stickiness configures sticky sessions on a target group.
type Stickiness struct {
	// Type is LBCookie, AppCookie or SourceIP (NLB). Required.
	Type string
	// Duration is the cookie's lifetime, 1 s to 7 days (LBCookie and AppCookie). Zero means 1
	// day. SourceIP stickiness has no duration: a non-zero Duration with it is refused.
	Duration time.Duration
	// CookieName is the application's cookie (AppCookie only). It may not begin with AWSALB,
	// AWSALBAPP or AWSALBTG, which the load balancer reserves.
	CookieName string
}

// ListenerSpec describes the listeners of an Application Load Balancer (HTTP on 80 redirecting
// to HTTPS on 443) or a Network Load Balancer (TCP, or TLS when a certificate is given).
type ListenerSpec struct {
	// CertificateARN is the ACM certificate for HTTPS. Empty means look it up by
	// CertificateDomain; both empty means no HTTPS listener (HTTP forwards to the targets).
	CertificateARN string
	// CertificateDomain finds an issued ACM certificate covering this name (and www.<name> when
	// ApexRedirect is set). Needs Options.Certificates.
	CertificateDomain string
	// SSLPolicy is the TLS security policy. Empty means DefaultSSLPolicy (FallbackSSLPolicy
	// where the region lacks it), never the API's old default.
	SSLPolicy string
	// ApexRedirect, if set to the apex domain (example.com), adds a rule to the HTTPS listener
	// that redirects that host to www.<apex> with status 301, keeping path and query.
	ApexRedirect string
	// ApexRulePriority is the redirect rule's priority. Zero means DefaultApexRulePriority.
	ApexRulePriority int32
	// Port is the NLB listener port. Zero means the target group port (TCP) or 443 (TLS).
	Port int32
}

var (
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)
	matcherPattern = regexp.MustCompile(`^\d{3}((,\d{3})*|-\d{3})$`)
)

// reservedCookiePrefixes are cookie names the ALB keeps for itself (ALB User Guide, "Sticky
// sessions").
var reservedCookiePrefixes = []string{"AWSALB", "AWSALBAPP", "AWSALBTG"}

// withDefaults returns the spec with zero fields resolved.
func (s Spec) withDefaults() Spec {
	lb, tg, hc, l := &s.LoadBalancer, &s.TargetGroup, &s.TargetGroup.HealthCheck, &s.Listeners
	if lb.Type == "" {
		lb.Type = Application
	}
	if tg.Protocol == "" {
		tg.Protocol = "HTTP"
		if lb.Type == Network {
			tg.Protocol = "TCP"
		}
	}
	if tg.Port == 0 {
		tg.Port = 80
	}
	if hc.Protocol == "" {
		hc.Protocol = tg.Protocol
		if tg.Protocol == "TLS" {
			hc.Protocol = "TCP"
		}
	}
	if hc.Port == "" {
		hc.Port = "traffic-port"
	}
	httpCheck := hc.Protocol == "HTTP" || hc.Protocol == "HTTPS"
	if httpCheck && hc.Path == "" {
		hc.Path = "/"
	}
	if httpCheck && hc.Matcher == "" {
		hc.Matcher = "200"
	}
	if hc.Interval == 0 {
		hc.Interval = 30 * time.Second
	}
	if hc.Timeout == 0 {
		hc.Timeout = 5 * time.Second
	}
	if hc.HealthyThreshold == 0 {
		hc.HealthyThreshold = 5
	}
	if hc.UnhealthyThreshold == 0 {
		hc.UnhealthyThreshold = 2
	}
	if tg.DeregistrationDelay == nil {
		d := DefaultDeregistrationDelay
		tg.DeregistrationDelay = &d
	}
	if st := tg.Stickiness; st != nil && st.Duration == 0 && st.Type != SourceIP {
		cp := *st
		cp.Duration = 24 * time.Hour
		tg.Stickiness = &cp
	}
	if l.ApexRulePriority == 0 {
		l.ApexRulePriority = DefaultApexRulePriority
	}
	return s
}

// validate returns ErrInvalidSpec naming every problem, or nil. It expects withDefaults applied.
func (s Spec) validate(certLookup bool) error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	lb, tg, hc, l := s.LoadBalancer, s.TargetGroup, s.TargetGroup.HealthCheck, s.Listeners
	alb := lb.Type == Application
	if !namePattern.MatchString(lb.Name) || strings.HasPrefix(lb.Name, "internal-") {
		add("LoadBalancer.Name %q must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen or starting with internal-", lb.Name)
	}
	if lb.Type != Application && lb.Type != Network {
		add("LoadBalancer.Type %q must be %q or %q", lb.Type, Application, Network)
	}
	singleAZ := len(distinct(lb.Subnets)) < 2
	if singleAZ {
		add("LoadBalancer.Subnets has %d distinct subnet(s); a load balancer needs subnets in at least two Availability Zones", len(distinct(lb.Subnets)))
	}
	if !namePattern.MatchString(tg.Name) {
		add("TargetGroup.Name %q must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen", tg.Name)
	}
	if tg.VPCID == "" {
		add("TargetGroup.VPCID is required")
	}
	okProto := map[string]bool{"HTTP": alb, "HTTPS": alb, "TCP": !alb, "TLS": !alb}
	if !okProto[tg.Protocol] {
		add("TargetGroup.Protocol %q is not valid for a load balancer of type %s", tg.Protocol, lb.Type)
	}
	if tg.Port < 1 || tg.Port > 65535 {
		add("TargetGroup.Port %d must be 1-65535", tg.Port)
	}
	httpCheck := hc.Protocol == "HTTP" || hc.Protocol == "HTTPS"
	if !httpCheck && (hc.Protocol != "TCP" || alb) {
		add("HealthCheck.Protocol %q is not valid for a load balancer of type %s", hc.Protocol, lb.Type)
	}
	if hc.Port != "traffic-port" {
		if n, err := strconv.Atoi(hc.Port); err != nil || n < 1 || n > 65535 {
			add("HealthCheck.Port %q must be traffic-port or 1-65535", hc.Port)
		}
	}
	if httpCheck && (!strings.HasPrefix(hc.Path, "/") || len(hc.Path) > 1024) {
		add("HealthCheck.Path %q must start with / and be at most 1024 characters", hc.Path)
	}
	if !httpCheck && (hc.Path != "" || hc.Matcher != "") {
		add("HealthCheck.Path and Matcher apply to HTTP and HTTPS health checks only")
	}
	// The API takes 200-499 for an ALB's target groups and 200-599 for an NLB's (Matcher).
	maxCode := MaxMatcherCodeALB
	if !alb {
		maxCode = MaxMatcherCodeNLB
	}
	if httpCheck && !matcherOK(hc.Matcher, maxCode) {
		add("HealthCheck.Matcher %q must be codes 200-%d as 200, 200,302 or 200-299 on a load balancer of type %s", hc.Matcher, maxCode, lb.Type)
	}
	if hc.Interval < MinHealthCheckInterval || hc.Interval > MaxHealthCheckInterval || hc.Interval%time.Second != 0 {
		add("HealthCheck.Interval %s must be whole seconds from %s to %s", hc.Interval, MinHealthCheckInterval, MaxHealthCheckInterval)
	}
	if hc.Timeout < MinHealthCheckTimeout || hc.Timeout > MaxHealthCheckTimeout || hc.Timeout%time.Second != 0 {
		add("HealthCheck.Timeout %s must be whole seconds from %s to %s", hc.Timeout, MinHealthCheckTimeout, MaxHealthCheckTimeout)
	}
	if hc.Timeout >= hc.Interval {
		// AWS rejects this only when the target group is created (aws-cdk#29062): catch it first.
		add("HealthCheck.Interval %s must be greater than HealthCheck.Timeout %s", hc.Interval, hc.Timeout)
	}
	for _, th := range []struct {
		name string
		v    int32
	}{{"HealthyThreshold", hc.HealthyThreshold}, {"UnhealthyThreshold", hc.UnhealthyThreshold}} {
		if th.v < MinThreshold || th.v > MaxThreshold {
			add("HealthCheck.%s %d must be %d-%d", th.name, th.v, MinThreshold, MaxThreshold)
		}
	}
	if d := *tg.DeregistrationDelay; d < 0 || d > MaxDeregistrationDelay || d%time.Second != 0 {
		add("TargetGroup.DeregistrationDelay %s must be whole seconds from 0 to %s", d, MaxDeregistrationDelay)
	}
	if tg.SlowStart != 0 && (!alb || tg.SlowStart < MinSlowStart || tg.SlowStart > MaxSlowStart || tg.SlowStart%time.Second != 0) {
		add("TargetGroup.SlowStart %s must be whole seconds from %s to %s, on an Application Load Balancer", tg.SlowStart, MinSlowStart, MaxSlowStart)
	}
	if st := tg.Stickiness; st != nil {
		p = append(p, st.problems(alb)...)
	}
	if l.CertificateARN != "" && l.CertificateDomain != "" {
		add("Listeners: set CertificateARN or CertificateDomain, not both")
	}
	if l.CertificateDomain != "" && !certLookup {
		add("Listeners.CertificateDomain needs Options.Certificates (an ACM client)")
	}
	if l.ApexRedirect != "" && (!alb || !l.secure()) {
		add("Listeners.ApexRedirect needs an Application Load Balancer with an HTTPS certificate")
	}
	if strings.HasPrefix(l.ApexRedirect, "www.") || strings.Contains(l.ApexRedirect, "/") {
		add("Listeners.ApexRedirect %q must be the apex domain, such as example.com", l.ApexRedirect)
	}
	if l.ApexRulePriority < 1 || l.ApexRulePriority > 50000 {
		add("Listeners.ApexRulePriority %d must be 1-50000", l.ApexRulePriority)
	}
	if l.Port < 0 || l.Port > 65535 {
		add("Listeners.Port %d must be 0-65535", l.Port)
	}
	if len(p) > 0 {
		return &specError{problems: p, singleAZ: singleAZ}
	}
	return nil
}

func (st Stickiness) problems(alb bool) []string {
	var p []string
	switch {
	case alb && st.Type != LBCookie && st.Type != AppCookie:
		p = append(p, fmt.Sprintf("Stickiness.Type %q must be %s or %s on an Application Load Balancer", st.Type, LBCookie, AppCookie))
	case !alb && st.Type != SourceIP:
		p = append(p, fmt.Sprintf("Stickiness.Type %q must be %s on a Network Load Balancer", st.Type, SourceIP))
	}
	if st.Type == SourceIP && st.Duration != 0 {
		// The API has no duration attribute for source_ip: a duration here would be dropped.
		p = append(p, fmt.Sprintf("Stickiness.Duration %s cannot be set for source_ip stickiness, which has no duration", st.Duration))
	}
	if st.Type != SourceIP && (st.Duration < MinStickinessDuration || st.Duration > MaxStickinessDuration || st.Duration%time.Second != 0) {
		p = append(p, fmt.Sprintf("Stickiness.Duration %s must be whole seconds from %s to %s", st.Duration, MinStickinessDuration, MaxStickinessDuration))
	}
	if st.Type == AppCookie && st.CookieName == "" {
		p = append(p, "Stickiness.CookieName is required for app_cookie stickiness")
	}
	if st.Type != AppCookie && st.CookieName != "" {
		p = append(p, "Stickiness.CookieName applies to app_cookie stickiness only")
	}
	for _, prefix := range reservedCookiePrefixes {
		if strings.HasPrefix(strings.ToUpper(st.CookieName), prefix) {
			p = append(p, fmt.Sprintf("Stickiness.CookieName %q uses the prefix %s, which the load balancer reserves", st.CookieName, prefix))
			break
		}
	}
	return p
}

func (l ListenerSpec) secure() bool { return l.CertificateARN != "" || l.CertificateDomain != "" }

func matcherOK(s string, maxCode int) bool {
	if !matcherPattern.MatchString(s) {
		return false
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '-' }) {
		if n, _ := strconv.Atoi(part); n < 200 || n > maxCode {
			return false
		}
	}
	return true
}

func distinct(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
