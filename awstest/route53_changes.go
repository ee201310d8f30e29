package awstest

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// changeResourceRecordSets applies a change batch atomically: every change is checked in order
// against a working copy of the zone's record sets, which replaces them only when all succeed.
// Every problem found is reported, as Route 53 does.
func (m *route53Model) changeResourceRecordSets(r *request, in *route53.ChangeResourceRecordSetsInput) (*route53.ChangeResourceRecordSetsOutput, error) {
	z := m.zone(aws.ToString(in.HostedZoneId))
	if z == nil {
		return nil, m.noSuchZone(aws.ToString(in.HostedZoneId))
	}
	if in.ChangeBatch == nil || len(in.ChangeBatch.Changes) == 0 {
		return nil, m.svc.errorf("InvalidInput", "Invalid request: the change batch has no changes")
	}
	if err := m.checkLimits(in.ChangeBatch.Changes); err != nil {
		return nil, err
	}
	if m.cloud.opts.Route53.PriorRequestNotComplete && z.lastChange != nil && r.now.Before(z.lastChange.insync) {
		return nil, m.svc.errorf("PriorRequestNotComplete", "The request was rejected because Route 53 was still processing a prior request.")
	}
	work := make([]r53types.ResourceRecordSet, len(z.records))
	copy(work, z.records)
	var msgs []string
	for _, ch := range in.ChangeBatch.Changes {
		if ch.ResourceRecordSet == nil {
			return nil, m.svc.errorf("InvalidInput", "Invalid request: a change has no ResourceRecordSet")
		}
		rr := deepCopy(*ch.ResourceRecordSet).(r53types.ResourceRecordSet)
		rr.Name = aws.String(fqdn(aws.ToString(rr.Name)))
		if rr.AliasTarget != nil {
			rr.AliasTarget.DNSName = aws.String(fqdn(aws.ToString(rr.AliasTarget.DNSName)))
			rr.AliasTarget.HostedZoneId = aws.String(stripPrefix(aws.ToString(rr.AliasTarget.HostedZoneId), "/hostedzone/"))
		}
		if err := m.checkShape(r, ch.Action, rr); err != nil {
			return nil, err
		}
		var problem string
		var err error
		work, problem, err = m.apply(r, z, work, ch.Action, rr)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			msgs = append(msgs, problem)
		}
	}
	if len(msgs) > 0 {
		return nil, invalidChangeBatch(msgs)
	}
	z.records = work
	comment := ""
	if in.ChangeBatch.Comment != nil {
		comment = *in.ChangeBatch.Comment
	}
	ch, info := m.newChange(r.now, comment)
	z.lastChange = ch
	return &route53.ChangeResourceRecordSetsOutput{ChangeInfo: info}, nil
}

// checkLimits refuses a batch over Route 53's per-request limits: 1,000 ResourceRecord elements
// and 32,000 characters of values, an UPSERT counting twice.
func (m *route53Model) checkLimits(changes []r53types.Change) error {
	records, chars := 0, 0
	for _, ch := range changes {
		if ch.ResourceRecordSet == nil {
			continue
		}
		n, c := len(ch.ResourceRecordSet.ResourceRecords), 0
		for _, v := range ch.ResourceRecordSet.ResourceRecords {
			c += len(aws.ToString(v.Value))
		}
		if ch.Action == r53types.ChangeActionUpsert {
			n, c = 2*n, 2*c
		}
		records += n
		chars += c
	}
	var msgs []string
	if records > r53MaxRecords {
		msgs = append(msgs, fmt.Sprintf("Number of records limit of %d exceeded.", r53MaxRecords))
	}
	if chars > r53MaxValueChars {
		msgs = append(msgs, fmt.Sprintf("RDATA character limit of %d exceeded.", r53MaxValueChars))
	}
	if len(msgs) > 0 {
		return invalidChangeBatch(msgs)
	}
	return nil
}

// checkShape rejects a record set that is malformed whatever the zone holds (InvalidInput).
func (m *route53Model) checkShape(r *request, action r53types.ChangeAction, rr r53types.ResourceRecordSet) error {
	desc := fmt.Sprintf("Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", action, aws.ToString(rr.Name), rr.Type, orNull(rr.SetIdentifier))
	alias := rr.AliasTarget != nil
	simple := rr.TTL != nil || len(rr.ResourceRecords) > 0
	switch {
	case rr.TrafficPolicyInstanceId != nil:
		return r.unmodeled("traffic policy record sets")
	case rr.GeoLocation != nil || rr.Region != "" || rr.MultiValueAnswer != nil || rr.CidrRoutingConfig != nil || rr.GeoProximityLocation != nil:
		return r.unmodeled("geolocation, latency, multivalue, IP-based and geoproximity routing (simple, alias, failover and weighted are modeled)")
	case alias && simple:
		return m.svc.errorf("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in %s", desc)
	case !alias && (rr.TTL == nil || len(rr.ResourceRecords) == 0):
		return m.svc.errorf("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in %s", desc)
	case (rr.Failover != "" || rr.Weight != nil) && rr.SetIdentifier == nil:
		return m.svc.errorf("InvalidInput", "Invalid request: Missing field 'SetIdentifier' in %s", desc)
	case rr.SetIdentifier != nil && rr.Failover == "" && rr.Weight == nil:
		return m.svc.errorf("InvalidInput", "Invalid request: Missing field 'Weight' or 'Failover' for a record set with a SetIdentifier in %s", desc)
	case rr.Failover != "" && rr.Weight != nil:
		return m.svc.errorf("InvalidInput", "Invalid request: Failover and Weight cannot both be set in %s", desc)
	}
	return nil
}

func orNull(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// rrDesc is how Route 53 names a record set in InvalidChangeBatch messages.
func rrDesc(rr r53types.ResourceRecordSet) string {
	if rr.SetIdentifier != nil {
		return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", aws.ToString(rr.Name), rr.Type, *rr.SetIdentifier)
	}
	return fmt.Sprintf("[name='%s', type='%s']", aws.ToString(rr.Name), rr.Type)
}

func sameIdentity(a, b r53types.ResourceRecordSet) bool {
	return strings.EqualFold(aws.ToString(a.Name), aws.ToString(b.Name)) && a.Type == b.Type && aws.ToString(a.SetIdentifier) == aws.ToString(b.SetIdentifier)
}

// sameValues reports whether two record sets with the same identity hold the same settings, as a
// DELETE requires; values compare in any order.
func sameValues(a, b r53types.ResourceRecordSet) bool {
	norm := func(rr r53types.ResourceRecordSet) r53types.ResourceRecordSet {
		rr = deepCopy(rr).(r53types.ResourceRecordSet)
		sort.Slice(rr.ResourceRecords, func(i, j int) bool {
			return aws.ToString(rr.ResourceRecords[i].Value) < aws.ToString(rr.ResourceRecords[j].Value)
		})
		if len(rr.ResourceRecords) == 0 {
			rr.ResourceRecords = nil
		}
		rr.Name = aws.String(fqdn(aws.ToString(rr.Name)))
		return rr
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// apply applies one change to work and returns the result, or work unchanged and the
// InvalidChangeBatch message explaining why the change cannot be made.
func (m *route53Model) apply(r *request, z *r53Zone, work []r53types.ResourceRecordSet, action r53types.ChangeAction, rr r53types.ResourceRecordSet) ([]r53types.ResourceRecordSet, string, error) {
	name := aws.ToString(rr.Name)
	if name != z.name && !strings.HasSuffix(name, "."+z.name) {
		return work, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", name, z.name), nil
	}
	idx := -1
	for i, x := range work {
		if sameIdentity(x, rr) {
			idx = i
		}
	}
	if action == r53types.ChangeActionDelete {
		switch {
		case idx < 0:
			return work, fmt.Sprintf("Tried to delete resource record set %s but it was not found", rrDesc(rr)), nil
		case !sameValues(work[idx], rr):
			return work, fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", rrDesc(rr)), nil
		}
		return append(work[:idx:idx], work[idx+1:]...), "", nil
	}
	if action != r53types.ChangeActionCreate && action != r53types.ChangeActionUpsert {
		return work, fmt.Sprintf("Invalid action %s", action), nil
	}
	if action == r53types.ChangeActionCreate && idx >= 0 {
		return work, fmt.Sprintf("Tried to create resource record set %s but it already exists", rrDesc(rr)), nil
	}
	if rr.Type == r53types.RRTypeCname && name == z.name {
		return work, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", name, z.name), nil
	}
	for i, x := range work {
		if i == idx || !strings.EqualFold(aws.ToString(x.Name), name) {
			continue
		}
		switch {
		case rr.Type == r53types.RRTypeCname && x.Type != r53types.RRTypeCname:
			return work, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", name, z.name), nil
		case rr.Type != r53types.RRTypeCname && x.Type == r53types.RRTypeCname:
			return work, fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone %s", rr.Type, name, z.name), nil
		case x.Type == rr.Type && (x.SetIdentifier == nil) != (rr.SetIdentifier == nil):
			if rr.SetIdentifier != nil {
				return work, fmt.Sprintf("RRSet with DNS name %s, type %s, SetIdentifier %s cannot be created as a non-weighted set exists with the same name and type.", name, rr.Type, *rr.SetIdentifier), nil
			}
			return work, fmt.Sprintf("RRSet with DNS name %s, type %s cannot be created as weighted sets exist with the same name and type.", name, rr.Type), nil
		case x.Type == rr.Type && rr.Failover != "" && x.Failover == rr.Failover:
			return work, fmt.Sprintf("Tried to create resource record set %s but a record set with failover %s already exists", rrDesc(rr), rr.Failover), nil
		}
	}
	if msg, err := m.checkReferences(r, z, work, rr); msg != "" || err != nil {
		return work, msg, err
	}
	if idx >= 0 {
		work = append(work[:idx:idx], work[idx+1:]...)
	}
	return append(work, rr), "", nil
}

// checkReferences checks what a record set points at: a health check that exists, an alias
// target that exists in the hosted zone the alias names (a record set of this account, or a load
// balancer of this cloud with its canonical hosted zone).
func (m *route53Model) checkReferences(r *request, z *r53Zone, work []r53types.ResourceRecordSet, rr r53types.ResourceRecordSet) (string, error) {
	if id := aws.ToString(rr.HealthCheckId); id != "" {
		if hc := m.healthCheck(id); hc == nil {
			return fmt.Sprintf("The health check %s does not exist", id), nil
		}
	}
	at := rr.AliasTarget
	if at == nil {
		return "", nil
	}
	target, zoneID := aws.ToString(at.DNSName), aws.ToString(at.HostedZoneId)
	notFound := fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", target, rr.Type, zoneID)
	if tz := m.zone(zoneID); tz != nil {
		recs := tz.records
		if tz == z {
			recs = work
		}
		for _, x := range recs {
			if strings.EqualFold(aws.ToString(x.Name), target) && (x.Type == rr.Type || x.Type == r53types.RRTypeCname) {
				return "", nil
			}
		}
		if target != tz.name && !strings.HasSuffix(target, "."+tz.name) {
			return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target, rr.Type, zoneID), nil
		}
		return notFound, nil
	}
	lbZone, found := m.loadBalancerZone(target)
	region := m.cloud.opts.Region
	known := zoneID == elbHostedZoneID(region, false) || zoneID == elbHostedZoneID(region, true)
	switch {
	case found && lbZone == zoneID:
		return "", nil
	case found:
		return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", target, rr.Type, zoneID), nil
	case known:
		return notFound, nil
	}
	return "", r.unmodeled("alias target %s in hosted zone %s (this cloud's hosted zones and load balancers are modeled)", target, zoneID)
}

// loadBalancerZone finds the load balancer (either ELB API) whose DNS name is target, with or
// without the "dualstack." prefix, and returns its canonical hosted zone ID.
func (m *route53Model) loadBalancerZone(target string) (string, bool) {
	name := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(target), "dualstack."), ".")
	region := m.cloud.opts.Region
	for _, lb := range m.cloud.elbv2().lbs {
		if strings.EqualFold(lb.dnsName, name) {
			return elbHostedZoneID(region, lb.lbType == elbv2types.LoadBalancerTypeEnumNetwork), true
		}
	}
	for _, lb := range m.cloud.elb().lbs {
		if strings.EqualFold(lb.dnsName, name) {
			return elbHostedZoneID(region, false), true
		}
	}
	return "", false
}
