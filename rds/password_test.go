package rds_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/rds"
)

// TestPasswordNeverInLogsOrErrors runs Ensure through retries, drift and failures with a debug
// logger capturing every record, and checks that the password is in no log line and no error
// message, and that a Spec printed or logged by a caller does not show it either.
func TestPasswordNeverInLogsOrErrors(t *testing.T) {
	f := newFixture(t)
	sim := f.env.RequireSim(t)
	secret := testPassword.Reveal()
	spec := f.spec("shop")
	var errs []error

	sim.ThrottleNext(awstest.ServiceRDS, "CreateDBInstance", 4) // the SDK gives up after 3; retry.Do absorbs the rest
	sim.LoseResponseNext(awstest.ServiceRDS, "CreateDBInstance", 1)
	c := f.client(t)
	_, err := c.Ensure(context.Background(), spec)
	require.NoError(t, err)
	drifted := spec
	drifted.SingleAZ = true
	_, err = c.Ensure(context.Background(), drifted, func(o *rds.Options) { o.FailOnDrift = true })
	errs = append(errs, err)

	other := f.spec("other")
	sim.FailNext(awstest.ServiceRDS, "CreateDBInstance", 1, "InvalidParameterValue")
	_, err = c.Ensure(context.Background(), other)
	errs = append(errs, err)

	bad := f.spec("bad")
	bad.MasterPassword = rds.Password(secret + "@/ \"")
	_, err = c.Ensure(context.Background(), bad)
	errs = append(errs, err)

	_, err = rds.MySQLConfig(rds.Endpoint{}, rds.ConnOptions{User: "app", Password: testPassword})
	errs = append(errs, err)

	for _, err := range errs {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secret)
	}

	// A caller logging or printing the spec.
	logger := f.logs.Logger()
	logger.Info("ensuring", "spec", spec, "password", spec.MasterPassword)
	logger.Info("ensuring", slog.Any("spec", spec))
	printed := fmt.Sprintf("%v %+v %#v %s %q", spec, spec, spec, spec.MasterPassword, spec.MasterPassword)
	js, err := json.Marshal(spec)
	require.NoError(t, err)
	for _, out := range []string{printed, string(js), f.logs.String()} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, printed, rds.Redacted)
	assert.Greater(t, strings.Count(f.logs.String(), "\n"), 5, "the logger did receive records")
	assert.Contains(t, f.logs.String(), "retrying")
}
