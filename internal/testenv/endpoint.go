package testenv

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// EnvEndpointURL names the environment variable that points the integration suite (build tag
// integration) at an AWS-compatible endpoint such as LocalStack.
const EnvEndpointURL = "AWS_ENDPOINT_URL"

// EnvRealAWS names the environment variable that, set to 1, points the integration suite at real
// AWS: region AWS_REGION (required), credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN. It costs money: see the README's integration section.
const EnvRealAWS = "PORTALKIT_INTEGRATION_AWS"

// Endpoint describes the AWS the integration suite is pointed at: "" (none: the simulated cloud),
// the AWS_ENDPOINT_URL value, or "aws" for real AWS (PORTALKIT_INTEGRATION_AWS=1).
func Endpoint() string {
	if u := os.Getenv(EnvEndpointURL); u != "" {
		return u
	}
	if os.Getenv(EnvRealAWS) == "1" {
		return "aws"
	}
	return ""
}

// EndpointConfig returns an aws.Config for the endpoint the integration suite is pointed at
// ([Endpoint]): region from AWS_REGION (default us-east-1 for an AWS_ENDPOINT_URL, required for
// real AWS), static credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN ("test"/"test" for an AWS_ENDPOINT_URL when unset, as LocalStack accepts), and
// BaseEndpoint set to AWS_ENDPOINT_URL. S3 clients made from it must use path-style addressing
// against an emulator. With no endpoint the test is skipped with a message.
func EndpointConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, problem := endpointConfig()
	if problem != "" {
		t.Skip(problem)
	}
	return cfg
}

// endpointConfig is EndpointConfig without a test: the config, or why there is none.
func endpointConfig() (aws.Config, string) {
	endpoint := Endpoint()
	if endpoint == "" {
		return aws.Config{}, "integration test: set " + EnvEndpointURL + " (for example http://localhost:4566 for LocalStack) or " + EnvRealAWS + "=1 to run it against an endpoint"
	}
	region := os.Getenv("AWS_REGION")
	key, secret, token := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	cfg := aws.Config{Region: region}
	if endpoint == "aws" {
		if region == "" || key == "" || secret == "" {
			return aws.Config{}, EnvRealAWS + "=1 needs AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"
		}
	} else {
		cfg.BaseEndpoint = aws.String(endpoint)
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if key == "" || secret == "" {
			key, secret, token = "test", "test", ""
		}
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, token)
	return cfg, ""
}

// LoadEndpointConfig is EndpointConfig for programs (make integration-clean): the config for
// [Endpoint], or an error saying what to set.
func LoadEndpointConfig() (aws.Config, error) {
	cfg, problem := endpointConfig()
	if problem != "" {
		return aws.Config{}, errors.New("testenv: " + problem)
	}
	return cfg, nil
}

// EnvServices names the environment variable listing the services an endpoint offers, comma
// separated, from ec2, elbv2, elb, acm, s3, autoscaling, rds, route53 and iam (for example "s3" for an S3-only server such as
// gofakes3 or MinIO). Unset means all of them. Sweeps skip the others, and tests that need them
// skip ([CloudEnv.RequireServices]).
const EnvServices = "PORTALKIT_INTEGRATION_SERVICES"

// Offers reports whether the endpoint offers service (see EnvServices); the simulated cloud
// offers every one.
func Offers(service string) bool {
	list := os.Getenv(EnvServices)
	if list == "" || Endpoint() == "" {
		return true
	}
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == service {
			return true
		}
	}
	return false
}

// RequireServices skips the test with a message when the endpoint does not offer one of services
// (see EnvServices).
func (e *CloudEnv) RequireServices(t testing.TB, services ...string) {
	t.Helper()
	for _, s := range services {
		if e.Sim == nil && !Offers(s) {
			t.Skipf("needs %s, which %s does not list for %s", s, EnvServices, e.Endpoint)
		}
	}
}
