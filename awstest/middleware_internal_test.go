package awstest

import (
	"context"
	"net/http"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnmodeledServiceFailsLoudly drives the middleware with the stack an SDK client of a service
// the cloud does not model would build, without adding that client as a dependency.
func TestUnmodeledServiceFailsLoudly(t *testing.T) {
	c := New()
	t.Cleanup(c.Close)
	stack := middleware.NewStack("ListStreams", smithyhttp.NewStackRequest)
	require.NoError(t, stack.Initialize.Add(&awsmiddleware.RegisterServiceMetadata{ServiceID: "Kinesis", OperationName: "ListStreams"}, middleware.Before))
	for _, fn := range c.Config().APIOptions {
		require.NoError(t, fn(stack))
	}
	var sent bool
	transport := smithyhttp.ClientDoFunc(func(*http.Request) (*http.Response, error) {
		sent = true
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	_, _, err := middleware.DecorateHandler(smithyhttp.NewClientHandlerWithOptions(transport), stack).Handle(context.Background(), struct{}{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnmodeled)
	assert.EqualError(t, err, "awstest: Kinesis ListStreams is not modeled by the simulated cloud (the awstest package doc lists what is)")
	assert.False(t, sent, "nothing reached the transport")
	assert.Equal(t, []string{"Kinesis.ListStreams"}, c.Calls().Names())
}

func TestAttemptNumber(t *testing.T) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	assert.Equal(t, 1, attemptNumber(req))
	req.Header.Set("Amz-Sdk-Request", "attempt=3; max=3")
	assert.Equal(t, 3, attemptNumber(req))
	assert.Equal(t, 1, attemptNumber(nil))
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"al2023-ami-*-x86_64", "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64", true},
		{"al2023-ami-*-x86_64", "al2023-ami-2023.6.20250101.0-kernel-6.1-arm64", false},
		{"web-?", "web-1", true},
		{"web-?", "web-10", false},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"path/[x]", "path/[x]", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	} {
		assert.Equal(t, tc.want, wildcardMatch(tc.pattern, tc.s), "wildcardMatch(%q, %q)", tc.pattern, tc.s)
	}
}
