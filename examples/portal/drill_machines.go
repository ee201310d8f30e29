package main

// The simulated cloud has no machines: this file gives it local ones. Each instance the deploy
// launches gets a directory for its disk, an agent that installs releases from S3 and runs their
// hooks, and the portal web server on a loopback port. A loopback load balancer routes requests
// to the instances the simulated ELB considers healthy, and the ELB's health checks are the real
// HTTP checks of each web server, mirrored into the simulated cloud.

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.yaml.in/yaml/v3"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/bootstrap"
	"github.com/portalkit/portalkit/examples/portal/deploy"
	"github.com/portalkit/portalkit/rds/session"
)

// simHost is one simulated instance: its disk is a directory, its instance agent the bootstrap
// package's, its web server a loopback HTTP server.
type simHost struct {
	id, zone, dir string
	srv           *httptest.Server
	agent         *bootstrap.Agent
	partitioned   atomic.Bool // its zone is cut off: connections are reset
	dead          atomic.Bool // its web server was killed
}

// release returns the version and directory of the release the host serves: what its
// current symlink, which the agent switches atomically, points to.
func (h *simHost) release() (string, string) {
	dir := filepath.Join(h.dir, "current")
	b, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		return "", ""
	}
	return strings.TrimSpace(string(b)), dir
}

// Version returns the release the host serves.
func (h *simHost) Version() string { v, _ := h.release(); return v }

// simMachines runs the simulated cloud's instances on this machine (deploy.Machines).
type simMachines struct {
	cloud     *awstest.Cloud
	env       deploy.Env // S3 and EC2 access, as an instance profile would give
	dir       string
	sessions  *session.Manager // nil: no session store
	sessionDB *sql.DB          // the session store's database, nil without one
	ec2       *ec2.Client
	asg       *autoscaling.Client // the agents' lifecycle calls
	log       io.Writer           // agent messages, nil: none

	mu      sync.Mutex
	hosts   map[string]*simHost
	failing map[string]bool // instances whose health checks are mirrored as failing
}

func newSimMachines(cloud *awstest.Cloud, env deploy.Env, dir string, sessions *session.Manager, log io.Writer) (*simMachines, error) {
	m := &simMachines{cloud: cloud, env: env, dir: dir, sessions: sessions, ec2: ec2.NewFromConfig(env.Config), log: log,
		hosts: map[string]*simHost{}, failing: map[string]bool{}}
	m.asg = autoscaling.NewFromConfig(env.Config)
	return m, nil
}

var _ deploy.Machines = (*simMachines)(nil)

// Discover boots the instances EC2 runs that have no machine yet (what EC2 does with user data)
// and stops the web servers of terminated ones.
func (m *simMachines) Discover(ctx context.Context) error {
	out, err := m.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{deploy.TagEnvironment}},
	}})
	if err != nil {
		return err
	}
	for _, r := range out.Reservations {
		for _, inst := range r.Instances {
			id := aws.ToString(inst.InstanceId)
			switch inst.State.Name {
			case ec2types.InstanceStateNameShuttingDown, ec2types.InstanceStateNameTerminated:
				m.Kill(id) // a terminated instance's web server goes with it
				continue
			case ec2types.InstanceStateNameRunning:
			default:
				continue
			}
			if m.host(id) != nil {
				continue
			}
			if err := m.boot(ctx, inst); err != nil {
				return fmt.Errorf("boot %s: %w", id, err)
			}
		}
	}
	return nil
}

// boot runs a new instance's user data as cloud-init would: write the agent's configuration
// (on this machine: the instance's directory as application root, its web server's health check
// as the health gate), start the web server, and run the agent in launch mode. The agent
// installs the release the environment's pointer names, runs its hooks, switches, passes the
// health gate and completes the launching lifecycle hook: CONTINUE, or ABANDON on a failure.
func (m *simMachines) boot(ctx context.Context, inst ec2types.Instance) error {
	id := aws.ToString(inst.InstanceId)
	tags := map[string]string{}
	for _, t := range inst.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	cfg, err := m.agentConfig(ctx, tags)
	if err != nil {
		return err
	}
	h := &simHost{id: id, zone: aws.ToString(inst.Placement.AvailabilityZone), dir: filepath.Join(m.dir, id)}
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		return err
	}
	app := webApp(id, h.release, m.sessions)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.partitioned.Load() {
			resetConnection(w)
			return
		}
		app.ServeHTTP(w, r)
	}))
	m.mu.Lock()
	m.hosts[id] = h
	m.mu.Unlock()
	cfg.AppDir, cfg.HealthURL = h.dir, h.srv.URL+"/health"
	h.agent, err = bootstrap.NewAgent(cfg, func(o *bootstrap.Options) {
		o.S3 = s3.NewFromConfig(m.env.Config, func(so *s3.Options) { so.UsePathStyle = true })
		o.Metadata = simIMDS{"instance-id": id, "placement/availability-zone": h.zone, "placement/region": m.cloud.Region(),
			"autoscaling/target-lifecycle-state": "InService"}
		o.Lifecycle = m.asg
		o.Clock = m.cloud.Clock() // the agent's waits run inside a tick of the world's clock
		o.HeartbeatInterval = -1  // a virtual clock's sleeps return at once
		o.HookOutput = m.hookOutput()
	})
	if err != nil {
		return err
	}
	res, err := h.agent.Launch(ctx)
	if err != nil {
		m.logf("%s: agent: %v (lifecycle action ABANDON)", id, err)
		return nil // the group replaces the instance
	}
	return m.tagRelease(ctx, id, res.Version)
}

// tagRelease records the release an instance serves on it, as an application-start hook would
// with `aws ec2 create-tags`: the deploy's summary reads it.
func (m *simMachines) tagRelease(ctx context.Context, id, version string) error {
	_, err := m.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String(deploy.TagRelease), Value: aws.String(version)}}})
	return err
}

// agentConfig reads the agent's configuration from the cloud-config user data of the launch
// template version an instance was launched from.
func (m *simMachines) agentConfig(ctx context.Context, tags map[string]string) (bootstrap.Config, error) {
	id, version := tags["aws:ec2launchtemplate:id"], tags["aws:ec2launchtemplate:version"]
	if id == "" {
		return bootstrap.Config{}, errors.New("not launched from a launch template")
	}
	out, err := m.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{version}})
	if err != nil {
		return bootstrap.Config{}, err
	}
	if len(out.LaunchTemplateVersions) == 0 || out.LaunchTemplateVersions[0].LaunchTemplateData == nil {
		return bootstrap.Config{}, fmt.Errorf("launch template %s version %s not found", id, version)
	}
	doc, err := base64.StdEncoding.DecodeString(aws.ToString(out.LaunchTemplateVersions[0].LaunchTemplateData.UserData))
	if err != nil {
		return bootstrap.Config{}, err
	}
	var cc struct {
		WriteFiles []struct {
			Path    string `yaml:"path"`
			Content string `yaml:"content"`
		} `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(doc, &cc); err != nil {
		return bootstrap.Config{}, fmt.Errorf("user data is not cloud-config: %w", err)
	}
	for _, f := range cc.WriteFiles {
		if f.Path == bootstrap.DefaultConfigPath {
			return bootstrap.ParseConfig([]byte(f.Content))
		}
	}
	return bootstrap.Config{}, errors.New("user data writes no agent configuration")
}

// simIMDS answers the agent's IMDSv2 reads for one instance.
type simIMDS map[string]string

func (s simIMDS) GetMetadata(_ context.Context, in *imds.GetMetadataInput, _ ...func(*imds.Options)) (*imds.GetMetadataOutput, error) {
	v, ok := s[in.Path]
	if !ok {
		return nil, fmt.Errorf("simulated IMDS: no %s", in.Path)
	}
	return &imds.GetMetadataOutput{Content: io.NopCloser(strings.NewReader(v))}, nil
}

// hookOutput is where the agents' hooks write: the narration.
func (m *simMachines) hookOutput() io.Writer {
	if m.log == nil {
		return io.Discard
	}
	return m.log
}

func (m *simMachines) logf(format string, args ...any) {
	if m.log != nil {
		fmt.Fprintf(m.log, "  "+format+"\n", args...)
	}
}

// Deploy is the agent's deploy mode on a running instance: install version, run its hooks,
// switch; a failing hook switches back to the previous release and fails the deploy.
func (m *simMachines) Deploy(ctx context.Context, id, version string) error {
	h := m.host(id)
	if h == nil || h.agent == nil {
		return fmt.Errorf("no machine for %s", id)
	}
	res, err := h.agent.Deploy(ctx, func(o *bootstrap.Options) { o.Version = version })
	if err != nil {
		return err
	}
	return m.tagRelease(ctx, id, res.Version)
}

func (m *simMachines) host(id string) *simHost {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hosts[id]
}

// Kill stops an instance's web server, as a crashed process would.
func (m *simMachines) Kill(id string) {
	if h := m.host(id); h != nil && !h.dead.Swap(true) {
		h.srv.CloseClientConnections()
		h.srv.Close()
	}
}

// Partition cuts the instances of a zone off the network and fails the zone in the simulated
// cloud (launches there fail for lack of capacity).
func (m *simMachines) Partition(zone string) {
	m.cloud.FailZone(zone)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.hosts {
		if h.zone == zone {
			h.partitioned.Store(true)
		}
	}
}

// MirrorHealth runs the load balancer's health check against every web server (GET /health)
// and makes the simulated ELB see the result: an instance whose check fails is failed in the
// simulated cloud, one whose check passes again is recovered.
func (m *simMachines) MirrorHealth(ctx context.Context) {
	m.mu.Lock()
	hosts := make([]*simHost, 0, len(m.hosts))
	for _, h := range m.hosts {
		hosts = append(hosts, h)
	}
	m.mu.Unlock()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, h := range hosts {
		if h.dead.Load() && m.failing[h.id] {
			continue // a dead server stays failed; no need to check it again
		}
		ok := false
		if req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/health", nil); err == nil {
			if resp, err := client.Do(req); err == nil {
				ok = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
		}
		m.mu.Lock()
		was := m.failing[h.id]
		m.failing[h.id] = !ok
		m.mu.Unlock()
		switch {
		case !ok && !was:
			m.cloud.FailInstance(h.id)
		case ok && was:
			m.cloud.RecoverInstance(h.id)
		}
	}
}

// Close stops every web server.
func (m *simMachines) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.hosts {
		if !h.dead.Swap(true) {
			h.srv.Close()
		}
	}
}

// resetConnection drops the client's connection without an answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

// frontDoor is a loopback load balancer standing in for the simulated ALB's data plane: each
// request goes, round robin, to a target the simulated ELB reports healthy (DescribeTargetHealth,
// read once per virtual second), and a request that finds no healthy target, or whose target
// does not answer, fails with 503 or 502 as an ALB's would.
type frontDoor struct {
	elbv2    *elasticloadbalancingv2.Client
	tg       string
	machines *simMachines
	now      func() time.Time
	rec      *recorder // nil: not recorded

	mu      sync.Mutex
	at      time.Time
	healthy []string
	next    int
	srv     *httptest.Server
}

func newFrontDoor(env deploy.Env, machines *simMachines, site *deploy.Site, rec *recorder) *frontDoor {
	f := &frontDoor{elbv2: elasticloadbalancingv2.NewFromConfig(env.Config), tg: site.LoadBalancer.TargetGroupARN,
		machines: machines, now: env.Clock.Now, rec: rec}
	f.srv = httptest.NewServer(f)
	return f
}

// URL is the load balancer's address.
func (f *frontDoor) URL() string { return f.srv.URL }

// Close stops the load balancer.
func (f *frontDoor) Close() { f.srv.Close() }

// Healthy returns the targets the load balancer routes to at the current virtual time.
func (f *frontDoor) Healthy(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh(ctx)
}

func (f *frontDoor) refresh(ctx context.Context) ([]string, error) {
	now := f.now().Truncate(time.Second)
	if !now.Equal(f.at) || f.healthy == nil {
		out, err := f.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tg)})
		if err != nil {
			return nil, err
		}
		healthy := []string{}
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == "healthy" {
				healthy = append(healthy, aws.ToString(d.Target.Id))
			}
		}
		sort.Strings(healthy)
		f.at, f.healthy = now, healthy
	}
	return append([]string(nil), f.healthy...), nil
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	healthy, err := f.refresh(r.Context())
	var target string
	if err == nil && len(healthy) > 0 {
		target = healthy[f.next%len(healthy)]
		f.next++
	}
	f.mu.Unlock()
	h := f.machines.host(target)
	if h == nil {
		f.record(target, false)
		http.Error(w, "503 Service Unavailable: no healthy target", http.StatusServiceUnavailable)
		return
	}
	u, _ := url.Parse(h.srv.URL)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.Out.Host = r.Host },
		ModifyResponse: func(resp *http.Response) error {
			f.record(target, resp.StatusCode < 500)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			f.record(target, false)
			http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
		},
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	proxy.ServeHTTP(w, r)
}

func (f *frontDoor) record(target string, ok bool) {
	if f.rec == nil {
		return
	}
	zone := ""
	if h := f.machines.host(target); h != nil {
		zone = h.zone
	}
	f.rec.request(f.now(), target, zone, ok)
}
