package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/s3sync"
)

// publish builds a code release on the build host's disk and pushes it to
// s3://portal-releases/releases/<version>/, then pushes again to show the second run is a no-op.
func (d *demo) publish(ctx context.Context, version string) error {
	if err := d.ensureBucket(ctx); err != nil {
		return err
	}
	dir := filepath.Join(d.workdir, "build", version)
	if err := writeRelease(dir, version); err != nil {
		return err
	}
	syncer, err := d.syncer(func(o *s3sync.Options) {
		o.CacheControl = "no-cache"
		o.OnProgress = func(p s3sync.Progress) {
			if p.FilesDone == p.FilesTotal {
				d.out.line("push releases/%s/ %s", version, bar(p.FilesDone, p.FilesTotal, p.BytesDone))
			}
		}
	})
	if err != nil {
		return err
	}
	prefix := "releases/" + version + "/"
	if _, err := syncer.Push(ctx, dir, releaseBucket, prefix); err != nil {
		return err
	}
	again, err := syncer.PlanPush(ctx, dir, releaseBucket, prefix)
	if err != nil {
		return err
	}
	d.out.line("push again: %d to upload, %d unchanged, %d S3 request(s) to find out", len(again.Transfers), again.Unchanged, again.Requests)
	return nil
}

// install does what the instance agent does at boot and on deploy: pull the release into
// releases/<version> on the instance's local disk, then switch the current symlink atomically.
func (d *demo) install(ctx context.Context, instanceID, version string) (*s3sync.Plan, error) {
	syncer, err := d.syncer()
	if err != nil {
		return nil, err
	}
	root := d.instanceDir(instanceID)
	plan, err := syncer.Pull(ctx, filepath.Join(root, "releases", version), releaseBucket, "releases/"+version+"/")
	if err != nil {
		return nil, err
	}
	if plan.Empty() && plan.Unchanged == 0 {
		return nil, fmt.Errorf("release %s is empty in s3://%s", version, releaseBucket)
	}
	// rename(2) over the old link is atomic: a request sees the old release or the new one.
	tmp := filepath.Join(root, ".current.tmp")
	os.Remove(tmp)
	if err := os.Symlink(filepath.Join("releases", version), tmp); err != nil {
		return nil, err
	}
	return plan, os.Rename(tmp, filepath.Join(root, "current"))
}

func (d *demo) instanceDir(id string) string { return filepath.Join(d.workdir, "instances", id) }

func (d *demo) syncer(optFns ...func(*s3sync.Options)) (*s3sync.Syncer, error) {
	return s3sync.NewFromConfig(d.cloud.Config(), append([]func(*s3sync.Options){
		func(o *s3sync.Options) { o.UsePathStyle = true },
	}, optFns...)...)
}

func (d *demo) ensureBucket(ctx context.Context) error {
	client := d.cloud.S3Client()
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(releaseBucket)})
	var owned *types.BucketAlreadyOwnedByYou
	var exists *types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return err
	}
	return nil
}

// writeRelease writes a small PHP application, as a build would.
func writeRelease(dir, version string) error {
	files := map[string]string{
		"VERSION":                version + "\n",
		"index.php":              "<?php require 'app/bootstrap.php'; echo render('home');\n",
		"health.php":             "<?php http_response_code(db_ping() ? 200 : 503);\n",
		"app/bootstrap.php":      "<?php session_set_save_handler(new MySQLSessions(getenv('DB_DSN')));\n",
		"app/templates/home.tpl": "<h1>Welcome to the portal (" + version + ")</h1>\n",
		"static/css/site.css":    "body { font-family: sans-serif; }\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
