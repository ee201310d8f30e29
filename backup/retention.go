package backup

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/portalkit/portalkit/internal/check"
)

// Retention is a grandfather-father-son policy. A backup is kept when any rule keeps it; the
// newest backup is always kept, whatever the counts. Periods are UTC calendar days, ISO weeks
// and calendar months; in each of the newest N periods that have a backup, the newest backup of
// the period is kept.
type Retention struct {
	// KeepLast keeps the newest N backups. Zero value: 0 (only the newest, which is always kept).
	KeepLast int
	// KeepDaily, KeepWeekly and KeepMonthly keep the newest backup of each of the newest N days,
	// weeks and months that have one. Zero value: 0.
	KeepDaily, KeepWeekly, KeepMonthly int
}

func (r Retention) validate() error {
	var p check.Problems
	p.If(r.KeepLast < 0, "KeepLast is negative (%d)", r.KeepLast)
	p.If(r.KeepDaily < 0, "KeepDaily is negative (%d)", r.KeepDaily)
	p.If(r.KeepWeekly < 0, "KeepWeekly is negative (%d)", r.KeepWeekly)
	p.If(r.KeepMonthly < 0, "KeepMonthly is negative (%d)", r.KeepMonthly)
	return p.Err(ErrInvalidSpec)
}

// Decision is what retention does with one backup (or EBS snapshot).
type Decision struct {
	// ID is the backup ID (or snapshot ID); Time its time.
	ID   string
	Time time.Time
	// Keep is true when some rule keeps it; Reasons names the rules ("last", "daily 2026-12-01",
	// "newest", ...).
	Keep    bool
	Reasons []string
}

// Apply decides, for items identified by id with times, which to keep. It is the pure part of
// Prune and PruneSnapshots, exported so callers can preview a policy.
func (r Retention) Apply(ids []string, times []time.Time) []Decision {
	idx := make([]int, len(ids))
	for i := range idx {
		idx[i] = i
	}
	// newest first
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]].After(times[idx[b]]) })
	ds := make([]Decision, len(idx))
	for k, i := range idx {
		ds[k] = Decision{ID: ids[i], Time: times[i]}
	}
	keep := func(k int, why string) { ds[k].Keep = true; ds[k].Reasons = append(ds[k].Reasons, why) }
	if len(ds) > 0 {
		keep(0, "newest")
	}
	for k := 0; k < len(ds) && k < r.KeepLast; k++ {
		keep(k, "last")
	}
	bucket := func(n int, label string, period func(time.Time) string) {
		seen := map[string]bool{}
		for k := range ds {
			if len(seen) >= n {
				return
			}
			p := period(ds[k].Time.UTC())
			if !seen[p] {
				seen[p] = true
				keep(k, label+" "+p)
			}
		}
	}
	bucket(r.KeepDaily, "daily", func(t time.Time) string { return t.Format("2006-01-02") })
	bucket(r.KeepWeekly, "weekly", func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) })
	bucket(r.KeepMonthly, "monthly", func(t time.Time) string { return t.Format("2006-01") })
	return ds
}

// PruneResult is what Prune decided and did.
type PruneResult struct {
	// Decisions are all committed backups, newest first.
	Decisions []Decision
	// Deleted are the IDs deleted (in a dry run: those that would be).
	Deleted []string
	// DryRun is true when nothing was deleted on purpose.
	DryRun bool
}

// Prune applies r to the committed backups of set name (those with a manifest; a failed backup
// has none and counts for nothing, so it can never push a good one out). The newest backup and
// the newest backup that passed Verify are always kept. If the listing fails,
// nothing is deleted. For each backup to go, its manifest is deleted first (it stops being a
// backup) and then its data. dryRun reports what would go and deletes nothing.
func (m *Manager) Prune(ctx context.Context, name string, r Retention, dryRun bool) (*PruneResult, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	list, err := m.List(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("backup: prune %s: nothing deleted: %w", name, err)
	}
	ids := make([]string, len(list))
	times := make([]time.Time, len(list))
	byID := map[string]Info{}
	for i, in := range list {
		ids[i], times[i] = in.ID, in.Time
		byID[in.ID] = in
	}
	res := &PruneResult{Decisions: r.Apply(ids, times), DryRun: dryRun}
	// The newest backup that passed Verify is kept too, whatever the rules say.
	for i := range res.Decisions {
		if d := &res.Decisions[i]; byID[d.ID].Verified {
			d.Keep = true
			d.Reasons = append(d.Reasons, "newest verified")
			break
		}
	}
	for _, d := range res.Decisions {
		if d.Keep {
			continue
		}
		in := byID[d.ID]
		if dryRun {
			m.opts.Logger.Info("backup: prune would delete", "backup", name, "id", d.ID)
			res.Deleted = append(res.Deleted, d.ID)
			continue
		}
		for _, key := range append([]string{in.ManifestKey}, in.DataKeys...) {
			if _, err := m.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(m.opts.Bucket), Key: aws.String(key)}); err != nil {
				return res, fmt.Errorf("backup: prune %s: delete s3://%s/%s: %w", name, m.opts.Bucket, key, err)
			}
		}
		m.opts.Logger.Info("backup: pruned", "backup", name, "id", d.ID)
		res.Deleted = append(res.Deleted, d.ID)
	}
	return res, nil
}
