package clock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/portalkit/portalkit/clock"
)

// A fake clock makes an hour of waiting take no time.
func ExampleFake() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.NewFake(start)
	for i := 0; i < 4; i++ {
		_ = c.Sleep(context.Background(), 15*time.Minute)
	}
	fmt.Println(c.Now().Sub(start), len(c.Sleeps()))
	// Output:
	// 1h0m0s 4
}
