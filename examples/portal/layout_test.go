package main

import (
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	modulePath = "github.com/portalkit/portalkit"
	awstestPkg = modulePath + "/awstest"
)

// TestDeployPartUsesNoAwstest checks the split between the deploy program and the simulated
// cloud: the deploy package reaches awstest through no import (direct or through another
// portalkit package), and in this package only main.go (which picks the cloud) and the drill
// files import it.
func TestDeployPartUsesNoAwstest(t *testing.T) {
	seen := map[string]bool{}
	var walk func(path, via string)
	walk = func(path, via string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.Import(path, ".", 0)
		require.NoError(t, err, path)
		for _, imp := range pkg.Imports {
			if imp == awstestPkg {
				t.Errorf("%s imports awstest (reached from the deploy part via %s)", path, via)
			}
			if strings.HasPrefix(imp, modulePath+"/") {
				walk(imp, via+" -> "+imp)
			}
		}
	}
	walk(modulePath+"/examples/portal/deploy", "deploy")
	assert.Greater(t, len(seen), 3, "the walk should have reached elb, s3sync, clock ...")

	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var users []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == awstestPkg {
				users = append(users, f)
				allowed := f == "main.go" || strings.HasPrefix(f, "drill")
				assert.True(t, allowed, "%s imports awstest: only main.go and the drill files may", f)
			}
		}
	}
	assert.NotEmpty(t, users, "the drills use the simulated cloud")
}
