package testenv

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
}

// Cloud returns the environment for a scenario test. Without the integration build tag it is a
// fresh simulated cloud (awstest.New with optFns), closed when the test ends. With the tag it is
// the endpoint in AWS_ENDPOINT_URL (EndpointConfig: static test credentials, the real clock; optFns
// are ignored), and the test is skipped with a message when the variable is not set.
func Cloud(t testing.TB, optFns ...func(*awstest.Options)) *CloudEnv {
	t.Helper()
	return newCloudEnv(t, optFns)
}

// RequireSim returns the simulated cloud, or skips the test with a message when it runs against a
// real endpoint: tests that need the virtual clock, fault injection or the call log are
// simulated-cloud only.
func (e *CloudEnv) RequireSim(t testing.TB) *awstest.Cloud {
	t.Helper()
	if e.Sim == nil {
		t.Skip("needs the simulated cloud (virtual clock, fault injection or call log): skipped against " + EnvEndpointURL)
	}
	return e.Sim
}

// S3Client returns an S3 client for the environment, with path-style addressing (which both
// awstest's embedded server and LocalStack need) and then optFns.
func (e *CloudEnv) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	fns := append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)
	return s3.NewFromConfig(e.Config, fns...)
}
