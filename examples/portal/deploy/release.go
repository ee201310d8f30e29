package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/portalkit/portalkit/bootstrap"
	"github.com/portalkit/portalkit/s3sync"
)

// ErrReleaseChanged is matched by the error of Publish when a release of that version already
// exists in S3 with other content: a published release is never rebuilt or replaced.
var ErrReleaseChanged = errors.New("deploy: release already published with other content")

// ErrNoRelease is matched by the error of Promote and Pointer when the release (or the
// environment's pointer) does not exist.
var ErrNoRelease = errors.New("deploy: no such release")

// ReleasePrefix is where releases live in the bucket, in the instance agent's layout (package
// bootstrap): <prefix>/<version>/manifest.json and <prefix>/<version>/files/.
const ReleasePrefix = bootstrap.DefaultPrefix

// Release is one published code release: an immutable object set in S3.
type Release struct {
	// Version names the release, for example "v2".
	Version string
	// Bucket and Prefix locate it: s3://Bucket/Prefix<version>/.
	Bucket, Prefix string
	// Digest is the SHA-256 over the file names and SHA-256s its manifest lists; it proves a
	// promoted release is the one that was tested.
	Digest string
	// Files is the number of files.
	Files int
}

// pointerName is the name, under ReleasePrefix, of an environment's release pointer.
func pointerName(environment string) string { return "current-" + environment }

// PointerKey returns the key of an environment's release pointer: the object holding the
// version its instances' agents install.
func PointerKey(environment string) string { return ReleasePrefix + "/" + pointerName(environment) }

// Build writes a release of the portal application into dir, as a CI build would: the version,
// a page template, and the validate hook the agent runs after switching to it.
func Build(dir, version string) error {
	files := map[string]string{
		"VERSION":             version + "\n",
		"templates/home.tpl":  "Welcome to the portal (" + version + ")",
		"hooks/validate":      "#!/bin/sh\n# Checks the release once it serves: templates present, config parses.\ntest -s templates/home.tpl\n",
		"static/css/site.css": "body { font-family: sans-serif; }\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// AgentHooks are the hooks the instance agent runs for every release: the release's own
// validate script, after the switch (a failure switches back to the previous release).
var AgentHooks = []bootstrap.Hook{{Event: bootstrap.EventValidateService, Command: "/bin/sh", Args: []string{"hooks/validate"}, TimeoutSeconds: 60}}

// manifestDigest is the digest of a release from its manifest's file list.
func manifestDigest(files []bootstrap.ManifestFile) string {
	sorted := append([]bootstrap.ManifestFile(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	h := sha256.New()
	for _, f := range sorted {
		fmt.Fprintf(h, "%s\x00%s\n", f.Path, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Digest computes a release directory's digest (see Release.Digest) and counts its files.
func Digest(dir string) (string, int, error) {
	var files []bootstrap.ManifestFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		files = append(files, bootstrap.ManifestFile{Path: filepath.ToSlash(rel), SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	return manifestDigest(files), len(files), err
}

// Publish uploads the release built in dir to s3://bucket/releases/<version>/ with the instance
// agent's package (bootstrap.Publish: files, then the manifest with every SHA-256). Publishing
// the same content again uploads nothing; other content under a published version fails with
// ErrReleaseChanged.
func Publish(ctx context.Context, env Env, bucket, dir, version string) (*Release, error) {
	out := env.printer()
	digest, files, err := Digest(dir)
	if err != nil {
		return nil, fmt.Errorf("deploy: release %s: %w", version, err)
	}
	rel := &Release{Version: version, Bucket: bucket, Prefix: ReleasePrefix + "/", Digest: digest, Files: files}
	client := env.s3()
	if err := ensureBucket(ctx, client, bucket); err != nil {
		return nil, err
	}
	have, err := publishedDigest(ctx, env, bucket, version)
	switch {
	case err == nil && have == digest:
		out.line("release %s already published (sha256 %s), nothing to upload", version, digest[:12])
		return rel, nil
	case err == nil:
		return nil, fmt.Errorf("%w: %s has sha256 %s, the build has %s", ErrReleaseChanged, version, have[:12], digest[:12])
	case !errors.Is(err, ErrNoRelease):
		return nil, err
	}
	_, err = bootstrap.Publish(ctx, client, bootstrap.Publication{Dir: dir, Bucket: bucket, Prefix: ReleasePrefix, Version: version},
		func(o *s3sync.Options) {
			o.OnProgress = func(p s3sync.Progress) {
				if p.FilesDone == p.FilesTotal {
					out.line("push %s%s/ %s", rel.Prefix, version, bar(p.FilesDone, p.FilesTotal, p.BytesDone))
				}
			}
		})
	if err != nil {
		return nil, err
	}
	out.line("published release %s: %d files and their manifest, sha256 %s", version, files, digest[:12])
	return rel, nil
}

// publishedDigest reads a published release's manifest and returns its digest.
func publishedDigest(ctx context.Context, env Env, bucket, version string) (string, error) {
	src, err := bootstrap.NewS3Source(env.s3(), bucket, ReleasePrefix, "")
	if err != nil {
		return "", err
	}
	m, err := src.Resolve(ctx, version)
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return "", fmt.Errorf("%w: %s in s3://%s/%s/", ErrNoRelease, version, bucket, ReleasePrefix)
	}
	if err != nil {
		return "", err
	}
	return manifestDigest(m.Files), nil
}

// Promote points an environment at a published release: the pointer object its instances'
// agents read. It checks the release's manifest still carries the digest rel was tested with and
// uploads no release file.
func Promote(ctx context.Context, env Env, rel *Release, environment string) error {
	have, err := publishedDigest(ctx, env, rel.Bucket, rel.Version)
	if err != nil {
		return err
	}
	if have != rel.Digest {
		return fmt.Errorf("%w: %s now has sha256 %s, not the tested %s", ErrReleaseChanged, rel.Version, have[:12], rel.Digest[:12])
	}
	// The pointer's format is the agent's: the version on one line.
	_, err = env.s3().PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(rel.Bucket), Key: aws.String(PointerKey(environment)),
		Body: strings.NewReader(rel.Version + "\n"), ContentType: aws.String("text/plain"),
	})
	if err != nil {
		return fmt.Errorf("deploy: point %s at %s: %w", environment, rel.Version, err)
	}
	env.printer().line("%s now points at release %s (sha256 %s)", environment, rel.Version, rel.Digest[:12])
	return nil
}

// Pointer returns the release an environment points at, with its digest.
func Pointer(ctx context.Context, env Env, bucket, environment string) (*Release, error) {
	out, err := env.s3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(PointerKey(environment))})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, fmt.Errorf("%w: %s points nowhere yet", ErrNoRelease, environment)
	}
	if err != nil {
		return nil, fmt.Errorf("deploy: read the pointer of %s: %w", environment, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, 1024))
	if err != nil {
		return nil, fmt.Errorf("deploy: read the pointer of %s: %w", environment, err)
	}
	version := strings.TrimSpace(string(b))
	digest, err := publishedDigest(ctx, env, bucket, version)
	if err != nil {
		return nil, err
	}
	return &Release{Version: version, Bucket: bucket, Prefix: ReleasePrefix + "/", Digest: digest}, nil
}

func ensureBucket(ctx context.Context, client *s3.Client, bucket string) error {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return nil
	}
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("deploy: create bucket %s: %w", bucket, err)
	}
	return nil
}

func (e Env) s3() *s3.Client {
	return s3.NewFromConfig(e.Config, func(o *s3.Options) { o.UsePathStyle = e.S3PathStyle })
}
