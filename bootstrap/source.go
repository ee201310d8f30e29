package bootstrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/portalkit/portalkit/s3sync"
)

// Source is where releases come from. The agent tries its sources in order, so a deploy can fall
// back from one to the next (S3, then git).
type Source interface {
	// Name names the source in logs and results, for example "s3" or "git".
	Name() string
	// Resolve returns the manifest of version, or of the source's current release when version
	// is "".
	Resolve(ctx context.Context, version string) (*Manifest, error)
	// Fetch writes the release m into dir (an empty staging directory) and verifies every
	// checksum (or the commit id) against m. An error matching errors.ErrUnsupported means the
	// source cannot fetch that kind of manifest; the agent then asks it to Resolve its own.
	Fetch(ctx context.Context, m *Manifest, dir string) error
}

// maxManifestSize bounds a manifest object; maxPointerSize a pointer object.
const (
	maxManifestSize = 16 << 20
	maxPointerSize  = 1024
)

// S3Source reads releases from S3: the pointer object <prefix>/<pointer> holds the current
// version, <prefix>/<version>/manifest.json describes a release, and its content is under
// <prefix>/<version>/files/ (pulled with s3sync) or is one archive under <prefix>/<version>/.
type S3Source struct {
	api                     S3API
	syncer                  *s3sync.Syncer
	bucket, prefix, pointer string
}

// NewS3Source returns a source for the releases under prefix in bucket; pointer names the pointer
// object under prefix ("" means DefaultPointer). syncOpts tune the s3sync pulls.
func NewS3Source(api S3API, bucket, prefix, pointer string, syncOpts ...func(*s3sync.Options)) (*S3Source, error) {
	if pointer == "" {
		pointer = DefaultPointer
	}
	cfg := Config{Bucket: bucket, Prefix: prefix, Pointer: pointer}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if api == nil {
		return nil, fmt.Errorf("%w: nil S3 client", ErrInvalidOptions)
	}
	// Releases are written to stable storage before the switch can point at them.
	syncOpts = append([]func(*s3sync.Options){func(o *s3sync.Options) { o.Fsync = true }}, syncOpts...)
	syncer, err := s3sync.New(api, syncOpts...)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return &S3Source{api: api, syncer: syncer, bucket: bucket, prefix: prefix, pointer: pointer}, nil
}

// Name returns "s3".
func (s *S3Source) Name() string { return SourceS3 }

func (s *S3Source) key(parts ...string) string {
	return path.Join(append([]string{s.prefix}, parts...)...)
}

func (s *S3Source) get(ctx context.Context, key string, limit int64) ([]byte, error) {
	out, err := s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("bootstrap: read s3://%s/%s: %w", s.bucket, key, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("bootstrap: s3://%s/%s is larger than %d bytes", s.bucket, key, limit)
	}
	return b, nil
}

// Resolve reads the pointer (when version is "") and the release's manifest.
func (s *S3Source) Resolve(ctx context.Context, version string) (*Manifest, error) {
	if version == "" {
		b, err := s.get(ctx, s.key(s.pointer), maxPointerSize)
		if err != nil {
			return nil, err
		}
		version = strings.TrimSpace(string(b))
		if !validVersion(version) {
			return nil, fmt.Errorf("%w: pointer s3://%s/%s holds %q, not a version", ErrInvalidSpec, s.bucket, s.key(s.pointer), version)
		}
	}
	b, err := s.get(ctx, s.key(version, ManifestName), maxManifestSize)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(b)
	if err != nil {
		return nil, err
	}
	if m.Version != version {
		return nil, fmt.Errorf("%w: manifest of %s names version %q", ErrInvalidSpec, version, m.Version)
	}
	return m, nil
}

// Fetch pulls the release's files with s3sync (or downloads its archive and extracts it) into dir
// and checks every SHA-256 against m.
func (s *S3Source) Fetch(ctx context.Context, m *Manifest, dir string) error {
	if m.Archive == nil && len(m.Files) == 0 {
		return fmt.Errorf("bootstrap: s3 release %s lists no files and no archive: %w", m.Version, errors.ErrUnsupported)
	}
	if m.Archive != nil {
		if err := s.fetchArchive(ctx, m, dir); err != nil {
			return err
		}
		return verifyTree(dir, m.Files, false)
	}
	if _, err := s.syncer.Pull(ctx, dir, s.bucket, s.key(m.Version, FilesDir)); err != nil {
		return fmt.Errorf("bootstrap: pull release %s: %w", m.Version, err)
	}
	return verifyTree(dir, m.Files, true)
}

// fetchArchive downloads the archive next to dir while hashing it, checks the digest, and only
// then extracts it: unverified bytes are never unpacked.
func (s *S3Source) fetchArchive(ctx context.Context, m *Manifest, dir string) error {
	key := s.key(m.Version, m.Archive.Path)
	out, err := s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("bootstrap: get archive s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dir), ".archive-*.tmp")
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), out.Body)
	if err != nil {
		return fmt.Errorf("bootstrap: download archive s3://%s/%s: %w", s.bucket, key, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != m.Archive.SHA256 || (m.Archive.Size > 0 && n != m.Archive.Size) {
		return fmt.Errorf("%w: archive %s: got sha256 %s size %d, manifest says %s size %d", ErrChecksum, m.Archive.Path, sum, n, m.Archive.SHA256, m.Archive.Size)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return extractTar(tmp, dir)
}

// Publication is a release to publish with [Publish].
type Publication struct {
	// Dir is the local release tree. Required.
	Dir string
	// Bucket and Prefix locate the releases (Prefix "" means DefaultPrefix).
	Bucket, Prefix string
	// Version names the release. Required.
	Version string
	// Pointer, when set, is the pointer object under Prefix that is set to Version after the
	// release and its manifest are uploaded (for example DefaultPointer). Default: the pointer is
	// left alone.
	Pointer string
	// Commit, when set, is recorded in the manifest so a git source can serve the same release.
	Commit string
}

// Publish uploads a release: the files of p.Dir with s3sync under <prefix>/<version>/files/
// (removing objects there that p.Dir no longer has), then the manifest with every file's
// SHA-256, then (when p.Pointer is set) the pointer. Instances that read the pointer never see a
// release whose manifest or files are not all there yet.
func Publish(ctx context.Context, api S3API, p Publication, syncOpts ...func(*s3sync.Options)) (*Manifest, error) {
	if p.Prefix == "" {
		p.Prefix = DefaultPrefix
	}
	m := &Manifest{Version: p.Version, Commit: p.Commit}
	err := filepath.WalkDir(p.Dir, func(fp string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(p.Dir, fp)
		sum, n, err := fileDigest(fp)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, ManifestFile{Path: filepath.ToSlash(rel), SHA256: sum, Size: n})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: publish %s: %w", p.Version, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// Objects under <prefix>/<version>/files/ that the tree no longer has (a version published
	// again) would make every instance refuse the release as "not in the manifest": remove them.
	pushOpts := append(slices.Clone(syncOpts), func(o *s3sync.Options) { o.Delete = true })
	src, err := NewS3Source(api, p.Bucket, p.Prefix, p.Pointer, pushOpts...)
	if err != nil {
		return nil, err
	}
	if _, err := src.syncer.Push(ctx, p.Dir, p.Bucket, src.key(p.Version, FilesDir)); err != nil {
		return nil, fmt.Errorf("bootstrap: publish %s: %w", p.Version, err)
	}
	body, _ := json.MarshalIndent(m, "", "  ")
	if err := putObject(ctx, api, p.Bucket, src.key(p.Version, ManifestName), body); err != nil {
		return nil, err
	}
	if p.Pointer != "" {
		if err := putObject(ctx, api, p.Bucket, src.key(p.Pointer), []byte(p.Version+"\n")); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func putObject(ctx context.Context, api S3API, bucket, key string, body []byte) error {
	_, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentType: aws.String("application/json")})
	if err != nil {
		return fmt.Errorf("bootstrap: put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
