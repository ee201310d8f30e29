package testenv

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// EnvIMDSMock names the environment variable holding the path of the ec2-metadata-mock binary.
// `make test` installs the binary into the project's bin directory and sets it.
const EnvIMDSMock = "PORTALKIT_IMDS_MOCK"

// IMDSMockVersion is the version of github.com/aws/amazon-ec2-metadata-mock the tests use.
const IMDSMockVersion = "v1.13.0"

// IMDSMock is AWS's EC2 instance metadata mock running on a loopback port with IMDSv2 required:
// requests without a session token get 401, as on an instance whose metadata options say
// HttpTokens=required.
type IMDSMock struct {
	// Endpoint is the mock's base URL, for example "http://127.0.0.1:40123"; it is what
	// imds.Options.Endpoint expects.
	Endpoint string
}

// IMDS starts the metadata mock and stops it when the test ends. configJSON, if not empty, is the
// mock's JSON configuration (metadata values to serve, as documented by ec2-metadata-mock).
func IMDS(t testing.TB, configJSON string) *IMDSMock {
	t.Helper()
	bin := imdsMockBinary(t)
	port := freePort(t)
	args := []string{"--imdsv2", "--hostname", "127.0.0.1", "--port", strconv.Itoa(port)}
	// The mock reads $HOME/aemm-config.json when no config file is named: point it at our own file
	// (possibly empty) so a developer's file never changes the tests.
	cfgFile := filepath.Join(t.TempDir(), "aemm-config.json")
	if configJSON == "" {
		configJSON = "{}"
	}
	if err := os.WriteFile(cfgFile, []byte(configJSON), 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	args = append(args, "--config-file", cfgFile)

	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start ec2-metadata-mock: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the exit status of a killed mock is not interesting
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	m := &IMDSMock{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(m.Endpoint + "/latest/meta-data/")
		if err == nil {
			resp.Body.Close()
			return m
		}
		select {
		case <-exited:
			t.Fatalf("testenv: ec2-metadata-mock exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: ec2-metadata-mock did not start: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func imdsMockBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvIMDSMock); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("ec2-metadata-mock"); err == nil {
		return p
	}
	root := ModuleRoot(t)
	if p := filepath.Join(root, "bin", "ec2-metadata-mock"); fileExists(p) {
		return p
	}
	Need(t, "ec2-metadata-mock", "run `make test`, or `GOBIN=$PWD/bin go install github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@"+IMDSMockVersion+"`")
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
