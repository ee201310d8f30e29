package bootstrap

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// fakeIMDS is an in-process IMDSv2-only metadata service: GETs need the token from PUT
// /latest/api/token.
func fakeIMDS(t *testing.T, instanceID string) string {
	return fakeIMDSState(t, instanceID, "InService")
}

// fakeIMDSState is fakeIMDS with a target lifecycle state ("" serves 404: not in a group).
func fakeIMDSState(t *testing.T, instanceID, lifecycleState string) string {
	const token = "test-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" && r.Method == http.MethodPut {
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			w.Write([]byte(token))
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") != token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch strings.TrimPrefix(r.URL.Path, "/latest/meta-data/") {
		case "instance-id":
			w.Write([]byte(instanceID))
		case "placement/availability-zone":
			w.Write([]byte("us-east-1a"))
		case "placement/region":
			w.Write([]byte("us-east-1"))
		case "autoscaling/target-lifecycle-state":
			if lifecycleState == "" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(lifecycleState))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// lifecycleCall is one recorded call of recordingLifecycle.
type lifecycleCall struct {
	Op, Group, Hook, Instance, Result string
}

// recordingLifecycle is a LifecycleAPI that records calls. noActive makes the first n
// CompleteLifecycleAction calls fail as Auto Scaling does before the action is visible;
// onHeartbeat runs on each heartbeat.
type recordingLifecycle struct {
	mu          sync.Mutex
	calls       []lifecycleCall
	noActive    int
	onHeartbeat func()
}

func (f *recordingLifecycle) CompleteLifecycleAction(_ context.Context, in *autoscaling.CompleteLifecycleActionInput, _ ...func(*autoscaling.Options)) (*autoscaling.CompleteLifecycleActionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, lifecycleCall{"Complete", aws.ToString(in.AutoScalingGroupName), aws.ToString(in.LifecycleHookName), aws.ToString(in.InstanceId), aws.ToString(in.LifecycleActionResult)})
	if f.noActive > 0 {
		f.noActive--
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "No active Lifecycle Action found with instance ID " + aws.ToString(in.InstanceId)}
	}
	return &autoscaling.CompleteLifecycleActionOutput{}, nil
}

func (f *recordingLifecycle) RecordLifecycleActionHeartbeat(_ context.Context, in *autoscaling.RecordLifecycleActionHeartbeatInput, _ ...func(*autoscaling.Options)) (*autoscaling.RecordLifecycleActionHeartbeatOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, lifecycleCall{"Heartbeat", aws.ToString(in.AutoScalingGroupName), aws.ToString(in.LifecycleHookName), aws.ToString(in.InstanceId), ""})
	hb := f.onHeartbeat
	f.mu.Unlock()
	if hb != nil {
		hb()
	}
	return &autoscaling.RecordLifecycleActionHeartbeatOutput{}, nil
}

func (f *recordingLifecycle) completes() []lifecycleCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []lifecycleCall
	for _, c := range f.calls {
		if c.Op == "Complete" {
			out = append(out, c)
		}
	}
	return out
}

func (f *recordingLifecycle) heartbeats() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Op == "Heartbeat" {
			n++
		}
	}
	return n
}

// releaseTree writes a release of n files, each holding the version, under a temp dir.
func releaseTree(t *testing.T, version string, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), version)
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, "app", fmt.Sprintf("f%03d.txt", i))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(version), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "VERSION"), []byte(version), 0o644))
	return dir
}

// hookScript writes an executable shell script and returns its path.
func hookScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\nset -eu\n"+body+"\n"), 0o755))
	return p
}

// currentTarget returns what current points to ("" when absent).
func currentTarget(t *testing.T, appDir string) string {
	t.Helper()
	target, err := os.Readlink(filepath.Join(appDir, CurrentLink))
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	return target
}
