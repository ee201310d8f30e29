package bootstrap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/portalkit/portalkit/internal/check"
)

// ManifestName is the manifest's object name under <prefix>/<version>/.
const ManifestName = "manifest.json"

// FilesDir is the directory, under <prefix>/<version>/, of a release published as files.
const FilesDir = "files"

// Manifest describes one release: its version and the SHA-256 of everything in it. A release is
// files (each pulled from <prefix>/<version>/files/<path>), an archive (a tar, optionally
// gzipped, at <prefix>/<version>/<archive path>), or a git commit.
type Manifest struct {
	// Version names the release; it is the release directory's name.
	Version string `json:"version"`
	// Files lists every file of the release with its digest. For an archive release it is
	// optional; when given, the extracted files are checked against it too.
	Files []ManifestFile `json:"files,omitempty"`
	// Archive is the release as one tar archive. Default: the release is Files.
	Archive *ManifestFile `json:"archive,omitempty"`
	// Ref is the git tag (or branch) of the release. Default: Version.
	Ref string `json:"ref,omitempty"`
	// Commit is the full git commit id the release must be; a git source refuses a ref that
	// resolves to anything else.
	Commit string `json:"commit,omitempty"`
}

// ManifestFile is one file with its digest.
type ManifestFile struct {
	// Path is relative to the release root, with "/" separators.
	Path string `json:"path"`
	// SHA256 is the lowercase hex SHA-256 of the content.
	SHA256 string `json:"sha256"`
	// Size is the length in bytes.
	Size int64 `json:"size"`
}

// Validate returns nil or one error matching ErrInvalidSpec naming every problem.
func (m *Manifest) Validate() error {
	var p check.Problems
	p.If(!validVersion(m.Version), "Version %q is not a version", m.Version)
	seen := map[string]bool{}
	for i, f := range m.Files {
		if err := checkRelPath(f.Path); err != nil {
			p.Addf("Files[%d].Path: %v", i, err)
		}
		p.If(seen[f.Path], "Files[%d].Path %q is listed twice", i, f.Path)
		seen[f.Path] = true
		p.If(!sha256HexRE.MatchString(f.SHA256), "Files[%d].SHA256 %q is not a lowercase hex SHA-256", i, f.SHA256)
		p.If(f.Size < 0, "Files[%d].Size is negative", i)
	}
	if a := m.Archive; a != nil {
		if err := checkKey(a.Path); err != nil {
			p.Addf("Archive.Path: %v", err)
		}
		p.If(!sha256HexRE.MatchString(a.SHA256), "Archive.SHA256 %q is not a lowercase hex SHA-256", a.SHA256)
	}
	p.If(m.Ref != "" && !validGitRef(m.Ref), "Ref %q is not a valid ref name", m.Ref)
	p.If(m.Commit != "" && !commitRE.MatchString(m.Commit), "Commit %q is not a full lowercase hex commit id", m.Commit)
	return p.Err(ErrInvalidSpec)
}

func parseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrInvalidSpec, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// fileDigest returns the hex SHA-256 and size of a file.
func fileDigest(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// verifyTree checks that every listed file exists under dir as a regular file with the listed
// size and SHA-256. With exact, a regular file or link that is not listed fails too.
func verifyTree(dir string, files []ManifestFile, exact bool) error {
	want := make(map[string]ManifestFile, len(files))
	for _, f := range files {
		want[f.Path] = f
	}
	var problems []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		fi, err := os.Lstat(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: missing", f.Path))
			continue
		}
		if !fi.Mode().IsRegular() {
			problems = append(problems, fmt.Sprintf("%s: not a regular file", f.Path))
			continue
		}
		sum, n, err := fileDigest(p)
		if err != nil {
			return fmt.Errorf("bootstrap: verify %s: %w", f.Path, err)
		}
		if n != f.Size || sum != f.SHA256 {
			problems = append(problems, fmt.Sprintf("%s: got sha256 %s size %d, manifest says %s size %d", f.Path, sum, n, f.SHA256, f.Size))
		}
	}
	if exact {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if _, ok := want[filepath.ToSlash(rel)]; !ok {
				problems = append(problems, fmt.Sprintf("%s: not in the manifest", filepath.ToSlash(rel)))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bootstrap: verify: %w", err)
		}
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
		}
		return fmt.Errorf("%w: %s", ErrChecksum, strings.Join(problems, "; "))
	}
	return nil
}
