package s3sync

import (
	"context"
	"fmt"
	"strings"
)

// Syncer pushes local directories to S3 prefixes and pulls them back. It is safe for concurrent
// use; each call works on its own copy of the options.
type Syncer struct {
	api  API
	opts Options
}

// New returns a Syncer that talks to S3 through api. For throughput, give it a client whose HTTP
// transport keeps as many idle connections per host as Options.Concurrency (NewFromConfig does).
func New(api API, optFns ...func(*Options)) (*Syncer, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: nil S3 client", ErrInvalidOptions)
	}
	o, err := resolveOptions(Options{}, optFns)
	if err != nil {
		return nil, err
	}
	return &Syncer{api: api, opts: o}, nil
}

func resolveOptions(base Options, optFns []func(*Options)) (Options, error) {
	o := base.copy()
	for _, fn := range optFns {
		fn(&o)
	}
	if err := o.validate(); err != nil {
		return Options{}, err
	}
	o.resolve()
	return o, nil
}

func checkTarget(dir, bucket string) error {
	var bad []string
	if dir == "" {
		bad = append(bad, "local directory is empty")
	}
	if bucket == "" {
		bad = append(bad, "bucket is empty")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(bad, "; "))
	}
	return nil
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
	if err := checkTarget(dir, bucket); err != nil {
		return nil, err
	}
	o, err := resolveOptions(s.opts, optFns)
	if err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, d, dir, bucket, normPrefix(prefix), o)
	if err != nil {
		return nil, fmt.Errorf("s3sync: plan %s %s s3://%s/%s: %w", d, dir, bucket, normPrefix(prefix), err)
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
