package apicheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/portalkit/portalkit"

// TestPublicAPIHasNoInternalTypes type-checks every public package of the module from its
// compiled export data (what `go doc` documents) and fails naming each exported identifier that
// exposes a type from an internal package.
func TestPublicAPIHasNoInternalTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module's export data")
	}
	out, err := exec.Command("go", "list", "-e", "-export", "-deps", "-json=ImportPath,Name,Export,DepOnly,Error", module+"/...").Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	type listed struct {
		ImportPath, Name, Export string
		DepOnly                  bool
		Error                    *struct{ Err string }
	}
	exports := map[string]string{}
	var public []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listed
		require.NoError(t, dec.Decode(&p))
		require.Nil(t, p.Error, "go list %s", p.ImportPath)
		exports[p.ImportPath] = p.Export
		if !p.DepOnly && p.Name != "main" && !IsInternal(p.ImportPath) {
			public = append(public, p)
		}
	}
	require.NotEmpty(t, public)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	for _, p := range public {
		pkg, err := imp.Import(p.ImportPath)
		require.NoError(t, err, p.ImportPath)
		assert.Empty(t, Leaks(pkg), "%s exposes internal types in its exported API; give them a public home or hide them", p.ImportPath)
	}
}

// The check fails on each way an internal type can reach the API.
func TestLeaksFindsInternalTypes(t *testing.T) {
	const internalSrc = `package poll
type Options struct{ What string }
type Status int
type Box[T any] struct{ V T }`
	const publicSrc = `package pub
import "example.com/m/internal/poll"

type Clean struct {
	Name string
	hidden poll.Options // unexported: not API
}
func (Clean) private(poll.Options) {}
type Status int // a defined type of its own: fine

type Options struct {
	Poll poll.Options
	Fns  []func(*poll.Options)
	Anon struct{ S map[string]poll.Status }
}
type Waiter interface{ Wait(o poll.Options) error }
type Alias = poll.Options
type Generic struct{ B Box[poll.Status] }
type Box[T any] struct{ V T }
var Default poll.Options
func New(optFns ...func(*poll.Options)) *Clean { return nil }
func (*Clean) Status() poll.Status { return 0 }
`
	fset := token.NewFileSet()
	check := func(path, src string, imp types.Importer) *types.Package {
		f, err := parser.ParseFile(fset, path+".go", src, 0)
		require.NoError(t, err)
		pkg, err := (&types.Config{Importer: imp}).Check(path, fset, []*ast.File{f}, nil)
		require.NoError(t, err)
		return pkg
	}
	internal := check("example.com/m/internal/poll", internalSrc, nil)
	pub := check("example.com/m/pub", publicSrc, importerFunc(func(path string) (*types.Package, error) {
		if path == internal.Path() {
			return internal, nil
		}
		return nil, fmt.Errorf("unknown %s", path)
	}))
	assert.Equal(t, []string{
		"Alias: example.com/m/internal/poll.Options",
		"Clean.Status: example.com/m/internal/poll.Status",
		"Default: example.com/m/internal/poll.Options",
		"Generic.B: example.com/m/internal/poll.Status",
		"New: example.com/m/internal/poll.Options",
		"Options.Anon.S: example.com/m/internal/poll.Status",
		"Options.Fns: example.com/m/internal/poll.Options",
		"Options.Poll: example.com/m/internal/poll.Options",
		"Waiter.Wait: example.com/m/internal/poll.Options",
	}, Leaks(pub))
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

func TestIsInternal(t *testing.T) {
	assert.True(t, IsInternal("github.com/x/internal/poll"))
	assert.True(t, IsInternal("github.com/x/internal"))
	assert.False(t, IsInternal("github.com/x/internalish"))
	assert.False(t, IsInternal("github.com/x/elb"))
}
