package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"
)

// ConnectionFromDSN parses a go-sql-driver/mysql DSN ("user:pass@tcp(host:port)/db" or
// "user:pass@unix(/path)/db"). Errors never echo the password.
func ConnectionFromDSN(dsn string) (Connection, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return Connection{}, fmt.Errorf("backup: parse DSN: not a valid go-sql-driver/mysql DSN")
	}
	c := Connection{User: cfg.User, Password: cfg.Passwd}
	switch cfg.Net {
	case "unix":
		c.Socket = cfg.Addr
	default:
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return Connection{}, fmt.Errorf("backup: parse DSN address %q: %w", cfg.Addr, err)
		}
		c.Host = host
		if c.Port, err = strconv.Atoi(port); err != nil {
			return Connection{}, fmt.Errorf("backup: parse DSN port %q: %w", port, err)
		}
	}
	return c, nil
}

// openDB opens a database/sql handle on the server (no default database).
func (c Connection) openDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = c.User, c.Password
	if c.Socket != "" {
		cfg.Net, cfg.Addr = "unix", c.Socket
	} else {
		host, port := c.Host, c.Port
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 3306
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, strconv.Itoa(port))
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("backup: mysql connector: %w", err)
	}
	return sql.OpenDB(connector), nil
}

// clientOptions hands the connection to a client process as a [client] option file and returns
// the path to pass as --defaults-extra-file, the files the process must inherit
// (exec.Cmd.ExtraFiles) and a cleanup to call when it has exited. The password lives only there:
// never on argv, never in the environment. Where the platform allows (Linux), the "file" is a
// pipe the client inherits as fd 3 and opens as /dev/fd/3, so the password never touches a disk
// and nothing is left behind if this process is killed; elsewhere it is a 0600 file in dir,
// removed by cleanup.
func (c Connection) clientOptions(dir string) (path string, extra []*os.File, cleanup func(), err error) {
	text := c.optionText()
	if r, ok := optionPipe(text); ok {
		return "/dev/fd/3", []*os.File{r}, func() { _ = r.Close() }, nil
	}
	path, remove, err := c.optionFile(dir)
	return path, nil, remove, err
}

// optionText is the connection as a [client] option file.
func (c Connection) optionText() string {
	var b strings.Builder
	b.WriteString("[client]\n")
	b.WriteString("user=" + quoteOption(c.User) + "\n")
	b.WriteString("password=" + quoteOption(c.Password) + "\n")
	if c.Socket != "" {
		b.WriteString("socket=" + quoteOption(c.Socket) + "\n")
		b.WriteString("protocol=SOCKET\n")
	} else {
		if c.Host != "" {
			b.WriteString("host=" + quoteOption(c.Host) + "\n")
		}
		if c.Port != 0 {
			b.WriteString("port=" + strconv.Itoa(c.Port) + "\n")
		}
		b.WriteString("protocol=TCP\n")
	}
	return b.String()
}

// optionFile writes the connection as a [client] option file, mode 0600, in dir. The caller
// removes it (remove) when the client has exited.
func (c Connection) optionFile(dir string) (path string, remove func(), err error) {
	f, err := os.CreateTemp(dir, "portalkit-backup-*.cnf") // CreateTemp creates mode 0600
	if err != nil {
		return "", nil, fmt.Errorf("backup: create client option file: %w", err)
	}
	remove = func() { _ = os.Remove(f.Name()) }
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		remove()
		return "", nil, fmt.Errorf("backup: chmod client option file: %w", err)
	}
	if _, err := f.WriteString(c.optionText()); err != nil {
		f.Close()
		remove()
		return "", nil, fmt.Errorf("backup: write client option file: %w", err)
	}
	if err := f.Close(); err != nil {
		remove()
		return "", nil, fmt.Errorf("backup: close client option file: %w", err)
	}
	return f.Name(), remove, nil
}

// quoteOption quotes a value for a MySQL option file: double quotes, with backslash and quote
// escaped (the client's option parser undoes \\ and \").
func quoteOption(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// clientEnvAllowed are the variables a client process inherits: what it needs to find files,
// format text and pick a time zone. Everything else (MYSQL_PWD, DSNs, AWS keys, tokens) stays out
// of its environment, which other processes of the same user can read in /proc/<pid>/environ.
var clientEnvAllowed = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "MYSQL_HOME", "MARIADB_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// clientEnv is the environment of a client process: the allowed variables of ours, plus LC_*.
func clientEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LC_") || slices.Contains(clientEnvAllowed, name) {
			env = append(env, kv)
		}
	}
	return env
}

// tailBuffer keeps the last max bytes written to it (the client's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// clientVersion runs "<cmd> --version".
func clientVersion(ctx context.Context, command string) string {
	out, err := exec.CommandContext(ctx, command, "--no-defaults", "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// supportsFlag tells whether the client's --help lists flag.
func supportsFlag(ctx context.Context, command, flag string) bool {
	out, err := exec.CommandContext(ctx, command, "--no-defaults", "--help").Output()
	if err != nil {
		return false
	}
	return bytes.Contains(out, []byte(flag))
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 0
}
