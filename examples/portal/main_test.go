package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/examples/portal/deploy"
	"github.com/portalkit/portalkit/internal/testenv"
)

// TestDemoDeploysBothEnvironments is `make demo` without the drill: both environments from
// nothing, a second run that changes nothing, v2 shipped through staging to production, the
// backup bucket protected and (with MySQL) one backup made and verified, and the summary table.
func TestDemoDeploysBothEnvironments(t *testing.T) {
	var out bytes.Buffer
	o := options{instances: 6, workdir: t.TempDir(), sim: []func(*awstest.Options){fastRDS}}
	if os.Getenv(testenv.EnvMySQLDSN) != "" { // make test starts one; the backup step needs it
		o.mysqlDSN = testenv.MySQL(t).DSN
	}
	err := run(context.Background(), &out, o)
	got := out.String()
	require.NoError(t, err, got)
	if o.mysqlDSN != "" {
		for _, want := range []string{
			"created backup bucket portal-backups: versioning Enabled, noncurrent versions kept 30 days, public access blocked: true",
			"backup bucket portal-backups already protected, nothing changed",
			"stored (zstd)",
			"row counts and checksums match",
		} {
			assert.True(t, strings.Contains(got, want), "missing %q", want)
		}
	} else {
		assert.Contains(t, got, "database backup skipped: no database DSN")
	}
	for _, want := range []string{
		"published release v1: 4 files",
		"release v1 already published",
		"created load balancer, target group, listener HTTP:80, listener HTTPS:443, apex redirect rule",
		"second run: 0 created, 0 drifted, DNS changed: false",
		"certificate for [example.com www.example.com] imported in ACM",
		"created launch template portal-production v1 (al2023-ami-2023",
		"IMDSv2 required) and group portal-production across us-east-1a, us-east-1b, us-east-1c",
		"portal-production [############] 6/6 healthy, 6 in service",
		"example.com and www.example.com: 2 alias record changes to the load balancer, in one change",
		"INSYNC after",
		"production   DNS                 www.example.com",
		"production   Auto Scaling group  portal-production        6 in service, launch template portal-production, hook portal-ready",
		"6 instances in service: us-east-1a: 2, us-east-1b: 2, us-east-1c: 2",
		"smoke test passed on staging",
		"instance refresh InProgress 33%",
		"production: instance refresh Successful; v2: 6",
		"ENVIRONMENT  RESOURCE",
		"production   zone spread         3 zones",
	} {
		assert.True(t, strings.Contains(got, want), "missing %q", want)
	}
	assert.Equal(t, 12, bytes.Count(out.Bytes(), []byte("running, healthy, release v2")), "every instance of both environments on v2")
	if t.Failed() {
		t.Log(got)
	}
}

// TestRealAWSNeedsApply: against AWS the program prints the plan and creates nothing without
// -apply (no credentials are loaded, no call is made).
func TestRealAWSNeedsApply(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, options{aws: true, region: "eu-west-1", instances: 6, workdir: t.TempDir()}))
	got := out.String()
	assert.Contains(t, got, "Plan for the AWS account of the default credential chain, region eu-west-1")
	assert.Contains(t, got, "+ Application Load Balancer portal-production")
	assert.Contains(t, got, "+ Auto Scaling group portal-production: 6 instances (max 12) across the zones")
	assert.Contains(t, got, "Nothing created: run again with -apply")
}

func TestInvalidSpecsNamedTogether(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, options{instances: 2, workdir: t.TempDir()})
	assert.ErrorIs(t, err, deploy.ErrInvalidSpec)
	assert.ErrorContains(t, err, "Instances 2: need at least 3")
	err = deploy.Spec{Environment: "Bad Name", HealthCheckInterval: time.Second}.Validate()
	assert.ErrorIs(t, err, deploy.ErrInvalidSpec)
	for _, field := range []string{"Environment", "Domain", "Bucket", "HealthCheckInterval"} {
		assert.ErrorContains(t, err, field)
	}
}
