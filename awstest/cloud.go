package awstest

import (
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
)

// Cloud is a simulated AWS region and account. Real aws-sdk-go-v2 clients made from
// [Cloud.Config] talk to it; its state lives in memory and its time is a virtual [Clock].
//
// A Cloud is safe for concurrent use: every call is answered under one lock, in arrival order.
// Call Close when finished.
type Cloud struct {
	opts  Options
	clock *Clock
	s3    *s3Server
	http  *http.Client

	mu       sync.Mutex // guards everything below, including every model's state
	closed   bool
	rng      *rand.Rand
	requests uint64
	calls    CallLog
	faults   faults
	services map[string]*service
	// models holds each service model by service ID; each model's file has a typed accessor.
	models map[string]model
}

// New starts a simulated cloud: the service models, with the default VPC and images, and the
// embedded S3 server on a loopback port. Invalid options return an error that matches
// [ErrInvalidOptions] and names every invalid field; nothing is started then. Call Close when
// finished (or use [NewForTest], which does).
func New(optFns ...func(*Options)) (*Cloud, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	c := &Cloud{
		opts:     o,
		clock:    newClock(o.Start),
		rng:      rand.New(rand.NewSource(o.Seed)),
		faults:   newFaults(),
		services: map[string]*service{},
		models:   map[string]model{},
	}
	c.registerServices()
	c.s3 = newS3Server(c.clock)
	c.http = &http.Client{Transport: &loopbackOnly{host: c.s3.host, next: c.s3.transport}}
	return c, nil
}

// NewForTest is New for tests: it fails t on invalid options and closes the cloud when the test
// ends.
func NewForTest(t testing.TB, optFns ...func(*Options)) *Cloud {
	t.Helper()
	c, err := New(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// model is one simulated service: its state and the service it answers as.
type model interface {
	service() *service
}

// register adds a service model. Called from registerServices only.
func (c *Cloud) register(m model) {
	s := m.service()
	if _, dup := c.services[s.id]; dup {
		panic(fmt.Sprintf("awstest: service %s registered twice", s.id))
	}
	c.services[s.id] = s
	c.models[s.id] = m
}

// modelOf returns the registered model of service id, typed.
func modelOf[M model](c *Cloud, id string) M { return c.models[id].(M) }

// Close stops the embedded S3 server and makes every later call fail. It blocks until in-flight S3
// requests have finished and is safe to call more than once.
func (c *Cloud) Close() {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if !already {
		c.s3.close()
	}
}

// Config returns an aws.Config for the cloud: the region, static credentials, an SDK retryer whose
// backoff waits on the virtual clock, and the middleware that answers control-plane calls. Service
// clients made from it (ec2.NewFromConfig(cfg), ...) work unchanged. Its endpoint is the embedded
// S3 server and its HTTP client refuses every other host, so nothing made from it can reach real
// AWS; S3 clients must set UsePathStyle (see [Cloud.S3Client]). Each call returns a fresh copy.
func (c *Cloud) Config() aws.Config {
	return aws.Config{
		Region:       c.opts.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(c.s3.url),
		HTTPClient:   c.http,
		Retryer:      c.newRetryer,
		APIOptions:   []func(*middleware.Stack) error{c.install},
	}
}

// Clock returns the cloud's virtual clock.
func (c *Cloud) Clock() *Clock { return c.clock }

// Region returns the simulated region, for example "us-east-1".
func (c *Cloud) Region() string { return c.opts.Region }

// Zones returns the region's Availability Zone names.
func (c *Cloud) Zones() []string { return append([]string(nil), c.opts.Zones...) }

// AccountID returns the simulated account ID.
func (c *Cloud) AccountID() string { return c.opts.AccountID }
