package awstest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// instance is an EC2 instance. Its state is not stored: it follows from the launch and terminate
// times and the virtual time it is read at (see state).
type instance struct {
	id, reservationID, imageID, instanceType, keyName, architecture string
	zone, subnetID, vpcID, privateIP, publicIP                      string
	groupIDs                                                        []string
	launched, visibleAt, terminated                                 time.Time
	launchIndex                                                     int32
	tags                                                            tags
	userData, clientToken                                           string
	profile                                                         *ec2types.IamInstanceProfile
	metadata                                                        ec2types.InstanceMetadataOptionsResponse
	monitoring, noTerminate                                         bool
}

// runRecord remembers a RunInstances client token: the request's fingerprint and what it launched.
type runRecord struct {
	fingerprint string
	ids         []string
}

var (
	instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)
	instanceTypeRE    = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

// Instance state codes (ec2types.InstanceState.Code), from the EC2 API reference.
var stateCodes = map[ec2types.InstanceStateName]int32{
	ec2types.InstanceStateNamePending: 0, ec2types.InstanceStateNameRunning: 16,
	ec2types.InstanceStateNameShuttingDown: 32, ec2types.InstanceStateNameTerminated: 48,
}

// state computes the instance's state at now: pending for InstancePending after launch, then
// running; after TerminateInstances, shutting-down for InstanceShuttingDown, then terminated for
// TerminatedRetention, then gone (EC2 forgets terminated instances after about an hour).
func (i *instance) state(now time.Time, o EC2Options) (st ec2types.InstanceStateName, gone bool) {
	if !i.terminated.IsZero() {
		down := i.terminated.Add(o.InstanceShuttingDown)
		switch {
		case now.Before(down):
			return ec2types.InstanceStateNameShuttingDown, false
		case now.Before(down.Add(o.TerminatedRetention)):
			return ec2types.InstanceStateNameTerminated, false
		}
		return ec2types.InstanceStateNameTerminated, true
	}
	if now.Before(i.launched.Add(o.InstancePending)) {
		return ec2types.InstanceStateNamePending, false
	}
	return ec2types.InstanceStateNameRunning, false
}

func (e *ec2Model) registerInstances() {
	handle(e.svc, "RunInstances", e.runInstances)
	handle(e.svc, "DescribeInstances", e.describeInstances)
	handle(e.svc, "TerminateInstances", e.terminateInstances)
}

// expire forgets instances that are gone at now.
func (e *ec2Model) expire(now time.Time) {
	kept := e.instances[:0]
	for _, i := range e.instances {
		if _, gone := i.state(now, e.cloud.opts.EC2); !gone {
			kept = append(kept, i)
		} else if i.clientToken != "" {
			delete(e.byToken, i.clientToken)
		}
	}
	clear(e.instances[len(kept):])
	e.instances = kept
}

// lookup returns the instances with the given IDs as the caller at now can see them, failing as
// EC2 does for malformed IDs and for IDs that do not exist (or are not visible yet).
func (e *ec2Model) lookup(ids []string, now time.Time) ([]*instance, error) {
	var found []*instance
	var missing []string
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, e.errorf("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
		}
		i := e.instance(id)
		if i == nil || now.Before(i.visibleAt) {
			missing = append(missing, id)
			continue
		}
		found = append(found, i)
	}
	switch len(missing) {
	case 0:
		return found, nil
	case 1:
		return nil, e.errorf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", missing[0])
	}
	return nil, e.errorf("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
}

func (e *ec2Model) instance(id string) *instance {
	for _, i := range e.instances {
		if i.id == id {
			return i
		}
	}
	return nil
}

func (e *ec2Model) describeInstances(r *request, in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	e.expire(r.now)
	if len(in.InstanceIds) > 0 && in.MaxResults != nil {
		return nil, e.errorf("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	candidates := e.instances
	if len(in.InstanceIds) > 0 {
		var err error
		if candidates, err = e.lookup(in.InstanceIds, r.now); err != nil {
			return nil, err
		}
	}
	var matched []*instance
	for _, i := range candidates {
		if r.now.Before(i.visibleAt) {
			continue
		}
		st, _ := i.state(r.now, e.cloud.opts.EC2)
		ok, err := e.matchFilters(in.Filters, i.tags, func(name string) ([]string, bool) {
			switch name {
			case "instance-id":
				return []string{i.id}, true
			case "instance-state-name":
				return []string{string(st)}, true
			case "instance-state-code":
				return []string{fmt.Sprint(stateCodes[st])}, true
			case "availability-zone":
				return []string{i.zone}, true
			case "subnet-id":
				return []string{i.subnetID}, true
			case "vpc-id":
				return []string{i.vpcID}, true
			case "image-id":
				return []string{i.imageID}, true
			case "instance-type":
				return []string{i.instanceType}, true
			case "reservation-id":
				return []string{i.reservationID}, true
			case "private-ip-address":
				return []string{i.privateIP}, true
			case "ip-address":
				return []string{i.publicIP}, true
			case "key-name":
				return []string{i.keyName}, true
			case "client-token":
				return []string{i.clientToken}, true
			case "instance.group-id", "group-id":
				return i.groupIDs, true
			case "architecture":
				return []string{i.architecture}, true
			case "metadata-options.http-tokens":
				return []string{string(i.metadata.HttpTokens)}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, i)
		}
	}
	pageItems, next, err := page(e, "DescribeInstances", matched, func(i *instance) string { return i.id }, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{}, NextToken: next}
	for _, i := range pageItems {
		n := len(out.Reservations)
		if n == 0 || aws.ToString(out.Reservations[n-1].ReservationId) != i.reservationID {
			out.Reservations = append(out.Reservations, e.reservation(i.reservationID))
			n++
		}
		out.Reservations[n-1].Instances = append(out.Reservations[n-1].Instances, e.describeInstance(i, r.now))
	}
	return out, nil
}

func (e *ec2Model) reservation(id string) ec2types.Reservation {
	return ec2types.Reservation{ReservationId: aws.String(id), OwnerId: aws.String(e.cloud.opts.AccountID), Groups: []ec2types.GroupIdentifier{}}
}

func (e *ec2Model) describeInstance(i *instance, now time.Time) ec2types.Instance {
	st, _ := i.state(now, e.cloud.opts.EC2)
	out := ec2types.Instance{
		InstanceId: aws.String(i.id), ImageId: aws.String(i.imageID), InstanceType: ec2types.InstanceType(i.instanceType),
		State:      &ec2types.InstanceState{Name: st, Code: aws.Int32(stateCodes[st])},
		LaunchTime: aws.Time(i.launched), AmiLaunchIndex: aws.Int32(i.launchIndex),
		Placement:    &ec2types.Placement{AvailabilityZone: aws.String(i.zone), Tenancy: ec2types.TenancyDefault, GroupName: aws.String("")},
		Architecture: ec2types.ArchitectureValues(i.architecture), RootDeviceType: ec2types.DeviceTypeEbs,
		RootDeviceName: aws.String("/dev/xvda"), Hypervisor: ec2types.HypervisorTypeXen, VirtualizationType: ec2types.VirtualizationTypeHvm,
		EbsOptimized: aws.Bool(false), EnaSupport: aws.Bool(true), PlatformDetails: aws.String("Linux/UNIX"),
		UsageOperation: aws.String("RunInstances"), ClientToken: aws.String(i.clientToken),
		Monitoring: &ec2types.Monitoring{State: ec2types.MonitoringStateDisabled},
		Tags:       i.tags.list(), StateTransitionReason: aws.String(""),
		SecurityGroups: []ec2types.GroupIdentifier{},
	}
	meta := i.metadata
	out.MetadataOptions = &meta
	if i.monitoring {
		out.Monitoring.State = ec2types.MonitoringStateEnabled
	}
	if i.keyName != "" {
		out.KeyName = aws.String(i.keyName)
	}
	if i.profile != nil {
		out.IamInstanceProfile = &ec2types.IamInstanceProfile{Arn: aws.String(aws.ToString(i.profile.Arn)), Id: aws.String(aws.ToString(i.profile.Id))}
	}
	for _, id := range i.groupIDs {
		gi := ec2types.GroupIdentifier{GroupId: aws.String(id)}
		if g := e.group(id); g != nil {
			gi.GroupName = aws.String(g.name)
		}
		out.SecurityGroups = append(out.SecurityGroups, gi)
	}
	// A terminated instance has released its network interface; a stopping one its public IP.
	if st != ec2types.InstanceStateNameTerminated {
		out.SubnetId, out.VpcId = aws.String(i.subnetID), aws.String(i.vpcID)
		out.PrivateIpAddress = aws.String(i.privateIP)
		out.PrivateDnsName = aws.String(e.privateDNS(i.privateIP))
	}
	if i.publicIP != "" && (st == ec2types.InstanceStateNamePending || st == ec2types.InstanceStateNameRunning) {
		out.PublicIpAddress = aws.String(i.publicIP)
		out.PublicDnsName = aws.String(e.publicDNS(i.publicIP))
	} else {
		out.PublicDnsName = aws.String("")
	}
	if !i.terminated.IsZero() {
		out.StateTransitionReason = aws.String(fmt.Sprintf("User initiated (%s GMT)", i.terminated.UTC().Format("2006-01-02 15:04:05")))
		out.StateReason = &ec2types.StateReason{Code: aws.String("Client.UserInitiatedShutdown"), Message: aws.String("Client.UserInitiatedShutdown: User initiated shutdown")}
	}
	return out
}

func (e *ec2Model) privateDNS(ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if e.cloud.opts.Region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + e.cloud.opts.Region + ".compute.internal"
}

func (e *ec2Model) publicDNS(ip string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if e.cloud.opts.Region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + e.cloud.opts.Region + ".compute.amazonaws.com"
}

func (e *ec2Model) terminateInstances(r *request, in *ec2.TerminateInstancesInput) (*ec2.TerminateInstancesOutput, error) {
	e.expire(r.now)
	if len(in.InstanceIds) == 0 {
		return nil, e.errorf("MissingParameter", "The request must contain the parameter InstanceId")
	}
	found, err := e.lookup(in.InstanceIds, r.now)
	if err != nil {
		return nil, err
	}
	for _, i := range found {
		if i.noTerminate && i.terminated.IsZero() {
			return nil, e.errorf("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", i.id)
		}
	}
	out := &ec2.TerminateInstancesOutput{TerminatingInstances: []ec2types.InstanceStateChange{}}
	for _, i := range found {
		prev, cur := e.terminate(i, r.now)
		out.TerminatingInstances = append(out.TerminatingInstances, ec2types.InstanceStateChange{
			InstanceId:    aws.String(i.id),
			PreviousState: &ec2types.InstanceState{Name: prev, Code: aws.Int32(stateCodes[prev])},
			CurrentState:  &ec2types.InstanceState{Name: cur, Code: aws.Int32(stateCodes[cur])},
		})
	}
	return out, nil
}

// terminate starts shutting an instance down at now (a no-op when it already is) and returns its
// state before and after. It is the entry point for other models that terminate instances.
func (e *ec2Model) terminate(i *instance, now time.Time) (prev, cur ec2types.InstanceStateName) {
	prev, _ = i.state(now, e.cloud.opts.EC2)
	if i.terminated.IsZero() {
		i.terminated = now
	}
	cur, _ = i.state(now, e.cloud.opts.EC2)
	return prev, cur
}

// fingerprint identifies a RunInstances request apart from its client token, to detect a token
// reused with different arguments.
func fingerprint(in *ec2.RunInstancesInput) string {
	cp := *in
	cp.ClientToken = nil
	raw, _ := json.Marshal(&cp) // the SDK input types always marshal
	return string(raw)
}
