package awstest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// newRetryer is the Config's retryer: the SDK's standard retryer (attempts, retry classification
// and retry token bucket unchanged) with a backoff that waits on the virtual clock.
func (c *Cloud) newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = &virtualBackoff{cloud: c, max: o.MaxBackoff}
	})
}

// virtualBackoff computes the standard exponential backoff with full jitter (from the cloud's
// seeded random source), advances the virtual clock by it and lets the SDK sleep for zero.
type virtualBackoff struct {
	cloud *Cloud
	max   time.Duration
}

func (b *virtualBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	ceiling := b.max
	if attempt < 32 {
		if d := time.Second << uint(attempt); d < ceiling {
			ceiling = d
		}
	}
	b.cloud.mu.Lock()
	d := time.Duration(b.cloud.rng.Float64() * float64(ceiling))
	b.cloud.mu.Unlock()
	b.cloud.clock.Advance(d)
	return 0, nil
}
