package elb

import (
	"context"
	"maps"
	"slices"

	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/poll"
	"github.com/portalkit/portalkit/internal/retry"
)

// Stack is what Ensure found or created.
type Stack struct {
	// LoadBalancerARN identifies the load balancer.
	LoadBalancerARN string
	// DNSName is the load balancer's DNS name, the target of Route 53 alias records.
	DNSName string
	// CanonicalHostedZoneID is the load balancer's hosted zone, which alias records name.
	CanonicalHostedZoneID string
	// Zones are the load balancer's Availability Zones.
	Zones []string
	// TargetGroupARN is the target group.
	TargetGroupARN string
	// HTTPListenerARN is the HTTP listener (ALB), "" if none.
	HTTPListenerARN string
	// HTTPSListenerARN is the HTTPS listener (ALB) or the NLB's listener.
	HTTPSListenerARN string
	// ApexRuleARN is the apex-to-www redirect rule, "" if none.
	ApexRuleARN string
	// CertificateARN is the HTTPS (or TLS) listener's certificate, "" without one.
	CertificateARN string
	// SSLPolicy is the HTTPS (or TLS) listener's security policy, "" without one.
	SSLPolicy string
	// Created names the resources this run created, for example "load balancer"; empty on a run
	// that found everything in place.
	Created []string
	// Drift lists the differences between existing resources and the spec. Ensure does not
	// modify existing resources.
	Drift []Drift
}

// Drift is one difference between an existing resource and the spec.
type Drift struct {
	// Resource names the resource, for example "target group web".
	Resource string
	// Field names the setting, for example "HealthCheck.Path".
	Field string
	// Want and Have are the spec's value and the resource's.
	Want, Have string
}

// String renders the drift for logs.
func (d Drift) String() string {
	return fmt.Sprintf("%s: %s is %q, spec wants %q", d.Resource, d.Field, d.Have, d.Want)
}

// Ensure converges the load balancer, target group, listeners and redirect rule to spec. It
// describes each resource first and adopts what exists; it creates only what is missing, so a
// second run makes no create call. The ELBv2 create calls take no client token, so a create
// retried after a lost response arrives twice: CreateLoadBalancer, CreateTargetGroup and
// CreateListener with the settings of an existing resource return it, and a listener with other
// settings on the port (DuplicateListener) is adopted and compared. CreateRule has no such
// idempotency: its retry meets PriorityInUse, and Ensure lists the rules again and adopts the
// apex host's rule it finds (a rule for another host at that priority is an error). Differences
// in existing resources are reported in [Stack.Drift] (and logged) but not changed; with
// FailOnDrift they fail the call with ErrDrift.
//
// The spec is checked before any ELB call: a load balancer in fewer than two Availability Zones
// fails with [ErrSingleAZ], other problems with [ErrInvalidSpec] naming every one. With
// Options.Instances set, the subnets are looked up in EC2 first (one DescribeSubnets call), so
// that subnets sharing a zone are refused naming the zone, and subnets outside
// TargetGroup.VPCID are refused too. The certificate (found by CertificateDomain, or the
// CertificateARN confirmed issued when Options.Certificates is set) and the TLS policy (offered in
// the region) are checked next, also before anything is created. Unless NoWait is set, Ensure waits for a new load balancer
// to become active.
func (c *Client) Ensure(ctx context.Context, spec Spec, optFns ...func(*Options)) (*Stack, error) {
	o, err := c.opts.resolve(optFns)
	if err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	if err := spec.validate(o.Certificates != nil); err != nil {
		return nil, err
	}
	if err := checkSubnets(ctx, o, spec); err != nil {
		return nil, err
	}
	e := &ensurer{c: c, o: o, spec: spec, st: &Stack{}}
	// Everything that can fail without creating anything comes first (subnets above, the
	// certificate and the TLS policy here), so that a bad spec leaves nothing behind.
	steps := []func(context.Context) error{e.certificate, e.resolveSSLPolicy, e.loadBalancer, e.targetGroup, e.listeners, e.apexRule, e.waitActive}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return e.st, err
		}
	}
	for _, d := range e.st.Drift {
		o.Logger.Warn("elb: drift", "resource", d.Resource, "field", d.Field, "have", d.Have, "want", d.Want)
	}
	if o.FailOnDrift && len(e.st.Drift) > 0 {
		return e.st, fmt.Errorf("%w: %d difference(s), first: %s", ErrDrift, len(e.st.Drift), e.st.Drift[0])
	}
	return e.st, nil
}

type ensurer struct {
	c         *Client
	o         Options
	spec      Spec
	st        *Stack
	lbCreated bool
	lbType    elbv2types.LoadBalancerTypeEnum
	sslPolicy string // the policy a new secure listener gets, resolved before anything is created
}

func (e *ensurer) drift(resource, field, want, have string) {
	if want != have {
		e.st.Drift = append(e.st.Drift, Drift{Resource: resource, Field: field, Want: want, Have: have})
	}
}

func (e *ensurer) tags() []elbv2types.Tag {
	keys := slices.Sorted(maps.Keys(e.spec.LoadBalancer.Tags))
	var out []elbv2types.Tag
	for _, k := range keys {
		out = append(out, elbv2types.Tag{Key: aws.String(k), Value: aws.String(e.spec.LoadBalancer.Tags[k])})
	}
	return out
}

func (e *ensurer) loadBalancer(ctx context.Context) error {
	s := e.spec.LoadBalancer
	var found *elbv2types.LoadBalancer
	err := call(ctx, e.o, "DescribeLoadBalancers", retry.Throttling, func(ctx context.Context) error {
		out, err := e.c.api.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{Names: []string{s.Name}}, e.o.ELBv2Options...)
		if err == nil && len(out.LoadBalancers) > 0 {
			found = &out.LoadBalancers[0]
		}
		return err
	})
	scheme := elbv2types.LoadBalancerSchemeEnumInternetFacing
	if s.Internal {
		scheme = elbv2types.LoadBalancerSchemeEnumInternal
	}
	switch {
	case err != nil && !awserr.IsCode(err, "LoadBalancerNotFound"):
		return fmt.Errorf("elb: describe load balancer %s: %w", s.Name, err)
	case found == nil:
		in := &elasticloadbalancingv2.CreateLoadBalancerInput{
			Name: aws.String(s.Name), Type: elbv2types.LoadBalancerTypeEnum(s.Type), Scheme: scheme,
			Subnets: distinct(s.Subnets), SecurityGroups: s.SecurityGroups, Tags: e.tags(),
		}
		err := call(ctx, e.o, "CreateLoadBalancer", retry.Throttling, func(ctx context.Context) error {
			out, err := e.c.api.CreateLoadBalancer(ctx, in, e.o.ELBv2Options...)
			if err == nil && len(out.LoadBalancers) > 0 {
				found = &out.LoadBalancers[0]
			}
			return err
		})
		if err != nil {
			if strings.Contains(awserr.Message(err), "two different Availability Zones") || awserr.IsCode(err, "InvalidConfigurationRequest") && strings.Contains(awserr.Message(err), "same Availability Zone") {
				return fmt.Errorf("%w: create load balancer %s: %w", ErrSingleAZ, s.Name, err)
			}
			return fmt.Errorf("elb: create load balancer %s: %w", s.Name, err)
		}
		if found == nil {
			return fmt.Errorf("elb: create load balancer %s: empty response", s.Name)
		}
		e.lbCreated = true
		e.st.Created = append(e.st.Created, "load balancer")
		e.o.Logger.Info("elb: created load balancer", "name", s.Name, "arn", aws.ToString(found.LoadBalancerArn))
	default:
		res := "load balancer " + s.Name
		e.drift(res, "Type", s.Type, string(found.Type))
		e.drift(res, "Scheme", string(scheme), string(found.Scheme))
		var have []string
		for _, az := range found.AvailabilityZones {
			have = append(have, aws.ToString(az.SubnetId))
		}
		e.drift(res, "Subnets", joinSorted(distinct(s.Subnets)), joinSorted(have))
	}
	e.lbType = found.Type
	e.st.LoadBalancerARN = aws.ToString(found.LoadBalancerArn)
	e.st.DNSName = aws.ToString(found.DNSName)
	e.st.CanonicalHostedZoneID = aws.ToString(found.CanonicalHostedZoneId)
	e.st.Zones = nil
	for _, az := range found.AvailabilityZones {
		e.st.Zones = append(e.st.Zones, aws.ToString(az.ZoneName))
	}
	if n := len(distinct(e.st.Zones)); n < 2 {
		// An adopted load balancer (an NLB can have one zone) is not highly available.
		return fmt.Errorf("%w: load balancer %s spans %d Availability Zone(s) %v", ErrSingleAZ, s.Name, n, e.st.Zones)
	}
	return nil
}

func joinSorted(in []string) string {
	cp := append([]string(nil), in...)
	sort.Strings(cp)
	return strings.Join(cp, ",")
}

func seconds(d time.Duration) int32 { return int32(d / time.Second) }

func (e *ensurer) targetGroup(ctx context.Context) error {
	s := e.spec.TargetGroup
	hc := s.HealthCheck
	var found *elbv2types.TargetGroup
	err := call(ctx, e.o, "DescribeTargetGroups", retry.Throttling, func(ctx context.Context) error {
		out, err := e.c.api.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: []string{s.Name}}, e.o.ELBv2Options...)
		if err == nil && len(out.TargetGroups) > 0 {
			found = &out.TargetGroups[0]
		}
		return err
	})
	if err != nil && !awserr.IsCode(err, "TargetGroupNotFound") {
		return fmt.Errorf("elb: describe target group %s: %w", s.Name, err)
	}
	want := e.attributes()
	if found == nil {
		in := &elasticloadbalancingv2.CreateTargetGroupInput{
			Name: aws.String(s.Name), VpcId: aws.String(s.VPCID), Protocol: elbv2types.ProtocolEnum(s.Protocol), Port: aws.Int32(s.Port),
			TargetType: elbv2types.TargetTypeEnumInstance, HealthCheckEnabled: aws.Bool(true),
			HealthCheckProtocol: elbv2types.ProtocolEnum(hc.Protocol), HealthCheckPort: aws.String(hc.Port),
			HealthCheckIntervalSeconds: aws.Int32(seconds(hc.Interval)), HealthCheckTimeoutSeconds: aws.Int32(seconds(hc.Timeout)),
			HealthyThresholdCount: aws.Int32(hc.HealthyThreshold), UnhealthyThresholdCount: aws.Int32(hc.UnhealthyThreshold),
			Tags: e.tags(),
		}
		if hc.Path != "" {
			in.HealthCheckPath = aws.String(hc.Path)
			in.Matcher = &elbv2types.Matcher{HttpCode: aws.String(hc.Matcher)}
		}
		err := call(ctx, e.o, "CreateTargetGroup", retry.Throttling, func(ctx context.Context) error {
			out, err := e.c.api.CreateTargetGroup(ctx, in, e.o.ELBv2Options...)
			if err == nil && len(out.TargetGroups) > 0 {
				found = &out.TargetGroups[0]
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("elb: create target group %s: %w", s.Name, err)
		}
		if found == nil {
			return fmt.Errorf("elb: create target group %s: empty response", s.Name)
		}
		e.st.Created = append(e.st.Created, "target group")
		arn := aws.ToString(found.TargetGroupArn)
		e.st.TargetGroupARN = arn
		// ModifyTargetGroupAttributes right after the create may see TargetGroupNotFound.
		err = call(ctx, e.o, "ModifyTargetGroupAttributes", retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
			_, err := e.c.api.ModifyTargetGroupAttributes(ctx, &elasticloadbalancingv2.ModifyTargetGroupAttributesInput{
				TargetGroupArn: aws.String(arn), Attributes: attributeList(want),
			}, e.o.ELBv2Options...)
			return err
		})
		if err != nil {
			return fmt.Errorf("elb: set attributes of target group %s: %w", arn, err)
		}
		return nil
	}
	arn := aws.ToString(found.TargetGroupArn)
	e.st.TargetGroupARN = arn
	res := "target group " + s.Name
	// Ensure creates instance target groups, and Register names instances: an adopted ip or
	// lambda group would refuse them.
	e.drift(res, "TargetType", string(elbv2types.TargetTypeEnumInstance), string(found.TargetType))
	e.drift(res, "VPCID", s.VPCID, aws.ToString(found.VpcId))
	e.drift(res, "Protocol", s.Protocol, string(found.Protocol))
	e.drift(res, "Port", strconv.Itoa(int(s.Port)), strconv.Itoa(int(aws.ToInt32(found.Port))))
	e.drift(res, "HealthCheck.Protocol", hc.Protocol, string(found.HealthCheckProtocol))
	e.drift(res, "HealthCheck.Port", hc.Port, aws.ToString(found.HealthCheckPort))
	e.drift(res, "HealthCheck.Path", hc.Path, aws.ToString(found.HealthCheckPath))
	e.drift(res, "HealthCheck.Interval", hc.Interval.String(), (time.Duration(aws.ToInt32(found.HealthCheckIntervalSeconds)) * time.Second).String())
	e.drift(res, "HealthCheck.Timeout", hc.Timeout.String(), (time.Duration(aws.ToInt32(found.HealthCheckTimeoutSeconds)) * time.Second).String())
	e.drift(res, "HealthCheck.HealthyThreshold", strconv.Itoa(int(hc.HealthyThreshold)), strconv.Itoa(int(aws.ToInt32(found.HealthyThresholdCount))))
	e.drift(res, "HealthCheck.UnhealthyThreshold", strconv.Itoa(int(hc.UnhealthyThreshold)), strconv.Itoa(int(aws.ToInt32(found.UnhealthyThresholdCount))))
	matcher := ""
	if found.Matcher != nil {
		matcher = aws.ToString(found.Matcher.HttpCode)
	}
	e.drift(res, "HealthCheck.Matcher", hc.Matcher, matcher)
	var have map[string]string
	err = call(ctx, e.o, "DescribeTargetGroupAttributes", retry.Codes("TargetGroupNotFound"), func(ctx context.Context) error {
		out, err := e.c.api.DescribeTargetGroupAttributes(ctx, &elasticloadbalancingv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)}, e.o.ELBv2Options...)
		if err == nil {
			have = attributeMap(out.Attributes)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("elb: describe attributes of target group %s: %w", arn, err)
	}
	keys := slices.Sorted(maps.Keys(want))
	for _, k := range keys {
		e.drift(res, k, want[k], have[k])
	}
	return nil
}

// attributes are the target group attributes the spec sets.
func (e *ensurer) attributes() map[string]string {
	s := e.spec.TargetGroup
	a := map[string]string{
		"deregistration_delay.timeout_seconds": strconv.Itoa(int(seconds(*s.DeregistrationDelay))),
		"stickiness.enabled":                   "false",
	}
	if e.spec.LoadBalancer.Type == Application {
		a["slow_start.duration_seconds"] = strconv.Itoa(int(seconds(s.SlowStart)))
	}
	if st := s.Stickiness; st != nil {
		a["stickiness.enabled"] = "true"
		a["stickiness.type"] = st.Type
		switch st.Type {
		case LBCookie:
			a["stickiness.lb_cookie.duration_seconds"] = strconv.Itoa(int(seconds(st.Duration)))
		case AppCookie:
			a["stickiness.app_cookie.cookie_name"] = st.CookieName
			a["stickiness.app_cookie.duration_seconds"] = strconv.Itoa(int(seconds(st.Duration)))
		}
	}
	return a
}

func attributeList(a map[string]string) []elbv2types.TargetGroupAttribute {
	keys := slices.Sorted(maps.Keys(a))
	out := make([]elbv2types.TargetGroupAttribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbv2types.TargetGroupAttribute{Key: aws.String(k), Value: aws.String(a[k])})
	}
	return out
}

func attributeMap(in []elbv2types.TargetGroupAttribute) map[string]string {
	out := make(map[string]string, len(in))
	for _, a := range in {
		out[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	return out
}

// waitActive waits for a load balancer this run created to leave provisioning.
func (e *ensurer) waitActive(ctx context.Context) error {
	if !e.lbCreated || e.o.NoWait {
		return nil
	}
	arn := e.st.LoadBalancerARN
	what := "load balancer " + e.spec.LoadBalancer.Name + " active"
	_, err := poll.Wait(ctx, func(ctx context.Context) (poll.Result, error) {
		out, err := e.c.api.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, e.o.ELBv2Options...)
		if err != nil {
			return poll.Result{}, err
		}
		if len(out.LoadBalancers) == 0 || out.LoadBalancers[0].State == nil {
			return poll.Result{Status: poll.Pending, State: "unknown"}, nil
		}
		st := out.LoadBalancers[0].State
		switch st.Code {
		case elbv2types.LoadBalancerStateEnumActive:
			return poll.Result{Status: poll.Done, State: string(st.Code)}, nil
		case elbv2types.LoadBalancerStateEnumFailed:
			return poll.Result{Status: poll.Failed, State: string(st.Code), Reason: aws.ToString(st.Reason)}, nil
		}
		return poll.Result{Status: poll.Pending, State: string(st.Code)}, nil
	}, e.o.pollOptions(what, e.o.ActiveTimeout, func(err error) bool { return awserr.IsCode(err, "LoadBalancerNotFound") }))
	return waitError(ctx, what, err)
}
