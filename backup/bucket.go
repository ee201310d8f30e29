package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/portalkit/portalkit/internal/awserr"
	"github.com/portalkit/portalkit/internal/check"
)

// BucketAPI is the part of the S3 client bucket protection uses. *s3.Client satisfies it.
type BucketAPI interface {
	CreateBucket(ctx context.Context, params *s3.CreateBucketInput, optFns ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	HeadBucket(ctx context.Context, params *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	GetBucketVersioning(ctx context.Context, params *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	PutBucketVersioning(ctx context.Context, params *s3.PutBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.PutBucketVersioningOutput, error)
	GetBucketLifecycleConfiguration(ctx context.Context, params *s3.GetBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	PutBucketLifecycleConfiguration(ctx context.Context, params *s3.PutBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.PutBucketLifecycleConfigurationOutput, error)
	GetPublicAccessBlock(ctx context.Context, params *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	PutPublicAccessBlock(ctx context.Context, params *s3.PutPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	GetObjectLockConfiguration(ctx context.Context, params *s3.GetObjectLockConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
	PutObjectLockConfiguration(ctx context.Context, params *s3.PutObjectLockConfigurationInput, optFns ...func(*s3.Options)) (*s3.PutObjectLockConfigurationOutput, error)
}

var _ BucketAPI = (*s3.Client)(nil)

// Defaults of BucketProtection.
const (
	// DefaultNoncurrentDays is how long an overwritten or deleted object version is kept.
	DefaultNoncurrentDays int32 = 30
	// DefaultAbortIncompleteDays is when an unfinished multipart upload is aborted by S3.
	DefaultAbortIncompleteDays int32 = 7
	// LifecycleRuleID is the ID of the lifecycle rule ProtectBucket manages; other rules are
	// kept as they are.
	LifecycleRuleID = "portalkit-backup-protection"
)

// BucketProtection is what "S3 is not a backup" asks of a backup bucket: a delete or an
// overwrite must be recoverable (versioning, noncurrent versions kept N days), abandoned uploads
// must not be billed forever, nothing may be public, and optionally objects are WORM (Object
// Lock).
type BucketProtection struct {
	// NoncurrentDays expires noncurrent versions after N days. Zero value:
	// DefaultNoncurrentDays.
	NoncurrentDays int32
	// AbortIncompleteDays aborts incomplete multipart uploads after N days. Zero value:
	// DefaultAbortIncompleteDays.
	AbortIncompleteDays int32
	// ObjectLock, when set, is the default retention of a bucket ProtectBucket creates. Object
	// Lock can only be enabled when a bucket is created; on an existing bucket without it this
	// is reported as missing. Zero value: no Object Lock.
	ObjectLock *ObjectLock
	// Region is the bucket's region when ProtectBucket creates it (outside us-east-1). Zero
	// value: the client's region (us-east-1 needs no constraint).
	Region string
	// DryRun reports what is missing without changing anything.
	DryRun bool
}

// ObjectLock is a default retention.
type ObjectLock struct {
	// Mode is "GOVERNANCE" (users with s3:BypassGovernanceRetention may delete) or
	// "COMPLIANCE" (nobody can, not even the account root, until the retention ends).
	Mode string
	// Days of retention. Required, positive.
	Days int32
}

func (p BucketProtection) withDefaults() BucketProtection {
	if p.NoncurrentDays == 0 {
		p.NoncurrentDays = DefaultNoncurrentDays
	}
	if p.AbortIncompleteDays == 0 {
		p.AbortIncompleteDays = DefaultAbortIncompleteDays
	}
	return p
}

func (p BucketProtection) validate() error {
	var c check.Problems
	c.If(p.NoncurrentDays < 0, "NoncurrentDays is negative (%d)", p.NoncurrentDays)
	c.If(p.AbortIncompleteDays < 0, "AbortIncompleteDays is negative (%d)", p.AbortIncompleteDays)
	if l := p.ObjectLock; l != nil {
		c.If(l.Mode != "GOVERNANCE" && l.Mode != "COMPLIANCE", "ObjectLock.Mode %q is not GOVERNANCE or COMPLIANCE", l.Mode)
		c.If(l.Days <= 0, "ObjectLock.Days must be positive (%d)", l.Days)
	}
	return c.Err(ErrInvalidSpec)
}

// BucketReport is a bucket's protection: its current settings and what is missing.
type BucketReport struct {
	// Bucket is the bucket name; Created is true when ProtectBucket created it.
	Bucket  string
	Created bool
	// Versioning is "Enabled", "Suspended" or "" (never enabled).
	Versioning string
	// NoncurrentDays and AbortIncompleteDays are the smallest values among enabled lifecycle
	// rules applying to the whole bucket (0: none).
	NoncurrentDays, AbortIncompleteDays int32
	// PublicAccessBlocked is true when all four Block Public Access settings are on.
	PublicAccessBlocked bool
	// ObjectLock is "" when the bucket has no Object Lock, else its default mode and days
	// ("GOVERNANCE 30d", or "enabled, no default retention").
	ObjectLock string
	// Missing lists what the bucket lacks (before changes, when ProtectBucket changed it).
	Missing []string
	// Changed lists what ProtectBucket changed.
	Changed []string
}

// InspectBucket reports bucket's protection and what p finds missing, changing nothing.
func InspectBucket(ctx context.Context, client BucketAPI, bucket string, p BucketProtection) (*BucketReport, error) {
	p.DryRun = true
	return protect(ctx, client, bucket, p, false)
}

// ProtectBucket makes bucket a backup bucket: it creates it when missing (with Object Lock when
// p.ObjectLock is set), enables versioning, blocks public access and adds (or updates) the
// lifecycle rule LifecycleRuleID that expires noncurrent versions and aborts incomplete multipart
// uploads, keeping other lifecycle rules. It is idempotent: what is already in place is not
// touched (a second run changes nothing). The report lists what was missing and what changed.
func ProtectBucket(ctx context.Context, client BucketAPI, bucket string, p BucketProtection) (*BucketReport, error) {
	return protect(ctx, client, bucket, p, true)
}

func protect(ctx context.Context, client BucketAPI, bucket string, p BucketProtection, mayCreate bool) (*BucketReport, error) {
	p = p.withDefaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
	rep := &BucketReport{Bucket: bucket}
	apply := !p.DryRun

	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
	case awserr.IsCode(err, "NotFound", "NoSuchBucket") && mayCreate && apply:
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(p.ObjectLock != nil)}
		if p.Region != "" && p.Region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(p.Region)}
		}
		if _, err := client.CreateBucket(ctx, in); err != nil {
			return nil, fmt.Errorf("backup: create bucket %s: %w", bucket, err)
		}
		rep.Created = true
		rep.Changed = append(rep.Changed, "created the bucket")
	default:
		return nil, fmt.Errorf("backup: head bucket %s: %w", bucket, err)
	}

	// Versioning.
	v, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, fmt.Errorf("backup: get versioning of %s: %w", bucket, err)
	}
	rep.Versioning = string(v.Status)
	if v.Status != types.BucketVersioningStatusEnabled {
		rep.Missing = append(rep.Missing, "versioning")
		if apply {
			if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
				return rep, fmt.Errorf("backup: enable versioning of %s: %w", bucket, err)
			}
			rep.Versioning = string(types.BucketVersioningStatusEnabled)
			rep.Changed = append(rep.Changed, "enabled versioning")
		}
	}

	// Block Public Access.
	pab, err := client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		c := pab.PublicAccessBlockConfiguration
		rep.PublicAccessBlocked = c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) &&
			aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
	case awserr.IsCode(err, "NoSuchPublicAccessBlockConfiguration"):
	default:
		return rep, fmt.Errorf("backup: get public access block of %s: %w", bucket, err)
	}
	if !rep.PublicAccessBlocked {
		rep.Missing = append(rep.Missing, "block public access")
		if apply {
			if _, err := client.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
				PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
					IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
				return rep, fmt.Errorf("backup: block public access of %s: %w", bucket, err)
			}
			rep.PublicAccessBlocked = true
			rep.Changed = append(rep.Changed, "blocked public access")
		}
	}

	// Lifecycle.
	var rules []types.LifecycleRule
	lc, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		rules = lc.Rules
	case awserr.IsCode(err, "NoSuchLifecycleConfiguration"):
	default:
		return rep, fmt.Errorf("backup: get lifecycle of %s: %w", bucket, err)
	}
	rep.NoncurrentDays, rep.AbortIncompleteDays = lifecycleDays(rules)
	var lcMissing []string
	if rep.NoncurrentDays == 0 || rep.NoncurrentDays > p.NoncurrentDays {
		lcMissing = append(lcMissing, fmt.Sprintf("lifecycle: expire noncurrent versions after %d days", p.NoncurrentDays))
	}
	if rep.AbortIncompleteDays == 0 || rep.AbortIncompleteDays > p.AbortIncompleteDays {
		lcMissing = append(lcMissing, fmt.Sprintf("lifecycle: abort incomplete multipart uploads after %d days", p.AbortIncompleteDays))
	}
	rep.Missing = append(rep.Missing, lcMissing...)
	if len(lcMissing) > 0 && apply {
		keep := rules[:0:0]
		for _, r := range rules {
			if aws.ToString(r.ID) != LifecycleRuleID {
				keep = append(keep, r)
			}
		}
		keep = append(keep, types.LifecycleRule{
			ID: aws.String(LifecycleRuleID), Status: types.ExpirationStatusEnabled,
			Filter:                         &types.LifecycleRuleFilter{Prefix: aws.String("")},
			NoncurrentVersionExpiration:    &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(p.NoncurrentDays)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(p.AbortIncompleteDays)},
		})
		if _, err := client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket),
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: keep}}); err != nil {
			return rep, fmt.Errorf("backup: put lifecycle of %s: %w", bucket, err)
		}
		rep.NoncurrentDays, rep.AbortIncompleteDays = lifecycleDays(keep)
		rep.Changed = append(rep.Changed, "lifecycle rule "+LifecycleRuleID)
	}

	// Object Lock.
	ol, err := client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil && ol.ObjectLockConfiguration != nil && ol.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled:
		rep.ObjectLock = describeLock(ol.ObjectLockConfiguration)
	case err == nil, awserr.IsCode(err, "ObjectLockConfigurationNotFoundError"):
	default:
		return rep, fmt.Errorf("backup: get object lock of %s: %w", bucket, err)
	}
	if l := p.ObjectLock; l != nil {
		want := fmt.Sprintf("%s %dd", l.Mode, l.Days)
		switch {
		case rep.ObjectLock == want:
		case rep.Created && apply:
			if _, err := client.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
				ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
					Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionMode(l.Mode), Days: aws.Int32(l.Days)}}}}); err != nil {
				return rep, fmt.Errorf("backup: put object lock of %s: %w", bucket, err)
			}
			rep.ObjectLock = want
			rep.Changed = append(rep.Changed, "object lock "+want)
		case rep.ObjectLock == "":
			rep.Missing = append(rep.Missing, "object lock (set only on a bucket ProtectBucket creates: it can never be turned off)")
		default:
			rep.Missing = append(rep.Missing, "object lock default retention "+want+" (have "+rep.ObjectLock+"; not changed)")
		}
	}
	return rep, nil
}

// lifecycleDays returns the smallest noncurrent-expiration and abort-incomplete days of enabled
// rules that apply to the whole bucket.
func lifecycleDays(rules []types.LifecycleRule) (noncurrent, abort int32) {
	for _, r := range rules {
		if r.Status != types.ExpirationStatusEnabled || !wholeBucket(r) {
			continue
		}
		if n := r.NoncurrentVersionExpiration; n != nil && aws.ToInt32(n.NoncurrentDays) > 0 {
			if d := aws.ToInt32(n.NoncurrentDays); noncurrent == 0 || d < noncurrent {
				noncurrent = d
			}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil && aws.ToInt32(a.DaysAfterInitiation) > 0 {
			if d := aws.ToInt32(a.DaysAfterInitiation); abort == 0 || d < abort {
				abort = d
			}
		}
	}
	return noncurrent, abort
}

func wholeBucket(r types.LifecycleRule) bool {
	//lint:ignore SA1019 S3 still returns rules written with the legacy top-level Prefix.
	if p := r.Prefix; p != nil && *p != "" {
		return false
	}
	if f := r.Filter; f != nil {
		return aws.ToString(f.Prefix) == "" && f.Tag == nil && f.And == nil && f.ObjectSizeGreaterThan == nil && f.ObjectSizeLessThan == nil
	}
	return true
}

func describeLock(c *types.ObjectLockConfiguration) string {
	if c.Rule == nil || c.Rule.DefaultRetention == nil {
		return "enabled, no default retention"
	}
	d := c.Rule.DefaultRetention
	if d.Days != nil {
		return fmt.Sprintf("%s %dd", d.Mode, aws.ToInt32(d.Days))
	}
	return fmt.Sprintf("%s %dy", d.Mode, aws.ToInt32(d.Years))
}

// String summarises the report on one line.
func (r *BucketReport) String() string {
	missing := "nothing missing"
	if len(r.Missing) > 0 {
		missing = "missing: " + strings.Join(r.Missing, ", ")
	}
	return fmt.Sprintf("s3://%s: versioning %q, public access blocked %t, noncurrent expiry %dd, abort incomplete %dd, object lock %q; %s",
		r.Bucket, r.Versioning, r.PublicAccessBlocked, r.NoncurrentDays, r.AbortIncompleteDays, r.ObjectLock, missing)
}
