package route53

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/portalkit/portalkit/internal/retry"
	"github.com/portalkit/portalkit/wait"
)

// Route 53's limits on one ChangeResourceRecordSets request (Route 53 Developer Guide, "Quotas
// on API requests"). An UPSERT counts twice against both.
const (
	// MaxRecordsPerRequest is the most ResourceRecord elements one request may carry.
	MaxRecordsPerRequest = 1000
	// MaxValueCharsPerRequest is the most characters of record values one request may carry.
	MaxValueCharsPerRequest = 32000
)

// Result reports what a call changed. A call that fails after it found the hosted zone returns
// its Result with the error, reporting what was sent before the failure (a change accepted but
// not seen INSYNC in time, for example).
type Result struct {
	// Zone is the hosted zone changed.
	Zone Zone
	// Changes are the changes sent, in order: UPSERTs of what differed, and DELETEs of records a
	// CNAME replaces (or that replace a CNAME). Empty when everything already matched, in which
	// case nothing was sent.
	Changes []types.Change
	// ChangeIDs are Route 53's IDs of the requests sent (without "/change/"), one per batch.
	ChangeIDs []string
	// InSync reports whether every change sent was seen INSYNC (false under Options.NoWait, and
	// true when nothing was sent). It is false too for a change that Route 53 refused as
	// InvalidChangeBatch but that the zone already held (a change sent again by the SDK after its
	// response was lost): its change ID went with the response, so INSYNC was not awaited.
	InSync bool
}

// Changed reports whether anything was sent.
func (r *Result) Changed() bool { return len(r.Changes) > 0 }

// EnsureRecords makes the record sets of the hosted zone that serves them match records: it reads
// the record sets with the same names, compares (names, alias DNS names and values normalised;
// values in any order), and sends one ChangeResourceRecordSets request with an UPSERT for each
// record set that is missing or differs. Nothing is sent when all match. Record sets with the same
// name and type but not in records are left alone, except that a CNAME in records replaces the
// A/AAAA record sets of its name, and an A or AAAA record replaces a CNAME of its name (DNS allows
// no other record next to a CNAME): those are deleted in the same request.
//
// Every record set must be in one hosted zone, the zone that serves the first one (see
// [Client.FindZone]). A CNAME at the zone apex is refused with an error matching
// [ErrCNAMEAtApex]; other invalid record sets with [ErrInvalidSpec]. Changes over Route 53's
// per-request limits are refused with [ErrBatchTooLarge] unless Options.SplitBatches is set.
//
// Changes to one hosted zone from one Client are serialised: the comparison, the change and the
// wait for INSYNC (unless Options.NoWait) run under the zone's lock.
func (c *Client) EnsureRecords(ctx context.Context, records []types.ResourceRecordSet, optFns ...func(*Options)) (*Result, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("%w: no record sets", ErrInvalidSpec)
	}
	zone, err := c.findZone(ctx, o, aws.ToString(records[0].Name))
	if err != nil {
		return nil, wrap(err, "route53")
	}
	res, err := c.ensure(ctx, o, zone, records, nil)
	return res, wrap(err, "route53")
}

// ensure compares, changes and waits under the zone's lock. Existing record sets, of the names in
// records, for which stale returns true are deleted in the same batch.
func (c *Client) ensure(ctx context.Context, o Options, zone Zone, records []types.ResourceRecordSet, stale func(types.ResourceRecordSet) bool) (*Result, error) {
	desired, err := normaliseAll(zone, records)
	if err != nil {
		return nil, err
	}
	lock := c.zoneLock(zone.ID)
	if err := lock.Acquire(ctx, 1); err != nil {
		return nil, fmt.Errorf("waiting for other changes to hosted zone %s: %w", zone.ID, err)
	}
	defer lock.Release(1)

	res := &Result{Zone: zone, InSync: true}
	existing := map[string][]types.ResourceRecordSet{}
	for _, rr := range desired {
		name := aws.ToString(rr.Name)
		if _, seen := existing[name]; seen {
			continue
		}
		if existing[name], err = c.recordsNamed(ctx, o, zone, name); err != nil {
			return res, err
		}
	}
	changes := plan(desired, existing, stale)
	if len(changes) == 0 {
		o.Logger.Debug("route53: records match", "zone", zone.ID, "records", len(desired))
		return res, nil
	}
	batches, err := split(changes, o.SplitBatches)
	if err != nil {
		return res, err
	}
	for _, batch := range batches {
		id, err := c.submit(ctx, o, zone, batch)
		var icb *types.InvalidChangeBatch
		if errors.As(err, &icb) {
			// A batch sent again by the SDK after its response was lost is refused when it
			// deletes (the record is gone already): if the zone now holds the batch, it landed.
			if applied, aerr := c.applied(ctx, o, zone, batch); aerr == nil && applied {
				o.Logger.Warn("route53: change refused but already in the zone (a lost response resent?); INSYNC not awaited",
					"zone", zone.ID, "changes", len(batch), "error", err)
				res.Changes = append(res.Changes, batch...)
				res.InSync = false
				continue
			}
		}
		if err != nil {
			return res, err
		}
		res.Changes = append(res.Changes, batch...)
		res.ChangeIDs = append(res.ChangeIDs, id)
		if o.NoWait {
			res.InSync = false
			continue
		}
		if err := c.waitInSync(ctx, o, zone.ID, id); err != nil {
			res.InSync = false
			return res, err
		}
	}
	return res, nil
}

// applied reports whether the zone holds what batch asks for: every UPSERTed record set as sent,
// no DELETEd one.
func (c *Client) applied(ctx context.Context, o Options, zone Zone, batch []types.Change) (bool, error) {
	byName := map[string][]types.ResourceRecordSet{}
	for _, ch := range batch {
		name := fqdn(aws.ToString(ch.ResourceRecordSet.Name))
		if _, ok := byName[name]; ok {
			continue
		}
		rrs, err := c.recordsNamed(ctx, o, zone, name)
		if err != nil {
			return false, err
		}
		byName[name] = rrs
	}
	for _, ch := range batch {
		want := *ch.ResourceRecordSet
		var have *types.ResourceRecordSet
		for i, rr := range byName[fqdn(aws.ToString(want.Name))] {
			if key(rr) == key(want) {
				have = &byName[fqdn(aws.ToString(want.Name))][i]
			}
		}
		switch ch.Action {
		case types.ChangeActionDelete:
			if have != nil {
				return false, nil
			}
		default:
			if have == nil || !same(*have, want) {
				return false, nil
			}
		}
	}
	return true, nil
}

// recordsNamed returns the zone's record sets named name.
func (c *Client) recordsNamed(ctx context.Context, o Options, zone Zone, name string) ([]types.ResourceRecordSet, error) {
	var found []types.ResourceRecordSet
	in := &awsroute53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone.ID), StartRecordName: aws.String(name)}
	for {
		var out *awsroute53.ListResourceRecordSetsOutput
		err := c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = c.api.ListResourceRecordSets(ctx, in, c.callOptions(o)...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing record sets named %s in hosted zone %s: %w", name, zone.ID, err)
		}
		for _, rr := range out.ResourceRecordSets {
			if fqdn(aws.ToString(rr.Name)) != name {
				return found, nil
			}
			found = append(found, rr)
		}
		if !out.IsTruncated || fqdn(aws.ToString(out.NextRecordName)) != name {
			return found, nil
		}
		in = &awsroute53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zone.ID),
			StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, StartRecordIdentifier: out.NextRecordIdentifier}
	}
}

// normaliseAll validates records against zone and returns copies in Route 53's form.
func normaliseAll(zone Zone, records []types.ResourceRecordSet) ([]types.ResourceRecordSet, error) {
	var problems []string
	var apexCNAME bool
	out := make([]types.ResourceRecordSet, 0, len(records))
	seen := map[string]bool{}
	for i, rr := range records {
		rr = normalise(rr)
		name := aws.ToString(rr.Name)
		at := fmt.Sprintf("record %d (%s %s)", i, name, rr.Type)
		switch {
		case !validName(name):
			problems = append(problems, fmt.Sprintf("%s: not a DNS name", at))
		case !within(name, zone.Name):
			problems = append(problems, fmt.Sprintf("%s: not in hosted zone %s (%s)", at, zone.Name, zone.ID))
		}
		if rr.Type == "" {
			problems = append(problems, fmt.Sprintf("%s: no type", at))
		}
		if rr.Type == types.RRTypeCname && name == zone.Name {
			apexCNAME = true
		}
		alias, simple := rr.AliasTarget != nil, rr.TTL != nil || len(rr.ResourceRecords) > 0
		switch {
		case alias && simple:
			problems = append(problems, fmt.Sprintf("%s: an alias has no TTL or values", at))
		case !alias && (rr.TTL == nil || len(rr.ResourceRecords) == 0):
			problems = append(problems, fmt.Sprintf("%s: needs a TTL and values, or an alias target", at))
		case alias && (aws.ToString(rr.AliasTarget.DNSName) == "." || aws.ToString(rr.AliasTarget.HostedZoneId) == ""):
			problems = append(problems, fmt.Sprintf("%s: the alias target needs a DNS name and a hosted zone ID", at))
		}
		if (rr.Failover != "" || rr.Weight != nil) && rr.SetIdentifier == nil {
			problems = append(problems, fmt.Sprintf("%s: failover and weighted records need a SetIdentifier", at))
		}
		k := key(rr)
		if seen[k] {
			problems = append(problems, fmt.Sprintf("%s: listed twice", at))
		}
		seen[k] = true
		out = append(out, rr)
	}
	if apexCNAME {
		return nil, fmt.Errorf("%w %s (hosted zone %s): the apex always holds the zone's SOA and NS records, and DNS allows no "+
			"other record next to a CNAME; point the apex at the load balancer with an alias A (and AAAA) record "+
			"(Client.EnsureSite), or redirect it to www (RedirectHandler, RedirectBucketWebsite)", ErrCNAMEAtApex, zone.Name, zone.ID)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(problems, "; "))
	}
	return out, nil
}

// normalise returns a deep enough copy of rr in Route 53's form: names lowercase with a trailing
// dot, the alias zone without "/hostedzone/", values in a stable order, no empty slices.
func normalise(rr types.ResourceRecordSet) types.ResourceRecordSet {
	rr.Name = aws.String(fqdn(aws.ToString(rr.Name)))
	if rr.AliasTarget != nil {
		at := *rr.AliasTarget
		at.DNSName = aws.String(fqdn(aws.ToString(at.DNSName)))
		at.HostedZoneId = aws.String(stripZonePrefix(aws.ToString(at.HostedZoneId)))
		rr.AliasTarget = &at
	}
	if len(rr.ResourceRecords) == 0 {
		rr.ResourceRecords = nil
	} else {
		rr.ResourceRecords = slices.Clone(rr.ResourceRecords)
		sort.Slice(rr.ResourceRecords, func(i, j int) bool {
			return aws.ToString(rr.ResourceRecords[i].Value) < aws.ToString(rr.ResourceRecords[j].Value)
		})
	}
	return rr
}

// key identifies a record set within a zone: name, type and set identifier.
func key(rr types.ResourceRecordSet) string {
	return fqdn(aws.ToString(rr.Name)) + " " + string(rr.Type) + " " + aws.ToString(rr.SetIdentifier)
}

// same reports whether two record sets (normalised) hold the same settings.
func same(a, b types.ResourceRecordSet) bool {
	a, b = normalise(a), normalise(b)
	if key(a) != key(b) || aws.ToInt64(a.TTL) != aws.ToInt64(b.TTL) || a.Failover != b.Failover ||
		aws.ToInt64(a.Weight) != aws.ToInt64(b.Weight) || aws.ToString(a.HealthCheckId) != aws.ToString(b.HealthCheckId) ||
		(a.TTL == nil) != (b.TTL == nil) || (a.Weight == nil) != (b.Weight == nil) || (a.AliasTarget == nil) != (b.AliasTarget == nil) ||
		len(a.ResourceRecords) != len(b.ResourceRecords) {
		return false
	}
	if a.AliasTarget != nil && (aws.ToString(a.AliasTarget.DNSName) != aws.ToString(b.AliasTarget.DNSName) ||
		!strings.EqualFold(aws.ToString(a.AliasTarget.HostedZoneId), aws.ToString(b.AliasTarget.HostedZoneId)) ||
		a.AliasTarget.EvaluateTargetHealth != b.AliasTarget.EvaluateTargetHealth) {
		return false
	}
	for i := range a.ResourceRecords {
		if aws.ToString(a.ResourceRecords[i].Value) != aws.ToString(b.ResourceRecords[i].Value) {
			return false
		}
	}
	return true
}

// plan returns the changes that make existing (by name) hold desired: an UPSERT for each desired
// record set that is missing or differs, and DELETEs of the record sets a CNAME conflicts with.
func plan(desired []types.ResourceRecordSet, existing map[string][]types.ResourceRecordSet, stale func(types.ResourceRecordSet) bool) []types.Change {
	var deletes, upserts []types.Change
	deleted := map[string]bool{}
	wanted := map[string]bool{}
	for _, want := range desired {
		wanted[key(want)] = true
	}
	if stale != nil {
		for _, name := range sortedKeys(existing) {
			for _, have := range existing[name] {
				if !wanted[key(have)] && stale(have) {
					deleted[key(have)] = true
					deletes = append(deletes, types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: ptr(have)})
				}
			}
		}
	}
	for _, want := range desired {
		name := aws.ToString(want.Name)
		var match *types.ResourceRecordSet
		for i, have := range existing[name] {
			if key(have) == key(want) {
				match = &existing[name][i]
			}
			conflict := (want.Type == types.RRTypeCname && (have.Type == types.RRTypeA || have.Type == types.RRTypeAaaa)) ||
				(have.Type == types.RRTypeCname && want.Type != types.RRTypeCname)
			if conflict && !deleted[key(have)] {
				deleted[key(have)] = true
				deletes = append(deletes, types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: ptr(have)})
			}
		}
		if match == nil || !same(*match, want) {
			upserts = append(upserts, types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: ptr(want)})
		}
	}
	return append(deletes, upserts...)
}

func ptr[T any](v T) *T { return &v }

// wrap prefixes err's message with prefix (which starts with "route53"), without repeating the
// package name when err's message starts with it already (the package's sentinels do). A wait's
// timeout is returned as it is: its message starts with the package name and says what was
// awaited.
func wrap(err error, prefix string) error {
	var te *wait.TimeoutError
	if err == nil || errors.As(err, &te) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "route53: ")
	if prefix != "route53" {
		msg = strings.TrimPrefix(prefix, "route53: ") + ": " + msg
	}
	return &prefixed{msg: "route53: " + msg, err: err}
}

// prefixed is an error with its message rewritten by wrap; it unwraps to the original.
type prefixed struct {
	msg string
	err error
}

func (e *prefixed) Error() string { return e.msg }
func (e *prefixed) Unwrap() error { return e.err }

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Sorted(maps.Keys(m))
	return keys
}

// size returns the ResourceRecord elements and value characters a change counts for.
func size(ch types.Change) (records, chars int) {
	for _, v := range ch.ResourceRecordSet.ResourceRecords {
		chars += len(aws.ToString(v.Value))
	}
	records = len(ch.ResourceRecordSet.ResourceRecords)
	if ch.Action == types.ChangeActionUpsert {
		records, chars = 2*records, 2*chars
	}
	return records, chars
}

// split returns changes as one batch when they fit Route 53's limits; otherwise, when allowed, as
// several batches that each fit (a DELETE and the UPSERT that replaces it can end up in different
// batches); otherwise an error matching ErrBatchTooLarge.
func split(changes []types.Change, allowed bool) ([][]types.Change, error) {
	var batches [][]types.Change
	var cur []types.Change
	records, chars, totalRecords, totalChars := 0, 0, 0, 0
	for _, ch := range changes {
		r, c := size(ch)
		if r > MaxRecordsPerRequest || c > MaxValueCharsPerRequest {
			return nil, fmt.Errorf("%w: the %s of %s %s alone counts %d records and %d characters of values (limits %d and %d)",
				ErrBatchTooLarge, ch.Action, aws.ToString(ch.ResourceRecordSet.Name), ch.ResourceRecordSet.Type, r, c,
				MaxRecordsPerRequest, MaxValueCharsPerRequest)
		}
		totalRecords, totalChars = totalRecords+r, totalChars+c
		if records+r > MaxRecordsPerRequest || chars+c > MaxValueCharsPerRequest {
			batches = append(batches, cur)
			cur, records, chars = nil, 0, 0
		}
		cur = append(cur, ch)
		records, chars = records+r, chars+c
	}
	batches = append(batches, cur)
	if len(batches) > 1 && !allowed {
		return nil, fmt.Errorf("%w: %d changes count %d records and %d characters of values, over the limits of %d and %d for one "+
			"atomic request (an UPSERT counts twice); set Options.SplitBatches to send them in %d requests, each atomic on its own",
			ErrBatchTooLarge, len(changes), totalRecords, totalChars, MaxRecordsPerRequest, MaxValueCharsPerRequest, len(batches))
	}
	return batches, nil
}

// submit sends one change batch and returns its change ID.
func (c *Client) submit(ctx context.Context, o Options, zone Zone, batch []types.Change) (string, error) {
	in := &awsroute53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zone.ID),
		ChangeBatch:  &types.ChangeBatch{Changes: batch, Comment: aws.String("portalkit")},
	}
	var out *awsroute53.ChangeResourceRecordSetsOutput
	// PriorRequestNotComplete: another process's change to the zone is still being processed.
	err := c.retry(ctx, o, retry.Any(retry.Throttling, retry.Codes("PriorRequestNotComplete")), func(ctx context.Context) error {
		var err error
		out, err = c.api.ChangeResourceRecordSets(ctx, in, c.callOptions(o)...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("changing %d record sets in hosted zone %s: %w", len(batch), zone.ID, explain(err))
	}
	id := strings.TrimPrefix(aws.ToString(out.ChangeInfo.Id), "/change/")
	o.Logger.Debug("route53: change accepted", "zone", zone.ID, "change", id, "changes", len(batch))
	if o.OnProgress != nil {
		o.OnProgress(Progress{HostedZoneID: zone.ID, ChangeID: id, Status: string(out.ChangeInfo.Status)})
	}
	return id, nil
}
