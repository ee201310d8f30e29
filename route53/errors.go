package route53

import "errors"

var (
	// ErrInvalidOptions is matched by the error of [New] or of a method whose Options are
	// invalid; the message names every invalid field.
	ErrInvalidOptions = errors.New("route53: invalid options")
	// ErrInvalidSpec is matched by the error of a call whose input (a [Site], [Failover], record
	// sets or redirect hosts) is invalid; the message names every problem.
	ErrInvalidSpec = errors.New("route53: invalid spec")
	// ErrTimeout is matched by the error of a wait for a change to be INSYNC that ran out of time;
	// the error is a *wait.TimeoutError naming the change and its last status.
	ErrTimeout = errors.New("route53: timed out")
	// ErrZoneNotFound is matched when no hosted zone of the wanted kind (public, or private when
	// Options.PrivateZone is set) serves a domain, or when Options.HostedZoneID names no zone.
	ErrZoneNotFound = errors.New("route53: no hosted zone found")
	// ErrAmbiguousZone is matched when several hosted zones of the wanted kind have the same
	// name; the message lists their IDs. Name the one to use with Options.HostedZoneID.
	ErrAmbiguousZone = errors.New("route53: several hosted zones match")
	// ErrCNAMEAtApex is matched when a CNAME record is asked for at a zone apex. DNS forbids a
	// CNAME next to other records, and the apex always holds the zone's SOA and NS records; an
	// alias A/AAAA record ([Client.EnsureSite]) or a redirect to www serves the apex instead.
	ErrCNAMEAtApex = errors.New("route53: a CNAME is not allowed at the zone apex")
	// ErrBatchTooLarge is matched when changes exceed Route 53's limits for one request (1,000
	// ResourceRecord elements and 32,000 characters of values, an UPSERT counting twice) and
	// Options.SplitBatches is off, or when one record set alone exceeds them.
	ErrBatchTooLarge = errors.New("route53: change batch over Route 53's limits")
	// ErrLoadBalancerNotFound is matched when the load balancer named as an alias target does not
	// exist.
	ErrLoadBalancerNotFound = errors.New("route53: load balancer not found")
	// ErrHealthCheckConflict is matched when a health check with the caller reference already
	// exists with other settings, or was deleted; choose another reference.
	ErrHealthCheckConflict = errors.New("route53: health check caller reference in use with other settings")
)
