package awstest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/stretchr/testify/assert"
)

// As in AWS, MaxHealthyPercentage needs MinHealthyPercentage (RefreshPreferences in the API
// reference).
func TestInstanceRefreshMaxHealthyNeedsMin(t *testing.T) {
	ctx := context.Background()
	f := newASGFixture(t)
	f.group(t, "web", 2)
	_, err := f.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &astypes.RefreshPreferences{MaxHealthyPercentage: aws.Int32(150)}})
	assert.Equal(t, "ValidationError", apiError(t, err).ErrorCode())
}
