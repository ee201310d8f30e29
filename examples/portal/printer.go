package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/portalkit/portalkit/awstest"
)

// printer writes the demo's narration, each line stamped with the simulated time since the start.
type printer struct {
	w     io.Writer
	clock *awstest.Clock
	start time.Time
}

func newPrinter(w io.Writer, c *awstest.Clock) *printer {
	return &printer{w: w, clock: c, start: c.Now()}
}

func (p *printer) elapsed() time.Duration { return p.clock.Now().Sub(p.start) }

func (p *printer) section(n int, title string) {
	fmt.Fprintf(p.w, "\n== %d. %s\n", n, title)
}

func (p *printer) line(format string, args ...any) {
	e := p.elapsed()
	fmt.Fprintf(p.w, "  [%02d:%02d] %s\n", int(e.Minutes()), int(e.Seconds())%60, fmt.Sprintf(format, args...))
}

// bar renders a progress bar: [#####-----] 50% 3/6 files 12.0 KiB.
func bar(done, total int, bytesDone int64) string {
	const width = 20
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	return fmt.Sprintf("[%s%s] %3d%% %d/%d files %.1f KiB",
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), pct, done, total, float64(bytesDone)/1024)
}
