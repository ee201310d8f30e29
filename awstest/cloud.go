package awstest

import (
	"fmt"
	"math/rand"
	"net/http"
	"sync"

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
// embedded S3 server on a loopback port. It panics if an option is invalid (the message names every
// invalid field) or the S3 server cannot listen, as httptest.NewServer does.
func New(optFns ...func(*Options)) *Cloud {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		panic(err.Error())
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
