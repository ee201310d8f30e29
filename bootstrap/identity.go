package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Identity is what the agent learns about its instance from the instance metadata service.
type Identity struct {
	// InstanceID is the EC2 instance id, for example "i-0123456789abcdef0".
	InstanceID string
	// AvailabilityZone is the instance's zone, for example "us-east-1a".
	AvailabilityZone string
	// Region is the instance's region, for example "us-east-1".
	Region string
	// TargetLifecycleState is the Auto Scaling target lifecycle state (for example
	// "InService", "Warmed:Stopped" or "Terminated"), or "" when the instance is not in an Auto
	// Scaling group.
	TargetLifecycleState string
}

// NewIMDSClient returns an instance metadata client that uses IMDSv2 only: when the session token
// cannot be had, calls fail instead of falling back to the unauthenticated IMDSv1 flow. endpoint
// overrides the metadata service address ("" means the SDK default: http://169.254.169.254, or
// AWS_EC2_METADATA_SERVICE_ENDPOINT).
func NewIMDSClient(endpoint string, optFns ...func(*imds.Options)) *imds.Client {
	fns := append([]func(*imds.Options){func(o *imds.Options) {
		o.Endpoint = endpoint
		o.EnableFallback = aws.FalseTernary
		o.ClientEnableState = imds.ClientEnabled
	}}, optFns...)
	return imds.New(imds.Options{}, fns...)
}

// Metadata paths the agent reads.
const (
	pathInstanceID     = "instance-id"
	pathZone           = "placement/availability-zone"
	pathRegion         = "placement/region"
	pathLifecycleState = "autoscaling/target-lifecycle-state"
)

// FetchIdentity reads the instance identity through api. Give it a client from NewIMDSClient: a
// token endpoint that does not answer then fails the call (ErrIdentity) rather than downgrading
// to IMDSv1. A missing target-lifecycle-state (HTTP 404: not in an Auto Scaling group) is not an
// error.
func FetchIdentity(ctx context.Context, api MetadataAPI) (Identity, error) {
	if api == nil {
		return Identity{}, fmt.Errorf("%w: no metadata client", ErrIdentity)
	}
	var id Identity
	for _, f := range []struct {
		path     string
		dst      *string
		optional bool
	}{
		{pathInstanceID, &id.InstanceID, false},
		{pathZone, &id.AvailabilityZone, false},
		{pathRegion, &id.Region, false},
		{pathLifecycleState, &id.TargetLifecycleState, true},
	} {
		v, err := getMetadata(ctx, api, f.path)
		if err != nil {
			if f.optional && httpStatus(err) == 404 {
				continue
			}
			return Identity{}, fmt.Errorf("%w: read %s through IMDSv2: %w", ErrIdentity, f.path, err)
		}
		*f.dst = v
	}
	if id.Region == "" && len(id.AvailabilityZone) > 1 {
		id.Region = id.AvailabilityZone[:len(id.AvailabilityZone)-1]
	}
	return id, nil
}

func getMetadata(ctx context.Context, api MetadataAPI, p string) (string, error) {
	out, err := api.GetMetadata(ctx, &imds.GetMetadataInput{Path: p})
	if err != nil {
		return "", err
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 4096))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}
