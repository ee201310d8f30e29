package awstest

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// DefaultSSLPolicy is the policy ELB gives an HTTPS or TLS listener created without one: the
// API's old default (API reference, CreateListener), not the console's.
const DefaultSSLPolicy = "ELBSecurityPolicy-2016-08"

type listener struct {
	arn       string
	lb        *loadBalancer
	port      int32
	protocol  elbv2types.ProtocolEnum
	sslPolicy string
	certs     []string
	actions   []elbv2types.Action
	rules     []*rule
	seq       uint64 // creation order, for listings
	// visible is when reads see the listener (DelayVisibility); it routes from its creation.
	visible time.Time
}

type rule struct {
	arn        string
	priority   int32
	conditions []elbv2types.RuleCondition
	actions    []elbv2types.Action
	visible    time.Time
}

func (m *elbv2Model) registerListeners() {
	m.registerListenerCertificates()
	handle(m.svc, "CreateListener", m.createListener)
	handle(m.svc, "DescribeListeners", m.describeListeners)
	handle(m.svc, "CreateRule", m.createRule)
	handle(m.svc, "DescribeRules", m.describeRules)
	handle(m.svc, "DescribeSSLPolicies", m.describeSSLPolicies)
}

// forwardsTo reports whether the listener's default actions or rules forward to the target group.
func (l *listener) forwardsTo(tgARN string) bool {
	all := append([]elbv2types.Action(nil), l.actions...)
	for _, r := range l.rules {
		all = append(all, r.actions...)
	}
	for _, a := range all {
		for _, t := range actionTargetGroups(a) {
			if t == tgARN {
				return true
			}
		}
	}
	return false
}

func actionTargetGroups(a elbv2types.Action) []string {
	var out []string
	if a.TargetGroupArn != nil {
		out = append(out, *a.TargetGroupArn)
	}
	if a.ForwardConfig != nil {
		for _, t := range a.ForwardConfig.TargetGroups {
			out = append(out, aws.ToString(t.TargetGroupArn))
		}
	}
	return out
}

func (m *elbv2Model) createListener(r *request, in *elasticloadbalancingv2.CreateListenerInput) (*elasticloadbalancingv2.CreateListenerOutput, error) {
	lb := m.lb(aws.ToString(in.LoadBalancerArn), r.now)
	if lb == nil {
		return nil, m.errorf("LoadBalancerNotFound", "Load balancer '%s' not found", aws.ToString(in.LoadBalancerArn))
	}
	alb := lb.lbType == elbv2types.LoadBalancerTypeEnumApplication
	switch {
	case alb && !isHTTPProtocol(in.Protocol), !alb && !isNLBProtocol(in.Protocol):
		return nil, m.errorf("UnsupportedProtocol", "Protocol '%s' is not supported for load balancers of type '%s'", in.Protocol, lb.lbType)
	case in.Port == nil || *in.Port < 1 || *in.Port > 65535:
		return nil, m.validation("A listener port from 1 to 65535 must be specified")
	}
	secure := in.Protocol == elbv2types.ProtocolEnumHttps || in.Protocol == elbv2types.ProtocolEnumTls
	policy := aws.ToString(in.SslPolicy)
	var certs []string
	if secure {
		if len(in.Certificates) == 0 {
			return nil, m.validation("A certificate must be specified for %s listeners", in.Protocol)
		}
		if len(in.Certificates) > 1 {
			return nil, m.validation("You must provide exactly one certificate as the listener's default; add others with AddListenerCertificates")
		}
		for _, c := range in.Certificates {
			arn := aws.ToString(c.CertificateArn)
			if !m.cloud.certUsable(arn, r.now) {
				return nil, m.errorf("CertificateNotFound", "Certificate '%s' not found", arn)
			}
			certs = append(certs, arn)
		}
		if policy == "" {
			policy = DefaultSSLPolicy
		}
		if sslPolicyByName(policy) == nil {
			return nil, m.errorf("SSLPolicyNotFound", "SSL policy '%s' not found", policy)
		}
	} else if policy != "" || len(in.Certificates) > 0 {
		return nil, m.validation("SSL policies and certificates can be specified only for HTTPS and TLS listeners")
	}
	if err := m.validateActions(lb, in.DefaultActions, r); err != nil {
		return nil, err
	}
	for _, l := range m.listeners {
		if l.lb != lb || l.port != *in.Port {
			continue
		}
		// CreateListener is idempotent (API reference): the same settings return the existing
		// listener; other settings on the port are a DuplicateListener.
		if l.protocol == in.Protocol && l.sslPolicy == policy && slices.Equal(l.certs, certs) && reflect.DeepEqual(l.actions, copyActions(in.DefaultActions)) {
			return &elasticloadbalancingv2.CreateListenerOutput{Listeners: []elbv2types.Listener{l.output()}}, nil
		}
		return nil, m.errorf("DuplicateListener", "A listener already exists on this port for this load balancer")
	}
	m.advanceAll(r.now)
	l := &listener{
		arn: m.cloud.elbARN(fmt.Sprintf("listener/%s/%s", lbPath(lb), m.newHexID())), lb: lb, port: *in.Port,
		protocol: in.Protocol, sslPolicy: policy, certs: certs, actions: copyActions(in.DefaultActions),
		visible: m.cloud.visibleFrom(ServiceELBv2, r.now),
	}
	l.seq = m.seq
	m.listeners = append(m.listeners, l)
	return &elasticloadbalancingv2.CreateListenerOutput{Listeners: []elbv2types.Listener{l.output()}}, nil
}

// lbPath is "app/name/id" from the load balancer's ARN.
func lbPath(lb *loadBalancer) string {
	const marker = ":loadbalancer/"
	for i := 0; i+len(marker) <= len(lb.arn); i++ {
		if lb.arn[i:i+len(marker)] == marker {
			return lb.arn[i+len(marker):]
		}
	}
	return lb.name
}

// validateActions checks listener or rule actions: exactly one terminal action; forwards to
// existing target groups of a protocol the load balancer serves; redirects that change something.
func (m *elbv2Model) validateActions(lb *loadBalancer, actions []elbv2types.Action, r *request) error {
	if len(actions) == 0 {
		return m.validation("At least one action must be specified")
	}
	if len(actions) > 1 {
		return r.unmodeled("%d actions (one action per listener or rule is)", len(actions))
	}
	a := actions[0]
	switch a.Type {
	case elbv2types.ActionTypeEnumForward:
		tgs := actionTargetGroups(a)
		if len(tgs) == 0 {
			return m.validation("A target group ARN must be specified for a forward action")
		}
		for _, arn := range tgs {
			tg, err := m.tg(arn, r.now)
			if err != nil {
				return err
			}
			if isNLBProtocol(tg.protocol) != (lb.lbType == elbv2types.LoadBalancerTypeEnumNetwork) {
				return m.errorf("IncompatibleProtocols", "The target group '%s' protocol %s is incompatible with load balancer type '%s'", arn, tg.protocol, lb.lbType)
			}
			for _, other := range m.lbsOf(tg) {
				if other != lb {
					return m.errorf("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", arn)
				}
			}
		}
	case elbv2types.ActionTypeEnumRedirect:
		c := a.RedirectConfig
		if lb.lbType != elbv2types.LoadBalancerTypeEnumApplication {
			return m.errorf("InvalidLoadBalancerAction", "Redirect actions are supported only by Application Load Balancers")
		}
		if c == nil || (c.StatusCode != elbv2types.RedirectActionStatusCodeEnumHttp301 && c.StatusCode != elbv2types.RedirectActionStatusCodeEnumHttp302) {
			return m.validation("A redirect action needs a RedirectConfig with StatusCode HTTP_301 or HTTP_302")
		}
		unchanged := func(v *string, def string) bool { return v == nil || *v == def }
		if unchanged(c.Protocol, "#{protocol}") && unchanged(c.Port, "#{port}") && unchanged(c.Host, "#{host}") &&
			unchanged(c.Path, "/#{path}") && unchanged(c.Query, "#{query}") {
			return m.errorf("InvalidLoadBalancerAction", "The redirect configuration is not valid: it must change at least one of protocol, port, host, path or query, or it would loop")
		}
	case elbv2types.ActionTypeEnumFixedResponse:
		if a.FixedResponseConfig == nil {
			return m.validation("A fixed-response action needs a FixedResponseConfig")
		}
	default:
		return r.unmodeled("action type %s (forward, redirect and fixed-response are)", a.Type)
	}
	return nil
}

// copyActions deep-copies the parts of actions the model keeps.
func copyActions(in []elbv2types.Action) []elbv2types.Action {
	out := make([]elbv2types.Action, len(in))
	for i, a := range in {
		c := elbv2types.Action{Type: a.Type, Order: a.Order}
		if a.TargetGroupArn != nil {
			c.TargetGroupArn = aws.String(*a.TargetGroupArn)
		}
		if a.RedirectConfig != nil {
			rc := *a.RedirectConfig
			for _, p := range []**string{&rc.Host, &rc.Path, &rc.Port, &rc.Protocol, &rc.Query} {
				if *p != nil {
					*p = aws.String(**p)
				}
			}
			c.RedirectConfig = &rc
		}
		if a.ForwardConfig != nil {
			fc := &elbv2types.ForwardActionConfig{}
			for _, t := range a.ForwardConfig.TargetGroups {
				fc.TargetGroups = append(fc.TargetGroups, elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(aws.ToString(t.TargetGroupArn)), Weight: t.Weight})
			}
			c.ForwardConfig = fc
		}
		if a.FixedResponseConfig != nil {
			fr := *a.FixedResponseConfig
			c.FixedResponseConfig = &fr
		}
		// The API fills in a forward action's ForwardConfig with the single group, weight 1.
		if c.Type == elbv2types.ActionTypeEnumForward && c.ForwardConfig == nil && c.TargetGroupArn != nil {
			c.ForwardConfig = &elbv2types.ForwardActionConfig{TargetGroups: []elbv2types.TargetGroupTuple{{TargetGroupArn: aws.String(*c.TargetGroupArn), Weight: aws.Int32(1)}}}
		}
		out[i] = c
	}
	return out
}

func (l *listener) output() elbv2types.Listener {
	out := elbv2types.Listener{
		ListenerArn: aws.String(l.arn), LoadBalancerArn: aws.String(l.lb.arn), Port: aws.Int32(l.port),
		Protocol: l.protocol, DefaultActions: copyActions(l.actions),
	}
	if l.sslPolicy != "" {
		out.SslPolicy = aws.String(l.sslPolicy)
	}
	if len(l.certs) > 0 { // DescribeListeners names only the default certificate
		out.Certificates = []elbv2types.Certificate{{CertificateArn: aws.String(l.certs[0])}}
	}
	return out
}

// listener returns the listener with the ARN if reads see it at now, or nil.
func (m *elbv2Model) listener(arn string, now time.Time) *listener {
	for _, l := range m.listeners {
		if l.arn == arn && !now.Before(l.visible) {
			return l
		}
	}
	return nil
}

func (m *elbv2Model) describeListeners(r *request, in *elasticloadbalancingv2.DescribeListenersInput) (*elasticloadbalancingv2.DescribeListenersOutput, error) {
	var list []*listener
	switch {
	case in.LoadBalancerArn != nil && len(in.ListenerArns) > 0:
		return nil, m.validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case in.LoadBalancerArn != nil:
		lb := m.lb(*in.LoadBalancerArn, r.now)
		if lb == nil {
			return nil, m.errorf("LoadBalancerNotFound", "Load balancer '%s' not found", *in.LoadBalancerArn)
		}
		for _, l := range m.listeners {
			if l.lb == lb && !r.now.Before(l.visible) {
				list = append(list, l)
			}
		}
	case len(in.ListenerArns) > 0:
		for _, a := range in.ListenerArns {
			l := m.listener(a, r.now)
			if l == nil {
				return nil, m.errorf("ListenerNotFound", "One or more listeners not found")
			}
			list = append(list, l)
		}
	default:
		return nil, m.validation("You must specify either listener ARNs or a load balancer ARN")
	}
	pg, next, err := pageMarker(m.svc, "DescribeListeners", list, func(l *listener) string { return seqKey(l.seq) }, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elasticloadbalancingv2.DescribeListenersOutput{Listeners: []elbv2types.Listener{}, NextMarker: next}
	for _, l := range pg {
		out.Listeners = append(out.Listeners, l.output())
	}
	return out, nil
}

func (m *elbv2Model) createRule(r *request, in *elasticloadbalancingv2.CreateRuleInput) (*elasticloadbalancingv2.CreateRuleOutput, error) {
	l := m.listener(aws.ToString(in.ListenerArn), r.now)
	if l == nil {
		return nil, m.errorf("ListenerNotFound", "Listener '%s' not found", aws.ToString(in.ListenerArn))
	}
	if in.Priority == nil || *in.Priority < 1 || *in.Priority > 50000 {
		return nil, m.validation("A rule priority from 1 to 50000 must be specified")
	}
	for _, ru := range l.rules {
		if ru.priority == *in.Priority {
			return nil, m.errorf("PriorityInUse", "Priority '%d' is currently in use", *in.Priority)
		}
	}
	if len(in.Conditions) == 0 {
		return nil, m.validation("At least one condition must be specified")
	}
	conds := make([]elbv2types.RuleCondition, 0, len(in.Conditions))
	for _, c := range in.Conditions {
		field := aws.ToString(c.Field)
		if field != "host-header" && field != "path-pattern" {
			return nil, r.unmodeled("condition field %s (host-header and path-pattern are)", field)
		}
		values := append([]string(nil), c.Values...)
		if c.HostHeaderConfig != nil {
			values = append(values, c.HostHeaderConfig.Values...)
		}
		if c.PathPatternConfig != nil {
			values = append(values, c.PathPatternConfig.Values...)
		}
		if len(values) == 0 {
			return nil, m.validation("A '%s' condition needs at least one value", field)
		}
		nc := elbv2types.RuleCondition{Field: aws.String(field), Values: values}
		if field == "host-header" {
			nc.HostHeaderConfig = &elbv2types.HostHeaderConditionConfig{Values: append([]string(nil), values...)}
		} else {
			nc.PathPatternConfig = &elbv2types.PathPatternConditionConfig{Values: append([]string(nil), values...)}
		}
		conds = append(conds, nc)
	}
	if err := m.validateActions(l.lb, in.Actions, r); err != nil {
		return nil, err
	}
	m.advanceAll(r.now)
	ru := &rule{
		arn:      m.cloud.elbARN(fmt.Sprintf("listener-rule/%s/%s", l.arn[len(m.cloud.elbARN("listener/")):], m.newHexID())),
		priority: *in.Priority, conditions: conds, actions: copyActions(in.Actions),
		visible: m.cloud.visibleFrom(ServiceELBv2, r.now),
	}
	l.rules = append(l.rules, ru)
	sort.Slice(l.rules, func(i, j int) bool { return l.rules[i].priority < l.rules[j].priority })
	return &elasticloadbalancingv2.CreateRuleOutput{Rules: []elbv2types.Rule{ru.output()}}, nil
}

func (ru *rule) output() elbv2types.Rule {
	out := elbv2types.Rule{
		RuleArn: aws.String(ru.arn), Priority: aws.String(strconv.Itoa(int(ru.priority))), IsDefault: aws.Bool(false),
		Actions: copyActions(ru.actions),
	}
	for _, c := range ru.conditions {
		nc := elbv2types.RuleCondition{Field: aws.String(*c.Field), Values: append([]string(nil), c.Values...)}
		if c.HostHeaderConfig != nil {
			nc.HostHeaderConfig = &elbv2types.HostHeaderConditionConfig{Values: append([]string(nil), c.HostHeaderConfig.Values...)}
		}
		if c.PathPatternConfig != nil {
			nc.PathPatternConfig = &elbv2types.PathPatternConditionConfig{Values: append([]string(nil), c.PathPatternConfig.Values...)}
		}
		out.Conditions = append(out.Conditions, nc)
	}
	return out
}

func (m *elbv2Model) describeRules(r *request, in *elasticloadbalancingv2.DescribeRulesInput) (*elasticloadbalancingv2.DescribeRulesOutput, error) {
	var rules []elbv2types.Rule
	switch {
	case in.ListenerArn != nil:
		l := m.listener(*in.ListenerArn, r.now)
		if l == nil {
			return nil, m.errorf("ListenerNotFound", "Listener '%s' not found", *in.ListenerArn)
		}
		for _, ru := range l.rules {
			if !r.now.Before(ru.visible) {
				rules = append(rules, ru.output())
			}
		}
		// Every listener has a default rule holding its default actions.
		rules = append(rules, elbv2types.Rule{
			RuleArn:  aws.String(m.cloud.elbARN(fmt.Sprintf("listener-rule/%s/default", l.arn[len(m.cloud.elbARN("listener/")):]))),
			Priority: aws.String("default"), IsDefault: aws.Bool(true), Actions: copyActions(l.actions), Conditions: []elbv2types.RuleCondition{},
		})
	case len(in.RuleArns) > 0:
		for _, a := range in.RuleArns {
			var found *rule
			for _, l := range m.listeners {
				for _, ru := range l.rules {
					if ru.arn == a && !r.now.Before(ru.visible) {
						found = ru
					}
				}
			}
			if found == nil {
				return nil, m.errorf("RuleNotFound", "One or more rules not found")
			}
			rules = append(rules, found.output())
		}
	default:
		return nil, m.validation("You must specify either rule ARNs or a listener ARN")
	}
	pg, next, err := pageMarker(m.svc, "DescribeRules", rules, ruleKey, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	return &elasticloadbalancingv2.DescribeRulesOutput{Rules: pg, NextMarker: next}, nil
}

// ruleKey orders rules as ELB lists them: by priority, the default rule last.
func ruleKey(ru elbv2types.Rule) string {
	p, err := strconv.Atoi(aws.ToString(ru.Priority))
	if err != nil { // "default"
		p = 50001
	}
	return fmt.Sprintf("%05d/%s", p, aws.ToString(ru.RuleArn))
}
