package awstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/awserr"
)

func TestAutoScalingDescribeTags(t *testing.T) {
	f := newASGFixture(t)
	ctx := context.Background()
	for _, name := range []string{"a", "b", "c"} {
		f.group(t, name, 0)
		tags := []astypes.Tag{{ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("team"), Value: aws.String("web")}}
		if name != "b" {
			tags = append(tags, astypes.Tag{ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("run"), Value: aws.String("r-" + name), PropagateAtLaunch: aws.Bool(true)})
		}
		_, err := f.as.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: tags})
		require.NoError(t, err)
	}

	out, err := f.as.DescribeTags(ctx, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{{Name: aws.String("key"), Values: []string{"run"}}}})
	require.NoError(t, err)
	var got []string
	for _, tg := range out.Tags {
		got = append(got, aws.ToString(tg.ResourceId)+"="+aws.ToString(tg.Value))
		assert.Equal(t, "auto-scaling-group", aws.ToString(tg.ResourceType))
		assert.True(t, aws.ToBool(tg.PropagateAtLaunch))
	}
	assert.Equal(t, []string{"a=r-a", "c=r-c"}, got)

	out, err = f.as.DescribeTags(ctx, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{
		{Name: aws.String("auto-scaling-group"), Values: []string{"b", "c"}}, {Name: aws.String("value"), Values: []string{"web"}}}})
	require.NoError(t, err)
	require.Len(t, out.Tags, 2, "filters are ANDed, values ORed")

	var pages int
	p := autoscaling.NewDescribeTagsPaginator(f.as, &autoscaling.DescribeTagsInput{MaxRecords: aws.Int32(2)})
	var all int
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		all += len(page.Tags)
	}
	assert.Equal(t, 5, all)
	assert.Equal(t, 3, pages)

	_, err = f.as.DescribeTags(ctx, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{{Name: aws.String("resource-type"), Values: []string{"x"}}}})
	assert.Equal(t, "ValidationError", awserr.Code(err))
}

func TestRDSListTagsForResource(t *testing.T) {
	f := newRDSFixture(t, func(o *awstest.Options) { o.RDS.InstanceCreating = time.Minute })
	tags := []rdstypes.Tag{{Key: aws.String("run"), Value: aws.String("r1")}}
	db, err := f.rds.CreateDBInstance(f.ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String("tagged"), Engine: aws.String("mysql"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("admin"), ManageMasterUserPassword: aws.Bool(true),
		DBSubnetGroupName: aws.String("db"), CopyTagsToSnapshot: aws.Bool(true), Tags: tags,
	})
	require.NoError(t, err)
	got, err := f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: db.DBInstance.DBInstanceArn})
	require.NoError(t, err)
	assert.Equal(t, tags, got.TagList)

	groups, err := f.rds.DescribeDBSubnetGroups(f.ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("db")})
	require.NoError(t, err)
	got, err = f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: groups.DBSubnetGroups[0].DBSubnetGroupArn})
	require.NoError(t, err)
	assert.Empty(t, got.TagList)
	assert.NotNil(t, got.TagList)

	f.cloud.Clock().Advance(time.Hour) // created and backed up
	snap, err := f.rds.CreateDBSnapshot(f.ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("tagged"), DBSnapshotIdentifier: aws.String("s1")})
	require.NoError(t, err)
	got, err = f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: snap.DBSnapshot.DBSnapshotArn})
	require.NoError(t, err)
	assert.Equal(t, tags, got.TagList, "CopyTagsToSnapshot")

	_, err = f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:123456789012:db:nosuch")})
	var nf *rdstypes.DBInstanceNotFoundFault
	assert.True(t, errors.As(err, &nf), "%v", err)
	_, err = f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String("arn:aws:rds:us-east-1:123456789012:pg:params")})
	assert.ErrorIs(t, err, awstest.ErrUnmodeled)
	_, err = f.rds.ListTagsForResource(f.ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String("tagged")})
	assert.Equal(t, "InvalidParameterValue", awserr.Code(err))
}

func TestIAMServerCertificateTags(t *testing.T) {
	cloud := awstest.NewForTest(t)
	client := iam.NewFromConfig(cloud.Config())
	ctx := context.Background()
	now := cloud.Clock().Now()
	c, k := pemPair(t, now.Add(-time.Hour), now.AddDate(0, 0, 30), "example.com")
	tags := []iamtypes.Tag{{Key: aws.String("run"), Value: aws.String("r1")}}
	up, err := client.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("shop"),
		CertificateBody: aws.String(string(c)), PrivateKey: aws.String(string(k)), Tags: tags})
	require.NoError(t, err)
	assert.Equal(t, tags, up.Tags)
	got, err := client.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("shop")})
	require.NoError(t, err)
	assert.Equal(t, tags, got.Tags)
	full, err := client.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("shop")})
	require.NoError(t, err)
	assert.Equal(t, tags, full.ServerCertificate.Tags)
	_, err = client.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("nosuch")})
	var nse *iamtypes.NoSuchEntityException
	assert.True(t, errors.As(err, &nse), "%v", err)
}
