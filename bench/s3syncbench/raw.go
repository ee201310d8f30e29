package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/portalkit/portalkit/s3sync"
)

// The baselines use the same client tuning, part size and concurrency as s3sync (its default, or
// -concurrency) and nothing else: no listing, no metadata, no temporary file, no rename.

// conc is the requests in flight: -concurrency, or s3sync's default.
func (c common) conc() int {
	if c.concurrency > 0 {
		return c.concurrency
	}
	return s3sync.DefaultConcurrency
}

func rawClient(c common) *s3.Client {
	return s3.NewFromConfig(awsConfig(c.endpoint), func(o *s3.Options) {
		o.UsePathStyle = true
		o.HTTPClient = s3sync.TuneHTTPClient(o.HTTPClient, c.conc())
	})
}

// rawSetup returns the client, the pairs of -key and -file (comma-separated, as many of each),
// and the group of -concurrency requests whose first error cancels the others.
func rawSetup(ctx context.Context, c common) (*s3.Client, []string, []string, *errgroup.Group, context.Context, error) {
	keys, files := strings.Split(c.key, ","), strings.Split(c.file, ",")
	if len(keys) != len(files) {
		return nil, nil, nil, nil, nil, fmt.Errorf("%d keys for %d files", len(keys), len(files))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.conc())
	return rawClient(c), keys, files, g, gctx, nil
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

// rawPut uploads each file (comma-separated -file) to its key (comma-separated -key) as a multipart
// upload; the parts of all files share one pool of -concurrency requests (s3sync's default), as in s3sync.
func rawPut(ctx context.Context, c common) error {
	client, keys, files, g, gctx, err := rawSetup(ctx, c)
	if err != nil {
		return err
	}
	ps := int64(s3sync.DefaultPartSize)
	type upload struct {
		key   string
		id    *string
		parts []types.CompletedPart
	}
	uploads := make([]*upload, len(keys))
	for i, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		created, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: aws.String(c.bucket), Key: aws.String(keys[i]), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			return err
		}
		size := fi.Size()
		u := &upload{key: keys[i], id: created.UploadId, parts: make([]types.CompletedPart, (size+ps-1)/ps)}
		uploads[i] = u
		for p := range u.parts {
			g.Go(func() error {
				off := int64(p) * ps
				l := min(ps, size-off)
				out, err := client.UploadPart(gctx, &s3.UploadPartInput{
					Bucket: aws.String(c.bucket), Key: aws.String(u.key), UploadId: u.id,
					PartNumber: aws.Int32(int32(p + 1)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
					Body: io.NewSectionReader(f, off, l), ContentLength: aws.Int64(l)})
				if err != nil {
					return err
				}
				u.parts[p] = types.CompletedPart{PartNumber: aws.Int32(int32(p + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	done, dctx := errgroup.WithContext(ctx)
	for _, u := range uploads {
		done.Go(func() error {
			_, err := client.CompleteMultipartUpload(dctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String(c.bucket), Key: aws.String(u.key), UploadId: u.id,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts}})
			return err
		})
	}
	return done.Wait()
}

// rawGet downloads each key (comma-separated -key) to its file (comma-separated -file) in ranged
// GETs written in place; the ranges of all objects share one pool of -concurrency requests.
func rawGet(ctx context.Context, c common) error {
	client, keys, files, g, gctx, err := rawSetup(ctx, c)
	if err != nil {
		return err
	}
	ps := int64(s3sync.DefaultPartSize)
	for i, key := range keys {
		head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key)})
		if err != nil {
			return err
		}
		f, err := os.Create(files[i])
		if err != nil {
			return err
		}
		defer f.Close()
		for off := int64(0); off < aws.ToInt64(head.ContentLength); off += ps {
			g.Go(func() error {
				out, err := client.GetObject(gctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key),
					Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+ps-1))})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				_, err = io.Copy(io.NewOffsetWriter(f, off), out.Body)
				return err
			})
		}
	}
	return g.Wait()
}
