package awstest

import (
	"fmt"
	"regexp"
	"sort"
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
	// EC2 configures the EC2 model.
	EC2 EC2Options
	// RDS configures the RDS model.
	RDS RDSOptions
	// AutoScaling configures the Auto Scaling model.
	AutoScaling AutoScalingOptions
	// Route53 configures the Route 53 model.
	Route53 Route53Options
	// ACM configures the ACM model.
	ACM ACMOptions
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
	o.EC2 = o.EC2.withDefaults()
	o.RDS = o.RDS.withDefaults()
	o.AutoScaling = o.AutoScaling.withDefaults()
	o.Route53 = o.Route53.withDefaults()
	o.ACM = o.ACM.withDefaults()
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
	problems = append(problems, o.EC2.problems()...)
	problems = append(problems, o.RDS.problems()...)
	problems = append(problems, o.AutoScaling.problems()...)
	problems = append(problems, o.Route53.problems()...)
	problems = append(problems, o.ACM.problems()...)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(problems, "; "))
}

// negativeDurations returns a problem for each named duration below zero; service options use it
// in their validation.
func negativeDurations(prefix string, ds map[string]time.Duration) []string {
	var problems []string
	for name, d := range ds {
		if d < 0 {
			problems = append(problems, fmt.Sprintf("%s.%s is negative (%s)", prefix, name, d))
		}
	}
	sort.Strings(problems)
	return problems
}
