package awserr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
)

func apiErr(code string) error {
	return fmt.Errorf("op: %w", &smithy.GenericAPIError{Code: code, Message: "msg " + code})
}

func httpErr(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("boom"),
	}}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name               string
		err                error
		code               string
		throttle, notFound bool
	}{
		{"nil", nil, "", false, false},
		{"plain error", errors.New("dial tcp: connection refused"), "", false, false},
		{"ec2 throttle", apiErr("RequestLimitExceeded"), "RequestLimitExceeded", true, false},
		{"elb throttle", apiErr("Throttling"), "Throttling", true, false},
		{"route53 prior request", apiErr("PriorRequestNotComplete"), "PriorRequestNotComplete", true, false},
		{"quota is not throttle", apiErr("LimitExceededException"), "LimitExceededException", false, false},
		{"instance not found", apiErr("InvalidInstanceID.NotFound"), "InvalidInstanceID.NotFound", false, true},
		{"target group not found", apiErr("TargetGroupNotFound"), "TargetGroupNotFound", false, true},
		{"rds not found", apiErr("DBInstanceNotFound"), "DBInstanceNotFound", false, true},
		{"route53 no such zone", apiErr("NoSuchHostedZone"), "NoSuchHostedZone", false, true},
		{"access denied", apiErr("AccessDenied"), "AccessDenied", false, false},
		{"http 404", httpErr(404), "", false, true},
		{"http 429", httpErr(429), "", true, false},
		{"http 500", httpErr(500), "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.code, Code(tt.err), "Code")
			assert.Equal(t, tt.throttle, IsThrottle(tt.err), "IsThrottle")
			assert.Equal(t, tt.notFound, IsNotFound(tt.err), "IsNotFound")
		})
	}
}

func TestIsCodeAndMessage(t *testing.T) {
	err := apiErr("InvalidTarget")
	assert.True(t, IsCode(err, "TargetGroupNotFound", "InvalidTarget"))
	assert.False(t, IsCode(err, "TargetGroupNotFound"))
	assert.False(t, IsCode(errors.New("x"), ""))
	assert.Equal(t, "msg InvalidTarget", Message(err))
	assert.Equal(t, "", Message(errors.New("x")))
}
