// Command agent is portalkit's on-instance release agent, built on package bootstrap. User data
// rendered by bootstrap.RenderUserData installs it and runs it at first boot:
//
//	agent launch   -config /etc/portalkit/agent.json -log /var/log/portalkit-agent.log
//
// launch reads the instance identity through IMDSv2 only, deploys the release the config points
// to (fetch into releases/<version>, verify every SHA-256, hooks, atomic switch of current, health
// gate, keep N) and completes the launching lifecycle action: CONTINUE on success, ABANDON on any
// failure. On a running instance, for an in-place rolling deploy:
//
//	agent deploy   -config /etc/portalkit/agent.json [-version v42]
//	agent rollback -config /etc/portalkit/agent.json
//
// To render the user data for a launch template from the same config file:
//
//	agent userdata -config agent.json [-format shell|cloud-config|multipart] [-gzip] [-agent-s3 s3://bucket/key -agent-sha256 HEX]
//
// Credentials are the instance role's, read through the same IMDSv2-only client; the config holds
// no secret, and nothing secret is logged. Flags for tests and non-EC2 hosts: -imds-endpoint, and
// -s3-endpoint with -region (path-style S3, for LocalStack or a local S3 server).
//
// Exit status: 0 on success, 1 when the deploy failed (the lifecycle action was abandoned and
// the previous good release, if any, is current), 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/portalkit/portalkit/bootstrap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// flags are the command line settings.
type flags struct {
	mode, config, log, version       string
	imdsEndpoint, s3Endpoint, region string
	format, agentS3, agentSHA        string
	gzip                             bool
}

func parse(args []string, stderr io.Writer) (flags, error) {
	var f flags
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return f, errors.New("usage: agent launch|deploy|rollback|userdata -config FILE [flags]")
	}
	f.mode = args[0]
	fs := flag.NewFlagSet("agent "+f.mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", bootstrap.DefaultConfigPath, "agent config (JSON)")
	fs.StringVar(&f.log, "log", "", "also append logs to this file")
	fs.StringVar(&f.version, "version", "", "deploy this version instead of the config's or the pointer's")
	fs.StringVar(&f.imdsEndpoint, "imds-endpoint", "", "instance metadata endpoint (default: the SDK's)")
	fs.StringVar(&f.s3Endpoint, "s3-endpoint", "", "S3 endpoint URL, path-style (default: AWS)")
	fs.StringVar(&f.region, "region", "", "region (default: the instance's, from IMDS)")
	fs.StringVar(&f.format, "format", "shell", "userdata: shell, cloud-config or multipart")
	fs.StringVar(&f.agentS3, "agent-s3", "", "userdata: install the agent from this s3://bucket/key")
	fs.StringVar(&f.agentSHA, "agent-sha256", "", "userdata: SHA-256 of the agent object")
	fs.BoolVar(&f.gzip, "gzip", false, "userdata: gzip the document")
	if err := fs.Parse(args[1:]); err != nil {
		return f, err
	}
	switch f.mode {
	case "launch", "deploy", "rollback", "userdata":
	default:
		return f, fmt.Errorf("unknown mode %q (launch, deploy, rollback or userdata)", f.mode)
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parse(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "agent:", err)
		return 2
	}
	data, err := os.ReadFile(f.config)
	if err != nil {
		fmt.Fprintln(stderr, "agent:", err)
		return 2
	}
	cfg, err := bootstrap.ParseConfig(data)
	if err != nil {
		fmt.Fprintln(stderr, "agent:", err)
		return 2
	}
	if f.mode == "userdata" {
		return renderUserData(f, cfg, stdout, stderr)
	}

	logOut := stderr
	if f.log != "" {
		lf, err := os.OpenFile(f.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			fmt.Fprintln(stderr, "agent:", err)
			return 2
		}
		defer lf.Close()
		logOut = io.MultiWriter(stderr, lf)
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil))

	metadata := bootstrap.NewIMDSClient(f.imdsEndpoint)
	region := f.region
	if region == "" {
		id, err := bootstrap.FetchIdentity(ctx, metadata)
		if err != nil {
			logger.Error("agent: no region", "error", err.Error())
			return 1
		}
		region = id.Region
	}
	awsCfg := aws.Config{
		Region: region,
		// The instance role, read through the IMDSv2-only client.
		Credentials: aws.NewCredentialsCache(ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = metadata })),
	}
	s3Client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if f.s3Endpoint != "" {
			o.BaseEndpoint = aws.String(f.s3Endpoint)
			o.UsePathStyle = true
		}
	})
	agent, err := bootstrap.NewAgent(cfg, func(o *bootstrap.Options) {
		o.S3 = s3Client
		o.Metadata = metadata
		o.Lifecycle = autoscaling.NewFromConfig(awsCfg)
		o.Version = f.version
		o.HookOutput = stderr
		o.Logger = logger
	})
	if err != nil {
		logger.Error("agent: invalid setup", "error", err.Error())
		return 2
	}
	var res *bootstrap.Result
	switch f.mode {
	case "launch":
		res, err = agent.Launch(ctx)
	case "deploy":
		res, err = agent.Deploy(ctx)
	case "rollback":
		res, err = agent.Rollback(ctx)
	}
	if err != nil {
		logger.Error("agent: "+f.mode+" failed", "error", err.Error())
		return 1
	}
	logger.Info("agent: "+f.mode+" done", "version", res.Version, "previous", res.Previous, "unchanged", res.Unchanged,
		"rolled_back_to", res.RolledBackTo, "lifecycle", res.LifecycleResult, "app_dir", agent.AppDir())
	return 0
}

func renderUserData(f flags, cfg bootstrap.Config, stdout, stderr io.Writer) int {
	u := bootstrap.UserData{Config: cfg, Gzip: f.gzip, Deploy: false}
	switch f.format {
	case "shell":
		u.Format = bootstrap.FormatShell
	case "cloud-config":
		u.Format = bootstrap.FormatCloudConfig
	case "multipart":
		u.Format = bootstrap.FormatMultipart
	default:
		fmt.Fprintf(stderr, "agent: unknown format %q\n", f.format)
		return 2
	}
	if f.agentS3 != "" {
		bucket, key, ok := strings.Cut(strings.TrimPrefix(f.agentS3, "s3://"), "/")
		if !ok || !strings.HasPrefix(f.agentS3, "s3://") {
			fmt.Fprintln(stderr, "agent: -agent-s3 must be s3://bucket/key")
			return 2
		}
		u.Agent = &bootstrap.S3Object{Bucket: bucket, Key: key, SHA256: f.agentSHA}
	}
	doc, err := bootstrap.RenderUserData(u)
	if err != nil {
		fmt.Fprintln(stderr, "agent:", err)
		return 2
	}
	stdout.Write(doc) //nolint:errcheck // nothing to do about a failed stdout
	return 0
}
