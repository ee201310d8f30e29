//go:build integration

package testenv

import (
	"testing"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/clock"
)

func newCloudEnv(t testing.TB, _ []func(*awstest.Options)) *CloudEnv {
	t.Helper()
	return &CloudEnv{Config: EndpointConfig(t), Clock: clock.Real}
}
