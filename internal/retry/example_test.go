package retry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/smithy-go"

	"github.com/portalkit/portalkit/clock"
	"github.com/portalkit/portalkit/internal/retry"
)

// Registering targets in a target group created a moment ago: the first calls may not see it yet.
func ExampleDo() {
	calls := 0
	register := func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return &smithy.GenericAPIError{Code: "TargetGroupNotFound", Message: "One or more target groups not found"}
		}
		return nil
	}
	err := retry.Do(context.Background(), register, retry.Options{
		Retryable: retry.Codes("TargetGroupNotFound", "InvalidTarget"),
		Clock:     clock.NewFake(time.Time{}),
	})
	fmt.Println(calls, err)
	// Output:
	// 3 <nil>
}
