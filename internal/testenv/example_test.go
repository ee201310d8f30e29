package testenv_test

import (
	"fmt"
	"strings"

	"github.com/portalkit/portalkit/internal/testenv"
)

// A test hands the buffer's logger to the code under test, then asserts what was logged and what
// never was.
func ExampleLogBuffer() {
	var logs testenv.LogBuffer
	logger := logs.Logger()
	logger.Info("deployed", "release", "v2")
	fmt.Println(strings.Contains(logs.String(), "release=v2"), strings.Contains(logs.String(), "password"))
	// Output: true false
}
