package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// MariaDB is a private MariaDB server for one test, which the test may stop and start again (to
// simulate a database failover or outage) without disturbing other tests. Its DSN stays valid
// across restarts.
type MariaDB struct {
	// DSN connects to a fresh database on this server. It holds a password: never log it.
	DSN string

	t      testing.TB
	dir    string
	script string
}

// StartMariaDB starts a private MariaDB server with a fresh database and stops it, removing all its
// files, when the test ends. It needs the MariaDB server binaries (mariadb-server package).
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	script := filepath.Join(ModuleRoot(t), "scripts", "mariadb.sh")
	if _, err := exec.LookPath("mariadb-install-db"); err != nil {
		Need(t, "MariaDB server", "install it with `apt-get install -y mariadb-server mariadb-client`")
	}
	// A short path: the server's unix socket lives here and socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "pkdb")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	m := &MariaDB{t: t, dir: dir, script: script}
	t.Cleanup(func() {
		m.run("stop")
		os.RemoveAll(dir)
	})
	m.Start()
	dsn, err := os.ReadFile(filepath.Join(dir, "dsn"))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	m.DSN = createDatabase(t, strings.TrimSpace(string(dsn))).DSN
	return m
}

// Start starts the server if it is stopped, and blocks until it accepts connections.
func (m *MariaDB) Start() {
	m.t.Helper()
	m.run("start")
}

// Stop shuts the server down cleanly and blocks until it has exited. Connections fail until Start.
func (m *MariaDB) Stop() {
	m.t.Helper()
	m.run("stop")
}

func (m *MariaDB) run(verb string) {
	m.t.Helper()
	cmd := exec.Command("bash", m.script, verb, m.dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		m.t.Fatalf("testenv: mariadb %s: %v\n%s", verb, err, out.String())
	}
}

// ModuleRoot returns the directory holding the portalkit go.mod, found upward from the working
// directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}
