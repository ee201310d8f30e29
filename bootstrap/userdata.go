package bootstrap

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"regexp"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/portalkit/portalkit/internal/check"
)

// MaxUserDataSize is EC2's limit on user data: 16 KB before base64 encoding (after gzip when the
// document is compressed).
const MaxUserDataSize = 16 * 1024

// Defaults for [UserData]; a zero field means the matching default.
const (
	// DefaultAgentPath is where the agent binary is (or is installed) on the instance.
	DefaultAgentPath = "/usr/local/bin/portalkit-agent"
	// DefaultConfigPath is where user data writes the agent's JSON config.
	DefaultConfigPath = "/etc/portalkit/agent.json"
	// DefaultLogPath is the agent's log file (it logs to the console as well).
	DefaultLogPath = "/var/log/portalkit-agent.log"
)

// Format is the kind of cloud-init document RenderUserData produces.
type Format int

const (
	// FormatShell is a "#!/bin/sh" script (the default): it writes the config, installs the
	// agent if asked and runs it. Every value is a single-quoted shell word.
	FormatShell Format = iota
	// FormatCloudConfig is a "#cloud-config" document: write_files for the config and one
	// runcmd entry that receives every value as a separate argument (no value is parsed by a
	// shell).
	FormatCloudConfig
	// FormatMultipart is a MIME multipart document with both: a text/cloud-config part that
	// writes the config and a text/x-shellscript part that installs and runs the agent.
	FormatMultipart
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case FormatShell:
		return "shell"
	case FormatCloudConfig:
		return "cloud-config"
	case FormatMultipart:
		return "multipart"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// S3Object points at an object, with the SHA-256 its content must have.
type S3Object struct {
	// Bucket and Key locate the object.
	Bucket, Key string
	// SHA256 is the lowercase hex SHA-256 of the content. Required.
	SHA256 string
}

// UserData describes the user data of an instance that runs the agent. It carries pointers only:
// no field holds a secret, and values that look like credentials are refused.
type UserData struct {
	// Format selects the document kind. Default FormatShell.
	Format Format
	// Config is the agent's configuration, written to ConfigPath as JSON. Required (validated
	// as Config.Validate does).
	Config Config
	// AgentPath is the agent binary on the instance. Default DefaultAgentPath.
	AgentPath string
	// Agent, when set, is installed from S3 to AgentPath with the AWS CLI (which the base AMI
	// must have) and checked against its SHA-256 before it is made executable. Default: the
	// agent is already on the AMI.
	Agent *S3Object
	// ConfigPath is where the config is written. Default DefaultConfigPath.
	ConfigPath string
	// LogPath is the agent's log file. Default DefaultLogPath.
	LogPath string
	// Deploy runs the agent in deploy mode (no lifecycle action) instead of launch mode.
	// Default false: launch mode, which completes the launching lifecycle action when the
	// Config names one.
	Deploy bool
	// Gzip compresses the document (cloud-init detects gzip); the size limit then applies to
	// the compressed bytes. Default false.
	Gzip bool
}

// credentialRE finds values that look like credentials: AWS access key ids and PEM blocks.
var credentialRE = regexp.MustCompile(`(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|aws_secret_access_key`)

func (u UserData) withDefaults() UserData {
	if u.AgentPath == "" {
		u.AgentPath = DefaultAgentPath
	}
	if u.ConfigPath == "" {
		u.ConfigPath = DefaultConfigPath
	}
	if u.LogPath == "" {
		u.LogPath = DefaultLogPath
	}
	return u
}

func (u UserData) validate(configJSON []byte) error {
	var p check.Problems
	p.If(u.Format < FormatShell || u.Format > FormatMultipart, "Format %d is unknown", int(u.Format))
	u.Config.validate(&p)
	for _, f := range []struct{ name, v string }{{"AgentPath", u.AgentPath}, {"ConfigPath", u.ConfigPath}, {"LogPath", u.LogPath}} {
		if err := checkAbsPath(f.v); err != nil {
			p.Addf("%s: %v", f.name, err)
		}
	}
	if a := u.Agent; a != nil {
		p.If(!bucketRE.MatchString(a.Bucket), "Agent.Bucket %q is not a valid S3 bucket name", a.Bucket)
		if err := checkKey(a.Key); err != nil {
			p.Addf("Agent.Key: %v", err)
		}
		p.If(!sha256HexRE.MatchString(a.SHA256), "Agent.SHA256 %q is not a lowercase hex SHA-256", a.SHA256)
	}
	p.If(credentialRE.Match(configJSON), "Config holds what looks like a credential: user data is readable by anything on the instance, put only pointers (bucket/key, SSM parameter names) in it")
	return p.Err(ErrInvalidSpec)
}

// RenderUserData renders the cloud-init user data document for u: raw bytes, to be base64
// encoded for a launch template. It validates u first (one error matching ErrInvalidSpec naming
// every problem) and refuses a document over MaxUserDataSize with an error matching ErrTooLarge.
func RenderUserData(u UserData) ([]byte, error) {
	u = u.withDefaults()
	var cfg bytes.Buffer
	enc := json.NewEncoder(&cfg)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(u.Config); err != nil {
		return nil, fmt.Errorf("bootstrap: encode config: %w", err)
	}
	configJSON := bytes.TrimSpace(cfg.Bytes())
	if err := u.validate(configJSON); err != nil {
		return nil, err
	}
	var doc []byte
	var err error
	switch u.Format {
	case FormatShell:
		doc, err = renderShell(u, string(configJSON), true)
	case FormatCloudConfig:
		doc, err = renderCloudConfig(u, string(configJSON), true)
	case FormatMultipart:
		doc, err = renderMultipart(u, string(configJSON))
	}
	if err != nil {
		return nil, err
	}
	if u.Gzip {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(doc) //nolint:errcheck // writes to a bytes.Buffer do not fail
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("bootstrap: gzip user data: %w", err)
		}
		doc = z.Bytes()
	}
	if len(doc) > MaxUserDataSize {
		how := "raw"
		if u.Gzip {
			how = "gzipped"
		}
		return nil, fmt.Errorf("%w: %d bytes %s, limit %d", ErrTooLarge, len(doc), how, MaxUserDataSize)
	}
	return doc, nil
}

// shellQuote returns s as one single-quoted POSIX shell word: nothing inside is expanded, and a
// single quote becomes '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var shellTemplate = template.Must(template.New("sh").Funcs(template.FuncMap{"q": shellQuote}).Parse(`#!/bin/sh
# portalkit bootstrap: {{if .WriteConfig}}write the release agent's config, {{end}}{{if .Agent}}install the agent, {{end}}run it.
set -eu
umask 077 # the config and the download are root's alone; releases get 022 below
agent={{q .AgentPath}}
config={{q .ConfigPath}}
log={{q .LogPath}}
mkdir -p "$(dirname "$agent")" "$(dirname "$config")" "$(dirname "$log")"
{{- if .WriteConfig}}
printf '%s\n' {{q .ConfigJSON}} >"$config.tmp"
mv -f "$config.tmp" "$config"
{{- end}}
{{- if .Agent}}
aws s3 cp --only-show-errors {{q .AgentURL}} "$agent.tmp"
printf '%s  %s\n' {{q .Agent.SHA256}} "$agent.tmp" | sha256sum -c --quiet -
chmod 0755 "$agent.tmp"
mv -f "$agent.tmp" "$agent"
{{- end}}
umask 022
exec "$agent" {{q .Mode}} -config "$config" -log "$log"
`))

type shellData struct {
	UserData
	WriteConfig bool
	ConfigJSON  string
	AgentURL    string
	Mode        string
}

func (u UserData) mode() string {
	if u.Deploy {
		return "deploy"
	}
	return "launch"
}

func (u UserData) agentURL() string {
	if u.Agent == nil {
		return ""
	}
	return "s3://" + u.Agent.Bucket + "/" + u.Agent.Key
}

func renderShell(u UserData, configJSON string, writeConfig bool) ([]byte, error) {
	var b bytes.Buffer
	err := shellTemplate.Execute(&b, shellData{UserData: u, WriteConfig: writeConfig, ConfigJSON: configJSON, AgentURL: u.agentURL(), Mode: u.mode()})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: render shell user data: %w", err)
	}
	return b.Bytes(), nil
}

// cloudConfig is the part of the cloud-config schema the renderer writes.
type cloudConfig struct {
	WriteFiles []cloudFile `yaml:"write_files,omitempty"`
	RunCmd     [][]string  `yaml:"runcmd,omitempty"`
}

type cloudFile struct {
	Path        string `yaml:"path"`
	Permissions string `yaml:"permissions"`
	Owner       string `yaml:"owner"`
	Content     string `yaml:"content"`
}

// installScript is the fixed program of the cloud-config runcmd entry; every value reaches it as
// a positional argument ($1...), never as program text.
const installScript = `set -eu
agent="$1" mode="$2" config="$3" log="$4"
mkdir -p "$(dirname "$agent")" "$(dirname "$log")"
if [ "$#" -ge 6 ]; then
  aws s3 cp --only-show-errors "$5" "$agent.tmp"
  printf '%s  %s\n' "$6" "$agent.tmp" | sha256sum -c --quiet -
  chmod 0755 "$agent.tmp"
  mv -f "$agent.tmp" "$agent"
fi
umask 022
exec "$agent" "$mode" -config "$config" -log "$log"`

func configFile(u UserData, configJSON string) cloudFile {
	return cloudFile{Path: u.ConfigPath, Permissions: "0600", Owner: "root:root", Content: configJSON + "\n"}
}

func renderCloudConfig(u UserData, configJSON string, withRun bool) ([]byte, error) {
	cc := cloudConfig{WriteFiles: []cloudFile{configFile(u, configJSON)}}
	if withRun {
		cmd := []string{"sh", "-c", installScript, "portalkit-bootstrap", u.AgentPath, u.mode(), u.ConfigPath, u.LogPath}
		if u.Agent != nil {
			cmd = append(cmd, u.agentURL(), u.Agent.SHA256)
		}
		cc.RunCmd = [][]string{cmd}
	}
	out, err := yaml.Marshal(cc)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: render cloud-config: %w", err)
	}
	return append([]byte("#cloud-config\n"), out...), nil
}

func renderMultipart(u UserData, configJSON string) ([]byte, error) {
	cc, err := renderCloudConfig(u, configJSON, false)
	if err != nil {
		return nil, err
	}
	sh, err := renderShell(u, "", false)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct {
		ctype, name string
		data        []byte
	}{{"text/cloud-config", "portalkit-config.yaml", cc}, {"text/x-shellscript", "portalkit-agent.sh", sh}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.ctype+`; charset="utf-8"`)
		h.Set("MIME-Version", "1.0")
		h.Set("Content-Transfer-Encoding", transferEncoding(part.data))
		h.Set("Content-Disposition", `attachment; filename="`+part.name+`"`)
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("bootstrap: render multipart: %w", err)
		}
		w.Write(part.data) //nolint:errcheck // writes to a bytes.Buffer do not fail
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("bootstrap: render multipart: %w", err)
	}
	var doc bytes.Buffer
	fmt.Fprintf(&doc, "Content-Type: multipart/mixed; boundary=\"%s\"\nMIME-Version: 1.0\n\n", mw.Boundary())
	doc.Write(body.Bytes())
	return doc.Bytes(), nil
}

// transferEncoding is "7bit" for ASCII content and "8bit" when a value (a key, a path) holds
// UTF-8.
func transferEncoding(b []byte) string {
	for _, c := range b {
		if c >= 0x80 {
			return "8bit"
		}
	}
	return "7bit"
}
