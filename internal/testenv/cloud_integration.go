//go:build integration

package testenv

import (
	"testing"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/clock"
)

func newCloudEnv(t testing.TB, optFns []func(*awstest.Options)) *CloudEnv {
	t.Helper()
	var env *CloudEnv
	if Endpoint() == "" {
		sim := awstest.NewForTest(t, optFns...)
		env = &CloudEnv{Config: sim.Config(), Clock: sim.Clock(), Sim: sim}
	} else {
		env = &CloudEnv{Config: EndpointConfig(t), Clock: clock.Real, Endpoint: Endpoint()}
	}
	return env.Scope(t)
}
