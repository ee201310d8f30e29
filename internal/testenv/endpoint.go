package testenv

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// EnvEndpointURL names the environment variable that points the integration suite (build tag
// integration) at a real endpoint such as LocalStack.
const EnvEndpointURL = "AWS_ENDPOINT_URL"

// EndpointConfig returns an aws.Config for the endpoint in AWS_ENDPOINT_URL, for integration tests:
// region from AWS_REGION (default us-east-1), static test credentials (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY when set, "test"/"test" otherwise, as LocalStack accepts), and the real clock.
// S3 clients made from it must use path-style addressing. Without AWS_ENDPOINT_URL the test is
// skipped with a message, also in CI: the integration suite is opt-in.
func EndpointConfig(t testing.TB) aws.Config {
	t.Helper()
	endpoint := os.Getenv(EnvEndpointURL)
	if endpoint == "" {
		t.Skip("integration test: set " + EnvEndpointURL + " (for example http://localhost:4566 for LocalStack) to run it")
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		key, secret = "test", "test"
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}
