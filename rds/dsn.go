package rds

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/internal/check"
)

// Endpoint is where a DB instance accepts connections. For a Multi-AZ instance the address is a
// DNS name that RDS moves to the standby on failover; clients must resolve it again rather than
// keep an address.
type Endpoint struct {
	// Address is the endpoint's DNS name, for example shop.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com.
	Address string
	// Port is the port, 3306 unless the instance was created with another.
	Port int32
}

// String returns address:port, the form net.Dial and the MySQL driver take.
func (e Endpoint) String() string { return net.JoinHostPort(e.Address, strconv.Itoa(int(e.Port))) }

// Defaults for [ConnOptions]. They make a connection pool follow a Multi-AZ failover: a dead
// primary is noticed within seconds, no connection outlives a stale DNS answer, and a connection
// that reaches a demoted, read-only server is dropped.
const (
	// DefaultDialTimeout bounds establishing a connection.
	DefaultDialTimeout = 5 * time.Second
	// DefaultReadTimeout bounds each read on a connection, so a query on a socket to a primary
	// that vanished fails instead of hanging.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds each write on a connection, for the same reason.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultDNSTTL is the longest a client may use a resolved endpoint address. The endpoint's
	// record has a TTL of a few seconds, but resolvers and OS caches on the way may keep it longer;
	// AWS advises caching RDS endpoints for at most 60 seconds.
	DefaultDNSTTL = 60 * time.Second
	// DefaultConnMaxLifetime is how long a pooled connection lives: below DefaultDNSTTL, so that
	// after a failover every connection is re-dialled (and the endpoint resolved again) within
	// one DNS TTL.
	DefaultConnMaxLifetime = 50 * time.Second
	// DefaultConnMaxIdleTime closes idle connections sooner still.
	DefaultConnMaxIdleTime = 30 * time.Second
)

// RDSCABundleURL is where AWS publishes the certificate bundle of every RDS certificate
// authority. RDS server certificates chain to these CAs, which system trust stores do not hold:
// load the bundle with [TLSConfig].
const RDSCABundleURL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

// IAMAuth authenticates with IAM database authentication tokens instead of a password. A token
// is valid for 15 minutes, so one is built for every new connection. The database user must have
// been created with the AWSAuthenticationPlugin, and the instance with [Spec].IAMAuth.
type IAMAuth struct {
	// Region is the instance's region, for example "us-east-1". Required.
	Region string
	// Credentials signs the tokens, for example aws.Config.Credentials. Required.
	Credentials aws.CredentialsProvider
}

// ConnOptions configure the connection settings [MySQLConfig], [DSN] and [OpenDB] build.
type ConnOptions struct {
	// User is the database user. Required.
	User string
	// Password is the user's password. Leave empty with IAM.
	Password Password
	// IAM, if not nil, authenticates with IAM tokens (which need TLS) instead of Password.
	IAM *IAMAuth
	// DBName is the default database. Empty means none.
	DBName string
	// TLS is the TLS configuration. Nil means TLS verified against the system's roots with the
	// endpoint's name; RDS's CAs are not in system trust stores, so pass TLSConfig's result (or
	// install RDSCABundleURL system-wide).
	TLS *tls.Config
	// NoTLS connects without TLS, for a local test server only. It is refused with IAM.
	NoTLS bool
	// DialTimeout bounds establishing a connection. Zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// ReadTimeout bounds each read. Zero means DefaultReadTimeout.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// DNSTTL is the longest a client may use a resolved endpoint address; ConnMaxLifetime must be
	// below it. Zero means DefaultDNSTTL.
	DNSTTL time.Duration
	// ConnMaxLifetime is the most a pooled connection lives (OpenDB). Zero means
	// DefaultConnMaxLifetime; it must be below DNSTTL.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle this long (OpenDB). Zero means
	// DefaultConnMaxIdleTime.
	ConnMaxIdleTime time.Duration
	// Params are further DSN parameters (session variables such as "time_zone"), sent as given.
	// Keys that go-sql-driver/mysql reads as its own TLS, authentication, timeout or read-only
	// settings (see driverSettings) are refused: in a DSN they would override what these options
	// set, for example turn TLS off.
	Params map[string]string
}

// driverSettings are the DSN parameters (lowercase) that go-sql-driver/mysql reads as settings of
// its own and that ConnOptions sets or must not be weakened: TLS, the authentication plugins, the
// timeouts, rejectReadOnly and the time parsing.
var driverSettings = map[string]bool{
	"tls": true, "allowallfiles": true, "allowcleartextpasswords": true, "allowfallbacktoplaintext": true,
	"allownativepasswords": true, "allowoldpasswords": true, "serverpubkey": true, "timeout": true,
	"readtimeout": true, "writetimeout": true, "rejectreadonly": true, "parsetime": true, "loc": true,
}

func (o ConnOptions) resolve(ep Endpoint) (ConnOptions, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.DialTimeout, DefaultDialTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.DNSTTL, DefaultDNSTTL)
	def(&o.ConnMaxLifetime, min(DefaultConnMaxLifetime, o.DNSTTL*5/6))
	def(&o.ConnMaxIdleTime, min(DefaultConnMaxIdleTime, o.ConnMaxLifetime))
	var p check.Problems
	p.If(ep.Address == "", "Endpoint.Address is empty (the instance may still be creating)")
	p.If(ep.Port <= 0 || ep.Port > 65535, "Endpoint.Port %d is not a port", ep.Port)
	p.If(o.User == "", "User is empty")
	p.If(o.IAM != nil && o.Password != "", "Password and IAM are both set; IAM tokens replace the password")
	p.If(o.IAM == nil && o.Password == "", "Password is empty and IAM is nil")
	if o.IAM != nil {
		p.If(o.IAM.Region == "", "IAM.Region is empty")
		p.If(o.IAM.Credentials == nil, "IAM.Credentials is nil")
		p.If(o.NoTLS, "NoTLS is set with IAM: IAM tokens are sent in clear text and need TLS")
	}
	p.If(o.NoTLS && o.TLS != nil, "NoTLS and TLS are both set")
	for name, d := range map[string]time.Duration{"DialTimeout": o.DialTimeout, "ReadTimeout": o.ReadTimeout, "WriteTimeout": o.WriteTimeout,
		"DNSTTL": o.DNSTTL, "ConnMaxLifetime": o.ConnMaxLifetime, "ConnMaxIdleTime": o.ConnMaxIdleTime} {
		p.If(d < 0, "%s %s is negative", name, d)
	}
	for k := range o.Params {
		p.If(driverSettings[strings.ToLower(k)], "Params: %q is a go-sql-driver/mysql setting that ConnOptions controls (TLS, authentication, timeouts), not a session variable", k)
	}
	p.If(o.ConnMaxLifetime >= o.DNSTTL, "ConnMaxLifetime %s must be below DNSTTL %s, or connections outlive a stale DNS answer after a failover", o.ConnMaxLifetime, o.DNSTTL)
	return o, p.Err(ErrInvalidSpec)
}

// MySQLConfig returns a go-sql-driver/mysql configuration for the endpoint, fit for a Multi-AZ
// failover: dial, read and write timeouts, rejectReadOnly (a connection that reaches a demoted,
// read-only primary is dropped rather than failing every write), parseTime in UTC, and TLS to the
// endpoint's name. With IAM, a fresh token is built before each connection (BeforeConnect) and
// sent with the clear-text plugin over TLS. Invalid options fail with ErrInvalidSpec naming
// every problem. Use it with mysql.NewConnector and sql.OpenDB, and set the pool's lifetimes as
// OpenDB does.
func MySQLConfig(ep Endpoint, o ConnOptions) (*mysql.Config, error) {
	o, err := o.resolve(ep)
	if err != nil {
		return nil, err
	}
	cfg := mysql.NewConfig()
	cfg.User = o.User
	cfg.Passwd = o.Password.Reveal()
	cfg.Net = "tcp"
	cfg.Addr = ep.String()
	cfg.DBName = o.DBName
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = o.DialTimeout, o.ReadTimeout, o.WriteTimeout
	cfg.RejectReadOnly = true
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if len(o.Params) > 0 {
		cfg.Params = make(map[string]string, len(o.Params))
		for k, v := range o.Params {
			cfg.Params[k] = v
		}
	}
	switch {
	case o.NoTLS:
	case o.TLS != nil:
		cfg.TLS = o.TLS.Clone()
		if cfg.TLS.ServerName == "" {
			cfg.TLS.ServerName = ep.Address
		}
	default:
		cfg.TLS = &tls.Config{ServerName: ep.Address, MinVersion: tls.VersionTLS12}
	}
	if o.IAM != nil {
		iam := *o.IAM
		cfg.AllowCleartextPasswords = true
		err := cfg.Apply(mysql.BeforeConnect(func(ctx context.Context, c *mysql.Config) error {
			token, err := IAMAuthToken(ctx, ep, iam, c.User)
			if err != nil {
				return err
			}
			c.Passwd = token
			return nil
		}))
		if err != nil {
			return nil, fmt.Errorf("rds: configure IAM authentication: %w", err)
		}
	}
	return cfg, nil
}

// DSN returns the settings of MySQLConfig as a DSN string for sql.Open("mysql", dsn). The string
// holds the password: never log it. A custom TLS configuration is registered with the driver
// under the name "rds-<address>". IAM authentication cannot be a static DSN (tokens expire
// after 15 minutes) and fails with ErrInvalidSpec: use OpenDB. The pool lifetimes are not part
// of a DSN: set them with SetConnMaxLifetime and SetConnMaxIdleTime, or use OpenDB.
func DSN(ep Endpoint, o ConnOptions) (string, error) {
	if o.IAM != nil {
		return "", fmt.Errorf("%w: IAM is set: tokens expire after 15 minutes, so use OpenDB, which builds one per connection", ErrInvalidSpec)
	}
	cfg, err := MySQLConfig(ep, o)
	if err != nil {
		return "", err
	}
	if cfg.TLS != nil {
		name := "rds-" + ep.Address
		if err := mysql.RegisterTLSConfig(name, cfg.TLS); err != nil {
			return "", fmt.Errorf("rds: register TLS configuration: %w", err)
		}
		cfg.TLS, cfg.TLSConfig = nil, name
	}
	return cfg.FormatDSN(), nil
}

// OpenDB opens a connection pool on the endpoint with MySQLConfig's settings, and sets the
// pool's ConnMaxLifetime (below the DNS TTL) and ConnMaxIdleTime. Like sql.Open it does not
// connect; call PingContext to check the database answers.
func OpenDB(ep Endpoint, o ConnOptions) (*sql.DB, error) {
	cfg, err := MySQLConfig(ep, o)
	if err != nil {
		return nil, err
	}
	resolved, _ := o.resolve(ep)
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("rds: open %s: %w", ep, err)
	}
	db := sql.OpenDB(conn)
	db.SetConnMaxLifetime(resolved.ConnMaxLifetime)
	db.SetConnMaxIdleTime(resolved.ConnMaxIdleTime)
	return db, nil
}

// IAMAuthToken builds an IAM database authentication token for user on the endpoint (the
// aws-sdk-go-v2 feature/rds/auth signer): a password valid for 15 minutes, which must be sent
// over TLS. It is a credential: never log it.
func IAMAuthToken(ctx context.Context, ep Endpoint, iam IAMAuth, user string) (string, error) {
	token, err := auth.BuildAuthToken(ctx, ep.String(), iam.Region, user, iam.Credentials)
	if err != nil {
		return "", fmt.Errorf("rds: build IAM auth token for %s on %s: %w", user, ep, err)
	}
	return token, nil
}

// TLSConfig returns a TLS configuration that verifies the endpoint against the RDS certificate
// authorities in caBundle (the PEM file at RDSCABundleURL), with TLS 1.2 at least.
func TLSConfig(ep Endpoint, caBundle []byte) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caBundle) {
		return nil, fmt.Errorf("%w: the CA bundle holds no PEM certificate", ErrInvalidSpec)
	}
	return &tls.Config{RootCAs: pool, ServerName: ep.Address, MinVersion: tls.VersionTLS12}, nil
}
