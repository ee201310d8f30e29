package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/examples/portal/deploy"
	"github.com/portalkit/portalkit/internal/testenv"
)

// fastRDS creates DB instances in minutes rather than twenty: every second of virtual time runs
// the world's health checks and traffic, and the tests run under the race detector.
func fastRDS(o *awstest.Options) {
	o.RDS.InstanceCreating, o.RDS.StandbyCreating, o.RDS.InstanceBackingUp = 2*time.Minute, time.Minute, 30*time.Second
}

// newTestWorld starts a simulated world whose narration goes to the test log on failure.
func newTestWorld(t *testing.T) (*simWorld, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	w, err := newSimWorld(context.Background(), &out, filepath.Join(t.TempDir(), "instances"), nil, fastRDS)
	require.NoError(t, err)
	t.Cleanup(w.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(out.String())
		}
	})
	return w, &out
}

// deployEnvironment publishes v1, points the environment at it and deploys it.
func deployEnvironment(t *testing.T, w *simWorld, workdir string, spec deploy.Spec) *deploy.Site {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, w.certificates(&spec))
	v1, err := buildAndPublish(ctx, w.env, workdir, "v1", deploy.Build)
	require.NoError(t, err)
	require.NoError(t, deploy.Promote(ctx, w.env, v1, spec.Environment))
	site, err := deploy.Deploy(ctx, w.env, spec)
	require.NoError(t, err)
	require.Len(t, site.Instances, spec.Instances)
	return site
}

// TestFailoverDrill: a logged-in user through a killed web server, a lost zone and a forced
// failover of the DB instance. Sessions in MySQL keep them logged in, the load balancer stops
// routing to what failed after its health checks (real HTTP checks of each server) fail, no
// request fails after that, and the Auto Scaling group brings capacity back in the healthy
// zones. The timeline is written as HTML and rendered in headless Chromium.
func TestFailoverDrill(t *testing.T) {
	w, out := newTestWorld(t)
	// The sessions live on a private MariaDB that really restarts while the DB instance fails
	// over: the store's retries carry the user's requests through the outage.
	db := testenv.StartMariaDB(t)
	m, sdb, err := newSessions(context.Background(), db.DSN, "portal_sessions")
	require.NoError(t, err)
	t.Cleanup(func() { sdb.Close() })
	w.machines.sessions, w.machines.sessionDB = m, sdb
	w.dbStop, w.dbStart = db.Stop, db.Start
	workdir := t.TempDir()
	_, production := environments(6, nil)
	site := deployEnvironment(t, w, workdir, production)

	res, err := w.failoverDrill(context.Background(), out, site)
	require.NoError(t, err)

	assert.Greater(t, res.UserRequests, 100, "the user browsed throughout")
	assert.Zero(t, res.Logouts, "nobody is logged out")
	assert.Greater(t, res.Failed, 0, "the faults did bite before the load balancer reacted")
	assert.Zero(t, res.FailedAfterReaction, "no request fails once the load balancer reacted")
	require.Len(t, res.Reactions, 2)
	for i := range res.Faults {
		assert.Greater(t, res.Reactions[i], res.Faults[i], "fault %d", i)
		assert.LessOrEqual(t, res.Reactions[i]-res.Faults[i], 35, "health checks (2 x 10s) notice fault %d", i)
	}
	assert.Equal(t, 6, res.Healthy, "capacity restored")
	assert.Len(t, res.Zones, 2, "in the two healthy zones")
	assert.NotContains(t, res.Zones, res.LostZone)

	assert.NotEqual(t, res.RDSFrom, res.RDSTo, "the database moved to its standby's zone")
	assert.Greater(t, res.RDSProbes, 10, "the session database was probed throughout the failover")
	assert.Greater(t, res.RDSProbeFailures, 0, "and was really down for a while")
	t.Logf("database failover: %s; user: %d requests, %d logouts; %d served, %d failed, %d after the reactions", res.RDS, res.UserRequests, res.Logouts, res.Served, res.Failed, res.FailedAfterReaction)

	var tl bytes.Buffer
	w.rec.printTimeline(&tl)
	assert.Contains(t, tl.String(), "FAULT  kill i-")
	assert.Contains(t, tl.String(), "FAULT  zone "+res.LostZone+" fails")
	assert.Contains(t, tl.String(), "healthy -> unhealthy")
	assert.Contains(t, tl.String(), "initial -> healthy", "replacements come into service")
	assert.Contains(t, tl.String(), "FAULT  RDS failover")

	page := filepath.Join(t.TempDir(), "failover.html")
	f, err := os.Create(page)
	require.NoError(t, err)
	require.NoError(t, w.rec.writeHTML(f, "portal failover drill"))
	require.NoError(t, f.Close())
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	for _, external := range []string{"<script", "src=", "href=", "@import", "url("} {
		assert.False(t, strings.Contains(string(html), external), "self-contained: no %s", external)
	}
	assert.True(t, strings.Contains(string(html), `<svg id="timeline"`), "an SVG chart")
	assert.Equal(t, 3, strings.Count(string(html), `class="fault"`), "the three faults marked")

	t.Run("renders in headless Chromium", func(t *testing.T) { checkRendered(t, page) })
}

// checkRendered opens the page in headless Chromium, checks the DOM it built holds the chart,
// and takes a screenshot that must show served (zone colours), failed (red) and health lanes.
func checkRendered(t *testing.T, page string) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("headless Chromium not found (Debian: apt-get install -y chromium): the HTML timeline is not rendered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + profile}
	dom, err := exec.CommandContext(ctx, bin, append(args, "--dump-dom", "file://"+page)...).Output()
	require.NoError(t, err)
	assert.Contains(t, string(dom), `<svg id="timeline"`)
	assert.Greater(t, strings.Count(string(dom), `class="served"`), 50)

	shot := filepath.Join(t.TempDir(), "shot.png")
	cmd := exec.CommandContext(ctx, bin, append(args, "--window-size=1400,900", "--screenshot="+shot, "file://"+page)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium screenshot: %v: %s", err, b)
	}
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	colours := map[string]int{}
	want := map[string][3]uint32{"failed": {0xd6, 0x27, 0x28}, "healthy": {0xc7, 0xe9, 0xc0}, "zone a": {0x1f, 0x77, 0xb4}}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for name, c := range want {
				if r>>8 == c[0] && g>>8 == c[1] && bl>>8 == c[2] {
					colours[name]++
				}
			}
		}
	}
	for name := range want {
		assert.Greater(t, colours[name], 20, "the screenshot shows %s pixels", name)
	}
}

// TestDeployDrill: v2 rolled out by instance refresh with traffic every second, never below the
// minimum healthy share; a broken v3, deployed in place through the agents' deploy mode, fails
// its validate hook on the first batch and is rolled back, and no user sees an error.
func TestDeployDrill(t *testing.T) {
	w, out := newTestWorld(t)
	workdir := t.TempDir()
	staging, _ := environments(6, nil)
	site := deployEnvironment(t, w, workdir, staging)

	res, err := w.deployDrill(context.Background(), out, workdir, site)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"v2": 6}, res.AfterV2, "every instance on v2")
	assert.ErrorIs(t, res.V3Err, deploy.ErrRolledBack)
	assert.ErrorContains(t, res.V3Err, "hook validate-service of release v3 failed", "the agent's reason is reported")
	assert.Contains(t, out.String(), "validate: schema migration 42 missing", "the hook's output reaches the narration")
	assert.Equal(t, map[string]int{"v2": 6}, res.AfterV3, "v3 rolled back: every instance still on v2")
	assert.GreaterOrEqual(t, res.MinHealthy, 4, "66%% of 6 in service throughout")
	assert.Greater(t, res.Served, 500)
	assert.Zero(t, res.Failed, "no user-visible error")
	ptr, err := deploy.Pointer(context.Background(), w.env, releaseBucket, "staging")
	require.NoError(t, err)
	assert.Equal(t, "v2", ptr.Version, "the pointer is back on v2")
}

// TestReleaseManagement: staging and production from the same program; a release reaches
// production only after a smoke test over HTTP through staging's load balancer, as the same
// object (digest) that was tested; releases failing in staging (a failing hook, a failing smoke
// test) never reach production.
func TestReleaseManagement(t *testing.T) {
	w, _ := newTestWorld(t)
	ctx := context.Background()
	workdir := t.TempDir()
	staging, production := environments(3, nil)
	stagingSite := deployEnvironment(t, w, workdir, staging)
	productionSite := deployEnvironment(t, w, workdir, production)
	front := w.frontDoor(stagingSite)
	defer front.Close()

	v2, err := buildAndPublish(ctx, w.env, workdir, "v2", deploy.Build)
	require.NoError(t, err)
	uploaded := releaseObjects(t, w)
	require.NoError(t, deploy.Ship(ctx, w.env, v2, stagingSite, productionSite, front.URL(), deploy.RolloutOptions{}))
	ptr, err := deploy.Pointer(ctx, w.env, releaseBucket, "production")
	require.NoError(t, err)
	assert.Equal(t, "v2", ptr.Version)
	assert.Equal(t, v2.Digest, ptr.Digest, "production runs the object staging tested")
	assert.Equal(t, uploaded, releaseObjects(t, w), "promotion uploaded no release file")
	assert.Equal(t, map[string]int{"v2": 3}, productionSite.Releases())

	// A release whose hook fails in staging.
	v3, err := buildAndPublish(ctx, w.env, workdir, "v3", buildBroken)
	require.NoError(t, err)
	err = deploy.Ship(ctx, w.env, v3, stagingSite, productionSite, front.URL(), deploy.RolloutOptions{InPlace: true})
	assert.ErrorIs(t, err, deploy.ErrRolledBack)

	// A release whose hooks pass but whose pages fail: the smoke test stops it.
	v4, err := buildAndPublish(ctx, w.env, workdir, "v4", func(dir, version string) error {
		if err := deploy.Build(dir, version); err != nil {
			return err
		}
		return errors.Join(os.Remove(filepath.Join(dir, "templates", "home.tpl")),
			os.WriteFile(filepath.Join(dir, "hooks", "validate"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	})
	require.NoError(t, err)
	err = deploy.Ship(ctx, w.env, v4, stagingSite, productionSite, front.URL(), deploy.RolloutOptions{})
	assert.ErrorIs(t, err, deploy.ErrSmokeTest)

	for _, env := range []string{"staging", "production"} {
		ptr, err := deploy.Pointer(ctx, w.env, releaseBucket, env)
		require.NoError(t, err)
		assert.Equal(t, "v2", ptr.Version, env)
		assert.Equal(t, v2.Digest, ptr.Digest, env)
	}
	require.NoError(t, deploy.Refresh(ctx, w.env, productionSite))
	require.NoError(t, deploy.Refresh(ctx, w.env, stagingSite))
	assert.Equal(t, map[string]int{"v2": 3}, productionSite.Releases(), "v3 and v4 never reached production")
	assert.Equal(t, map[string]int{"v2": 3}, stagingSite.Releases(), "staging is back on v2")
	for _, site := range []*deploy.Site{stagingSite, productionSite} {
		for _, id := range site.IDs() {
			v := w.machines.host(id).Version()
			assert.Equal(t, "v2", v, "%s of %s serves %s", id, site.Spec.Environment, v)
		}
	}
}

// releaseObjects maps each release file and manifest in S3 to its ETag and modification time.
func releaseObjects(t *testing.T, w *simWorld) map[string]string {
	t.Helper()
	out, err := w.cloud.S3Client().ListObjectsV2(context.Background(), &s3ListInput{Bucket: strPtr(releaseBucket), Prefix: strPtr("releases/")})
	require.NoError(t, err)
	m := map[string]string{}
	for _, o := range out.Contents {
		if !strings.Contains(*o.Key, "/current-") { // the environments' pointers move
			m[*o.Key] = *o.ETag + " " + o.LastModified.String()
		}
	}
	return m
}
