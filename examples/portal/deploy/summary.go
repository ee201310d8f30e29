package deploy

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Summary writes a table of what exists in each site: load balancer, target group, DNS name,
// zone spread, and every instance with its zone, health and release.
func Summary(w io.Writer, sites ...*Site) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tRESOURCE\tNAME / ID\tDETAIL")
	for _, s := range sites {
		e, lb := s.Spec.Environment, s.LoadBalancer
		fmt.Fprintf(tw, "%s\tload balancer\t%s\t%s\n", e, s.Spec.loadBalancerName(), lb.DNSName)
		for _, name := range s.DNSNames() {
			fmt.Fprintf(tw, "%s\tDNS\t%s\t%s\n", e, name, dnsSummary(s))
		}
		fmt.Fprintf(tw, "%s\ttarget group\t%s\t%s\n", e, s.Spec.targetGroupName(), shortARN(lb.TargetGroupARN))
		fmt.Fprintf(tw, "%s\tlisteners\tHTTP:80 -> HTTPS:443\t%s, certificate %s\n", e, lb.SSLPolicy, shortARN(lb.CertificateARN))
		if s.Group != nil {
			fmt.Fprintf(tw, "%s\tAuto Scaling group\t%s\t%d in service, launch template %s, hook %s\n", e, s.Group.Name, len(s.Instances), s.Spec.groupName(), hookName(s.Spec))
		}
		fmt.Fprintf(tw, "%s\tDB instance\t%s\t%s\n", e, s.Spec.dbIdentifier(), dbSummary(s))
		fmt.Fprintf(tw, "%s\tzone spread\t%d zones\t%s\n", e, len(s.Zones()), zoneSummary(s.Zones()))
		for _, in := range s.Instances {
			rel := in.Release
			if rel == "" {
				rel = "-"
			}
			fmt.Fprintf(tw, "%s\tinstance\t%s\t%s %s, %s, release %s\n", e, in.ID, in.Zone, in.State, in.Health, rel)
		}
	}
	return tw.Flush()
}

// Releases returns "v2: 6" style counts of the releases the site's instances serve.
func (s *Site) Releases() map[string]int {
	m := map[string]int{}
	for _, in := range s.Instances {
		m[in.Release]++
	}
	return m
}

// ReleaseSummary renders Releases sorted: "v1: 2, v2: 4".
func (s *Site) ReleaseSummary() string {
	m := s.Releases()
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// shortARN keeps the resource part of an ARN: "targetgroup/portal-web/0123".
func shortARN(arn string) string {
	if i := strings.Index(arn, ":loadbalancer/"); i >= 0 {
		return arn[i+len(":loadbalancer/"):]
	}
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func hookName(s Spec) string {
	if s.NoLaunchHook {
		return "-"
	}
	return LaunchHook
}
