package main

import (
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// recorder keeps a drill's timeline: every request through the load balancer, the target
// health states each virtual second, the injected faults and the load balancer's reactions.
type recorder struct {
	mu     sync.Mutex
	start  time.Time
	secs   map[int]*second // per virtual second since start
	faults []mark
	notes  []mark
	zone   map[string]string // instance -> zone
	state  map[string]string // instance -> last health state seen
	last   int
}

// second is what happened in one virtual second.
type second struct {
	served, failed map[string]int    // per instance ("" for no target)
	health         map[string]string // per instance
	healthy        int
}

// mark is an instant on the timeline with a label.
type mark struct {
	t     int
	label string
}

func newRecorder(start time.Time) *recorder {
	return &recorder{start: start, secs: map[int]*second{}, zone: map[string]string{}, state: map[string]string{}}
}

func (r *recorder) sec(t time.Time) (int, *second) {
	i := int(t.Sub(r.start) / time.Second)
	s := r.secs[i]
	if s == nil {
		s = &second{served: map[string]int{}, failed: map[string]int{}, health: map[string]string{}}
		r.secs[i] = s
	}
	if i > r.last {
		r.last = i
	}
	return i, s
}

func (r *recorder) request(t time.Time, instance, zone string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, s := r.sec(t)
	if zone != "" {
		r.zone[instance] = zone
	}
	if ok {
		s.served[instance]++
	} else {
		s.failed[instance]++
	}
}

// health records the target states at t and notes each change.
func (r *recorder) health(t time.Time, states map[string]string, zones map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, s := r.sec(t)
	s.healthy = 0
	ids := slices.Sorted(maps.Keys(states))
	for _, id := range ids {
		st := states[id]
		s.health[id] = st
		if z := zones[id]; z != "" {
			r.zone[id] = z
		}
		if st == "healthy" {
			s.healthy++
		}
		if r.state[id] != st {
			from := r.state[id]
			if from == "" {
				from = "new"
			}
			r.notes = append(r.notes, mark{i, fmt.Sprintf("%s (%s) %s -> %s", id, r.zone[id], from, st)})
			r.state[id] = st
		}
	}
	for id, st := range r.state {
		if _, ok := states[id]; !ok && st != "gone" {
			r.notes = append(r.notes, mark{i, fmt.Sprintf("%s (%s) %s -> gone", id, r.zone[id], st)})
			r.state[id] = "gone"
		}
	}
}

func (r *recorder) fault(t time.Time, label string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, _ := r.sec(t)
	r.faults = append(r.faults, mark{i, label})
}

func (r *recorder) note(t time.Time, label string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, _ := r.sec(t)
	r.notes = append(r.notes, mark{i, label})
}

// totals returns the requests served and failed over the whole drill.
func (r *recorder) totals() (served, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secs {
		for _, n := range s.served {
			served += n
		}
		for _, n := range s.failed {
			failed += n
		}
	}
	return served, failed
}

// failedAt returns the seconds in which requests failed.
func (r *recorder) failedAt() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for i, s := range r.secs {
		for _, n := range s.failed {
			if n > 0 {
				out = append(out, i)
				break
			}
		}
	}
	sort.Ints(out)
	return out
}

// minHealthy returns the fewest healthy targets seen in a second with a health sample, from
// second from on.
func (r *recorder) minHealthy(from int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := -1
	for i, s := range r.secs {
		if i >= from && len(s.health) > 0 && (m < 0 || s.healthy < m) {
			m = s.healthy
		}
	}
	return m
}

// printTimeline writes the faults and health changes in order, and the traffic in 10-second
// buckets.
func (r *recorder) printTimeline(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	type line struct {
		t    int
		text string
	}
	var lines []line
	for _, f := range r.faults {
		lines = append(lines, line{f.t, "FAULT  " + f.label})
	}
	for _, n := range r.notes {
		lines = append(lines, line{n.t, "       " + n.label})
	}
	for b := 0; b <= r.last; b += 10 {
		served, failed := 0, 0
		for i := b; i < b+10; i++ {
			if s := r.secs[i]; s != nil {
				for _, n := range s.served {
					served += n
				}
				for _, n := range s.failed {
					failed += n
				}
			}
		}
		if served+failed == 0 {
			continue
		}
		text := fmt.Sprintf("TRAFFIC %3d served, %d failed", served, failed)
		if s := r.secs[b]; s != nil && len(s.health) > 0 {
			text += fmt.Sprintf(", %d healthy targets", s.healthy)
		}
		lines = append(lines, line{b, text})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t < lines[j].t })
	for _, l := range lines {
		fmt.Fprintf(w, "  [%02d:%02d] %s\n", l.t/60, l.t%60, l.text)
	}
}

// writeHTML writes the timeline as one self-contained HTML page with an SVG chart: requests
// served and failed per second for each zone, one lane per instance with its health state and
// the requests it served, and the faults marked across all of it.
func (r *recorder) writeHTML(w io.Writer, title string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	zoneOf := r.zone
	var instances []string
	for id := range r.state {
		instances = append(instances, id)
	}
	sort.Slice(instances, func(i, j int) bool {
		if zoneOf[instances[i]] != zoneOf[instances[j]] {
			return zoneOf[instances[i]] < zoneOf[instances[j]]
		}
		return instances[i] < instances[j]
	})
	zoneSet := map[string]bool{}
	for _, id := range instances {
		zoneSet[zoneOf[id]] = true
	}
	var zones []string
	for z := range zoneSet {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	zoneColor := map[string]string{}
	palette := []string{"#1f77b4", "#9467bd", "#17becf", "#8c564b"}
	for i, z := range zones {
		zoneColor[z] = palette[i%len(palette)]
	}

	const left, px, laneH, chartH = 230, 4, 18, 160
	n := r.last + 1
	width := left + n*px + 20
	top := 40
	lanesTop := top + chartH + 40
	height := lanesTop + len(instances)*laneH + 60

	// Stacked per-zone served counts and failures per second.
	maxPerSec := 1
	for i := 0; i < n; i++ {
		if s := r.secs[i]; s != nil {
			t := 0
			for _, c := range s.served {
				t += c
			}
			for _, c := range s.failed {
				t += c
			}
			maxPerSec = max(maxPerSec, t)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>body{font-family:sans-serif;margin:16px;color:#222}svg text{font-size:11px}.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}</style>
</head><body>
<h1>%s</h1>
<p class="legend">`, html.EscapeString(title), html.EscapeString(title))
	for _, z := range zones {
		fmt.Fprintf(&b, `<span><i class="sw" style="background:%s"></i>served in %s</span>`, zoneColor[z], html.EscapeString(z))
	}
	b.WriteString(`<span><i class="sw" style="background:#d62728"></i>failed</span><span><i class="sw" style="background:#c7e9c0"></i>healthy</span><span><i class="sw" style="background:#fdd0a2"></i>initial</span><span><i class="sw" style="background:#fcbba1"></i>unhealthy</span><span><i class="sw" style="background:#d9d9d9"></i>draining / unused</span></p>
`)
	fmt.Fprintf(&b, `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">
<rect width="100%%" height="100%%" fill="#fff"/>
<text x="10" y="%d">requests per second (max %d)</text>
`, width, height, width, height, top+12, maxPerSec)
	base := top + chartH
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", left, base, left+n*px, base)
	for i := 0; i < n; i++ {
		s := r.secs[i]
		if s == nil {
			continue
		}
		y := base
		x := left + i*px
		for _, z := range zones {
			c := 0
			for id, k := range s.served {
				if zoneOf[id] == z {
					c += k
				}
			}
			if c == 0 {
				continue
			}
			h := c * chartH / maxPerSec
			y -= h
			fmt.Fprintf(&b, `<rect class="served" x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%ds: %d served in %s</title></rect>`+"\n", x, y, px, h, zoneColor[z], i, c, z)
		}
		f := 0
		for _, k := range s.failed {
			f += k
		}
		if f > 0 {
			h := max(f*chartH/maxPerSec, 3)
			fmt.Fprintf(&b, `<rect class="failed" x="%d" y="%d" width="%d" height="%d" fill="#d62728"><title>%ds: %d failed</title></rect>`+"\n", x, y-h, px, h, i, f)
		}
	}
	stateColor := map[string]string{"healthy": "#c7e9c0", "initial": "#fdd0a2", "unhealthy": "#fcbba1", "draining": "#d9d9d9", "unused": "#d9d9d9"}
	for li, id := range instances {
		y := lanesTop + li*laneH
		fmt.Fprintf(&b, `<text x="10" y="%d">%s %s</text>`+"\n", y+12, html.EscapeString(id), html.EscapeString(zoneOf[id]))
		maxServed := 1
		for i := 0; i < n; i++ {
			if s := r.secs[i]; s != nil {
				maxServed = max(maxServed, s.served[id]+s.failed[id])
			}
		}
		for i := 0; i < n; i++ {
			s := r.secs[i]
			if s == nil {
				continue
			}
			x := left + i*px
			if st, ok := s.health[id]; ok {
				col := stateColor[st]
				if col == "" {
					col = "#eeeeee"
				}
				fmt.Fprintf(&b, `<rect class="health %s" x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, st, x, y, px, laneH-2, col)
			}
			if c := s.served[id]; c > 0 {
				h := max(c*(laneH-4)/maxServed, 2)
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, x+1, y+laneH-2-h, px-2, h, zoneColor[zoneOf[id]])
			}
			if c := s.failed[id]; c > 0 {
				fmt.Fprintf(&b, `<rect class="failed" x="%d" y="%d" width="%d" height="%d" fill="#d62728"/>`, x, y, px, laneH-2)
			}
		}
		b.WriteString("\n")
	}
	for fi, f := range r.faults {
		x := left + f.t*px
		fmt.Fprintf(&b, `<line class="fault" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d62728" stroke-dasharray="4 3"/>`+"\n", x, top-10, x, height-40)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#d62728">%s</text>`+"\n", x+3, height-36+(fi%3)*12, html.EscapeString(fmt.Sprintf("%ds %s", f.t, f.label)))
	}
	for t := 0; t < n; t += 30 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#666">%02d:%02d</text>`, left+t*px, base+14, t/60, t%60)
	}
	b.WriteString("\n</svg>\n")
	served, failed := 0, 0
	for _, s := range r.secs {
		for _, k := range s.served {
			served += k
		}
		for _, k := range s.failed {
			failed += k
		}
	}
	fmt.Fprintf(&b, "<p id=\"totals\">%d requests served, %d failed over %d seconds of simulated time.</p>\n<ol>\n", served, failed, n)
	for _, f := range r.faults {
		fmt.Fprintf(&b, "<li>%02d:%02d %s</li>\n", f.t/60, f.t%60, html.EscapeString(f.label))
	}
	b.WriteString("</ol>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
