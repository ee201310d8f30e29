package s3sync_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/s3sync"
)

// benchTree writes n small files in directories of 100.
func benchTree(b *testing.B, n int) string {
	dir := b.TempDir()
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		require.NoError(b, os.MkdirAll(d, 0o755))
		require.NoError(b, os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d", i)), []byte("x"), 0o644))
	}
	return dir
}

// BenchmarkNoOpPlan times the plan of a no-op push of 2,000 files against the bare ListObjectsV2
// walk of the same prefix, in the same iteration, and reports the ratio.
func BenchmarkNoOpPlan(b *testing.B) {
	const n = 2000
	srv := testenv.S3(b)
	bucket := srv.Bucket(b, "bench")
	dir := benchTree(b, n)
	s, err := s3sync.New(srv.Client)
	require.NoError(b, err)
	ctx := context.Background()
	_, err = s.Push(ctx, dir, bucket, "p")
	require.NoError(b, err)

	var planT, listT time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		plan, err := s.PlanPush(ctx, dir, bucket, "p")
		require.NoError(b, err)
		require.True(b, plan.Empty())
		t1 := time.Now()
		p := s3.NewListObjectsV2Paginator(srv.Client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("p/")})
		for p.HasMorePages() {
			_, err := p.NextPage(ctx)
			require.NoError(b, err)
		}
		planT += t1.Sub(t0)
		listT += time.Since(t1)
	}
	b.ReportMetric(float64(planT)/float64(listT), "plan/list")
}

// BenchmarkWalk times the sorted streaming walk (through a plan against an empty prefix, one
// listing request) against filepath.WalkDir with a stat per file, and reports the ratio.
func BenchmarkWalk(b *testing.B) {
	const n = 5000
	srv := testenv.S3(b)
	bucket := srv.Bucket(b, "bench")
	dir := benchTree(b, n)
	s, err := s3sync.New(srv.Client)
	require.NoError(b, err)
	ctx := context.Background()

	var ours, peer time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		plan, err := s.PlanPush(ctx, dir, bucket, "empty")
		require.NoError(b, err)
		require.Len(b, plan.Transfers, n)
		t1 := time.Now()
		files := 0
		require.NoError(b, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if _, err := d.Info(); err == nil {
					files++
				}
			}
			return err
		}))
		require.Equal(b, n, files)
		ours += t1.Sub(t0)
		peer += time.Since(t1)
	}
	b.ReportMetric(float64(ours)/float64(peer), "plan/walkdir")
}
