package awstest

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// targetGroup is an ELBv2 target group. Health check settings are kept resolved (defaults
// applied); registrations hold the targets and their health state machines.
type targetGroup struct {
	arn, name, vpcID string
	protocol         elbv2types.ProtocolEnum
	port             int32
	targetType       elbv2types.TargetTypeEnum
	hc               healthCheck
	attrs            map[string]string
	tags             map[string]string
	created, visible time.Time
	seq              uint64 // creation order, for listings
	targets          []*registration
	transitions      []TargetTransition
}

type healthCheck struct {
	enabled                      bool
	protocol                     elbv2types.ProtocolEnum
	port, path, matcher          string
	interval, timeout            int32
	healthyCount, unhealthyCount int32
}

// maxDescribeTargetGroups is how many names or ARNs one DescribeTargetGroups call may name.
const maxDescribeTargetGroups = 20

func (m *elbv2Model) registerTargetGroups() {
	handle(m.svc, "CreateTargetGroup", m.createTargetGroup)
	handle(m.svc, "DescribeTargetGroups", m.describeTargetGroups)
	handle(m.svc, "ModifyTargetGroup", m.modifyTargetGroup)
	handle(m.svc, "DeleteTargetGroup", m.deleteTargetGroup)
	handle(m.svc, "DescribeTargetGroupAttributes", m.describeTargetGroupAttributes)
	handle(m.svc, "ModifyTargetGroupAttributes", m.modifyTargetGroupAttributes)
}

func isNLBProtocol(p elbv2types.ProtocolEnum) bool {
	switch p {
	case elbv2types.ProtocolEnumTcp, elbv2types.ProtocolEnumTls, elbv2types.ProtocolEnumUdp, elbv2types.ProtocolEnumTcpUdp:
		return true
	}
	return false
}

func isHTTPProtocol(p elbv2types.ProtocolEnum) bool {
	return p == elbv2types.ProtocolEnumHttp || p == elbv2types.ProtocolEnumHttps
}

var matcherPattern = regexp.MustCompile(`^\d{3}((,\d{3})*|-\d{3})$`)

func (m *elbv2Model) createTargetGroup(r *request, in *elasticloadbalancingv2.CreateTargetGroupInput) (*elasticloadbalancingv2.CreateTargetGroupOutput, error) {
	name := aws.ToString(in.Name)
	if !elbNameOK(name) {
		return nil, m.validation("Target group name '%s' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen", name)
	}
	tt := in.TargetType
	if tt == "" {
		tt = elbv2types.TargetTypeEnumInstance
	}
	if tt != elbv2types.TargetTypeEnumInstance && tt != elbv2types.TargetTypeEnumIp {
		return nil, r.unmodeled("target type %s (instance and ip are)", tt)
	}
	if in.Protocol == "" || in.Port == nil || aws.ToString(in.VpcId) == "" {
		return nil, m.validation("A protocol, port and VPC ID must be specified for target groups of type '%s'", tt)
	}
	if *in.Port < 1 || *in.Port > 65535 {
		return nil, m.validation("Port %d is not in the range 1-65535", *in.Port)
	}
	vpcOK := false
	for _, v := range m.cloud.ec2().vpcs {
		vpcOK = vpcOK || v.id == aws.ToString(in.VpcId)
	}
	if !vpcOK {
		return nil, m.validation("The VPC ID '%s' is not found", aws.ToString(in.VpcId))
	}
	hc, err := m.resolveHealthCheck(in.Protocol, in)
	if err != nil {
		return nil, err
	}
	if existing := m.tgByName(name); existing != nil {
		// CreateTargetGroup is idempotent: the same settings return the existing group.
		if existing.protocol == in.Protocol && existing.port == *in.Port && existing.vpcID == aws.ToString(in.VpcId) && existing.hc == hc {
			return &elasticloadbalancingv2.CreateTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{m.tgOutput(existing)}}, nil
		}
		return nil, m.errorf("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	tg := &targetGroup{
		arn:  m.cloud.elbARN(fmt.Sprintf("targetgroup/%s/%s", name, m.newHexID())),
		name: name, vpcID: aws.ToString(in.VpcId), protocol: in.Protocol, port: *in.Port, targetType: tt, hc: hc,
		attrs: defaultTargetGroupAttributes(in.Protocol), tags: elbTags(in.Tags),
		created: r.now, visible: m.cloud.visibleFrom(ServiceELBv2, r.now),
	}
	tg.seq = m.seq
	m.groups = append(m.groups, tg)
	return &elasticloadbalancingv2.CreateTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{m.tgOutput(tg)}}, nil
}

// resolveHealthCheck applies ELB's defaults and ranges (API reference, CreateTargetGroup).
func (m *elbv2Model) resolveHealthCheck(tgProtocol elbv2types.ProtocolEnum, in *elasticloadbalancingv2.CreateTargetGroupInput) (healthCheck, error) {
	hc := healthCheck{enabled: true, protocol: in.HealthCheckProtocol, port: aws.ToString(in.HealthCheckPort), path: aws.ToString(in.HealthCheckPath)}
	if in.HealthCheckEnabled != nil {
		hc.enabled = *in.HealthCheckEnabled
	}
	if hc.protocol == "" {
		hc.protocol = tgProtocol
		if tgProtocol == elbv2types.ProtocolEnumTls || tgProtocol == elbv2types.ProtocolEnumUdp || tgProtocol == elbv2types.ProtocolEnumTcpUdp {
			hc.protocol = elbv2types.ProtocolEnumTcp
		}
	}
	if hc.port == "" {
		hc.port = "traffic-port"
	}
	if isHTTPProtocol(hc.protocol) && hc.path == "" {
		hc.path = "/"
	}
	if in.Matcher != nil {
		hc.matcher = aws.ToString(in.Matcher.HttpCode)
	} else if isHTTPProtocol(hc.protocol) {
		hc.matcher = "200"
		if isNLBProtocol(tgProtocol) {
			hc.matcher = "200-399"
		}
	}
	hc.interval, hc.healthyCount, hc.unhealthyCount = 30, 5, 2
	hc.timeout = 10
	if hc.protocol == elbv2types.ProtocolEnumHttp {
		hc.timeout = 6
	}
	set := func(dst *int32, v *int32) {
		if v != nil {
			*dst = *v
		}
	}
	set(&hc.interval, in.HealthCheckIntervalSeconds)
	set(&hc.timeout, in.HealthCheckTimeoutSeconds)
	set(&hc.healthyCount, in.HealthyThresholdCount)
	set(&hc.unhealthyCount, in.UnhealthyThresholdCount)
	return hc, m.validateHealthCheck(hc, tgProtocol)
}

func (m *elbv2Model) validateHealthCheck(hc healthCheck, tgProtocol elbv2types.ProtocolEnum) error {
	switch {
	case hc.interval < 5 || hc.interval > 300:
		return m.validation("Health check interval must be between 5 and 300 seconds")
	case hc.timeout < 2 || hc.timeout > 120:
		return m.validation("Health check timeout must be between 2 and 120 seconds")
	case hc.timeout >= hc.interval:
		return m.validation("Health check interval must be greater than the timeout.")
	case hc.healthyCount < 2 || hc.healthyCount > 10:
		return m.validation("Healthy threshold count must be between 2 and 10")
	case hc.unhealthyCount < 2 || hc.unhealthyCount > 10:
		return m.validation("Unhealthy threshold count must be between 2 and 10")
	case !isHTTPProtocol(hc.protocol) && (!isNLBProtocol(tgProtocol) || hc.protocol != elbv2types.ProtocolEnumTcp):
		return m.validation("Health check protocol '%s' is not supported for target groups with the '%s' protocol", hc.protocol, tgProtocol)
	case !isHTTPProtocol(hc.protocol) && (hc.path != "" || hc.matcher != ""):
		return m.errorf("InvalidConfigurationRequest", "Custom health check paths and matchers are not supported for health checks with the '%s' protocol", hc.protocol)
	case isHTTPProtocol(hc.protocol) && (!strings.HasPrefix(hc.path, "/") || len(hc.path) > 1024):
		return m.validation("Health check path '%s' must begin with '/' and be at most 1024 characters", hc.path)
	case isHTTPProtocol(hc.protocol) && !matcherOK(hc.matcher, maxMatcherCode(tgProtocol)):
		return m.validation("Health check matcher HTTP code '%s' must be a value from 200 to %d, a comma-separated list or a range such as 200-299", hc.matcher, maxMatcherCode(tgProtocol))
	}
	if hc.port != "traffic-port" {
		if p, err := strconv.Atoi(hc.port); err != nil || p < 1 || p > 65535 {
			return m.validation("Health check port '%s' must be 'traffic-port' or a port from 1 to 65535", hc.port)
		}
	}
	return nil
}

// maxMatcherCode is the highest code a matcher may name (API reference, Matcher): 499 for an
// ALB's target groups, 599 for an NLB's.
func maxMatcherCode(tgProtocol elbv2types.ProtocolEnum) int {
	if isNLBProtocol(tgProtocol) {
		return 599
	}
	return 499
}

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

// defaultTargetGroupAttributes are the attributes a new target group has (API reference,
// TargetGroupAttribute).
func defaultTargetGroupAttributes(p elbv2types.ProtocolEnum) map[string]string {
	if isNLBProtocol(p) {
		return map[string]string{
			"deregistration_delay.timeout_seconds":                "300",
			"deregistration_delay.connection_termination.enabled": "false",
			"stickiness.enabled":                                  "false",
			"stickiness.type":                                     "source_ip",
			"proxy_protocol_v2.enabled":                           "false",
			"preserve_client_ip.enabled":                          "true",
		}
	}
	return map[string]string{
		"deregistration_delay.timeout_seconds":   "300",
		"stickiness.enabled":                     "false",
		"stickiness.type":                        "lb_cookie",
		"stickiness.lb_cookie.duration_seconds":  "86400",
		"stickiness.app_cookie.cookie_name":      "",
		"stickiness.app_cookie.duration_seconds": "86400",
		"slow_start.duration_seconds":            "0",
		"load_balancing.algorithm.type":          "round_robin",
		"load_balancing.cross_zone.enabled":      "use_load_balancer_configuration",
	}
}

func (m *elbv2Model) tgByName(name string) *targetGroup {
	for _, tg := range m.groups {
		if tg.name == name {
			return tg
		}
	}
	return nil
}

// tg returns the visible target group with the ARN, or TargetGroupNotFound.
func (m *elbv2Model) tg(arn string, now time.Time) (*targetGroup, error) {
	for _, tg := range m.groups {
		if tg.arn == arn && !now.Before(tg.visible) {
			return tg, nil
		}
	}
	return nil, m.errorf("TargetGroupNotFound", "Target groups '%s' not found", arn)
}

// lbsOf returns the load balancers whose listeners or rules send traffic to tg.
func (m *elbv2Model) lbsOf(tg *targetGroup) []*loadBalancer {
	var out []*loadBalancer
	for _, l := range m.listeners {
		if l.forwardsTo(tg.arn) && !contains(out, l.lb) {
			out = append(out, l.lb)
		}
	}
	return out
}

func (m *elbv2Model) tgOutput(tg *targetGroup) elbv2types.TargetGroup {
	out := elbv2types.TargetGroup{
		TargetGroupArn: aws.String(tg.arn), TargetGroupName: aws.String(tg.name), VpcId: aws.String(tg.vpcID),
		Protocol: tg.protocol, Port: aws.Int32(tg.port), TargetType: tg.targetType,
		HealthCheckEnabled: aws.Bool(tg.hc.enabled), HealthCheckProtocol: tg.hc.protocol, HealthCheckPort: aws.String(tg.hc.port),
		HealthCheckIntervalSeconds: aws.Int32(tg.hc.interval), HealthCheckTimeoutSeconds: aws.Int32(tg.hc.timeout),
		HealthyThresholdCount: aws.Int32(tg.hc.healthyCount), UnhealthyThresholdCount: aws.Int32(tg.hc.unhealthyCount),
		IpAddressType: elbv2types.TargetGroupIpAddressTypeEnumIpv4, LoadBalancerArns: []string{},
	}
	if tg.hc.path != "" {
		out.HealthCheckPath = aws.String(tg.hc.path)
	}
	if tg.hc.matcher != "" {
		out.Matcher = &elbv2types.Matcher{HttpCode: aws.String(tg.hc.matcher)}
	}
	if isHTTPProtocol(tg.protocol) {
		out.ProtocolVersion = aws.String("HTTP1")
	}
	for _, lb := range m.lbsOf(tg) {
		out.LoadBalancerArns = append(out.LoadBalancerArns, lb.arn)
	}
	return out
}

func (m *elbv2Model) describeTargetGroups(r *request, in *elasticloadbalancingv2.DescribeTargetGroupsInput) (*elasticloadbalancingv2.DescribeTargetGroupsOutput, error) {
	n := 0
	for _, set := range []bool{len(in.Names) > 0, len(in.TargetGroupArns) > 0, in.LoadBalancerArn != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, m.validation("Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time")
	}
	if len(in.Names) > maxDescribeTargetGroups || len(in.TargetGroupArns) > maxDescribeTargetGroups {
		return nil, m.validation("You cannot describe more than '%d' target groups at a time", maxDescribeTargetGroups)
	}
	var list []*targetGroup
	switch {
	case len(in.Names) > 0:
		var missing []string
		for _, name := range in.Names {
			tg := m.tgByName(name)
			if tg == nil || r.now.Before(tg.visible) {
				missing = append(missing, name)
				continue
			}
			list = append(list, tg)
		}
		if len(missing) > 0 {
			return nil, m.errorf("TargetGroupNotFound", "Target groups '[%s]' not found", strings.Join(missing, ", "))
		}
	case len(in.TargetGroupArns) > 0:
		for _, a := range in.TargetGroupArns {
			tg, err := m.tg(a, r.now)
			if err != nil {
				// DescribeTargetGroups words it without naming the group, unlike the calls that
				// take one target group.
				return nil, m.errorf("TargetGroupNotFound", "One or more target groups not found")
			}
			list = append(list, tg)
		}
	case in.LoadBalancerArn != nil:
		lb := m.lb(*in.LoadBalancerArn, r.now)
		if lb == nil {
			return nil, m.errorf("LoadBalancerNotFound", "Load balancer '%s' not found", *in.LoadBalancerArn)
		}
		for _, tg := range m.groups {
			if contains(m.lbsOf(tg), lb) {
				list = append(list, tg)
			}
		}
	default:
		for _, tg := range m.groups {
			if !r.now.Before(tg.visible) {
				list = append(list, tg)
			}
		}
	}
	pg, next, err := pageMarker(m.svc, "DescribeTargetGroups", list, func(tg *targetGroup) string { return seqKey(tg.seq) }, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elasticloadbalancingv2.DescribeTargetGroupsOutput{TargetGroups: []elbv2types.TargetGroup{}, NextMarker: next}
	for _, tg := range pg {
		out.TargetGroups = append(out.TargetGroups, m.tgOutput(tg))
	}
	return out, nil
}

func (m *elbv2Model) modifyTargetGroup(r *request, in *elasticloadbalancingv2.ModifyTargetGroupInput) (*elasticloadbalancingv2.ModifyTargetGroupOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	hc := tg.hc
	if in.HealthCheckEnabled != nil {
		hc.enabled = *in.HealthCheckEnabled
	}
	if in.HealthCheckProtocol != "" {
		hc.protocol = in.HealthCheckProtocol
	}
	if in.HealthCheckPort != nil {
		hc.port = *in.HealthCheckPort
	}
	if in.HealthCheckPath != nil {
		hc.path = *in.HealthCheckPath
	}
	if in.Matcher != nil {
		hc.matcher = aws.ToString(in.Matcher.HttpCode)
	}
	for _, f := range []struct {
		dst *int32
		v   *int32
	}{{&hc.interval, in.HealthCheckIntervalSeconds}, {&hc.timeout, in.HealthCheckTimeoutSeconds}, {&hc.healthyCount, in.HealthyThresholdCount}, {&hc.unhealthyCount, in.UnhealthyThresholdCount}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if err := m.validateHealthCheck(hc, tg.protocol); err != nil {
		return nil, err
	}
	// Bring every target up to now under the old settings before the new ones apply.
	m.advanceGroup(tg, r.now)
	tg.hc = hc
	return &elasticloadbalancingv2.ModifyTargetGroupOutput{TargetGroups: []elbv2types.TargetGroup{m.tgOutput(tg)}}, nil
}

func (m *elbv2Model) deleteTargetGroup(r *request, in *elasticloadbalancingv2.DeleteTargetGroupInput) (*elasticloadbalancingv2.DeleteTargetGroupOutput, error) {
	arn := aws.ToString(in.TargetGroupArn)
	for i, tg := range m.groups {
		if tg.arn != arn {
			continue
		}
		if len(m.lbsOf(tg)) > 0 {
			return nil, m.errorf("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", arn)
		}
		m.groups = append(m.groups[:i:i], m.groups[i+1:]...)
		break
	}
	return &elasticloadbalancingv2.DeleteTargetGroupOutput{}, nil
}

func (m *elbv2Model) describeTargetGroupAttributes(r *request, in *elasticloadbalancingv2.DescribeTargetGroupAttributesInput) (*elasticloadbalancingv2.DescribeTargetGroupAttributesOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	return &elasticloadbalancingv2.DescribeTargetGroupAttributesOutput{Attributes: attributeList(tg.attrs)}, nil
}

func attributeList(attrs map[string]string) []elbv2types.TargetGroupAttribute {
	keys := slices.Sorted(maps.Keys(attrs))
	out := make([]elbv2types.TargetGroupAttribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbv2types.TargetGroupAttribute{Key: aws.String(k), Value: aws.String(attrs[k])})
	}
	return out
}

// reservedCookiePrefixes are the application cookie name prefixes ELB keeps for its own cookies
// (ALB User Guide, "Sticky sessions").
var reservedCookiePrefixes = []string{"AWSALB", "AWSALBAPP", "AWSALBTG"}

func (m *elbv2Model) modifyTargetGroupAttributes(r *request, in *elasticloadbalancingv2.ModifyTargetGroupAttributesInput) (*elasticloadbalancingv2.ModifyTargetGroupAttributesOutput, error) {
	tg, err := m.tg(aws.ToString(in.TargetGroupArn), r.now)
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	for k, v := range tg.attrs {
		next[k] = v
	}
	for _, a := range in.Attributes {
		k, v := aws.ToString(a.Key), aws.ToString(a.Value)
		if _, known := tg.attrs[k]; !known {
			return nil, m.validation("Target group attribute key '%s' is not recognized", k)
		}
		next[k] = v
	}
	if err := m.validateAttributes(tg, next); err != nil {
		return nil, err
	}
	m.advanceGroup(tg, r.now)
	tg.attrs = next
	return &elasticloadbalancingv2.ModifyTargetGroupAttributesOutput{Attributes: attributeList(next)}, nil
}

func (m *elbv2Model) validateAttributes(tg *targetGroup, a map[string]string) error {
	intIn := func(key string, lo, hi int, zeroOK bool) error {
		v, ok := a[key]
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || (n < lo || n > hi) && !(zeroOK && n == 0) {
			return m.validation("The value of '%s' must be an integer from %d to %d", key, lo, hi)
		}
		return nil
	}
	for _, check := range []error{
		intIn("deregistration_delay.timeout_seconds", 0, 3600, true),
		intIn("stickiness.lb_cookie.duration_seconds", 1, 604800, false),
		intIn("stickiness.app_cookie.duration_seconds", 1, 604800, false),
		intIn("slow_start.duration_seconds", 30, 900, true),
	} {
		if check != nil {
			return check
		}
	}
	if v, ok := a["stickiness.enabled"]; ok && v != "true" && v != "false" {
		return m.validation("The value of 'stickiness.enabled' must be true or false")
	}
	typ := a["stickiness.type"]
	if isNLBProtocol(tg.protocol) {
		if typ != "source_ip" {
			return m.errorf("InvalidConfigurationRequest", "Stickiness type '%s' is not supported for target groups with the %s protocol", typ, tg.protocol)
		}
		return nil
	}
	switch typ {
	case "lb_cookie":
	case "app_cookie":
		name := a["stickiness.app_cookie.cookie_name"]
		if a["stickiness.enabled"] == "true" && name == "" {
			return m.validation("An application cookie name must be specified for stickiness of type 'app_cookie'")
		}
		for _, p := range reservedCookiePrefixes {
			if strings.HasPrefix(strings.ToUpper(name), p) {
				return m.validation("Application cookie name '%s' cannot begin with the reserved prefix '%s'", name, p)
			}
		}
	default:
		return m.validation("Stickiness type '%s' is not supported for target groups with the %s protocol", typ, tg.protocol)
	}
	return nil
}
