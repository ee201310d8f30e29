package deploy

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/portalkit/portalkit/clock"
)

// Env is where a deploy runs: the AWS API, the time source, and what stands in for software the
// deploy does not run itself.
type Env struct {
	// Config is the aws.Config every client is built from.
	Config aws.Config
	// Clock is the time source of every wait. Nil means clock.Real.
	Clock clock.Clock
	// Out receives the step-by-step narration. Nil means discard.
	Out io.Writer
	// Machines reaches the instances' agents for in-place deploys (RolloutOptions.InPlace).
	// Nil means none: rollouts replace instances by instance refresh.
	Machines Machines
	// S3PathStyle addresses buckets by path, as LocalStack and the simulated cloud need.
	S3PathStyle bool
	// Epoch is the instant the narration's times count from. Zero means the start of each call.
	Epoch time.Time
}

// Machines stands for the software on the instances where no instance runs any (the simulated
// cloud): there it is what answers the agents' deploy mode. On AWS each instance's agent, started
// by its user data, installs releases and completes the launching hook itself.
type Machines interface {
	// Deploy runs the agent's deploy mode on an instance: fetch release version, run its hooks
	// and switch to it. An error means the release failed there and the instance is back on
	// its previous release, serving.
	Deploy(ctx context.Context, instanceID string, version string) error
}

func (e Env) clock() clock.Clock { return clock.Or(e.Clock) }

// printer writes the narration, each line stamped with the time since the printer started.
type printer struct {
	w     io.Writer
	clock clock.Clock
	start time.Time
}

func (e Env) printer() *printer {
	w := e.Out
	if w == nil {
		w = io.Discard
	}
	start := e.Epoch
	if start.IsZero() {
		start = e.clock().Now()
	}
	return &printer{w: w, clock: e.clock(), start: start}
}

func (p *printer) line(format string, args ...any) {
	e := p.clock.Now().Sub(p.start)
	fmt.Fprintf(p.w, "  [%02d:%02d] %s\n", int(e.Minutes()), int(e.Seconds())%60, fmt.Sprintf(format, args...))
}

// bar renders a progress bar: [#####-----] 50% 3/6 files 12.0 KiB.
func bar(done, total int, bytesDone int64) string {
	const width = 20
	filled, pct := width, 100
	if total > 0 {
		filled, pct = done*width/total, done*100/total
	}
	return fmt.Sprintf("[%s%s] %3d%% %d/%d files %.1f KiB",
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), pct, done, total, float64(bytesDone)/1024)
}

// healthBar renders how many of total targets are healthy: [####------] 2/6 healthy.
func healthBar(healthy, total int) string {
	const width = 12
	filled := width
	if total > 0 {
		filled = healthy * width / total
	}
	return fmt.Sprintf("[%s%s] %d/%d healthy", strings.Repeat("#", filled), strings.Repeat("-", width-filled), healthy, total)
}
