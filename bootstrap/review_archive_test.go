package bootstrap

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A link that looks contained lexically but resolves outside the release through an earlier link
// ("d" -> ".", then "e" -> "d/..") is refused like any link out of the release; links that
// resolve inside, and dangling links inside, are fine.
func TestArchiveRefusesLinkEscapingThroughAnotherLink(t *testing.T) {
	for name, entries := range map[string][]tarEntry{
		"through a dot link":       {{name: "d", link: ".", typ: tar.TypeSymlink}, {name: "e", link: "d/..", typ: tar.TypeSymlink}},
		"through a nested link":    {{name: "a/", typ: tar.TypeDir}, {name: "a/up", link: "..", typ: tar.TypeSymlink}, {name: "e", link: "a/up/..", typ: tar.TypeSymlink}},
		"dangling, through a link": {{name: "d", link: ".", typ: tar.TypeSymlink}, {name: "e", link: "d/../nothing", typ: tar.TypeSymlink}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "release")
			require.NoError(t, os.Mkdir(dir, 0o755))
			err := extractTar(bytes.NewReader(makeTar(t, true, entries...)), dir)
			require.ErrorIs(t, err, ErrUnsafePath)
		})
	}
	dir := t.TempDir()
	require.NoError(t, extractTar(bytes.NewReader(makeTar(t, false,
		tarEntry{name: "app/", typ: tar.TypeDir},
		tarEntry{name: "app/index.php", body: "<?php"},
		tarEntry{name: "public/", typ: tar.TypeDir},
		tarEntry{name: "public/index.php", link: "../app/index.php", typ: tar.TypeSymlink},
		tarEntry{name: "public/uploads", link: "../shared/uploads", typ: tar.TypeSymlink},
	)), dir))
	b, err := os.ReadFile(filepath.Join(dir, "public", "index.php"))
	require.NoError(t, err)
	assert.Equal(t, "<?php", string(b))
}
