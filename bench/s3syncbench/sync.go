package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/s3sync"
)

func awsConfig(endpoint string) aws.Config {
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		key, secret = "bench", "bench"
	}
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func (c common) syncOptions(o *s3sync.Options) {
	o.UsePathStyle = true
	o.Delete = c.delete
	if c.concurrency > 0 {
		o.Concurrency = c.concurrency
	}
}

func runSync(ctx context.Context, cmd string, c common) error {
	s, err := s3sync.NewFromConfig(awsConfig(c.endpoint), c.syncOptions)
	if err != nil {
		return err
	}
	run := s.Push
	if cmd == "pull" {
		run = s.Pull
	}
	plan, err := run(ctx, c.dir, c.bucket, c.prefix)
	if plan != nil {
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
			"transfers": len(plan.Transfers), "deletes": len(plan.Deletes), "unchanged": plan.Unchanged,
			"plan_requests": plan.Requests, "plan_seconds": plan.Took.Seconds(), "bytes": plan.Bytes(),
		})
	}
	return err
}

// gen writes n files of size bytes in directories of 100, with content from seed (a different seed
// gives different content of the same size).
func gen(dir string, n int, size, seed int64) error {
	r := mrand.New(mrand.NewPCG(uint64(seed), 42))
	buf := make([]byte, size)
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if size <= 1<<20 {
			for j := range buf {
				buf[j] = byte(r.Uint32())
			}
		} else if _, err := rand.Read(buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%06d.bin", i)), buf, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func mkBucket(ctx context.Context, c common) error {
	client := s3.NewFromConfig(awsConfig(c.endpoint), func(o *s3.Options) { o.UsePathStyle = true })
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(c.bucket)})
	return err
}

// rmPrefix deletes every object under the prefix, so a benchmark run starts from nothing (and the
// in-memory server frees the bytes).
func rmPrefix(ctx context.Context, c common) error {
	client := s3.NewFromConfig(awsConfig(c.endpoint), func(o *s3.Options) { o.UsePathStyle = true })
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket), Prefix: aws.String(c.prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		if len(out.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(out.Contents))
		for i, o := range out.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		if _, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(c.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return err
		}
	}
	return nil
}
