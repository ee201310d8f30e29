package deploy

import (
	"bytes"
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

	"github.com/portalkit/portalkit/s3sync"
)

// ErrReleaseChanged is matched by the error of Publish when a release of that version already
// exists in S3 with other content: a published release is never rebuilt or replaced.
var ErrReleaseChanged = errors.New("deploy: release already published with other content")

// ErrNoRelease is matched by the error of Promote and Pointer when the release (or the
// environment's pointer) does not exist.
var ErrNoRelease = errors.New("deploy: no such release")

// Release is one published code release: an immutable object set in S3.
type Release struct {
	// Version names the release, for example "v2".
	Version string
	// Bucket and Prefix locate its files: s3://Bucket/Prefix.
	Bucket, Prefix string
	// Digest is the SHA-256 over the release's file names and contents, recorded in its
	// MANIFEST object; it proves a promoted release is the one that was tested.
	Digest string
	// Files is the number of files.
	Files int
}

// ManifestKey returns the key of a release's manifest, written last when it is published.
func ManifestKey(version string) string { return "releases/" + version + ".manifest" }

// PointerKey returns the key of an environment's release pointer, which user data names.
func PointerKey(environment string) string { return "envs/" + environment + "/release" }

// Build writes a release of the portal application into dir, as a CI build would: the version,
// a page template, and the validate hook the agent runs before switching to it.
func Build(dir, version string) error {
	files := map[string]string{
		"VERSION":             version + "\n",
		"templates/home.tpl":  "Welcome to the portal (" + version + ")",
		"hooks/validate":      "#!/bin/sh\n# Checks the release before it serves: templates present, config parses.\ntest -s templates/home.tpl\n",
		"static/css/site.css": "body { font-family: sans-serif; }\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "hooks/") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			return err
		}
	}
	return nil
}

// Digest computes a release directory's digest (see Release.Digest) and counts its files.
func Digest(dir string) (string, int, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return "", 0, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return "", 0, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), len(names), nil
}

// Publish pushes the release built in dir to s3://bucket/releases/<version>/ and commits it by
// writing its manifest last. Publishing the same content again uploads nothing; other content
// under a published version fails with ErrReleaseChanged.
func Publish(ctx context.Context, env Env, bucket, dir, version string) (*Release, error) {
	out := env.printer()
	digest, files, err := Digest(dir)
	if err != nil {
		return nil, fmt.Errorf("deploy: release %s: %w", version, err)
	}
	rel := &Release{Version: version, Bucket: bucket, Prefix: "releases/" + version + "/", Digest: digest, Files: files}
	client := env.s3()
	if err := ensureBucket(ctx, client, bucket); err != nil {
		return nil, err
	}
	have, err := readManifest(ctx, client, bucket, version)
	switch {
	case err == nil && have == digest:
		out.line("release %s already published (sha256 %s), nothing to upload", version, digest[:12])
		return rel, nil
	case err == nil:
		return nil, fmt.Errorf("%w: %s has sha256 %s, the build has %s", ErrReleaseChanged, version, have[:12], digest[:12])
	case !errors.Is(err, ErrNoRelease):
		return nil, err
	}
	syncer, err := s3sync.New(client, func(o *s3sync.Options) {
		o.OnProgress = func(p s3sync.Progress) {
			if p.FilesDone == p.FilesTotal {
				out.line("push %s %s", rel.Prefix, bar(p.FilesDone, p.FilesTotal, p.BytesDone))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if _, err := syncer.Push(ctx, dir, bucket, rel.Prefix); err != nil {
		return nil, err
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(ManifestKey(version)),
		Body: strings.NewReader(digest + "\n"), ContentType: aws.String("text/plain"),
	}); err != nil {
		return nil, fmt.Errorf("deploy: commit release %s: %w", version, err)
	}
	out.line("published release %s: %d files, sha256 %s", version, files, digest[:12])
	return rel, nil
}

// Promote points an environment at a published release: the pointer object its instances read.
// It checks the release's manifest still carries the digest rel was tested with and uploads no
// release file.
func Promote(ctx context.Context, env Env, rel *Release, environment string) error {
	client := env.s3()
	have, err := readManifest(ctx, client, rel.Bucket, rel.Version)
	if err != nil {
		return err
	}
	if have != rel.Digest {
		return fmt.Errorf("%w: %s now has sha256 %s, not the tested %s", ErrReleaseChanged, rel.Version, have[:12], rel.Digest[:12])
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(rel.Bucket), Key: aws.String(PointerKey(environment)),
		Body: strings.NewReader(rel.Version + " " + rel.Digest + "\n"), ContentType: aws.String("text/plain"),
	})
	if err != nil {
		return fmt.Errorf("deploy: point %s at %s: %w", environment, rel.Version, err)
	}
	env.printer().line("%s now points at release %s (sha256 %s)", environment, rel.Version, rel.Digest[:12])
	return nil
}

// Pointer returns the release version and digest an environment points at.
func Pointer(ctx context.Context, env Env, bucket, environment string) (version, digest string, err error) {
	b, err := getSmall(ctx, env.s3(), bucket, PointerKey(environment))
	if err != nil {
		return "", "", err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return "", "", fmt.Errorf("deploy: pointer of %s is malformed", environment)
	}
	return f[0], f[1], nil
}

func readManifest(ctx context.Context, client *s3.Client, bucket, version string) (string, error) {
	b, err := getSmall(ctx, client, bucket, ManifestKey(version))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// getSmall reads a small object; a missing one is ErrNoRelease.
func getSmall(ctx context.Context, client *s3.Client, bucket, key string) ([]byte, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, fmt.Errorf("%w: s3://%s/%s", ErrNoRelease, bucket, key)
	}
	if err != nil {
		return nil, fmt.Errorf("deploy: read s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(out.Body, 4096)); err != nil {
		return nil, fmt.Errorf("deploy: read s3://%s/%s: %w", bucket, key, err)
	}
	return buf.Bytes(), nil
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
