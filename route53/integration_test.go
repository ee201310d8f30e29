//go:build integration

package route53_test

import (
	"testing"

	"github.com/portalkit/portalkit/internal/testenv"
)

// TestIntegrationMainFlows runs the package's main flows (mainFlows) against AWS_ENDPOINT_URL
// (LocalStack).
func TestIntegrationMainFlows(t *testing.T) {
	mainFlows(t, testenv.Cloud(t))
}
