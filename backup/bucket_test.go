package backup

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProtectBucketCreatesWithObjectLockAndSecondRunChangesNothing(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := cloud.S3Client()
	ctx := context.Background()
	p := BucketProtection{NoncurrentDays: 14, AbortIncompleteDays: 2, ObjectLock: &ObjectLock{Mode: "GOVERNANCE", Days: 30}}

	rep, err := ProtectBucket(ctx, client, "shop-backups", p)
	require.NoError(t, err)
	assert.True(t, rep.Created)
	assert.Equal(t, "Enabled", rep.Versioning)
	assert.True(t, rep.PublicAccessBlocked)
	assert.Equal(t, int32(14), rep.NoncurrentDays)
	assert.Equal(t, int32(2), rep.AbortIncompleteDays)
	assert.Equal(t, "GOVERNANCE 30d", rep.ObjectLock)
	assert.Contains(t, rep.Changed, "object lock GOVERNANCE 30d")

	cloud.ResetCalls()
	again, err := ProtectBucket(ctx, client, "shop-backups", p)
	require.NoError(t, err)
	assert.Empty(t, again.Missing, again.String())
	assert.Empty(t, again.Changed)
	calls := cloud.Calls()
	for _, op := range []string{"CreateBucket", "PutBucketVersioning", "PutPublicAccessBlock", "PutBucketLifecycleConfiguration", "PutObjectLockConfiguration"} {
		assert.Zero(t, calls.Count(awstest.ServiceS3, op), op)
	}
}

func TestInspectBucketReportsWhatIsMissingAndProtectKeepsOtherRules(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := cloud.S3Client()
	ctx := context.Background()
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")})
	require.NoError(t, err)
	// A bucket from before S3 blocked public access by default.
	_, err = client.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("plain")})
	require.NoError(t, err)
	// A rule of the user's own, which must survive.
	_, err = client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("plain"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("tmp"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)},
		}}}})
	require.NoError(t, err)

	p := BucketProtection{ObjectLock: &ObjectLock{Mode: "COMPLIANCE", Days: 7}}
	rep, err := InspectBucket(ctx, client, "plain", p)
	require.NoError(t, err)
	assert.Equal(t, []string{"versioning", "block public access",
		"lifecycle: expire noncurrent versions after 30 days", "lifecycle: abort incomplete multipart uploads after 7 days",
		"object lock (set only on a bucket ProtectBucket creates: it can never be turned off)"}, rep.Missing)
	assert.Empty(t, rep.Changed)
	assert.Zero(t, cloud.Calls().Count(awstest.ServiceS3, "PutBucketVersioning"))

	rep, err = ProtectBucket(ctx, client, "plain", p)
	require.NoError(t, err)
	assert.Equal(t, []string{"enabled versioning", "blocked public access", "lifecycle rule " + LifecycleRuleID}, rep.Changed)
	assert.Contains(t, rep.Missing, "object lock (set only on a bucket ProtectBucket creates: it can never be turned off)")
	lc, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("plain")})
	require.NoError(t, err)
	require.Len(t, lc.Rules, 2)
	assert.Equal(t, "tmp", aws.ToString(lc.Rules[0].ID))
	assert.Equal(t, LifecycleRuleID, aws.ToString(lc.Rules[1].ID))

	// S3 enables Object Lock on an existing bucket once its versioning is on; ProtectBucket
	// leaves that irreversible step to the owner, and Object Lock reports it afterwards.
	_, err = client.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plain"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	require.NoError(t, err, awserr.Code(err))
	rep, err = InspectBucket(ctx, client, "plain", p)
	require.NoError(t, err)
	assert.Equal(t, "enabled, no default retention", rep.ObjectLock)

	_, err = InspectBucket(ctx, client, "missing-bucket", BucketProtection{})
	assert.Error(t, err)
}

func TestBucketProtectionValidation(t *testing.T) {
	_, err := ProtectBucket(context.Background(), nil, "b", BucketProtection{NoncurrentDays: -1, ObjectLock: &ObjectLock{Mode: "x"}})
	require.ErrorIs(t, err, ErrInvalidSpec)
	assert.Contains(t, err.Error(), "NoncurrentDays")
	assert.Contains(t, err.Error(), `ObjectLock.Mode "x"`)
	assert.Contains(t, err.Error(), "ObjectLock.Days")
}
