package awserr_test

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/portalkit/portalkit/internal/awserr"
)

func ExampleIsNotFound() {
	err := fmt.Errorf("describe instance: %w", &smithy.GenericAPIError{Code: "InvalidInstanceID.NotFound"})
	fmt.Println(awserr.Code(err), awserr.IsNotFound(err), awserr.IsThrottle(err))
	fmt.Println(awserr.IsNotFound(errors.New("dial tcp 10.0.0.1:443: connection refused")))
	// Output:
	// InvalidInstanceID.NotFound true false
	// false
}
