package bootstrap

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/portalkit/portalkit/s3sync"
)

// MetadataAPI is the part of the EC2 instance metadata client the agent uses. The SDK's
// *imds.Client satisfies it; build it with [NewIMDSClient] so that it never falls back to IMDSv1.
type MetadataAPI interface {
	GetMetadata(ctx context.Context, in *imds.GetMetadataInput, optFns ...func(*imds.Options)) (*imds.GetMetadataOutput, error)
}

// LifecycleAPI is the part of the Auto Scaling client the agent uses to answer the launching
// lifecycle hook. The SDK's *autoscaling.Client satisfies it.
type LifecycleAPI interface {
	CompleteLifecycleAction(ctx context.Context, in *autoscaling.CompleteLifecycleActionInput, optFns ...func(*autoscaling.Options)) (*autoscaling.CompleteLifecycleActionOutput, error)
	RecordLifecycleActionHeartbeat(ctx context.Context, in *autoscaling.RecordLifecycleActionHeartbeatInput, optFns ...func(*autoscaling.Options)) (*autoscaling.RecordLifecycleActionHeartbeatOutput, error)
}

// S3API is the part of the S3 client the package uses: s3sync's API (listing, GET, PUT) for
// releases. The SDK's *s3.Client satisfies it.
type S3API = s3sync.API

var (
	_ MetadataAPI  = (*imds.Client)(nil)
	_ LifecycleAPI = (*autoscaling.Client)(nil)
)
