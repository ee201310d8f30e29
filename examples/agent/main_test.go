package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/bootstrap"
	"github.com/portalkit/portalkit/internal/testenv"
)

func writeConfig(t *testing.T, cfg bootstrap.Config) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "agent.json")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func TestLaunchDeploysFromS3WithIMDSv2Identity(t *testing.T) {
	imdsMock := testenv.IMDS(t, `{"asg-termination-delay-sec": 3600}`)
	s3srv := testenv.S3(t)
	bucket := s3srv.Bucket(t, "releases")
	rel := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rel, "index.php"), []byte("<?php echo 'v1';"), 0o644))
	_, err := bootstrap.Publish(context.Background(), s3srv.Client, bootstrap.Publication{Dir: rel, Bucket: bucket, Version: "v1", Pointer: bootstrap.DefaultPointer})
	require.NoError(t, err)

	app := filepath.Join(t.TempDir(), "app")
	cfgPath := writeConfig(t, bootstrap.Config{Bucket: bucket, AppDir: app})
	logPath := filepath.Join(t.TempDir(), "agent.log")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"launch", "-config", cfgPath, "-log", logPath, "-imds-endpoint", imdsMock.Endpoint, "-s3-endpoint", s3srv.URL}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	b, err := os.ReadFile(filepath.Join(app, bootstrap.CurrentLink, "index.php"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "v1")
	logged, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(logged), "i-1234567890abcdef0")
	assert.Contains(t, string(logged), "launch done")
}

func TestUserDataMode(t *testing.T) {
	cfgPath := writeConfig(t, bootstrap.Config{Bucket: "releases", AutoScalingGroup: "web", LifecycleHook: "launching"})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"userdata", "-config", cfgPath, "-format", "cloud-config"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "#cloud-config\n")
	assert.Contains(t, stdout.String(), `"lifecycleHook":"launching"`)
}

func TestUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &stdout, &stderr))
	assert.Equal(t, 2, run(context.Background(), []string{"explode"}, &stdout, &stderr))
	bad := writeConfig(t, bootstrap.Config{Bucket: "Not_A_Bucket"})
	assert.Equal(t, 2, run(context.Background(), []string{"deploy", "-config", bad}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Bucket")
}
