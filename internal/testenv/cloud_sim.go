//go:build !integration

package testenv

import (
	"testing"

	"github.com/portalkit/portalkit/awstest"
)

func newCloudEnv(t testing.TB, optFns []func(*awstest.Options)) *CloudEnv {
	sim := awstest.New(optFns...)
	t.Cleanup(sim.Close)
	return &CloudEnv{Config: sim.Config(), Clock: sim.Clock(), Sim: sim}
}
