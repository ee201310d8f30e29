package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/s3sync"
)

// The baselines use the same client tuning, part size and concurrency as s3sync's defaults and
// nothing else: no listing, no metadata, no temporary file, no rename.

func rawClient(c common) *s3.Client {
	return s3.NewFromConfig(awsConfig(c.endpoint), func(o *s3.Options) {
		o.UsePathStyle = true
		o.HTTPClient = s3sync.TuneHTTPClient(o.HTTPClient, s3sync.DefaultConcurrency)
	})
}

// walk is the bare ListObjectsV2 walk of a prefix.
func walk(ctx context.Context, c common) error {
	client := rawClient(c)
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket), Prefix: aws.String(c.prefix)})
	pages, objects := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		pages++
		objects += len(out.Contents)
	}
	fmt.Printf("{\"pages\":%d,\"objects\":%d}\n", pages, objects)
	return nil
}

func rawPut(ctx context.Context, c common) error {
	client := rawClient(c)
	f, err := os.Open(c.file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size, ps := fi.Size(), int64(s3sync.DefaultPartSize)
	created, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(c.bucket), Key: aws.String(c.key), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		return err
	}
	n := int((size + ps - 1) / ps)
	parts := make([]types.CompletedPart, n)
	g := newGroup(ctx, s3sync.DefaultConcurrency)
	gctx := g.ctx
	for i := range n {
		g.Go(func() error {
			off := int64(i) * ps
			l := min(ps, size-off)
			out, err := client.UploadPart(gctx, &s3.UploadPartInput{
				Bucket: aws.String(c.bucket), Key: aws.String(c.key), UploadId: created.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
				Body: io.NewSectionReader(f, off, l), ContentLength: aws.Int64(l)})
			if err != nil {
				return err
			}
			parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(c.bucket), Key: aws.String(c.key), UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	return err
}

func rawGet(ctx context.Context, c common) error {
	client := rawClient(c)
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(c.key)})
	if err != nil {
		return err
	}
	size, ps := aws.ToInt64(head.ContentLength), int64(s3sync.DefaultPartSize)
	f, err := os.Create(c.file)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	var total int64
	g := newGroup(ctx, s3sync.DefaultConcurrency)
	gctx := g.ctx
	for off := int64(0); off < size; off += ps {
		g.Go(func() error {
			out, err := client.GetObject(gctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(c.key),
				Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+ps-1))})
			if err != nil {
				return err
			}
			defer out.Body.Close()
			n, err := io.Copy(io.NewOffsetWriter(f, off), out.Body)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if total != size {
		return fmt.Errorf("got %d bytes, want %d", total, size)
	}
	return nil
}

// group runs functions with bounded concurrency and keeps the first error (errgroup, minimal).
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, limit int) *group {
	ctx, cancel := context.WithCancel(ctx)
	return &group{ctx: ctx, cancel: cancel, sem: make(chan struct{}, limit)}
}

func (g *group) Go(f func() error) {
	g.sem <- struct{}{}
	g.wg.Add(1)
	go func() {
		defer func() { <-g.sem; g.wg.Done() }()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err; g.cancel() })
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
