package main

// The simulated world the demo and the drills run the deploy program in: the simulated cloud,
// local machines for its instances, a loopback load balancer, and a clock that drives health
// checks and user traffic each virtual second that passes, whoever waits.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/examples/portal/deploy"
	"github.com/portalkit/portalkit/rds/session"
)

// drillClock is the simulated cloud's virtual clock, moved one second at a time: after each
// virtual second it runs the world's tick (health checks, traffic). Every wait of the deploy
// program (health, drains, retries) sleeps on it, so traffic flows through all of them.
type drillClock struct {
	vc     *awstest.Clock
	mu     sync.Mutex
	inTick bool
	tick   func(ctx context.Context)
}

func (c *drillClock) Now() time.Time { return c.vc.Now() }

func (c *drillClock) Sleep(ctx context.Context, d time.Duration) error {
	for d > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		step := min(d, time.Second-time.Duration(c.vc.Now().UnixNano())%time.Second)
		c.vc.Advance(step)
		d -= step
		if c.vc.Now().Truncate(time.Second).Equal(c.vc.Now()) {
			c.runTick(ctx)
		}
	}
	return ctx.Err()
}

func (c *drillClock) runTick(ctx context.Context) {
	c.mu.Lock()
	if c.inTick || c.tick == nil {
		c.mu.Unlock()
		return
	}
	c.inTick = true
	c.mu.Unlock()
	c.tick(ctx)
	c.mu.Lock()
	c.inTick = false
	c.mu.Unlock()
}

// simWorld is the simulated cloud with machines.
type simWorld struct {
	cloud    *awstest.Cloud
	clock    *drillClock
	env      deploy.Env
	machines *simMachines
	rec      *recorder
	elbv2    *elasticloadbalancingv2.Client
	asg      *autoscaling.Client

	// dbStop and dbStart, if not nil, stop the session database and start it again (a private
	// server): the failover drill stops it as the DB instance fails over and starts it again
	// meanwhile, so the sessions live through a real outage of their database.
	dbStop, dbStart func()

	mu    sync.Mutex
	watch *watch // the site under observation, nil when none
}

// watch is a site under observation: traffic through its load balancer each virtual second, one
// logged-in user among anonymous visitors.
type watch struct {
	site      *deploy.Site
	front     *frontDoor
	user      *http.Client
	userName  string
	loggedIn  bool
	requests  int // the user's requests
	logouts   int // answers that did not know the user
	anonymous int // anonymous visitors per second
}

// simDomains are the domains of the simulated account: the first is its hosted zone.
var simDomains = []string{"example.com", "staging.example.com"}

// certificates gives each spec a certificate "bought" from a CA made for the run, which the
// deploy checks and imports into ACM.
func (w *simWorld) certificates(specs ...*deploy.Spec) error {
	now := w.clock.Now()
	ca, err := newDemoCA(now)
	if err != nil {
		return err
	}
	for i, s := range specs {
		if s.Certificate, err = ca.issue(s.Domain, now, int64(i+2)); err != nil {
			return err
		}
	}
	return nil
}

func newSimWorld(ctx context.Context, out io.Writer, workdir string, sessions *session.Manager, optFns ...func(*awstest.Options)) (*simWorld, error) {
	// Virtual time starts now: S3 stamps objects with it, and syncs compare those stamps with
	// files' modification times.
	cloud, err := awstest.New(append([]func(*awstest.Options){func(o *awstest.Options) { o.Start = time.Now().Truncate(time.Second) }}, optFns...)...)
	if err != nil {
		return nil, err
	}
	// What the account holds before any deploy: the domain's public hosted zone. (The sites'
	// certificates are bought ones, imported by the deploy: see certificates.)
	if _, err := route53.NewFromConfig(cloud.Config()).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String(simDomains[0]), CallerReference: aws.String("portal-" + simDomains[0]),
	}); err != nil {
		cloud.Close()
		return nil, err
	}
	w := &simWorld{cloud: cloud, clock: &drillClock{vc: cloud.Clock()}, elbv2: elasticloadbalancingv2.NewFromConfig(cloud.Config()),
		asg: autoscaling.NewFromConfig(cloud.Config())}
	w.rec = newRecorder(cloud.Clock().Now())
	w.env = deploy.Env{Config: cloud.Config(), Clock: w.clock, Out: out, S3PathStyle: true}
	if w.machines, err = newSimMachines(cloud, w.env, workdir, sessions, out); err != nil {
		cloud.Close()
		return nil, err
	}
	w.env.Machines = w.machines
	w.clock.tick = w.tick
	return w, nil
}

func (w *simWorld) Close() {
	w.mu.Lock()
	if w.watch != nil {
		w.watch.front.Close()
	}
	w.mu.Unlock()
	w.machines.Close()
	w.cloud.Close()
}

// frontDoor returns a loopback load balancer for a site, not recorded.
func (w *simWorld) frontDoor(site *deploy.Site) *frontDoor {
	return newFrontDoor(w.env, w.machines, site, nil)
}

// observe starts traffic through a site's load balancer each virtual second, recorded.
func (w *simWorld) observe(site *deploy.Site, anonymous int) (*watch, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	w.rec = newRecorder(w.clock.Now())
	w.env.Epoch = w.rec.start // narration during the drill counts from its start, as its timeline does
	wt := &watch{site: site, front: newFrontDoor(w.env, w.machines, site, w.rec), user: &http.Client{Jar: jar, Timeout: 5 * time.Second}, anonymous: anonymous}
	w.mu.Lock()
	w.watch = wt
	w.mu.Unlock()
	return wt, nil
}

// tick runs each virtual second: the health checks, a health sample, the traffic.
func (w *simWorld) tick(ctx context.Context) {
	// Auto Scaling acts on its own in AWS; the simulated one computes a group's state when the
	// group is read, so the world reads every group each second.
	if _, err := w.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{}); err != nil {
		w.machines.logf("auto scaling: %v", err)
	}
	if err := w.machines.Discover(ctx); err != nil {
		w.machines.logf("machines: %v", err)
	}
	w.mu.Lock()
	wt := w.watch
	w.mu.Unlock()
	// The load balancer's health checks, every 2 seconds (every second while a drill watches,
	// for a finer timeline); the target group's interval is 10s, so none is missed.
	if wt != nil || w.clock.Now().Unix()%2 == 0 {
		w.machines.MirrorHealth(ctx)
	}
	if wt == nil {
		return
	}
	now := w.clock.Now()
	if out, err := w.elbv2.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(wt.site.LoadBalancer.TargetGroupARN)}); err == nil {
		states, zones := map[string]string{}, map[string]string{}
		for _, d := range out.TargetHealthDescriptions {
			id := aws.ToString(d.Target.Id)
			states[id] = string(d.TargetHealth.State)
			if h := w.machines.host(id); h != nil {
				zones[id] = h.zone
			}
		}
		w.rec.health(now, states, zones)
	}
	if wt.loggedIn {
		body, status, err := get(ctx, wt.user, http.MethodGet, wt.front.URL()+"/")
		wt.requests++
		if err == nil && status == http.StatusOK && !strings.Contains(body, "hello "+wt.userName) {
			wt.logouts++
			w.rec.note(now, "LOGOUT: "+body)
		}
	}
	anon := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < wt.anonymous; i++ {
		_, _, _ = get(ctx, anon, http.MethodGet, wt.front.URL()+"/")
	}
}

// login logs the watch's user in through the load balancer and returns the instance that
// served the login.
func (w *simWorld) login(ctx context.Context, wt *watch, user string) (string, error) {
	body, status, err := get(ctx, wt.user, http.MethodPost, wt.front.URL()+"/login?user="+user)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("login: %d %s", status, body)
	}
	wt.userName, wt.loggedIn = user, true
	return body[strings.LastIndex(body, " ")+1:], nil
}

func get(ctx context.Context, c *http.Client, method, u string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}
