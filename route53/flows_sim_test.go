//go:build !integration

package route53_test

import (
	"testing"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestMainFlows runs the integration suite's scenario on the simulated cloud, so it never rots.
func TestMainFlows(t *testing.T) {
	mainFlows(t, testenv.Cloud(t))
}
