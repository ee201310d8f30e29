//go:build !integration

package testenv

import (
	"testing"

	"github.com/portalkit/portalkit/awstest"
)

func newCloudEnv(t testing.TB, optFns []func(*awstest.Options)) *CloudEnv {
	sim := awstest.NewForTest(t, optFns...)
	return &CloudEnv{Config: sim.Config(), Clock: sim.Clock(), Sim: sim, Run: newScope()}
}
