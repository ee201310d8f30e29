package awstest

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// ServiceRoute53 is Amazon Route 53, a global service with its own XML errors.
const ServiceRoute53 = "Route 53"

// DefaultChangePropagation is how long a Route 53 change stays PENDING before it is INSYNC when
// Route53Options.ChangePropagation is zero: AWS says changes generally propagate to all its name
// servers within 60 seconds.
const DefaultChangePropagation = 60 * time.Second

// Route53Options configure the Route 53 model; they are [Options].Route53.
type Route53Options struct {
	// ChangePropagation is how long a change (ChangeResourceRecordSets, CreateHostedZone,
	// DeleteHostedZone) stays PENDING in GetChange before it is INSYNC. Zero means
	// DefaultChangePropagation; negative is invalid.
	ChangePropagation time.Duration
	// PriorRequestNotComplete, when true, makes ChangeResourceRecordSets on a hosted zone fail
	// with PriorRequestNotComplete while the zone's previous change is still PENDING, as Route 53
	// does when it is still processing a prior request. False (the default) accepts the change.
	PriorRequestNotComplete bool
}

func (o Route53Options) withDefaults() Route53Options {
	if o.ChangePropagation == 0 {
		o.ChangePropagation = DefaultChangePropagation
	}
	return o
}

func (o Route53Options) problems() []string {
	return negativeDurations("Route53", map[string]time.Duration{"ChangePropagation": o.ChangePropagation})
}

// route53 limits on one ChangeResourceRecordSets request (Route 53 Developer Guide, "Quotas on
// API requests"): ResourceRecord elements and characters in their values, UPSERT counting twice.
const (
	r53MaxRecords    = 1000
	r53MaxValueChars = 32000
)

type r53Zone struct {
	id, name, callerRef, comment string
	private                      bool
	vpcs                         []r53types.VPC
	records                      []r53types.ResourceRecordSet
	lastChange                   *r53Change
	tags                         map[string]string
	seq                          uint64
}

type r53Change struct {
	id                string
	submitted, insync time.Time
	comment           string
}

type r53HealthCheck struct {
	id, callerRef string
	config        r53types.HealthCheckConfig
	deleted       bool
	tags          map[string]string
	seq           uint64
}

// route53Model is Amazon Route 53: public and private hosted zones, record sets (simple, alias,
// failover and weighted, stored as sent), changes going PENDING -> INSYNC on the virtual clock,
// and health checks.
type route53Model struct {
	cloud   *Cloud
	svc     *service
	seq     uint64
	zones   []*r53Zone
	changes map[string]*r53Change
	checks  []*r53HealthCheck
}

func newRoute53Model(c *Cloud) model {
	// Route 53 answers throttled calls with Throttling and HTTP 400 ("Rate exceeded").
	m := &route53Model{cloud: c, svc: newService(ServiceRoute53, "Throttling", http.StatusBadRequest), changes: map[string]*r53Change{}}
	m.svc.newError = route53Error
	handle(m.svc, "CreateHostedZone", m.createHostedZone)
	handle(m.svc, "GetHostedZone", m.getHostedZone)
	handle(m.svc, "DeleteHostedZone", m.deleteHostedZone)
	handle(m.svc, "ListHostedZonesByName", m.listHostedZonesByName)
	handle(m.svc, "ListResourceRecordSets", m.listResourceRecordSets)
	handle(m.svc, "ChangeResourceRecordSets", m.changeResourceRecordSets)
	handle(m.svc, "GetChange", m.getChange)
	handle(m.svc, "CreateHealthCheck", m.createHealthCheck)
	handle(m.svc, "GetHealthCheck", m.getHealthCheck)
	handle(m.svc, "ListHealthChecks", m.listHealthChecks)
	handle(m.svc, "DeleteHealthCheck", m.deleteHealthCheck)
	handle(m.svc, "ChangeTagsForResource", m.changeTagsForResource)
	handle(m.svc, "ListTagsForResource", m.listTagsForResource)
	return m
}

func (m *route53Model) service() *service { return m.svc }

// route53 returns the Route 53 model. Called with c.mu held.
func (c *Cloud) route53() *route53Model { return modelOf[*route53Model](c, ServiceRoute53) }

// route53Exceptions are the typed exceptions of the Route 53 SDK client used by the model.
var route53Exceptions = map[string]exception{
	"ConcurrentModification":   func(m *string) error { return &r53types.ConcurrentModification{Message: m} },
	"HealthCheckAlreadyExists": func(m *string) error { return &r53types.HealthCheckAlreadyExists{Message: m} },
	"HealthCheckInUse":         func(m *string) error { return &r53types.HealthCheckInUse{Message: m} },
	"HostedZoneAlreadyExists":  func(m *string) error { return &r53types.HostedZoneAlreadyExists{Message: m} },
	"HostedZoneNotEmpty":       func(m *string) error { return &r53types.HostedZoneNotEmpty{Message: m} },
	"InvalidChangeBatch":       func(m *string) error { return &r53types.InvalidChangeBatch{Message: m} },
	"InvalidDomainName":        func(m *string) error { return &r53types.InvalidDomainName{Message: m} },
	"InvalidInput":             func(m *string) error { return &r53types.InvalidInput{Message: m} },
	"InvalidPaginationToken":   func(m *string) error { return &r53types.InvalidPaginationToken{Message: m} },
	"NoSuchChange":             func(m *string) error { return &r53types.NoSuchChange{Message: m} },
	"NoSuchHealthCheck":        func(m *string) error { return &r53types.NoSuchHealthCheck{Message: m} },
	"NoSuchHostedZone":         func(m *string) error { return &r53types.NoSuchHostedZone{Message: m} },
	"PriorRequestNotComplete":  func(m *string) error { return &r53types.PriorRequestNotComplete{Message: m} },
}

func route53Error(code, msg string) error { return typedError(route53Exceptions, code, msg) }

// invalidChangeBatch returns Route 53's InvalidChangeBatch: one problem comes in the standard
// error response, so the SDK sets Message; several come in an InvalidChangeBatch document, which
// the SDK's customization turns into Messages with the fixed Message "ChangeBatch errors occurred".
func invalidChangeBatch(msgs []string) error {
	if len(msgs) == 1 {
		return &statusError{status: http.StatusBadRequest, err: &r53types.InvalidChangeBatch{Message: aws.String(msgs[0])}}
	}
	return &statusError{status: http.StatusBadRequest, err: &r53types.InvalidChangeBatch{
		Message: aws.String("ChangeBatch errors occurred"), Messages: append([]string(nil), msgs...),
	}}
}

// fqdn returns name in Route 53's form: lowercase with a trailing dot, with a wildcard's "*" as
// Route 53 lists it, "\052".
func fqdn(name string) string {
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "*", `\052`)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// reverseLabels returns name with its labels reversed ("com.example.www"), the order in which
// Route 53 lists hosted zones and record sets.
func reverseLabels(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

// stripPrefix removes a resource prefix ("/hostedzone/", "/change/") the SDK's URL sanitizer also
// removes before sending.
func stripPrefix(id, prefix string) string {
	id = strings.TrimPrefix(id, "/")
	return strings.TrimPrefix(id, strings.TrimPrefix(prefix, "/"))
}

func (m *route53Model) newID(prefix string, n int) string {
	m.seq++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", m.cloud.opts.AccountID, prefix, m.seq)))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:n]
}

func (m *route53Model) zone(id string) *r53Zone {
	id = stripPrefix(id, "/hostedzone/")
	for _, z := range m.zones {
		if z.id == id {
			return z
		}
	}
	return nil
}

func (m *route53Model) noSuchZone(id string) error {
	return m.svc.statusErrorf(http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: %s", stripPrefix(id, "/hostedzone/"))
}

// newChange records a change submitted at now and returns its ChangeInfo.
func (m *route53Model) newChange(now time.Time, comment string) (*r53Change, *r53types.ChangeInfo) {
	ch := &r53Change{id: m.newID("C", 20), submitted: now, insync: now.Add(m.cloud.opts.Route53.ChangePropagation), comment: comment}
	m.changes[ch.id] = ch
	return ch, ch.info(now)
}

func (ch *r53Change) info(now time.Time) *r53types.ChangeInfo {
	status := r53types.ChangeStatusPending
	if !now.Before(ch.insync) {
		status = r53types.ChangeStatusInsync
	}
	info := &r53types.ChangeInfo{Id: aws.String("/change/" + ch.id), Status: status, SubmittedAt: aws.Time(ch.submitted)}
	if ch.comment != "" {
		info.Comment = aws.String(ch.comment)
	}
	return info
}

func (z *r53Zone) output() *r53types.HostedZone {
	cfg := &r53types.HostedZoneConfig{PrivateZone: z.private}
	if z.comment != "" {
		cfg.Comment = aws.String(z.comment)
	}
	return &r53types.HostedZone{
		Id: aws.String("/hostedzone/" + z.id), Name: aws.String(z.name), CallerReference: aws.String(z.callerRef),
		Config: cfg, ResourceRecordSetCount: aws.Int64(int64(len(z.records))),
	}
}

func (z *r53Zone) nameServers() []string {
	var out []string
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		out = append(out, fmt.Sprintf("ns-%d.awsdns-%02d.%s", 100*(i+1)+int(z.seq%100), int(z.seq%64), tld))
	}
	return out
}

func (m *route53Model) createHostedZone(r *request, in *route53.CreateHostedZoneInput) (*route53.CreateHostedZoneOutput, error) {
	name := fqdn(aws.ToString(in.Name))
	if name == "." || strings.Contains(name, "..") || strings.ContainsAny(name, " /") {
		return nil, m.svc.errorf("InvalidDomainName", "%s is not a valid domain name", aws.ToString(in.Name))
	}
	ref := aws.ToString(in.CallerReference)
	for _, z := range m.zones {
		if z.callerRef == ref {
			return nil, m.svc.statusErrorf(http.StatusConflict, "HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference.")
		}
	}
	private := in.VPC != nil
	if in.HostedZoneConfig != nil && in.HostedZoneConfig.PrivateZone && in.VPC == nil {
		return nil, m.svc.errorf("InvalidInput", "Invalid request: a private hosted zone requires a VPC")
	}
	z := &r53Zone{name: name, callerRef: ref, private: private}
	z.id = m.newID("Z", 20)
	z.seq = m.seq
	if in.HostedZoneConfig != nil {
		z.comment = aws.ToString(in.HostedZoneConfig.Comment)
	}
	if in.VPC != nil {
		z.vpcs = []r53types.VPC{{VPCId: in.VPC.VPCId, VPCRegion: in.VPC.VPCRegion}}
	}
	ns := z.nameServers()
	var nsRecords []r53types.ResourceRecord
	for _, n := range ns {
		nsRecords = append(nsRecords, r53types.ResourceRecord{Value: aws.String(n + ".")})
	}
	z.records = []r53types.ResourceRecordSet{
		{Name: aws.String(name), Type: r53types.RRTypeNs, TTL: aws.Int64(172800), ResourceRecords: nsRecords},
		{Name: aws.String(name), Type: r53types.RRTypeSoa, TTL: aws.Int64(900), ResourceRecords: []r53types.ResourceRecord{
			{Value: aws.String(ns[0] + ". awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")},
		}},
	}
	m.zones = append(m.zones, z)
	_, info := m.newChange(r.now, "")
	out := &route53.CreateHostedZoneOutput{
		HostedZone: z.output(), ChangeInfo: info, Location: aws.String("https://route53.amazonaws.com/2013-04-01/hostedzone/" + z.id),
	}
	if private {
		out.VPC = &r53types.VPC{VPCId: in.VPC.VPCId, VPCRegion: in.VPC.VPCRegion}
	} else {
		out.DelegationSet = &r53types.DelegationSet{NameServers: ns}
	}
	return out, nil
}

func (m *route53Model) getHostedZone(r *request, in *route53.GetHostedZoneInput) (*route53.GetHostedZoneOutput, error) {
	z := m.zone(aws.ToString(in.Id))
	if z == nil {
		return nil, m.noSuchZone(aws.ToString(in.Id))
	}
	out := &route53.GetHostedZoneOutput{HostedZone: z.output()}
	if z.private {
		out.VPCs = append([]r53types.VPC(nil), z.vpcs...)
	} else {
		out.DelegationSet = &r53types.DelegationSet{NameServers: z.nameServers()}
	}
	return out, nil
}

func (m *route53Model) deleteHostedZone(r *request, in *route53.DeleteHostedZoneInput) (*route53.DeleteHostedZoneOutput, error) {
	z := m.zone(aws.ToString(in.Id))
	if z == nil {
		return nil, m.noSuchZone(aws.ToString(in.Id))
	}
	for _, rr := range z.records {
		if aws.ToString(rr.Name) != z.name || (rr.Type != r53types.RRTypeNs && rr.Type != r53types.RRTypeSoa) {
			return nil, m.svc.errorf("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	for i, x := range m.zones {
		if x == z {
			m.zones = append(m.zones[:i:i], m.zones[i+1:]...)
			break
		}
	}
	_, info := m.newChange(r.now, "")
	return &route53.DeleteHostedZoneOutput{ChangeInfo: info}, nil
}

// listHostedZonesByName lists zones ordered by name with labels reversed, then by ID, starting at
// DNSName and HostedZoneId.
func (m *route53Model) listHostedZonesByName(r *request, in *route53.ListHostedZonesByNameInput) (*route53.ListHostedZonesByNameOutput, error) {
	if in.HostedZoneId != nil && in.DNSName == nil {
		return nil, m.svc.errorf("InvalidInput", "Invalid request: HostedZoneId requires DNSName")
	}
	limit := 100
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < 100 {
		limit = int(*in.MaxItems)
	}
	key := func(name, id string) string { return reverseLabels(name) + "\x00" + id }
	zones := append([]*r53Zone(nil), m.zones...)
	sort.Slice(zones, func(i, j int) bool { return key(zones[i].name, zones[i].id) < key(zones[j].name, zones[j].id) })
	start := ""
	if in.DNSName != nil {
		start = key(fqdn(*in.DNSName), stripPrefix(aws.ToString(in.HostedZoneId), "/hostedzone/"))
	}
	out := &route53.ListHostedZonesByNameOutput{HostedZones: []r53types.HostedZone{}, MaxItems: aws.Int32(int32(limit)), DNSName: in.DNSName, HostedZoneId: in.HostedZoneId}
	for _, z := range zones {
		if key(z.name, z.id) < start {
			continue
		}
		if len(out.HostedZones) == limit {
			out.IsTruncated = true
			out.NextDNSName = aws.String(z.name)
			out.NextHostedZoneId = aws.String(z.id)
			break
		}
		out.HostedZones = append(out.HostedZones, *z.output())
	}
	return out, nil
}

func rrKey(rr r53types.ResourceRecordSet) string {
	return reverseLabels(fqdn(aws.ToString(rr.Name))) + "\x00" + string(rr.Type) + "\x00" + aws.ToString(rr.SetIdentifier)
}

func (m *route53Model) listResourceRecordSets(r *request, in *route53.ListResourceRecordSetsInput) (*route53.ListResourceRecordSetsOutput, error) {
	z := m.zone(aws.ToString(in.HostedZoneId))
	if z == nil {
		return nil, m.noSuchZone(aws.ToString(in.HostedZoneId))
	}
	if in.StartRecordType != "" && in.StartRecordName == nil {
		return nil, m.svc.errorf("InvalidInput", "The input is not valid: StartRecordType requires StartRecordName")
	}
	if in.StartRecordIdentifier != nil && in.StartRecordType == "" {
		return nil, m.svc.errorf("InvalidInput", "The input is not valid: StartRecordIdentifier requires StartRecordType")
	}
	limit := 300
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < 300 {
		limit = int(*in.MaxItems)
	}
	recs := append([]r53types.ResourceRecordSet(nil), z.records...)
	sort.Slice(recs, func(i, j int) bool { return rrKey(recs[i]) < rrKey(recs[j]) })
	start := ""
	if in.StartRecordName != nil {
		start = rrKey(r53types.ResourceRecordSet{Name: in.StartRecordName, Type: in.StartRecordType, SetIdentifier: in.StartRecordIdentifier})
	}
	out := &route53.ListResourceRecordSetsOutput{ResourceRecordSets: []r53types.ResourceRecordSet{}, MaxItems: aws.Int32(int32(limit))}
	for _, rr := range recs {
		if rrKey(rr) < start {
			continue
		}
		if len(out.ResourceRecordSets) == limit {
			out.IsTruncated = true
			out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier = rr.Name, rr.Type, rr.SetIdentifier
			break
		}
		out.ResourceRecordSets = append(out.ResourceRecordSets, deepCopy(rr).(r53types.ResourceRecordSet))
	}
	return out, nil
}

func (m *route53Model) getChange(r *request, in *route53.GetChangeInput) (*route53.GetChangeOutput, error) {
	id := stripPrefix(aws.ToString(in.Id), "/change/")
	ch, ok := m.changes[id]
	if !ok {
		return nil, m.svc.statusErrorf(http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist.")
	}
	return &route53.GetChangeOutput{ChangeInfo: ch.info(r.now)}, nil
}

// Route53ChangeInSync returns the virtual time at which the Route 53 change changeID (with or
// without the "/change/" prefix) is INSYNC, and false when there is no such change. Tests use it
// to measure how soon a wait noticed.
func (c *Cloud) Route53ChangeInSync(changeID string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.route53().changes[stripPrefix(changeID, "/change/")]
	if !ok {
		return time.Time{}, false
	}
	return ch.insync, true
}
