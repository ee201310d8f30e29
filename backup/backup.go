package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/portalkit/portalkit/internal/check"
)

// dumpTrailer is how mysqldump and mariadb-dump end a complete dump (with comments on, the
// default): its absence means the output is truncated even when the client exited 0.
const dumpTrailer = "-- Dump completed"

// testHookDumpStarted, when set by tests, is called with the dump client's pid right after it
// started, before any of its output is read.
var testHookDumpStarted func(pid int)

// Manager makes, lists, restores, verifies and prunes MySQL backups in one S3 bucket.
type Manager struct {
	s3   S3API
	conn Connection
	opts Options

	mu     sync.Mutex
	probes map[string]clientProbe
}

// clientProbe is what a dump client says about itself, asked once per command.
type clientProbe struct {
	version    string
	gtidPurged bool
}

func (m *Manager) probeClient(ctx context.Context, command string) clientProbe {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.probes[command]; ok {
		return p
	}
	p := clientProbe{version: clientVersion(ctx, command), gtidPurged: supportsFlag(ctx, command, "--set-gtid-purged")}
	if m.probes == nil {
		m.probes = map[string]clientProbe{}
	}
	m.probes[command] = p
	return p
}

// New returns a Manager storing backups through client, dumping from and restoring to the server
// conn names. It validates the Options once (errors match ErrInvalidOptions and name every
// invalid field).
func New(client S3API, conn Connection, optFns ...func(*Options)) (*Manager, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o = o.withDefaults()
	var p check.Problems
	p.If(client == nil, "S3 client is nil")
	p.If(conn.User == "", "Connection.User is required")
	if err := o.validate(); err != nil {
		p.Addf("%s", strings.TrimPrefix(err.Error(), ErrInvalidOptions.Error()+": "))
	}
	if err := p.Err(ErrInvalidOptions); err != nil {
		return nil, err
	}
	return &Manager{s3: client, conn: conn, opts: o}, nil
}

// with returns the Options with per-call overrides applied to a copy, validated.
func (m *Manager) with(optFns []func(*Options)) (Options, error) {
	if len(optFns) == 0 {
		return m.opts, nil
	}
	o := m.opts
	for _, fn := range optFns {
		fn(&o)
	}
	o = o.withDefaults()
	return o, o.validate()
}

// Spec says what to back up.
type Spec struct {
	// Name is the backup set; backups are stored under Options.Prefix+Name+"/", and retention
	// (Prune) treats the backups of a set as interchangeable. Zero value: the database name when
	// Databases has one entry and Tables is empty; required otherwise (a dump of some tables
	// sharing the set of full dumps would count as the newest backup and let Prune delete the
	// full ones).
	Name string
	// Databases to dump. Required. With exactly one, the dump has no CREATE DATABASE/USE
	// statements and can be restored into any database; with several, it is restored into the
	// same names.
	Databases []string
	// Tables limits a single-database dump to these tables. Zero value: all.
	Tables []string
	// ExpectedSize is a hint of the dump's size in bytes (for example the database's data_length
	// plus index_length): the part size grows with it so the upload never needs more than
	// MaxParts parts. Zero value: Options.PartSize is used as is (enough for MaxParts*PartSize,
	// 78 GiB at 8 MiB).
	ExpectedSize int64
}

func (s Spec) withDefaults() Spec {
	if s.Name == "" && len(s.Databases) == 1 && len(s.Tables) == 0 {
		s.Name = s.Databases[0]
	}
	return s
}

func (s Spec) validate() error {
	var p check.Problems
	p.If(len(s.Databases) == 0, "Databases is empty")
	for _, d := range s.Databases {
		p.If(d == "" || strings.HasPrefix(d, "-"), "database name %q is invalid", d)
	}
	for _, t := range s.Tables {
		p.If(t == "" || strings.HasPrefix(t, "-"), "table name %q is invalid", t)
	}
	p.If(len(s.Tables) > 0 && len(s.Databases) != 1, "Tables needs exactly one database (have %d)", len(s.Databases))
	if s.Name == "" && len(s.Tables) > 0 {
		p.Addf("Name is required when Tables limits the dump (a partial dump must not share the retention set of full ones)")
	} else if err := validName(s.Name); err != nil {
		p.Addf("Name %q is invalid (non-empty, no slashes)", s.Name)
	}
	p.If(s.ExpectedSize < 0, "ExpectedSize is negative (%d)", s.ExpectedSize)
	return p.Err(ErrInvalidSpec)
}

// progress tracks and reports a run's byte counts.
type progress struct {
	fn                           func(Progress)
	mu                           sync.Mutex
	dumped, compressed, uploaded atomic.Int64
}

func (p *progress) report() {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(p.snapshot())
}

func (p *progress) snapshot() Progress {
	return Progress{Dumped: p.dumped.Load(), Compressed: p.compressed.Load(), Uploaded: p.uploaded.Load()}
}

// countingWriter counts bytes into n and remembers its downstream's first error.
type countingWriter struct {
	w   io.Writer
	n   *atomic.Int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Backup dumps spec's databases, compresses (and encrypts) the stream and uploads it as one
// object, without a temporary file and with memory bounded by the part buffers. The backup is
// committed, by writing its manifest last, only when the dump client exited 0, its output ended
// with the "-- Dump completed" trailer and the upload completed. On any failure the multipart
// upload is aborted, no manifest is written and the error is a *StageError naming the stage.
func (m *Manager) Backup(ctx context.Context, spec Spec, optFns ...func(*Options)) (*Manifest, error) {
	o, err := m.with(optFns)
	if err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	if err := spec.validate(); err != nil {
		return nil, err
	}
	log := o.Logger.With("backup", spec.Name)
	started := o.Clock.Now().UTC()
	id := started.Format(idLayout)
	man := &Manifest{
		Format: ManifestFormat, Name: spec.Name, ID: id, Bucket: o.Bucket, Started: started,
		Databases: spec.Databases, Tables: spec.Tables, SingleDatabase: len(spec.Databases) == 1,
		Compression: o.Compression, DumpCommand: o.DumpCommand,
	}
	if o.Encryption != nil {
		man.Encryption = o.Encryption.Name()
	}
	// A random part keeps two runs that start within the same millisecond (or on a clock that
	// does not move) from writing, or on failure deleting, each other's dump object.
	man.Key = m.prefixWith(o, spec.Name, id) + "dump-" + randomHex(4) + o.Compression.extension()
	if o.Encryption != nil {
		man.Key += ".age"
	}
	probe := m.probeClient(ctx, o.DumpCommand)
	man.ClientVersion = probe.version

	if o.RecordTableStats {
		stats, version, err := m.tableStats(ctx, spec.Databases, spec.Tables)
		if err != nil {
			return nil, &StageError{Stage: StageDump, Err: fmt.Errorf("record table stats: %w", err)}
		}
		man.TableStats, man.ServerVersion = stats, version
	}

	args := append([]string(nil), o.DumpFlags...)
	args = append(args, o.ExtraDumpFlags...)
	if o.SetGTIDPurged != "-" && probe.gtidPurged {
		args = append(args, "--set-gtid-purged="+o.SetGTIDPurged)
	}
	if len(spec.Databases) == 1 {
		args = append(args, "--", spec.Databases[0])
		args = append(args, spec.Tables...)
	} else {
		args = append(args, "--databases", "--")
		args = append(args, spec.Databases...)
	}
	man.DumpArgs = args
	man.PartSize = partSizeFor(o.PartSize, spec.ExpectedSize)

	cnf, cnfFiles, removeCnf, err := m.conn.clientOptions(o.TempDir)
	if err != nil {
		return nil, &StageError{Stage: StageDump, Err: err}
	}
	defer removeCnf()

	log.Info("backup: starting", "id", id, "key", man.Key, "client", o.DumpCommand, "args", args, "partSize", man.PartSize)
	if err := m.run(ctx, o, cnf, cnfFiles, args, man); err != nil {
		log.Error("backup: failed", "id", id, "error", err)
		return nil, err
	}

	man.Finished = o.Clock.Now().UTC()
	body, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, &StageError{Stage: StageManifest, Err: err}
	}
	manKey := m.prefixWith(o, spec.Name, id) + manifestName
	put := &s3.PutObjectInput{
		Bucket: aws.String(o.Bucket), Key: aws.String(manKey), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	}
	applySSE(o, &put.ServerSideEncryption, &put.SSEKMSKeyId)
	if _, err := m.s3.PutObject(ctx, put); err != nil {
		// Without a manifest the dump object is not a backup: remove it (best effort).
		_, _ = m.s3.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(man.Key)})
		return nil, &StageError{Stage: StageManifest, Err: fmt.Errorf("put s3://%s/%s: %w", o.Bucket, manKey, err)}
	}
	log.Info("backup: committed", "id", id, "dumpBytes", man.DumpBytes, "storedBytes", man.StoredBytes,
		"sha256", man.SHA256, "parts", man.Parts)
	return man, nil
}

func (m *Manager) prefixWith(o Options, name, id string) string {
	return o.Prefix + name + "/" + id + "/"
}

func applySSE(o Options, sse *types.ServerSideEncryption, kms **string) {
	if o.ServerSideEncryption != "" {
		*sse = types.ServerSideEncryption(o.ServerSideEncryption)
	}
	if o.SSEKMSKeyID != "" {
		*kms = aws.String(o.SSEKMSKeyID)
	}
}

// run streams the dump client into the upload and fills man's sizes and checksum.
func (m *Manager) run(ctx context.Context, o Options, cnf string, cnfFiles []*os.File, args []string, man *Manifest) error {
	prog := &progress{fn: o.OnProgress}
	create := s3.CreateMultipartUploadInput{Bucket: aws.String(o.Bucket), Key: aws.String(man.Key), ContentType: aws.String("application/octet-stream")}
	applySSE(o, &create.ServerSideEncryption, &create.SSEKMSKeyId)
	upload := newMultipartWriter(ctx, m.s3, create, man.PartSize, o.UploadConcurrency, func(n int64) {
		prog.uploaded.Store(n)
		prog.report()
	})
	uploadW := &countingWriter{w: upload, n: &prog.compressed}

	var sink io.Writer = uploadW
	var encW io.WriteCloser
	if o.Encryption != nil {
		w, err := o.Encryption.Encrypt(uploadW)
		if err != nil {
			return &StageError{Stage: StageEncrypt, Err: err}
		}
		encW, sink = w, w
	}
	comp, err := o.compressor(sink)
	if err != nil {
		return &StageError{Stage: StageCompress, Err: err}
	}

	dctx, cancelDump := context.WithCancel(ctx)
	defer cancelDump()
	cmd := exec.CommandContext(dctx, o.DumpCommand, append([]string{"--defaults-extra-file=" + cnf}, args...)...)
	cmd.Env = clientEnv()
	cmd.ExtraFiles = cnfFiles
	stderr := &tailBuffer{max: 8 << 10}
	cmd.Stderr = stderr
	pr, pw, err := os.Pipe()
	if err != nil {
		return &StageError{Stage: StageDump, Err: err}
	}
	growPipe(pw)
	cmd.Stdout = pw
	stdout := pr
	defer pr.Close()
	err = cmd.Start()
	pw.Close() // the client holds its own copy; EOF comes when it exits
	if err != nil {
		return &StageError{Stage: StageDump, Err: fmt.Errorf("start %s: %w", o.DumpCommand, err)}
	}
	if testHookDumpStarted != nil {
		testHookDumpStarted(cmd.Process.Pid)
	}

	waited := false
	fail := func(e *StageError) error {
		cancelDump()
		// Writes into the upload fail from now on; closing the compressor and the encryption
		// lets their goroutines (which may be writing) finish before the upload is aborted.
		upload.stop()
		_ = comp.Close()
		if encW != nil {
			_ = encW.Close()
		}
		_, _ = io.Copy(io.Discard, stdout)
		if !waited {
			_ = cmd.Wait()
		}
		if e.Stage == StageDump && e.Stderr == "" {
			e.Stderr = stderr.String()
		}
		if err := upload.Abort(); err != nil {
			e.Err = fmt.Errorf("%w (and %v)", e.Err, err)
		}
		return e
	}
	// writeStage names the stage of a failed write into the compressor.
	writeStage := func() Stage {
		if uploadW.err != nil {
			return StageUpload
		}
		return StageCompress
	}

	buf := make([]byte, 1<<20)
	tail := make([]byte, 0, 512)
	nextReport := int64(1 << 20)
	for {
		n, rerr := stdout.Read(buf)
		if n > 0 {
			tail = append(tail, buf[:n]...)
			if len(tail) > 256 {
				tail = append(tail[:0], tail[len(tail)-256:]...)
			}
			if _, err := comp.Write(buf[:n]); err != nil {
				return fail(&StageError{Stage: writeStage(), Err: err})
			}
			if d := prog.dumped.Add(int64(n)); d >= nextReport {
				nextReport = d + 1<<20
				prog.report()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail(&StageError{Stage: StageDump, Err: fmt.Errorf("read dump output: %w", rerr)})
		}
	}
	err = cmd.Wait()
	waited = true
	if err != nil {
		code := exitCode(err)
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return fail(&StageError{Stage: StageDump, ExitCode: code, Stderr: stderr.String(), Err: fmt.Errorf("%s: %w", o.DumpCommand, err)})
	}
	if !bytes.Contains(tail, []byte(dumpTrailer)) {
		return fail(&StageError{Stage: StageDump, Stderr: stderr.String(), Err: fmt.Errorf("%w: %s exited 0 but its output (%d bytes) lacks the %q trailer", ErrIncompleteDump, o.DumpCommand, prog.dumped.Load(), dumpTrailer)})
	}
	if s := stderr.String(); s != "" {
		o.Logger.Warn("backup: dump client wrote to stderr", "stderr", s)
	}
	o.Logger.Debug("backup: dump finished", "id", man.ID, "dumped", prog.dumped.Load(), "uploaded", prog.uploaded.Load())
	if err := comp.Close(); err != nil {
		return fail(&StageError{Stage: writeStage(), Err: fmt.Errorf("finish compression: %w", err)})
	}
	if encW != nil {
		if err := encW.Close(); err != nil {
			st := StageEncrypt
			if uploadW.err != nil {
				st = StageUpload
			}
			return fail(&StageError{Stage: st, Err: fmt.Errorf("finish encryption: %w", err)})
		}
	}
	if err := upload.Close(); err != nil {
		return fail(&StageError{Stage: StageUpload, Err: err})
	}
	prog.report()
	man.DumpBytes = prog.dumped.Load()
	man.StoredBytes = upload.written
	man.SHA256 = upload.sum()
	man.ETag = upload.etag
	man.Parts = int(upload.partNum)
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
