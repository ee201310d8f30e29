package route53

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/retry"
)

// Zone is a Route 53 hosted zone.
type Zone struct {
	// ID is the hosted zone ID without the "/hostedzone/" prefix, for example "Z0123456789ABC".
	ID string
	// Name is the zone's domain in Route 53's form: lowercase with a trailing dot, "example.com.".
	Name string
	// Private reports whether the zone is private (answers inside its VPCs only).
	Private bool
}

// Apex returns the zone's domain without the trailing dot, "example.com".
func (z Zone) Apex() string { return strings.TrimSuffix(z.Name, ".") }

// FindZone returns the hosted zone that serves domain: the zone whose name is domain or its
// closest parent ("www.shop.example.com" is served by "shop.example.com." if that zone exists,
// else by "example.com."). Only public zones count unless Options.PrivateZone is set, so a private
// zone with the same name is skipped. It fails with an error matching [ErrZoneNotFound] when no
// zone serves domain, and [ErrAmbiguousZone] when several zones of the wanted kind have the same
// name. With Options.HostedZoneID set it returns that zone, after checking it serves domain.
//
// The Client remembers what it found, so later calls for the same domain make no Route 53 call.
func (c *Client) FindZone(ctx context.Context, domain string, optFns ...func(*Options)) (Zone, error) {
	o, err := c.resolve(optFns)
	if err != nil {
		return Zone{}, err
	}
	z, err := c.findZone(ctx, o, domain)
	if err != nil {
		return Zone{}, wrap(err, "route53")
	}
	return z, nil
}

func (c *Client) findZone(ctx context.Context, o Options, domain string) (Zone, error) {
	name := fqdn(domain)
	if !validName(name) {
		return Zone{}, fmt.Errorf("%w: %q is not a domain name", ErrInvalidSpec, domain)
	}
	if o.HostedZoneID != "" {
		return c.zoneByID(ctx, o, name)
	}
	key := zoneKey{domain: name, private: o.PrivateZone}
	cached := func() (Zone, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		z, ok := c.zones[key]
		return z, ok
	}
	if z, ok := cached(); ok {
		return z, nil
	}
	if err := c.lookup.Acquire(ctx, 1); err != nil {
		return Zone{}, err
	}
	defer c.lookup.Release(1)
	if z, ok := cached(); ok { // found by the lookup this one waited for
		return z, nil
	}
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i := 0; i < len(labels)-1; i++ {
		candidate := strings.Join(labels[i:], ".") + "."
		found, err := c.zonesNamed(ctx, o, candidate)
		if err != nil {
			return Zone{}, err
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			c.mu.Lock()
			c.zones[key] = found[0]
			c.mu.Unlock()
			o.Logger.Debug("route53: found hosted zone", "domain", name, "zone", found[0].ID, "name", found[0].Name)
			return found[0], nil
		default:
			ids := make([]string, len(found))
			for j, f := range found {
				ids[j] = f.ID
			}
			return Zone{}, fmt.Errorf("%w: %d %s hosted zones named %s (%s); set Options.HostedZoneID",
				ErrAmbiguousZone, len(found), kind(o.PrivateZone), candidate, strings.Join(ids, ", "))
		}
	}
	return Zone{}, fmt.Errorf("%w: no %s hosted zone serves %s", ErrZoneNotFound, kind(o.PrivateZone), name)
}

func kind(private bool) string {
	if private {
		return "private"
	}
	return "public"
}

// zonesNamed returns the zones of the wanted kind named exactly name.
func (c *Client) zonesNamed(ctx context.Context, o Options, name string) ([]Zone, error) {
	var found []Zone
	in := &awsroute53.ListHostedZonesByNameInput{DNSName: aws.String(name)}
	for {
		var out *awsroute53.ListHostedZonesByNameOutput
		err := c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
			var err error
			out, err = c.api.ListHostedZonesByName(ctx, in, c.callOptions(o)...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("listing hosted zones named %s: %w", name, err)
		}
		for _, hz := range out.HostedZones {
			if fqdn(aws.ToString(hz.Name)) != name {
				return found, nil // listed in name order: the rest have other names
			}
			private := hz.Config != nil && hz.Config.PrivateZone
			if private == o.PrivateZone {
				found = append(found, Zone{ID: stripZonePrefix(aws.ToString(hz.Id)), Name: name, Private: private})
			}
		}
		if !out.IsTruncated || fqdn(aws.ToString(out.NextDNSName)) != name {
			return found, nil
		}
		in = &awsroute53.ListHostedZonesByNameInput{DNSName: out.NextDNSName, HostedZoneId: out.NextHostedZoneId}
	}
}

// zoneByID returns the zone Options.HostedZoneID names, after checking it serves name.
func (c *Client) zoneByID(ctx context.Context, o Options, name string) (Zone, error) {
	var out *awsroute53.GetHostedZoneOutput
	err := c.retry(ctx, o, retry.Throttling, func(ctx context.Context) error {
		var err error
		out, err = c.api.GetHostedZone(ctx, &awsroute53.GetHostedZoneInput{Id: aws.String(o.HostedZoneID)}, c.callOptions(o)...)
		return err
	})
	switch {
	case awserr.IsCode(err, "NoSuchHostedZone"):
		return Zone{}, fmt.Errorf("%w: Options.HostedZoneID %s names no hosted zone: %w", ErrZoneNotFound, o.HostedZoneID, err)
	case err != nil:
		return Zone{}, fmt.Errorf("getting hosted zone %s: %w", o.HostedZoneID, err)
	}
	hz := out.HostedZone
	z := Zone{ID: stripZonePrefix(aws.ToString(hz.Id)), Name: fqdn(aws.ToString(hz.Name)), Private: hz.Config != nil && hz.Config.PrivateZone}
	if !within(name, z.Name) {
		return Zone{}, fmt.Errorf("%w: hosted zone %s is %s, which does not serve %s", ErrInvalidSpec, z.ID, z.Name, name)
	}
	return z, nil
}

// fqdn returns name lowercase with a trailing dot, the form Route 53 returns names in, with the
// "\052" Route 53 lists for a wildcard's "*" turned back.
func fqdn(name string) string {
	name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), `\052`, "*")
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// within reports whether name (an fqdn) is zone (an fqdn) or below it.
func within(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

// validName reports whether name (an fqdn) is a plausible DNS name: at least two labels of 1 to
// 63 letters, digits, hyphens or underscores (a leading "*." wildcard allowed), 254 characters
// at most.
func validName(name string) bool {
	if len(name) > 254 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "*" && i == 0 {
			continue
		}
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
