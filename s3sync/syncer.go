package s3sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/portalkit/portalkit/internal/check"
)

// Syncer pushes local directories to S3 prefixes and pulls them back. It is safe for concurrent
// use; each call works on its own copy of the options.
type Syncer struct {
	api  API
	opts Options
}

// New returns a Syncer that talks to S3 through api. For throughput, give it a client whose HTTP
// transport keeps as many idle connections per host as Options.Concurrency (NewFromConfig does).
// It validates the options once and returns an error matching ErrInvalidOptions that names every
// invalid field.
func New(api API, optFns ...func(*Options)) (*Syncer, error) {
	var p check.Problems
	p.If(api == nil, "API: nil S3 client")
	o, err := resolveOptions(Options{}, optFns, &p)
	if err != nil {
		return nil, err
	}
	return &Syncer{api: api, opts: o}, nil
}

// resolveOptions applies optFns to a copy of base, adds the result's problems to p (which may hold
// the caller's own), and returns one error naming them all, or the options with their defaults.
func resolveOptions(base Options, optFns []func(*Options), p *check.Problems) (Options, error) {
	o := base.copy()
	for _, fn := range optFns {
		fn(&o)
	}
	o.check(p)
	if err := p.Err(ErrInvalidOptions); err != nil {
		return Options{}, err
	}
	o.resolve()
	return o, nil
}

// checkTarget records the problems of a call's directory, bucket and prefix, and returns the
// normalized prefix.
func checkTarget(p *check.Problems, dir, bucket, prefix string) string {
	p.If(dir == "", "dir: local directory is empty")
	p.If(bucket == "", "bucket: bucket is empty")
	norm := normPrefix(prefix)
	if norm != "" {
		if err := checkRel(strings.TrimSuffix(norm, "/")); err != nil {
			p.Addf("prefix: %q %v (keys below it could not be pulled)", prefix, err)
		}
	}
	return norm
}

// PlanPush compares dir with s3://bucket/prefix/ and returns what a push would do, changing
// nothing. optFns override the Syncer's options for this plan and its Apply.
func (s *Syncer) PlanPush(ctx context.Context, dir, bucket, prefix string, optFns ...func(*Options)) (*Plan, error) {
	return s.planFor(ctx, DirPush, dir, bucket, prefix, optFns)
}

// PlanPull compares s3://bucket/prefix/ with dir and returns what a pull would do, changing
// nothing. It fails with an *UnsafeKeyError if any key would land outside dir.
func (s *Syncer) PlanPull(ctx context.Context, dir, bucket, prefix string, optFns ...func(*Options)) (*Plan, error) {
	return s.planFor(ctx, DirPull, dir, bucket, prefix, optFns)
}

func (s *Syncer) planFor(ctx context.Context, d Direction, dir, bucket, prefix string, optFns []func(*Options)) (*Plan, error) {
	var problems check.Problems
	prefix = checkTarget(&problems, dir, bucket, prefix)
	o, err := resolveOptions(s.opts, optFns, &problems)
	if err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, d, dir, bucket, prefix, o)
	if err != nil {
		return nil, fmt.Errorf("s3sync: plan %s %s s3://%s/%s: %w", d, dir, bucket, prefix, err)
	}
	return p, nil
}

// Push plans and applies a push of dir to s3://bucket/prefix/. It returns the plan it carried out
// (also on error, when planning succeeded).
func (s *Syncer) Push(ctx context.Context, dir, bucket, prefix string, optFns ...func(*Options)) (*Plan, error) {
	p, err := s.PlanPush(ctx, dir, bucket, prefix, optFns...)
	if err != nil {
		return nil, err
	}
	return p, s.Apply(ctx, p)
}

// Pull plans and applies a pull of s3://bucket/prefix/ into dir. It returns the plan it carried
// out (also on error, when planning succeeded).
func (s *Syncer) Pull(ctx context.Context, dir, bucket, prefix string, optFns ...func(*Options)) (*Plan, error) {
	p, err := s.PlanPull(ctx, dir, bucket, prefix, optFns...)
	if err != nil {
		return nil, err
	}
	return p, s.Apply(ctx, p)
}
