package s3sync

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckRel(t *testing.T) {
	for _, tc := range []struct {
		rel string
		ok  bool
	}{
		{"a.txt", true},
		{"dir/sub/file.php", true},
		{"...", true},
		{"a..b/c", true},
		{"", false},
		{"..", false},
		{"../escape", false},
		{"a/../../escape", false},
		{"a/./b", false},
		{"/etc/passwd", false},
		{"a//b", false},
		{"a/", false},
		{`..\..\escape`, false},
		{`a\b`, false},
		{"a\x00b", false},
	} {
		err := checkRel(tc.rel)
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.rel, err)
	}
}

func TestFilter(t *testing.T) {
	f := newFilter([]string{"**/*.php", "static/", "top?.txt"}, []string{"vendor/**", "*_test.php", "static/*.map"})
	for rel, want := range map[string]bool{
		"index.php":               true,
		"app/controllers/x.php":   true,
		"app/x_test.php":          false,
		"vendor/lib/a.php":        false,
		"static/css/site.css":     true,
		"static/site.js.map":      false,
		"static/css/site.css.map": true, // "*" does not cross "/"
		"top1.txt":                true,
		"top12.txt":               false,
		"sub/top1.txt":            true, // no "/" in the pattern: base name at any depth
		"readme.md":               false,
	} {
		assert.Equal(t, want, f.match(rel), rel)
	}
	assert.True(t, f.pruneDir("vendor"))
	assert.False(t, f.pruneDir("app"))
	assert.False(t, f.pruneDir("static"))
}

func TestMtimeFormat(t *testing.T) {
	ts := time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.UTC)
	got, ok := parseMtime(formatMtime(ts))
	require.True(t, ok)
	assert.True(t, ts.Equal(got))
	got, ok = parseMtime("1709287200.5")
	require.True(t, ok)
	assert.Equal(t, 500*time.Millisecond, time.Duration(got.Nanosecond()))
	got, ok = parseMtime("1709287200")
	require.True(t, ok)
	assert.Equal(t, int64(1709287200), got.Unix())
	for _, bad := range []string{"", "x", "1.x", "1.-5"} {
		_, ok := parseMtime(bad)
		assert.False(t, ok, bad)
	}
	assert.True(t, mtimeEqual(ts, ts.Truncate(time.Second)), "a whole-second file system")
	assert.True(t, mtimeEqual(ts, ts.Truncate(100*time.Nanosecond)), "NTFS keeps 100 ns")
	assert.False(t, mtimeEqual(ts, ts.Add(time.Nanosecond)))
	assert.False(t, mtimeEqual(ts, ts.Add(-time.Nanosecond)))
	whole := ts.Truncate(time.Second)
	assert.False(t, mtimeEqual(whole, whole.Add(700*time.Millisecond)),
		"a file edited within the stored whole second on a nanosecond file system differs")
	assert.False(t, mtimeEqual(whole, whole.Add(time.Second)))
	m, ok := parseMode("4755")
	require.True(t, ok)
	assert.Equal(t, os.FileMode(0o755), m, "setuid from a bucket is dropped")
}

func TestPartSize(t *testing.T) {
	assert.Equal(t, int64(DefaultPartSize), partSize(1<<30, DefaultPartSize))
	assert.Equal(t, int64(1<<40/MaxParts+1), partSize(1<<40, DefaultPartSize), "grows to fit MaxParts")
}

// The walk must list in S3's byte order, where "a.txt" < "a/b" < "a0" ('.' < '/' < '0').
func TestWalkOrderMatchesKeyOrder(t *testing.T) {
	root := t.TempDir()
	rels := []string{"a.txt", "a/b", "a/c/d", "a0", "a-b/x", "B", "é", "z/.hidden", ".s3sync-123.tmp"}
	for _, r := range rels {
		p := filepath.Join(root, filepath.FromSlash(r))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	w, err := newWalker(root, newFilter(nil, nil), false, false, time.Time{}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	var got []string
	for {
		lf, ok, err := w.next()
		require.NoError(t, err)
		if !ok {
			break
		}
		got = append(got, lf.rel)
	}
	want := slices.Clone(rels[:len(rels)-1]) // temporary files are skipped
	slices.Sort(want)
	assert.Equal(t, want, got)
}

func TestDecide(t *testing.T) {
	upload := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	built := upload.Add(-time.Hour)
	ro := remoteObject{size: 10, lastModified: upload}
	for _, tc := range []struct {
		name    string
		d       Direction
		lf      localFile
		o       Options
		reason  string
		decided bool
	}{
		{"size differs", DirPush, localFile{size: 11, mtime: built}, Options{}, ReasonSize, true},
		{"push unchanged", DirPush, localFile{size: 10, mtime: built}, Options{}, "", true},
		{"push newer", DirPush, localFile{size: 10, mtime: upload.Add(2 * time.Second)}, Options{}, ReasonNewer, true},
		{"push same second", DirPush, localFile{size: 10, mtime: upload.Add(time.Millisecond)}, Options{}, "", false},
		{"push exact mtime", DirPush, localFile{size: 10, mtime: built}, Options{ExactMtime: true}, "", false},
		{"size only", DirPush, localFile{size: 10, mtime: upload.Add(time.Hour)}, Options{Compare: CompareSizeOnly}, "", true},
		{"checksum", DirPull, localFile{size: 10, mtime: built}, Options{Compare: CompareChecksum}, "", false},
		{"pulled", DirPull, localFile{size: 10, mtime: built, ctime: upload.Add(time.Minute)}, Options{}, "", true},
		{"object re-uploaded after pull", DirPull, localFile{size: 10, mtime: built, ctime: upload.Add(-time.Minute)}, Options{}, "", false},
		{"edited after pull", DirPull, localFile{size: 10, mtime: upload.Add(time.Hour), ctime: upload.Add(time.Hour)}, Options{}, "", false},
		{"edited in the upload second", DirPull, localFile{size: 10, mtime: upload.Add(time.Millisecond), ctime: upload.Add(time.Millisecond)}, Options{}, "", false},
		{"ctime unknown", DirPull, localFile{size: 10, mtime: built}, Options{}, "", false},
		{"multipart object", DirPull, localFile{size: 10, mtime: built, ctime: upload.Add(time.Minute)}, Options{}, "", false},
		{"object of multipart size", DirPull, localFile{size: 10, mtime: built, ctime: upload.Add(time.Minute)}, Options{}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ro, o := ro, tc.o
			o.resolve()
			switch tc.name {
			case "multipart object":
				ro.etag = `"9b2cf535f27731c974343645a3985328-3"`
			case "object of multipart size":
				o.MultipartThreshold = ro.size
			}
			reason, decided := decide(tc.d, tc.lf, ro, o)
			assert.Equal(t, tc.reason, reason)
			assert.Equal(t, tc.decided, decided)
		})
	}
}

// encodingAPI answers ListObjectsV2 with one page of URL-encoded keys, as S3 does when asked.
type encodingAPI struct {
	API
	keys []string
	echo bool
	got  *s3.ListObjectsV2Input
}

func (a *encodingAPI) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	a.got = in
	out := &s3.ListObjectsV2Output{IsTruncated: aws.Bool(false)}
	if a.echo {
		out.EncodingType = types.EncodingTypeUrl
	}
	for _, k := range a.keys {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(1)})
	}
	return out, nil
}

func TestListDecodesURLEncodedKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		echo bool
		want []string
	}{
		{"encoded", true, []string{"ctl\x01char", "a b+c", "100%"}},
		{"server ignores the encoding", false, []string{"ctl%01char", "a+b%2Bc", "100%25"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &encodingAPI{keys: []string{"r/ctl%01char", "r/a+b%2Bc", "r/100%25"}, echo: tc.echo}
			var got []string
			for page := range listObjects(context.Background(), api, "b", "r/") {
				require.NoError(t, page.err)
				for _, o := range page.objects {
					got = append(got, o.rel)
				}
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, types.EncodingTypeUrl, api.got.EncodingType)
		})
	}
}
