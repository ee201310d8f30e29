package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/portalkit/portalkit/internal/awserr"
)

// ManifestFormat is the manifest version this package writes and reads.
const ManifestFormat = 1

// manifestName is the manifest's key under a backup's prefix; verifiedName the record of a
// passed Verify.
const (
	manifestName = "manifest.json"
	verifiedName = "verified.json"
)

// idLayout formats a backup ID: its UTC start time, sortable as text.
const idLayout = "20060102T150405.000Z"

// Manifest describes one committed backup. It is written last, after the dump object is
// complete and checked: a backup without a manifest does not exist for List, Restore and
// retention.
type Manifest struct {
	// Format is ManifestFormat.
	Format int `json:"format"`
	// Name is the backup set (Spec.Name).
	Name string `json:"name"`
	// ID identifies the backup within the set: its start time, UTC, "20060102T150405.000Z".
	ID string `json:"id"`
	// Bucket and Key locate the dump object. Manager.Manifest sets them to where the object is
	// now: next to the manifest it read.
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// Started and Finished are the Options.Clock times of the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Databases are the dumped databases; Tables the tables, when the dump was limited to some.
	Databases []string `json:"databases"`
	Tables    []string `json:"tables,omitempty"`
	// SingleDatabase is true when the dump has no CREATE DATABASE/USE statements, so Restore can
	// load it into a database of any name.
	SingleDatabase bool `json:"singleDatabase"`
	// Compression and Encryption name the stored format ("" for no encryption).
	Compression Compression `json:"compression"`
	Encryption  string      `json:"encryption,omitempty"`
	// DumpBytes is the size of the dump client's output.
	DumpBytes int64 `json:"dumpBytes"`
	// StoredBytes and SHA256 (hex) describe the stored object exactly.
	StoredBytes int64  `json:"storedBytes"`
	SHA256      string `json:"sha256"`
	// ETag is S3's ETag of the stored object.
	ETag string `json:"etag"`
	// Parts and PartSize describe the multipart upload.
	Parts    int   `json:"parts"`
	PartSize int64 `json:"partSize"`
	// DumpCommand, DumpArgs (never a secret) and the versions of the client and server.
	DumpCommand   string   `json:"dumpCommand"`
	DumpArgs      []string `json:"dumpArgs"`
	ClientVersion string   `json:"clientVersion,omitempty"`
	ServerVersion string   `json:"serverVersion,omitempty"`
	// TableStats are row counts and CHECKSUM TABLE values taken at dump time
	// (Options.RecordTableStats), for Verify.
	TableStats []TableStat `json:"tableStats,omitempty"`
}

// TableStat is one table's row count and CHECKSUM TABLE value.
type TableStat struct {
	// Database and Table name the table (Database is the source database).
	Database string `json:"database"`
	Table    string `json:"table"`
	// Rows is SELECT COUNT(*).
	Rows int64 `json:"rows"`
	// Checksum is CHECKSUM TABLE's value; nil when the server returned NULL.
	Checksum *int64 `json:"checksum"`
}

// Info is one committed backup as List reports it.
type Info struct {
	// Name is the backup set; ID the backup.
	Name, ID string
	// Time is the backup's start time (parsed from ID).
	Time time.Time
	// ManifestKey is the manifest's key; DataKeys are the other objects under the backup's
	// prefix (the dump object, the verification record).
	ManifestKey string
	DataKeys    []string
	// Verified is true when Verify passed for this backup (it wrote a verification record).
	Verified bool
}

func (m *Manager) setPrefix(name string) string { return m.opts.Prefix + name + "/" }

func (m *Manager) backupPrefix(name, id string) string { return m.setPrefix(name) + id + "/" }

// List returns the committed backups of set name (those with a manifest), oldest first. It
// pages through the whole listing; any failed page fails List (callers such as Prune then
// delete nothing).
func (m *Manager) List(ctx context.Context, name string) ([]Info, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	byID := map[string]*Info{}
	prefix := m.setPrefix(name)
	var token *string
	for {
		out, err := m.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(m.opts.Bucket), Prefix: aws.String(prefix), ContinuationToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("backup: list s3://%s/%s: %w", m.opts.Bucket, prefix, err)
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			rest := strings.TrimPrefix(key, prefix)
			id, file, ok := strings.Cut(rest, "/")
			if !ok || strings.Contains(file, "/") {
				continue
			}
			t, err := time.Parse(idLayout, id)
			if err != nil {
				continue // not a backup of this package
			}
			in := byID[id]
			if in == nil {
				in = &Info{Name: name, ID: id, Time: t}
				byID[id] = in
			}
			switch file {
			case manifestName:
				in.ManifestKey = key
			case verifiedName:
				in.Verified = true
				in.DataKeys = append(in.DataKeys, key)
			default:
				in.DataKeys = append(in.DataKeys, key)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if aws.ToString(out.NextContinuationToken) == "" {
			// Starting over would loop for ever; stopping here would be a partial listing.
			return nil, fmt.Errorf("backup: list s3://%s/%s: truncated page without a continuation token", m.opts.Bucket, prefix)
		}
		token = out.NextContinuationToken
	}
	var list []Info
	for _, in := range byID {
		if in.ManifestKey != "" {
			list = append(list, *in)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

// Manifest reads the manifest of backup id of set name. It matches ErrNotFound when there is
// none and ErrIntegrity when it cannot be parsed.
func (m *Manager) Manifest(ctx context.Context, name, id string) (*Manifest, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	key := m.backupPrefix(name, id) + manifestName
	out, err := m.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(m.opts.Bucket), Key: aws.String(key)})
	if err != nil {
		if awserr.IsCode(err, "NoSuchKey") {
			return nil, fmt.Errorf("%w: %s/%s (no manifest at s3://%s/%s)", ErrNotFound, name, id, m.opts.Bucket, key)
		}
		return nil, fmt.Errorf("backup: get manifest s3://%s/%s: %w", m.opts.Bucket, key, err)
	}
	defer out.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(out.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("backup: read manifest s3://%s/%s: %w", m.opts.Bucket, key, err)
	}
	var man Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&man); err != nil {
		return nil, fmt.Errorf("%w: manifest s3://%s/%s: %v", ErrIntegrity, m.opts.Bucket, key, err)
	}
	var p []string
	if man.Format != ManifestFormat {
		p = append(p, fmt.Sprintf("format %d, want %d", man.Format, ManifestFormat))
	}
	if man.Name != name || man.ID != id {
		p = append(p, fmt.Sprintf("names backup %s/%s", man.Name, man.ID))
	}
	// The dump object sits next to its manifest. Locate it there rather than where it was
	// written, so a backup copied or replicated to another bucket or prefix restores too.
	if base := path.Base(man.Key); man.Key == "" || base == manifestName || base == "." || base == "/" {
		p = append(p, fmt.Sprintf("names no dump object (%q)", man.Key))
	} else {
		man.Bucket, man.Key = m.opts.Bucket, m.backupPrefix(name, id)+base
	}
	switch man.Compression {
	case CompressionZstd, CompressionGzip, CompressionS2, CompressionNone:
	default:
		// Found only after the restore had created its target, otherwise.
		p = append(p, fmt.Sprintf("names an unknown compression %q", man.Compression))
	}
	if len(man.SHA256) != 64 || man.StoredBytes <= 0 {
		p = append(p, "has no SHA-256 or size")
	}
	if len(p) > 0 {
		return nil, fmt.Errorf("%w: manifest s3://%s/%s: %s", ErrIntegrity, m.opts.Bucket, key, strings.Join(p, "; "))
	}
	return &man, nil
}

func validName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return fmt.Errorf("%w: backup set name %q must be non-empty without slashes", ErrInvalidSpec, name)
	}
	return nil
}
