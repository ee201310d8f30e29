package s3sync_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/s3sync"
)

// exampleTB lets the examples use the test S3 server outside a test.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (*exampleTB) Helper()                           {}
func (tb *exampleTB) Cleanup(f func())               { tb.cleanups = append(tb.cleanups, f) }
func (*exampleTB) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }
func (tb *exampleTB) cleanup() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}

// exampleServer starts a loopback S3 server (gofakes3) with a "releases" bucket.
func exampleServer() (*testenv.S3Server, func()) {
	tb := &exampleTB{}
	srv := testenv.S3(tb)
	srv.Bucket(tb, "releases")
	return srv, tb.cleanup
}

func ExampleSyncer_Push() {
	srv, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "release")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "index.php"), []byte("<?php echo 'hello';"), 0o644)

	sync, err := s3sync.New(srv.Client)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := sync.Push(ctx, dir, "releases", "portal/v1")
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range plan.Transfers {
		fmt.Println(it.Action, it.Key, "-", it.Reason)
	}
	// A second push finds nothing to do.
	plan, err = sync.Push(ctx, dir, "releases", "portal/v1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("empty:", plan.Empty(), "requests:", plan.Requests)
	// Output:
	// upload portal/v1/index.php - missing at destination
	// empty: true requests: 1
}

func ExampleSyncer_PlanPull() {
	srv, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	src, _ := os.MkdirTemp("", "release")
	defer os.RemoveAll(src)
	_ = os.WriteFile(filepath.Join(src, "index.php"), []byte("v2"), 0o644)
	dst, _ := os.MkdirTemp("", "current")
	defer os.RemoveAll(dst)
	_ = os.WriteFile(filepath.Join(dst, "stale.php"), []byte("v1"), 0o644)

	sync, _ := s3sync.New(srv.Client, func(o *s3sync.Options) { o.Delete = true })
	if _, err := sync.Push(ctx, src, "releases", "portal/v2"); err != nil {
		log.Fatal(err)
	}
	// A dry run: the plan says what a pull would do.
	plan, err := sync.PlanPull(ctx, dst, "releases", "portal/v2")
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range append(plan.Transfers, plan.Deletes...) {
		fmt.Println(it.Action, it.Path, "-", it.Reason)
	}
	// Output:
	// download index.php - missing at destination
	// delete stale.php - not in source
}

func ExampleNewFromConfig() {
	var cfg aws.Config // from config.LoadDefaultConfig in the calling tool
	sync, err := s3sync.NewFromConfig(cfg, func(o *s3sync.Options) {
		o.Concurrency = 64
		o.ServerSideEncryption = "aws:kms"
		o.OnProgress = func(p s3sync.Progress) {
			fmt.Printf("\r%d/%d files, %d/%d bytes", p.FilesDone, p.FilesTotal, p.BytesDone, p.BytesTotal)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := sync.Pull(context.Background(), "/var/www/releases/v42", "my-releases", "portal/v42"); err != nil {
		log.Fatal(err)
	}
}

func ExampleShipper() {
	var cfg aws.Config // from config.LoadDefaultConfig in the calling tool
	sync, err := s3sync.NewFromConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	sh, err := s3sync.NewShipper(sync, func(o *s3sync.ShipperOptions) {
		o.Dir, o.Bucket, o.Prefix, o.Host = "/var/log/nginx", "my-logs", "web", "i-0123456789abcdef0"
		o.Interval = 10 * time.Minute
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := sh.Start(context.Background()); err != nil {
		log.Fatal(err)
	}
	// ... on the terminate lifecycle hook:
	sh.Stop()
	if _, err := sh.FlushAll(context.Background()); err != nil {
		log.Print(err)
	}
}
