package bootstrap

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// hostile is a value with every character a shell would interpret. It is legal in S3 keys and
// hook arguments, so it must survive rendering verbatim.
const hostile = `it's "$(touch PWNED1)" ` + "`touch PWNED2`" + ` $HOME ${IFS} \' ; touch PWNED3 # !x *`

func hostileConfig() Config {
	return Config{
		Bucket:  "releases-bucket",
		Prefix:  "shop/" + hostile,
		Pointer: "live'ptr$(x)",
		AppDir:  "/srv/app",
		Hooks: []Hook{
			{Event: EventValidateService, Command: "deploy/validate.sh", Args: []string{hostile, "--flag=$PATH"}, TimeoutSeconds: 30},
		},
		SharedDirs:       []string{"uploads"},
		HealthURL:        "http://127.0.0.1:8080/health?x='1'&y=$(z)",
		AutoScalingGroup: "web-asg",
		LifecycleHook:    "launching",
		Parameters:       map[string]string{"DB_PASSWORD_PARAM": "/shop/prod/db-password"},
	}
}

// stubEnv makes a temp dir with a stub agent (records its arguments and the config it was given)
// and a stub aws CLI on PATH (records its arguments and "downloads" the stub agent).
type stubEnv struct {
	dir, bin, agentSrc, agentSHA string
}

func newStubEnv(t *testing.T) stubEnv {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	agent := "#!/bin/sh\numask >\"$(dirname \"$0\")/umask\"\nout=\"$(dirname \"$0\")/agent-ran\"\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >\"$out\"\ncp \"$3\" \"$(dirname \"$0\")/config-seen.json\"\n"
	agentSrc := filepath.Join(dir, "agent-src")
	require.NoError(t, os.WriteFile(agentSrc, []byte(agent), 0o644))
	sum := sha256.Sum256([]byte(agent))
	aws := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >\"" + dir + "/aws-args\"\ncp \"" + agentSrc + "\" \"$5\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "aws"), []byte(aws), 0o755))
	return stubEnv{dir: dir, bin: bin, agentSrc: agentSrc, agentSHA: hex.EncodeToString(sum[:])}
}

func (s stubEnv) spec(format Format, cfg Config) UserData {
	return UserData{
		Format:     format,
		Config:     cfg,
		AgentPath:  filepath.Join(s.dir, "opt", "agent"),
		Agent:      &S3Object{Bucket: "tools-bucket", Key: "agent/" + hostile, SHA256: s.agentSHA},
		ConfigPath: filepath.Join(s.dir, "etc", "agent.json"),
		LogPath:    filepath.Join(s.dir, "log", "agent.log"),
	}
}

func (s stubEnv) run(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "PATH="+s.bin+":"+os.Getenv("PATH"))
	return cmd.CombinedOutput()
}

// checkRan asserts the stub agent ran with the expected arguments and config, the stub aws CLI got
// the hostile key verbatim, and nothing the hostile value tried to run ran.
func (s stubEnv) checkRan(t *testing.T, u UserData) {
	t.Helper()
	args, err := os.ReadFile(filepath.Join(filepath.Dir(u.AgentPath), "agent-ran"))
	require.NoError(t, err, "the agent did not run")
	assert.Equal(t, "launch\n-config\n"+u.ConfigPath+"\n-log\n"+u.LogPath+"\n", string(args))
	seen, err := os.ReadFile(filepath.Join(filepath.Dir(u.AgentPath), "config-seen.json"))
	require.NoError(t, err)
	got, err := ParseConfig(seen)
	require.NoError(t, err)
	assert.Equal(t, u.Config, got, "the config the agent reads is the one rendered, byte for byte")
	awsArgs, err := os.ReadFile(filepath.Join(s.dir, "aws-args"))
	require.NoError(t, err)
	assert.Equal(t, "s3\ncp\n--only-show-errors\ns3://tools-bucket/agent/"+hostile+"\n"+u.AgentPath+".tmp\n", string(awsArgs))
	mask, err := os.ReadFile(filepath.Join(filepath.Dir(u.AgentPath), "umask"))
	require.NoError(t, err)
	assert.Equal(t, "0022", strings.TrimSpace(string(mask)), "the agent runs with umask 022 so the web server can read releases")
	fi, err := os.Stat(u.AgentPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	for _, pwned := range []string{"PWNED1", "PWNED2", "PWNED3"} {
		matches, _ := filepath.Glob(filepath.Join(s.dir, "**", pwned))
		top, _ := filepath.Glob(filepath.Join(s.dir, pwned))
		assert.Empty(t, append(matches, top...), "a hostile value ran a command")
	}
}

func TestUserDataShellHostileValues(t *testing.T) {
	s := newStubEnv(t)
	u := s.spec(FormatShell, hostileConfig())
	doc, err := RenderUserData(u)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(doc, []byte("#!/bin/sh\n")))
	script := filepath.Join(s.dir, "user-data.sh")
	require.NoError(t, os.WriteFile(script, doc, 0o700))

	out, err := s.run(t, "sh", "-n", script)
	require.NoError(t, err, "sh -n: %s", out)
	out, err = s.run(t, "sh", script)
	require.NoError(t, err, "user data failed: %s\n%s", out, doc)
	s.checkRan(t, u.withDefaults())
}

func TestUserDataShellRefusesTamperedAgent(t *testing.T) {
	s := newStubEnv(t)
	u := s.spec(FormatShell, hostileConfig())
	u.Agent.SHA256 = strings.Repeat("0", 64)
	doc, err := RenderUserData(u)
	require.NoError(t, err)
	script := filepath.Join(s.dir, "user-data.sh")
	require.NoError(t, os.WriteFile(script, doc, 0o700))
	_, err = s.run(t, "sh", script)
	require.Error(t, err, "a download that fails its SHA-256 must stop the script")
	assert.NoFileExists(t, u.AgentPath)
	assert.NoFileExists(t, filepath.Join(filepath.Dir(u.AgentPath), "agent-ran"))
}

func TestUserDataCloudConfigParsesBackAndRuns(t *testing.T) {
	s := newStubEnv(t)
	u := s.spec(FormatCloudConfig, hostileConfig())
	doc, err := RenderUserData(u)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(doc, []byte("#cloud-config\n")))
	var cc cloudConfig
	require.NoError(t, yaml.Unmarshal(doc, &cc))
	require.Len(t, cc.WriteFiles, 1)
	assert.Equal(t, u.ConfigPath, cc.WriteFiles[0].Path)
	assert.Equal(t, "0600", cc.WriteFiles[0].Permissions)
	got, err := ParseConfig([]byte(cc.WriteFiles[0].Content))
	require.NoError(t, err)
	assert.Equal(t, u.Config, got)
	require.Len(t, cc.RunCmd, 1)
	cmd := cc.RunCmd[0]
	assert.Equal(t, []string{"sh", "-c", installScript, "portalkit-bootstrap", u.AgentPath, "launch", u.ConfigPath, u.LogPath, "s3://tools-bucket/agent/" + hostile, s.agentSHA}, cmd)

	// Do what cloud-init does: write the file, run the command as an argument vector.
	require.NoError(t, os.MkdirAll(filepath.Dir(u.ConfigPath), 0o755))
	require.NoError(t, os.WriteFile(u.ConfigPath, []byte(cc.WriteFiles[0].Content), 0o600))
	out, err := s.run(t, cmd[0], cmd[1:]...)
	require.NoError(t, err, "%s", out)
	s.checkRan(t, u)
}

func TestUserDataMultipart(t *testing.T) {
	s := newStubEnv(t)
	u := s.spec(FormatMultipart, hostileConfig())
	doc, err := RenderUserData(u)
	require.NoError(t, err)
	msg, err := mail.ReadMessage(bytes.NewReader(doc))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/mixed", mt)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	var cc cloudConfig
	var script []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		body, err := io.ReadAll(p)
		require.NoError(t, err)
		switch ct {
		case "text/cloud-config":
			require.NoError(t, yaml.Unmarshal(body, &cc))
		case "text/x-shellscript":
			script = body
		}
	}
	assert.Equal(t, []string{"text/cloud-config", "text/x-shellscript"}, types)
	require.Len(t, cc.WriteFiles, 1)
	assert.Empty(t, cc.RunCmd, "the shell part runs the agent")
	got, err := ParseConfig([]byte(cc.WriteFiles[0].Content))
	require.NoError(t, err)
	assert.Equal(t, u.Config, got)

	// cloud-init runs write_files before user scripts: do the same, then run the script part.
	require.NoError(t, os.MkdirAll(filepath.Dir(u.ConfigPath), 0o755))
	require.NoError(t, os.WriteFile(u.ConfigPath, []byte(cc.WriteFiles[0].Content), 0o600))
	path := filepath.Join(s.dir, "part.sh")
	require.NoError(t, os.WriteFile(path, script, 0o700))
	out, err := s.run(t, "sh", "-n", path)
	require.NoError(t, err, "%s", out)
	out, err = s.run(t, "sh", path)
	require.NoError(t, err, "%s", out)
	s.checkRan(t, u.withDefaults())
}

func TestUserDataRefusesInjectionAndSecrets(t *testing.T) {
	for name, mutate := range map[string]func(*UserData){
		"newline in prefix":        func(u *UserData) { u.Config.Prefix = "a\ntouch /tmp/x" },
		"newline in hook argument": func(u *UserData) { u.Config.Hooks[0].Args = []string{"x\ny"} },
		"relative agent path":      func(u *UserData) { u.AgentPath = "agent" },
		"bad bucket":               func(u *UserData) { u.Config.Bucket = "Bad_Bucket" },
		"access key in argument":   func(u *UserData) { u.Config.Hooks[0].Args = []string{"AKIAIOSFODNN7EXAMPLE"} },
		"password in git URL":      func(u *UserData) { u.Config.Git = &GitConfig{URL: "https://user:hunter2@git.example.com/r.git"} },
		"health not on loopback":   func(u *UserData) { u.Config.HealthURL = "http://10.0.0.1/health" },
		"agent without digest":     func(u *UserData) { u.Agent = &S3Object{Bucket: "tools-bucket", Key: "agent"} },
	} {
		t.Run(name, func(t *testing.T) {
			u := UserData{Config: hostileConfig()}
			mutate(&u)
			_, err := RenderUserData(u)
			require.ErrorIs(t, err, ErrInvalidSpec)
			assert.NotContains(t, err.Error(), "hunter2", "errors never quote a password")
		})
	}
}

func TestUserDataSizeLimit(t *testing.T) {
	big := Config{Bucket: "releases-bucket"}
	for i := 0; i < 200; i++ {
		big.Hooks = append(big.Hooks, Hook{Event: EventAfterInstall, Command: "deploy/step.sh", Args: []string{strings.Repeat("x", 100)}})
	}
	_, err := RenderUserData(UserData{Config: big})
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "limit 16384")

	doc, err := RenderUserData(UserData{Config: big, Gzip: true})
	require.NoError(t, err, "gzip brings a repetitive document under the limit")
	assert.LessOrEqual(t, len(doc), MaxUserDataSize)
	zr, err := gzip.NewReader(bytes.NewReader(doc))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Greater(t, len(raw), MaxUserDataSize)
	assert.True(t, bytes.HasPrefix(raw, []byte("#!/bin/sh\n")))
}
