package elb

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/retry"
)

// certificate resolves the listener certificate: the spec's ARN, or an ACM lookup by domain (the
// apex and www when the apex redirect is on, so one certificate serves both names).
func (e *ensurer) certificate(ctx context.Context) error {
	l := e.spec.Listeners
	switch {
	case l.CertificateARN != "":
		if e.o.Certificates != nil {
			if err := e.checkCertificate(ctx, l.CertificateARN); err != nil {
				return err
			}
		}
		e.st.CertificateARN = l.CertificateARN
	case l.CertificateDomain != "":
		names := []string{l.CertificateDomain}
		if l.ApexRedirect != "" {
			names = distinct([]string{l.CertificateDomain, l.ApexRedirect, "www." + l.ApexRedirect})
		}
		arn, err := e.c.FindCertificate(ctx, names, func(o *Options) { *o = e.o })
		if err != nil {
			return err
		}
		e.st.CertificateARN = arn
	}
	return nil
}

// wantListener is one listener the spec asks for.
type wantListener struct {
	port     int32
	protocol elbv2types.ProtocolEnum
	action   elbv2types.Action
	secure   bool
	https    bool // this is the listener the apex rule and Stack.HTTPSListenerARN refer to
}

func (e *ensurer) wantListeners() []wantListener {
	tg := e.st.TargetGroupARN
	forward := elbv2types.Action{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}
	secure := e.st.CertificateARN != ""
	if e.lbType == elbv2types.LoadBalancerTypeEnumNetwork {
		w := wantListener{port: e.spec.Listeners.Port, protocol: elbv2types.ProtocolEnumTcp, action: forward, https: true}
		if secure {
			w.protocol, w.secure = elbv2types.ProtocolEnumTls, true
			if w.port == 0 {
				w.port = 443
			}
		} else if w.port == 0 {
			w.port = e.spec.TargetGroup.Port
		}
		return []wantListener{w}
	}
	if !secure {
		return []wantListener{{port: 80, protocol: elbv2types.ProtocolEnumHttp, action: forward}}
	}
	redirect := elbv2types.Action{Type: elbv2types.ActionTypeEnumRedirect, RedirectConfig: &elbv2types.RedirectActionConfig{
		StatusCode: elbv2types.RedirectActionStatusCodeEnumHttp301, Protocol: aws.String("HTTPS"), Port: aws.String("443"),
		Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
	}}
	return []wantListener{
		{port: 80, protocol: elbv2types.ProtocolEnumHttp, action: redirect},
		{port: 443, protocol: elbv2types.ProtocolEnumHttps, action: forward, secure: true, https: true},
	}
}

func (e *ensurer) listeners(ctx context.Context) error {
	existing, err := e.describeListeners(ctx)
	if err != nil {
		return err
	}
	for _, w := range e.wantListeners() {
		arn, err := e.listener(ctx, w, existing)
		if err != nil {
			return err
		}
		if w.https {
			e.st.HTTPSListenerARN = arn
		} else {
			e.st.HTTPListenerARN = arn
		}
	}
	return nil
}

func (e *ensurer) describeListeners(ctx context.Context) (map[int32]elbv2types.Listener, error) {
	out := map[int32]elbv2types.Listener{}
	var marker *string
	for {
		var page *elasticloadbalancingv2.DescribeListenersOutput
		err := call(ctx, e.o, "DescribeListeners", retry.Codes("LoadBalancerNotFound"), func(ctx context.Context) error {
			var err error
			page, err = e.c.api.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(e.st.LoadBalancerARN), Marker: marker}, e.o.ELBv2Options...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("elb: describe listeners of %s: %w", e.st.LoadBalancerARN, err)
		}
		for _, l := range page.Listeners {
			out[aws.ToInt32(l.Port)] = l
		}
		if aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		marker = page.NextMarker
	}
}

// listener adopts or creates one listener and returns its ARN.
func (e *ensurer) listener(ctx context.Context, w wantListener, existing map[int32]elbv2types.Listener) (string, error) {
	res := fmt.Sprintf("listener %s:%d", w.protocol, w.port)
	if have, ok := existing[w.port]; ok {
		e.listenerDrift(res, w, have)
		return aws.ToString(have.ListenerArn), nil
	}
	in := &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: aws.String(e.st.LoadBalancerARN), Port: aws.Int32(w.port), Protocol: w.protocol,
		DefaultActions: []elbv2types.Action{w.action},
	}
	if w.secure {
		policy := e.sslPolicy
		// Always explicit: without SslPolicy the API picks ELBSecurityPolicy-2016-08 (TLS 1.0).
		in.SslPolicy = aws.String(policy)
		in.Certificates = []elbv2types.Certificate{{CertificateArn: aws.String(e.st.CertificateARN)}}
		e.st.SSLPolicy = policy
	}
	var arn string
	err := call(ctx, e.o, "CreateListener", retry.Codes("TargetGroupNotFound", "LoadBalancerNotFound", "CertificateNotFound"), func(ctx context.Context) error {
		out, err := e.c.api.CreateListener(ctx, in, e.o.ELBv2Options...)
		if err == nil && len(out.Listeners) > 0 {
			arn = aws.ToString(out.Listeners[0].ListenerArn)
		}
		return err
	})
	if awserr.IsCode(err, "DuplicateListener") {
		// A retried create whose first attempt succeeded, or a concurrent run: adopt it.
		again, derr := e.describeListeners(ctx)
		if derr == nil {
			if have, ok := again[w.port]; ok {
				e.listenerDrift(res, w, have)
				return aws.ToString(have.ListenerArn), nil
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("elb: create %s on %s: %w", res, e.st.LoadBalancerARN, err)
	}
	e.st.Created = append(e.st.Created, res)
	return arn, nil
}

func (e *ensurer) listenerDrift(res string, w wantListener, have elbv2types.Listener) {
	e.drift(res, "Protocol", string(w.protocol), string(have.Protocol))
	e.drift(res, "DefaultAction", describeAction(w.action), describeActions(have.DefaultActions))
	if !w.secure {
		return
	}
	cert := ""
	for _, c := range have.Certificates {
		if c.IsDefault == nil || *c.IsDefault || cert == "" {
			cert = aws.ToString(c.CertificateArn)
		}
	}
	e.drift(res, "Certificate", e.st.CertificateARN, cert)
	policy := aws.ToString(have.SslPolicy)
	e.st.SSLPolicy = policy
	want := e.spec.Listeners.SSLPolicy
	if want == "" {
		want = DefaultSSLPolicy
		if policy == FallbackSSLPolicy {
			want = FallbackSSLPolicy // what Ensure picks where the default is not offered
		}
	}
	e.drift(res, "SSLPolicy", want, policy)
}

// resolveSSLPolicy picks the policy a new secure listener gets, before anything is created: the
// spec's, which the region must offer, or DefaultSSLPolicy when the region offers it and
// FallbackSSLPolicy otherwise.
func (e *ensurer) resolveSSLPolicy(ctx context.Context) error {
	if e.st.CertificateARN == "" {
		return nil
	}
	want := e.spec.Listeners.SSLPolicy
	name := want
	if name == "" {
		name = DefaultSSLPolicy
	}
	err := call(ctx, e.o, "DescribeSSLPolicies", retry.Throttling, func(ctx context.Context) error {
		_, err := e.c.api.DescribeSSLPolicies(ctx, &elasticloadbalancingv2.DescribeSSLPoliciesInput{Names: []string{name}}, e.o.ELBv2Options...)
		return err
	})
	switch {
	case err == nil:
		e.sslPolicy = name
		return nil
	case awserr.IsCode(err, "SSLPolicyNotFound") && want != "":
		return fmt.Errorf("%w: Listeners.SSLPolicy %q is not offered in this region: %w", ErrInvalidSpec, want, err)
	case awserr.IsCode(err, "SSLPolicyNotFound"):
		e.o.Logger.Warn("elb: security policy not offered here, using the fallback", "policy", DefaultSSLPolicy, "fallback", FallbackSSLPolicy)
		e.sslPolicy = FallbackSSLPolicy
		return nil
	}
	return fmt.Errorf("elb: describe security policy %s: %w", name, err)
}

// checkCertificate confirms that the spec's certificate exists and is issued.
func (e *ensurer) checkCertificate(ctx context.Context, arn string) error {
	var d *acmtypes.CertificateDetail
	err := call(ctx, e.o, "DescribeCertificate", retry.Throttling, func(ctx context.Context) error {
		out, err := e.o.Certificates.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
		if err == nil {
			d = out.Certificate
		}
		return err
	})
	switch {
	case awserr.IsCode(err, "ResourceNotFoundException"):
		return fmt.Errorf("%w: Listeners.CertificateARN %s does not exist: %w", ErrCertificateNotFound, arn, err)
	case err != nil:
		return fmt.Errorf("elb: describe certificate %s: %w", arn, err)
	case d == nil || d.Status != acmtypes.CertificateStatusIssued:
		status := "unknown"
		if d != nil {
			status = string(d.Status)
		}
		return fmt.Errorf("%w: Listeners.CertificateARN %s is %s, not ISSUED", ErrCertificateNotFound, arn, status)
	}
	return nil
}

// describeAction renders the parts of an action Ensure compares.
func describeAction(a elbv2types.Action) string {
	switch a.Type {
	case elbv2types.ActionTypeEnumForward:
		tg := aws.ToString(a.TargetGroupArn)
		if tg == "" && a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1 {
			tg = aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
		}
		return "forward " + tg
	case elbv2types.ActionTypeEnumRedirect:
		r := a.RedirectConfig
		if r == nil {
			return "redirect"
		}
		return fmt.Sprintf("redirect %s %s://%s:%s%s?%s", r.StatusCode, aws.ToString(r.Protocol), aws.ToString(r.Host), aws.ToString(r.Port), aws.ToString(r.Path), aws.ToString(r.Query))
	}
	return string(a.Type)
}

func describeActions(as []elbv2types.Action) string {
	if len(as) != 1 {
		return strconv.Itoa(len(as)) + " actions"
	}
	return describeAction(as[0])
}

// apexRule ensures the HTTPS listener rule that redirects the apex host to www with a 301,
// keeping path and query. The redirect changes the host, so it cannot loop.
func (e *ensurer) apexRule(ctx context.Context) error {
	l := e.spec.Listeners
	if l.ApexRedirect == "" {
		return nil
	}
	listenerARN := e.st.HTTPSListenerARN
	action := elbv2types.Action{Type: elbv2types.ActionTypeEnumRedirect, RedirectConfig: &elbv2types.RedirectActionConfig{
		StatusCode: elbv2types.RedirectActionStatusCodeEnumHttp301, Protocol: aws.String("HTTPS"), Port: aws.String("443"),
		Host: aws.String("www." + l.ApexRedirect), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
	}}
	rules, err := e.rules(ctx, listenerARN)
	if err != nil {
		return err
	}
	res := "apex redirect rule for " + l.ApexRedirect
	for _, r := range rules {
		if !hostCondition(r.Conditions, l.ApexRedirect) {
			continue
		}
		e.st.ApexRuleARN = aws.ToString(r.RuleArn)
		e.drift(res, "Action", describeAction(action), describeActions(r.Actions))
		return nil
	}
	in := &elasticloadbalancingv2.CreateRuleInput{
		ListenerArn: aws.String(listenerARN), Priority: aws.Int32(l.ApexRulePriority), Actions: []elbv2types.Action{action},
		Conditions: []elbv2types.RuleCondition{{Field: aws.String("host-header"), HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: []string{l.ApexRedirect}}}},
	}
	err = call(ctx, e.o, "CreateRule", retry.Codes("ListenerNotFound"), func(ctx context.Context) error {
		out, err := e.c.api.CreateRule(ctx, in, e.o.ELBv2Options...)
		if err == nil && len(out.Rules) > 0 {
			e.st.ApexRuleARN = aws.ToString(out.Rules[0].RuleArn)
		}
		return err
	})
	if awserr.IsCode(err, "PriorityInUse") {
		// CreateRule is not idempotent: a create retried after a lost response finds its own
		// rule at the priority. Adopt it, and count it as created: the listing above did not
		// have it. A stranger's rule there is the caller's to resolve.
		if r, derr := e.ruleAtPriority(ctx, listenerARN, l.ApexRulePriority); derr == nil && hostCondition(r.Conditions, l.ApexRedirect) {
			e.st.ApexRuleARN = aws.ToString(r.RuleArn)
			e.drift(res, "Action", describeAction(action), describeActions(r.Actions))
			e.st.Created = append(e.st.Created, "apex redirect rule")
			e.o.Logger.Info("elb: adopted the apex redirect rule a retried create made", "rule", e.st.ApexRuleARN)
			return nil
		}
		return fmt.Errorf("elb: create %s: priority %d is taken by another rule on %s; set Listeners.ApexRulePriority: %w", res, l.ApexRulePriority, listenerARN, err)
	}
	if err != nil {
		return fmt.Errorf("elb: create %s: %w", res, err)
	}
	e.st.Created = append(e.st.Created, "apex redirect rule")
	return nil
}

// errNotListedYet means the rule holding a priority is not in the listing yet.
var errNotListedYet = errors.New("the rule holding the priority is not listed yet")

// ruleAtPriority returns the rule that holds priority on the listener. CreateRule's
// PriorityInUse comes from the same store as the create, but DescribeRules may not list a rule
// made moments ago yet, so the listing is retried for up to Options.RetryTimeout.
func (e *ensurer) ruleAtPriority(ctx context.Context, listenerARN string, priority int32) (elbv2types.Rule, error) {
	var found elbv2types.Rule
	want := strconv.Itoa(int(priority))
	err := retry.Do(ctx, func(ctx context.Context) error {
		rules, err := e.rules(ctx, listenerARN)
		if err != nil {
			return retry.Permanent(err)
		}
		for _, r := range rules {
			if aws.ToString(r.Priority) == want {
				found = r
				return nil
			}
		}
		return errNotListedYet
	}, retry.Options{
		Retryable:  func(err error) bool { return errors.Is(err, errNotListedYet) },
		MaxElapsed: e.o.RetryTimeout, Clock: e.o.Clock,
	})
	return found, err
}

func hostCondition(conds []elbv2types.RuleCondition, host string) bool {
	for _, c := range conds {
		if aws.ToString(c.Field) != "host-header" {
			continue
		}
		values := c.Values
		if c.HostHeaderConfig != nil {
			values = append(values, c.HostHeaderConfig.Values...)
		}
		for _, v := range values {
			if v == host {
				return true
			}
		}
	}
	return false
}

// rules lists every rule of the listener.
func (e *ensurer) rules(ctx context.Context, listenerARN string) ([]elbv2types.Rule, error) {
	var rules []elbv2types.Rule
	var marker *string
	for {
		var page *elasticloadbalancingv2.DescribeRulesOutput
		err := call(ctx, e.o, "DescribeRules", retry.Codes("ListenerNotFound"), func(ctx context.Context) error {
			var err error
			page, err = e.c.api.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN), Marker: marker}, e.o.ELBv2Options...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("elb: describe rules of %s: %w", listenerARN, err)
		}
		rules = append(rules, page.Rules...)
		if aws.ToString(page.NextMarker) == "" {
			return rules, nil
		}
		marker = page.NextMarker
	}
}
