package testenv

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/clock"
)

// The simulated cloud's virtual clock is a clock.Clock.
var _ clock.Clock = (*awstest.Clock)(nil)

// CloudEnv is the AWS a scenario test runs against, so the same test runs on the simulated cloud
// (the default) and on a real endpoint (the integration suite). Build SDK clients from Config and
// wait on Clock.
type CloudEnv struct {
	// Config is the aws.Config for SDK clients: the simulated cloud's, or the endpoint's.
	Config aws.Config
	// Clock is the time source for waits: the simulated cloud's virtual clock, or the wall clock.
	Clock clock.Clock
	// Sim is the simulated cloud, for fault injection, the call log and the virtual clock's
	// Advance; nil against a real endpoint. Tests that need it call RequireSim.
	Sim *awstest.Cloud
	// Endpoint is what the environment talks to: "" for the simulated cloud, the AWS_ENDPOINT_URL
	// value, or "aws" (see [Endpoint]).
	Endpoint string
	// Run is this scope's run id ([RunID] plus a sequence number): the value of the TagRun tag on
	// what the scope creates, and part of every [CloudEnv.Name].
	Run string

	used atomic.Bool // Name or Tags was called: the scope may have created tagged resources
}

// CleanupTimeout bounds the sweep a scope runs when its test ends.
const CleanupTimeout = 10 * time.Minute

// Scope returns an environment on the same cloud with a fresh run id, whose leftovers are swept
// when t ends (see [CloudEnv.Cleanup]): one per subtest keeps each scenario's cleanup to its own
// resources.
func (e *CloudEnv) Scope(t testing.TB) *CloudEnv {
	t.Helper()
	s := &CloudEnv{Config: e.Config, Clock: e.Clock, Sim: e.Sim, Endpoint: e.Endpoint, Run: newScope()}
	s.Cleanup(t)
	return s
}

// Cleanup registers a t.Cleanup that deletes everything tagged with this scope's run id (and the
// buckets named for it), in dependency order with bounded waits ([Sweep]), logging what it
// deletes; it runs when the test ends, also after a failure. A sweep that fails fails the test.
// It does nothing when the scope made no name and no tags: nothing can carry them then (and tests
// with injected faults and no tagged resources are not disturbed).
func (e *CloudEnv) Cleanup(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		if !e.used.Load() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), CleanupTimeout)
		defer cancel()
		_, err := Sweep(ctx, e.Config, SweepOptions{Run: e.Run, Delete: true, Clock: e.Clock, Logf: t.Logf})
		if err != nil {
			t.Errorf("testenv: cleanup of run %s: %v", e.Run, err)
		}
	})
}

// Leftovers lists what this test process's integration runs ([RunID], every scope) left in the
// environment, without deleting anything: after the scopes' cleanups there is none.
func (e *CloudEnv) Leftovers(t testing.TB) []Leftover {
	t.Helper()
	return e.leftovers(t, RunID())
}

// AllLeftovers lists what any integration run left in the environment (every TagRun value,
// every bucket named with NamePrefix), without deleting anything.
func (e *CloudEnv) AllLeftovers(t testing.TB) []Leftover {
	t.Helper()
	return e.leftovers(t, "")
}

func (e *CloudEnv) leftovers(t testing.TB, run string) []Leftover {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CleanupTimeout)
	defer cancel()
	found, err := Sweep(ctx, e.Config, SweepOptions{Run: run, Clock: e.Clock})
	if err != nil {
		t.Fatalf("testenv: list leftovers: %v", err)
	}
	return found
}

// Cloud returns the environment for a scenario test: a fresh simulated cloud (awstest.New with
// optFns), closed when the test ends, unless the test is built with the integration tag and
// pointed at an endpoint ([Endpoint]: AWS_ENDPOINT_URL or PORTALKIT_INTEGRATION_AWS=1), where it
// is that endpoint ([EndpointConfig], the real clock; optFns are ignored). Under the integration
// tag the environment is a scope ([CloudEnv.Scope]) whose tagged resources are swept when the
// test ends.
func Cloud(t testing.TB, optFns ...func(*awstest.Options)) *CloudEnv {
	t.Helper()
	return newCloudEnv(t, optFns)
}

// RequireSim returns the simulated cloud, or skips the test against a real endpoint: tests that
// need the virtual clock, fault injection, the call log or other simulated semantics (automatic
// health) are simulated-cloud only. why says which, once, in the skip message.
func (e *CloudEnv) RequireSim(t testing.TB, why ...string) *awstest.Cloud {
	t.Helper()
	if e.Sim == nil {
		reason := "needs the simulated cloud (virtual clock, fault injection or call log)"
		if len(why) > 0 {
			reason = "simulated cloud only: " + strings.Join(why, "; ")
		}
		t.Skip(reason + ": skipped against " + e.Endpoint)
	}
	return e.Sim
}

// S3Client returns an S3 client for the environment, with path-style addressing (which both
// awstest's embedded server and LocalStack need) and then optFns.
func (e *CloudEnv) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	fns := append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)
	return s3.NewFromConfig(e.Config, fns...)
}

// Bucket creates an S3 bucket named for label in this scope ([CloudEnv.Name], so the scope's
// cleanup empties and deletes it) and returns its name. Outside us-east-1 it sets the location
// constraint AWS requires.
func (e *CloudEnv) Bucket(t testing.TB, label string) string {
	t.Helper()
	name := e.Name(label)
	in := &s3.CreateBucketInput{Bucket: &name}
	if r := e.Config.Region; r != "" && r != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
	}
	if _, err := e.S3Client().CreateBucket(context.Background(), in); err != nil {
		t.Fatalf("testenv: create bucket %s: %v", name, err)
	}
	return name
}
