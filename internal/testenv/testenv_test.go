package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMySQLFreshDatabase(t *testing.T) {
	db := MySQL(t)
	_, err := db.DB.Exec("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")
	require.NoError(t, err)
	_, err = db.DB.Exec("INSERT INTO t VALUES (1, 'one')")
	require.NoError(t, err)
	var v, current string
	require.NoError(t, db.DB.QueryRow("SELECT v, DATABASE() FROM t WHERE id = 1").Scan(&v, &current))
	assert.Equal(t, "one", v)
	assert.Equal(t, db.Name, current)

	other := MySQL(t)
	assert.NotEqual(t, db.Name, other.Name, "each call gets its own database")
	var n int
	require.NoError(t, other.DB.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n))
	assert.Zero(t, n, "a fresh database is empty")
}

func TestStartMariaDBSurvivesRestart(t *testing.T) {
	m := StartMariaDB(t)
	db := openDB(t, m.DSN)
	defer db.Close()
	_, err := db.Exec("CREATE TABLE kv (k VARCHAR(10) PRIMARY KEY, v INT)")
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO kv VALUES ('a', 1)")
	require.NoError(t, err)

	m.Stop()
	require.Error(t, db.Ping(), "a stopped server must not answer")
	m.Start()

	var v int
	require.NoError(t, db.QueryRow("SELECT v FROM kv WHERE k = 'a'").Scan(&v), "same DSN after restart")
	assert.Equal(t, 1, v)
}

func TestS3RoundTripWithMultipart(t *testing.T) {
	s := S3(t)
	ctx := context.Background()
	bucket := s.Bucket(t, "releases")

	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("a/b.txt"), Body: strings.NewReader("hello")})
	require.NoError(t, err)
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("a/b.txt")})
	require.NoError(t, err)
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	assert.Equal(t, "hello", string(body))

	// Multipart: two 5 MiB parts and a short last part.
	part := bytes.Repeat([]byte("x"), 5<<20)
	mp, err := s.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("big")})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for i, data := range [][]byte{part, part, []byte("tail")} {
		n := int32(i + 1)
		up, err := s.Client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("big"),
			UploadId: mp.UploadId, PartNumber: &n, Body: bytes.NewReader(data)})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: &n})
	}
	_, err = s.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket,
		Key: aws.String("big"), UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)
	head, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("big")})
	require.NoError(t, err)
	assert.Equal(t, int64(10<<20+4), aws.ToInt64(head.ContentLength))

	_, err = s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("missing")})
	var nsk *types.NoSuchKey
	assert.ErrorAs(t, err, &nsk)
}

func TestS3WrapSeesRequests(t *testing.T) {
	s := S3(t)
	bucket := s.Bucket(t, "counted")
	var n int
	s.Wrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n++; h.ServeHTTP(w, r) })
	})
	_, err := s.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bucket})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestIMDSRequiresV2(t *testing.T) {
	m := IMDS(t, "")
	// IMDSv1 (no token) is refused.
	resp, err := http.Get(m.Endpoint + "/latest/meta-data/instance-id")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// The SDK's IMDS client gets a token first and succeeds.
	client := imds.New(imds.Options{Endpoint: m.Endpoint})
	out, err := client.GetMetadata(context.Background(), &imds.GetMetadataInput{Path: "instance-id"})
	require.NoError(t, err)
	id, _ := io.ReadAll(out.Content)
	assert.True(t, strings.HasPrefix(string(id), "i-"), "instance id %q", id)
}
