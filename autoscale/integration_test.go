//go:build integration

package autoscale_test

import (
	"testing"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationMainFlows runs the package's main flows (see mainFlows) against
// AWS_ENDPOINT_URL (LocalStack); it skips with a message when the variable is not set. The
// other tests of the package need the simulated cloud and skip there.
func TestIntegrationMainFlows(t *testing.T) {
	mainFlows(t, testenv.Cloud(t))
}
