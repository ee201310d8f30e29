package awstest

import (
	"context"
	"io"
	"net/http"
	"strings"
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
	c := NewForTest(t)
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

func TestDeepCopy(t *testing.T) {
	type inner struct {
		Names []string
		N     *int
	}
	type input struct {
		Ptr      *inner
		Items    []inner
		ByKey    map[string]*inner
		Fixed    [2]*int
		Bytes    []byte
		Body     io.Reader
		Nil      *inner
		NilSlice []string
		hidden   *int
	}
	one, two := 1, 2
	body := strings.NewReader("payload")
	orig := &input{
		Ptr: &inner{Names: []string{"a"}, N: &one}, Items: []inner{{Names: []string{"b"}}},
		ByKey: map[string]*inner{"k": {N: &two}}, Fixed: [2]*int{&one, nil}, Bytes: []byte("xy"),
		Body: body, hidden: &two,
	}
	cp, ok := deepCopy(orig).(*input)
	require.True(t, ok)
	require.Equal(t, orig, cp)

	orig.Ptr.Names[0], *orig.Ptr.N = "changed", 10
	orig.Items[0].Names[0] = "changed"
	orig.ByKey["k"].N = nil
	orig.ByKey["new"] = nil
	*orig.Fixed[0] = 11
	orig.Bytes[0] = 'z'

	assert.Equal(t, []string{"a"}, cp.Ptr.Names)
	assert.Equal(t, 1, *cp.Ptr.N)
	assert.Equal(t, []string{"b"}, cp.Items[0].Names)
	assert.Equal(t, 2, *cp.ByKey["k"].N)
	assert.Len(t, cp.ByKey, 1)
	assert.Equal(t, 1, *cp.Fixed[0])
	assert.Equal(t, []byte("xy"), cp.Bytes)
	assert.Same(t, body, cp.Body, "readers are shared, not copied")
	assert.Same(t, orig.hidden, cp.hidden, "unexported fields are kept as they are")
	assert.Nil(t, cp.Nil)
	assert.Nil(t, cp.NilSlice)
	assert.Nil(t, deepCopy(nil))
	assert.Equal(t, "plain", deepCopy("plain"))
}
