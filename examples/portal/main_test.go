package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
)

func TestDemoRunsTheWholeStack(t *testing.T) {
	db := testenv.MySQL(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, 6, t.TempDir(), db.DSN), out.String())
	got := out.String()
	for _, want := range []string{
		"created load balancer, target group, listener HTTP:80, listener HTTPS:443, apex redirect rule",
		"second run: 0 created, 0 drifted",
		"2 alias records to portal-",
		"DNS second run: no change sent",
		"push again: 0 to upload, 6 unchanged",
		"all 6 healthy",
		"in service in 3 zones",
		"rolled out in 3 batches; 6 instances in service in 3 zones",
		"every instance serves v2 from local disk",
		"out of service: Target.",
		"still in service in 2 zones",
		"hello alice, served by",
	} {
		assert.Contains(t, got, want)
	}
	if t.Failed() {
		t.Log(got)
	}
}

func TestDemoRefusesTooFewInstances(t *testing.T) {
	err := run(context.Background(), os.Stdout, 2, t.TempDir(), "")
	assert.ErrorContains(t, err, "-instances 2")
}
