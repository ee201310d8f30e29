package bootstrap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/bootstrap"
)

func ExampleRenderUserData() {
	doc, err := bootstrap.RenderUserData(bootstrap.UserData{
		Config: bootstrap.Config{
			Bucket:           "shop-releases",
			Prefix:           "web",
			AutoScalingGroup: "web",
			LifecycleHook:    "launching",
			HealthURL:        "http://127.0.0.1/health",
			Parameters:       map[string]string{"DB_PASSWORD_PARAM": "/shop/db-password"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(doc))
	// Output:
	// #!/bin/sh
	// # portalkit bootstrap: write the release agent's config, run it.
	// set -eu
	// umask 077 # the config and the download are root's alone; releases get 022 below
	// agent='/usr/local/bin/portalkit-agent'
	// config='/etc/portalkit/agent.json'
	// log='/var/log/portalkit-agent.log'
	// mkdir -p "$(dirname "$agent")" "$(dirname "$config")" "$(dirname "$log")"
	// printf '%s\n' '{"bucket":"shop-releases","prefix":"web","healthURL":"http://127.0.0.1/health","autoScalingGroup":"web","lifecycleHook":"launching","parameters":{"DB_PASSWORD_PARAM":"/shop/db-password"}}' >"$config.tmp"
	// mv -f "$config.tmp" "$config"
	// umask 022
	// exec "$agent" 'launch' -config "$config" -log "$log"
}

func ExampleAgent_Deploy() {
	ctx := context.Background()
	cloud, err := awstest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cloud.Close()
	client := s3.NewFromConfig(cloud.Config(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shop-releases")}); err != nil {
		fmt.Println(err)
		return
	}

	// A build publishes release v1: files, manifest, then the pointer.
	build, _ := os.MkdirTemp("", "build")
	defer os.RemoveAll(build)
	os.WriteFile(filepath.Join(build, "index.php"), []byte("<?php echo 'hello';"), 0o644)
	if _, err := bootstrap.Publish(ctx, client, bootstrap.Publication{Dir: build, Bucket: "shop-releases", Version: "v1", Pointer: bootstrap.DefaultPointer}); err != nil {
		fmt.Println(err)
		return
	}

	// The agent on an instance deploys it.
	app, _ := os.MkdirTemp("", "app")
	defer os.RemoveAll(app)
	agent, err := bootstrap.NewAgent(bootstrap.Config{Bucket: "shop-releases", AppDir: app}, func(o *bootstrap.Options) {
		o.S3 = client
		o.Clock = cloud.Clock()
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := agent.Deploy(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	target, _ := os.Readlink(filepath.Join(app, bootstrap.CurrentLink))
	fmt.Println("deployed", res.Version, "from", res.Source)
	fmt.Println("current ->", target)
	// Output:
	// deployed v1 from s3
	// current -> releases/v1
}
