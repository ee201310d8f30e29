package awstest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Defaults for [Options]. A zero field in Options means the matching default.
const (
	// DefaultRegion is the simulated region.
	DefaultRegion = "us-east-1"
	// DefaultAccountID is the simulated account: owner of every resource the cloud creates.
	DefaultAccountID = "123456789012"
	// DefaultSeed seeds the random source behind fractional throttling and retry jitter.
	DefaultSeed int64 = 1
	// DefaultInstancePending is how long a launched instance stays pending before it is running.
	DefaultInstancePending = 30 * time.Second
	// DefaultInstanceShuttingDown is how long a terminated instance stays shutting-down.
	DefaultInstanceShuttingDown = 30 * time.Second
	// DefaultTerminatedRetention is how long a terminated instance stays visible: EC2 keeps
	// terminated instances in DescribeInstances for about an hour.
	DefaultTerminatedRetention = time.Hour
	// AccessKeyID and SecretAccessKey are the static credentials in [Cloud.Config]. They are not
	// secrets: the simulated cloud accepts any signature.
	AccessKeyID     = "AKIAAWSTESTEXAMPLE00"
	SecretAccessKey = "awstest-not-a-secret"
)

// DefaultStart is the virtual time a new Cloud starts at: a fixed instant, so runs are repeatable.
var DefaultStart = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Options configure a [Cloud]. Pass overrides to [New] as func(*Options).
type Options struct {
	// Region is the region the cloud simulates. Default DefaultRegion.
	Region string
	// Zones names the region's Availability Zones, each the region name plus a letter. Default: the
	// region with suffixes a, b and c. The default VPC has one subnet per zone.
	Zones []string
	// AccountID is the 12-digit account that owns every resource. Default DefaultAccountID.
	AccountID string
	// Start is the virtual clock's initial time. Zero means DefaultStart, a fixed instant in the
	// past. The embedded S3 server stamps objects' LastModified with virtual time, so code that
	// compares it with local file times (s3sync's default change detection, aws s3 sync) should
	// start the clock at the real time: Start: time.Now().
	Start time.Time
	// Seed seeds the random source for fractional throttling and the SDK retryer's backoff jitter.
	// Zero means DefaultSeed. Equal seeds and equal call sequences give equal results.
	Seed int64
	// InstancePending is how long an instance stays pending after launch. Zero means
	// DefaultInstancePending; negative is invalid.
	InstancePending time.Duration
	// InstanceShuttingDown is how long an instance stays shutting-down after TerminateInstances.
	// Zero means DefaultInstanceShuttingDown; negative is invalid.
	InstanceShuttingDown time.Duration
	// TerminatedRetention is how long a terminated instance stays visible. Zero means
	// DefaultTerminatedRetention; negative is invalid.
	TerminatedRetention time.Duration
	// NoDefaultImages leaves the image catalogue empty. False (the default) registers the public
	// images that DefaultImages returns, so RunInstances works out of the box.
	NoDefaultImages bool
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountPattern = regexp.MustCompile(`^\d{12}$`)
)

// withDefaults returns a copy of o with zero fields resolved to their defaults.
func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Zones == nil {
		o.Zones = []string{o.Region + "a", o.Region + "b", o.Region + "c"}
	} else {
		o.Zones = append([]string(nil), o.Zones...)
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.InstancePending == 0 {
		o.InstancePending = DefaultInstancePending
	}
	if o.InstanceShuttingDown == 0 {
		o.InstanceShuttingDown = DefaultInstanceShuttingDown
	}
	if o.TerminatedRetention == 0 {
		o.TerminatedRetention = DefaultTerminatedRetention
	}
	return o
}

// validate returns one error naming every invalid field, or nil.
func (o Options) validate() error {
	var problems []string
	if !regionPattern.MatchString(o.Region) {
		problems = append(problems, fmt.Sprintf("Region %q is not a region name such as us-east-1", o.Region))
	}
	if len(o.Zones) == 0 {
		problems = append(problems, "Zones is empty: a region has at least one Availability Zone")
	}
	if len(o.Zones) > 16 {
		problems = append(problems, fmt.Sprintf("Zones has %d zones, more than the 16 the default VPC's /20 subnets allow", len(o.Zones)))
	}
	seen := map[string]bool{}
	for _, z := range o.Zones {
		if !strings.HasPrefix(z, o.Region) || len(z) != len(o.Region)+1 || z[len(z)-1] < 'a' || z[len(z)-1] > 'z' {
			problems = append(problems, fmt.Sprintf("Zones: %q is not the region name plus one letter", z))
		}
		if seen[z] {
			problems = append(problems, fmt.Sprintf("Zones: %q appears twice", z))
		}
		seen[z] = true
	}
	if !accountPattern.MatchString(o.AccountID) {
		problems = append(problems, fmt.Sprintf("AccountID %q is not 12 digits", o.AccountID))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"InstancePending", o.InstancePending}, {"InstanceShuttingDown", o.InstanceShuttingDown}, {"TerminatedRetention", o.TerminatedRetention}} {
		if d.v < 0 {
			problems = append(problems, fmt.Sprintf("%s is negative (%s)", d.name, d.v))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("awstest: invalid options: %s", strings.Join(problems, "; "))
}
