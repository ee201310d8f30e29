package rds_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/rds"
)

var testEndpoint = rds.Endpoint{Address: "shop.c0123456789a.us-east-1.rds.amazonaws.com", Port: 3306}

func TestMySQLConfigDefaultsFitFailover(t *testing.T) {
	cfg, err := rds.MySQLConfig(testEndpoint, rds.ConnOptions{User: "app", Password: testPassword, DBName: "shop"})
	require.NoError(t, err)
	assert.Equal(t, "tcp", cfg.Net)
	assert.Equal(t, "shop.c0123456789a.us-east-1.rds.amazonaws.com:3306", cfg.Addr)
	assert.Equal(t, rds.DefaultDialTimeout, cfg.Timeout)
	assert.Equal(t, rds.DefaultReadTimeout, cfg.ReadTimeout)
	assert.Equal(t, rds.DefaultWriteTimeout, cfg.WriteTimeout)
	assert.True(t, cfg.RejectReadOnly, "a demoted, read-only primary is dropped")
	require.NotNil(t, cfg.TLS)
	assert.Equal(t, testEndpoint.Address, cfg.TLS.ServerName)
	assert.GreaterOrEqual(t, cfg.TLS.MinVersion, uint16(tls.VersionTLS12))
	assert.False(t, cfg.TLS.InsecureSkipVerify)
	assert.False(t, cfg.AllowCleartextPasswords)
	assert.Less(t, rds.DefaultConnMaxLifetime, rds.DefaultDNSTTL)

	dsn, err := rds.DSN(testEndpoint, rds.ConnOptions{User: "app", Password: testPassword})
	require.NoError(t, err)
	for _, want := range []string{"timeout=5s", "readTimeout=30s", "writeTimeout=30s", "rejectReadOnly=true", "parseTime=true", "tls=rds-" + testEndpoint.Address} {
		assert.Contains(t, dsn, want)
	}

	db, err := rds.OpenDB(testEndpoint, rds.ConnOptions{User: "app", Password: testPassword})
	require.NoError(t, err)
	assert.NoError(t, db.Close())
}

func TestConnOptionsValidated(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	for name, tc := range map[string]struct {
		o    rds.ConnOptions
		ep   rds.Endpoint
		want []string
	}{
		"lifetime above TTL": {rds.ConnOptions{User: "app", Password: testPassword, DNSTTL: 30 * time.Second, ConnMaxLifetime: time.Minute}, testEndpoint,
			[]string{"ConnMaxLifetime 1m0s must be below DNSTTL 30s"}},
		"IAM without TLS": {rds.ConnOptions{User: "app", IAM: &rds.IAMAuth{Region: "us-east-1", Credentials: creds}, NoTLS: true}, testEndpoint,
			[]string{"IAM tokens are sent in clear text and need TLS"}},
		"IAM and password": {rds.ConnOptions{User: "app", Password: testPassword, IAM: &rds.IAMAuth{}}, testEndpoint,
			[]string{"Password and IAM are both set", "IAM.Region is empty", "IAM.Credentials is nil"}},
		"no endpoint, no user": {rds.ConnOptions{}, rds.Endpoint{}, []string{"Endpoint.Address is empty", "Endpoint.Port 0", "User is empty", "Password is empty"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := rds.MySQLConfig(tc.ep, tc.o)
			require.ErrorIs(t, err, rds.ErrInvalidSpec)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), testPassword.Reveal())
		})
	}
	_, err := rds.DSN(testEndpoint, rds.ConnOptions{User: "app", IAM: &rds.IAMAuth{Region: "us-east-1", Credentials: creds}})
	require.ErrorIs(t, err, rds.ErrInvalidSpec, "an IAM token cannot live in a static DSN")
}

// TestIAMAuthToken builds a token with the SDK's signer (no network involved) and checks it is a
// presigned connect request for the user, valid 15 minutes, and that MySQLConfig enables the
// clear-text plugin (over TLS) for it.
func TestIAMAuthToken(t *testing.T) {
	iam := rds.IAMAuth{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	token, err := rds.IAMAuthToken(context.Background(), testEndpoint, iam, "app")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(token, testEndpoint.String()+"?"), token)
	q, err := url.ParseQuery(strings.SplitN(token, "?", 2)[1])
	require.NoError(t, err)
	assert.Equal(t, "connect", q.Get("Action"))
	assert.Equal(t, "app", q.Get("DBUser"))
	assert.Equal(t, "900", q.Get("X-Amz-Expires"))
	assert.Contains(t, q.Get("X-Amz-Credential"), "/us-east-1/rds-db/aws4_request")

	cfg, err := rds.MySQLConfig(testEndpoint, rds.ConnOptions{User: "app", IAM: &iam})
	require.NoError(t, err)
	assert.True(t, cfg.AllowCleartextPasswords)
	assert.NotNil(t, cfg.TLS)
	assert.Empty(t, cfg.Passwd, "the token is built per connection")

	_, err = rds.IAMAuthToken(context.Background(), rds.Endpoint{Address: "x"}, rds.IAMAuth{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, "app")
	require.Error(t, err)
}

func TestTLSConfigNeedsPEM(t *testing.T) {
	_, err := rds.TLSConfig(testEndpoint, []byte("not a certificate"))
	require.ErrorIs(t, err, rds.ErrInvalidSpec)
}

func TestPasswordRedacted(t *testing.T) {
	p := rds.Password("hunter2-hunter2")
	assert.Equal(t, rds.Redacted, p.String())
	assert.Equal(t, "", rds.Password("").String())
	assert.Equal(t, "hunter2-hunter2", p.Reveal())
	for _, s := range []string{p.GoString()} {
		assert.NotContains(t, s, "hunter2")
	}
}

// TestParamsCannotOverrideDriverSettings: Params are session variables; a key the driver reads as
// one of its own settings would, in a DSN, silently override TLS, the timeouts or the clear-text
// password plugin that ConnOptions validated. Such keys are refused, any case.
func TestParamsCannotOverrideDriverSettings(t *testing.T) {
	for _, key := range []string{"tls", "allowCleartextPasswords", "allowFallbackToPlaintext", "allowAllFiles", "readTimeout", "rejectReadOnly", "TLS"} {
		o := rds.ConnOptions{User: "app", Password: testPassword, Params: map[string]string{key: "false", "time_zone": "'+00:00'"}}
		_, err := rds.DSN(testEndpoint, o)
		require.ErrorIs(t, err, rds.ErrInvalidSpec, key)
		assert.Contains(t, err.Error(), key)
		_, err = rds.MySQLConfig(testEndpoint, o)
		require.ErrorIs(t, err, rds.ErrInvalidSpec, key)
	}
	dsn, err := rds.DSN(testEndpoint, rds.ConnOptions{User: "app", Password: testPassword, Params: map[string]string{"time_zone": "'+00:00'"}})
	require.NoError(t, err, "a session variable is fine")
	cfg, err := mysql.ParseDSN(dsn)
	require.NoError(t, err)
	assert.Equal(t, "rds-"+testEndpoint.Address, cfg.TLSConfig, "TLS stays on")
	assert.False(t, cfg.AllowCleartextPasswords)
}
