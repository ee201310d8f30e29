package backup

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedS3 serves ListObjectsV2 from fixed pages and records deletes; other calls fail.
type pagedS3 struct {
	S3API
	pages   []*s3.ListObjectsV2Output
	calls   int
	deletes []string
}

func (p *pagedS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	p.calls++
	if p.calls > 5 {
		return nil, errors.New("test: listing restarted over and over")
	}
	i := 0
	if t := aws.ToString(in.ContinuationToken); t != "" {
		i = int(t[0] - '0')
	}
	return p.pages[i], nil
}

func (p *pagedS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	p.deletes = append(p.deletes, aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}

func objects(keys ...string) []types.Object {
	var out []types.Object
	for _, k := range keys {
		out = append(out, types.Object{Key: aws.String(k)})
	}
	return out
}

// A server (or proxy) that says "truncated" without a token must not make List start over (it
// would never end) nor stop at the first page (Prune would then decide on part of the set).
func TestListRefusesATruncatedPageWithoutAToken(t *testing.T) {
	api := &pagedS3{pages: []*s3.ListObjectsV2Output{{
		IsTruncated: aws.Bool(true),
		Contents:    objects("mysql/db/20261201T000000.000Z/manifest.json", "mysql/db/20261201T000000.000Z/dump.sql.zst"),
	}}}
	m, err := New(api, Connection{User: "u"}, func(o *Options) { o.Bucket = "b" })
	require.NoError(t, err)
	_, err = m.List(context.Background(), "db")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "continuation token")
	assert.Equal(t, 1, api.calls)

	_, err = m.Prune(context.Background(), "db", Retention{}, false)
	require.Error(t, err)
	assert.Empty(t, api.deletes)
}

// Prune decides on every page: the newest backup sits on the last page.
func TestPruneSeesEveryPage(t *testing.T) {
	api := &pagedS3{pages: []*s3.ListObjectsV2Output{
		{IsTruncated: aws.Bool(true), NextContinuationToken: aws.String("1"),
			Contents: objects("mysql/db/20261201T000000.000Z/dump.sql.zst", "mysql/db/20261201T000000.000Z/manifest.json")},
		{Contents: objects("mysql/db/20261202T000000.000Z/dump.sql.zst", "mysql/db/20261202T000000.000Z/manifest.json")},
	}}
	m, err := New(api, Connection{User: "u"}, func(o *Options) { o.Bucket = "b" })
	require.NoError(t, err)
	res, err := m.Prune(context.Background(), "db", Retention{}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"20261201T000000.000Z"}, res.Deleted)
	assert.Equal(t, []string{"mysql/db/20261201T000000.000Z/manifest.json", "mysql/db/20261201T000000.000Z/dump.sql.zst"}, api.deletes)
}
