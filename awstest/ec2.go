package awstest

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Defaults for [EC2Options].
const (
	// DefaultInstancePending is how long a launched instance stays pending before it is running.
	DefaultInstancePending = 30 * time.Second
	// DefaultInstanceShuttingDown is how long a terminated instance stays shutting-down.
	DefaultInstanceShuttingDown = 30 * time.Second
	// DefaultTerminatedRetention is how long a terminated instance stays visible: EC2 keeps
	// terminated instances in DescribeInstances for about an hour.
	DefaultTerminatedRetention = time.Hour
)

// EC2Options configure the EC2 model; they are [Options].EC2.
type EC2Options struct {
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
	// VolumeCreating is how long an EBS volume stays creating. Zero means
	// DefaultVolumeCreating; negative is invalid.
	VolumeCreating time.Duration
	// SnapshotDuration is how long an EBS snapshot stays pending before it completes. Zero
	// means DefaultSnapshotDuration; negative is invalid.
	SnapshotDuration time.Duration
}

func (o EC2Options) withDefaults() EC2Options {
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

func (o EC2Options) problems() []string {
	return negativeDurations("EC2", map[string]time.Duration{
		"InstancePending": o.InstancePending, "InstanceShuttingDown": o.InstanceShuttingDown,
		"TerminatedRetention": o.TerminatedRetention, "VolumeCreating": o.VolumeCreating, "SnapshotDuration": o.SnapshotDuration,
	})
}

// ec2Model is the EC2 service: network (zones, the default VPC and its subnets, security groups),
// images, launch templates and instances. Its state is guarded by Cloud.mu.
type ec2Model struct {
	cloud *Cloud
	svc   *service
	seq   map[string]uint64

	zones     []ec2types.AvailabilityZone
	vpcs      []*vpc
	subnets   []*subnet
	groups    []*securityGroup
	images    []*image
	templates []*launchTemplate
	instances []*instance
	// byToken remembers RunInstances client tokens for idempotency.
	byToken map[string]*runRecord
	// nextZone rotates launches without a placement across the zones.
	nextZone int
	// ebs holds volumes and snapshots (ec2_volumes.go).
	ebs ebsState
}

func newEC2Model(c *Cloud) model {
	// EC2 sends RequestLimitExceeded with HTTP 503 when it throttles.
	e := &ec2Model{cloud: c, svc: newService(ServiceEC2, "RequestLimitExceeded", http.StatusServiceUnavailable), seq: map[string]uint64{}, byToken: map[string]*runRecord{}}
	e.initNetwork()
	if !c.opts.EC2.NoDefaultImages {
		for _, img := range DefaultImages() {
			if _, err := e.registerImage(img, c.opts.Start); err != nil {
				panic(err.Error())
			}
		}
	}
	e.svc.before = e.dryRun
	e.registerNetwork()
	e.registerSecurityGroups()
	e.registerImages()
	e.registerLaunchTemplates()
	e.registerInstances()
	e.registerTags()
	e.registerVolumes()
	return e
}

// newID returns the next ID with the prefix, shaped like EC2's (prefix, dash, 17 hex digits).
func (e *ec2Model) newID(prefix string) string {
	e.seq[prefix]++
	return fmt.Sprintf("%s-%017x", prefix, e.seq[prefix])
}

func (e *ec2Model) errorf(code, format string, args ...any) error {
	return e.svc.errorf(code, format, args...)
}

// tags is a resource's tag set.
type tags map[string]string

func (t tags) list() []ec2types.Tag {
	keys := slices.Sorted(maps.Keys(t))
	out := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(t[k])})
	}
	return out
}

func (t tags) clone() tags {
	out := make(tags, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// EC2 tag limits (User Guide, "Tag restrictions").
const (
	maxTagsPerResource = 50
	maxTagKeyLen       = 128
	maxTagValueLen     = 256
)

// validateTags checks tags as EC2 does; the aws: prefix is reserved for tags AWS sets itself.
func (e *ec2Model) validateTags(in []ec2types.Tag) error {
	for _, t := range in {
		k := aws.ToString(t.Key)
		switch {
		case t.Key == nil || k == "":
			return e.errorf("InvalidParameterValue", "Tag key cannot be empty")
		case len(k) > maxTagKeyLen:
			return e.errorf("InvalidParameterValue", "Tag key exceeds the maximum length of %d characters", maxTagKeyLen)
		case len(aws.ToString(t.Value)) > maxTagValueLen:
			return e.errorf("InvalidParameterValue", "Tag value exceeds the maximum length of %d characters", maxTagValueLen)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return e.errorf("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}

// applyTags adds in to t, enforcing the per-resource limit.
func (e *ec2Model) applyTags(t tags, in []ec2types.Tag) error {
	if err := e.validateTags(in); err != nil {
		return err
	}
	merged := t.clone()
	for _, tag := range in {
		merged[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if len(merged) > maxTagsPerResource {
		return e.errorf("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
	}
	for k, v := range merged {
		t[k] = v
	}
	return nil
}

// tagsFor returns the tags TagSpecifications give resources of type rt, after checking that every
// specification names a resource type the operation creates.
func (e *ec2Model) tagsFor(specs []ec2types.TagSpecification, rt ec2types.ResourceType, allowed ...ec2types.ResourceType) (tags, error) {
	out := tags{}
	for _, spec := range specs {
		ok := false
		for _, a := range allowed {
			ok = ok || spec.ResourceType == a
		}
		if !ok {
			return nil, e.errorf("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", spec.ResourceType)
		}
		if spec.ResourceType != rt {
			continue
		}
		if err := e.applyTags(out, spec.Tags); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dryRun answers a request with DryRun set as EC2 does for a caller that has the permissions: with
// the DryRunOperation error (HTTP 412) and no change.
func (e *ec2Model) dryRun(_ *request, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("DryRun")
	if f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Bool && f.Elem().Bool() {
		return e.svc.statusErrorf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return nil
}

func (m *ec2Model) service() *service { return m.svc }

// ec2 returns the cloud's ServiceEC2 model.
func (c *Cloud) ec2() *ec2Model { return modelOf[*ec2Model](c, ServiceEC2) }
