// Package testenv gives tests the real components this machine can run: a throwaway MySQL database
// on the MariaDB server started by `make test`, a private MariaDB server a test may stop and start,
// an S3 protocol server (gofakes3) on loopback with a ready S3 client, and AWS's EC2 instance metadata
// mock with IMDSv2 required, and the AWS a scenario test runs against ([Cloud]: the simulated cloud
// of package awstest, or the endpoint in AWS_ENDPOINT_URL under the integration build tag).
//
// For the integration suite it gives each test a scope ([CloudEnv.Scope]) with unique names
// ([CloudEnv.Name]) and a run tag ([TagRun], [CloudEnv.Tags]) whose resources are swept when the
// test ends ([Sweep], in dependency order with bounded waits); [CloudEnv.Leftovers] lists what is
// left, [RunFailing] runs a scenario that may fail, and `make integration-clean` sweeps by tag.
//
// A component that is missing fails the test when the CI environment variable is set, and skips it
// with a message naming what to install otherwise, so a developer without MariaDB can still run the
// rest of the suite while CI can never silently skip.
//
// It is a test-support package: its functions take a testing.TB and stop the test on error.
package testenv

import (
	"os"
	"testing"
)

// Need stops the test because a component is missing: t.Fatal in CI (CI set in the environment),
// t.Skip elsewhere. hint says how to get the component.
func Need(t testing.TB, component, hint string) {
	t.Helper()
	msg := component + " is not available: " + hint
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
	}
	t.Skip(msg)
}
