package awstest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
)

// Injected faults come back as the SDK's typed exception for the code, with the HTTP status AWS
// sends: code that branches with errors.As, or on the status, sees what it would see in AWS.
func TestFailNextGivesTypedExceptions(t *testing.T) {
	cloud := awstest.NewForTest(t)
	ctx := context.Background()
	v2 := elasticloadbalancingv2.NewFromConfig(cloud.Config(), func(o *elasticloadbalancingv2.Options) { o.RetryMaxAttempts = 1 })
	classic := elasticloadbalancing.NewFromConfig(cloud.Config())
	certs := acm.NewFromConfig(cloud.Config(), func(o *acm.Options) { o.RetryMaxAttempts = 1 })

	for _, tc := range []struct {
		service, code string
		status        int
		call          func() error
		typed         func(error) bool
	}{
		{awstest.ServiceELBv2, "TooManyActions", http.StatusBadRequest, func() error {
			_, err := v2.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
			return err
		}, func(err error) bool { var e *elbv2types.TooManyActionsException; return errors.As(err, &e) }},
		{awstest.ServiceELBv2, "TargetGroupAssociationLimit", http.StatusBadRequest, func() error {
			_, err := v2.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
			return err
		}, func(err error) bool {
			var e *elbv2types.TargetGroupAssociationLimitException
			return errors.As(err, &e)
		}},
		{awstest.ServiceELBv2, "HealthUnavailable", http.StatusInternalServerError, func() error {
			_, err := v2.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
			return err
		}, func(err error) bool { var e *elbv2types.HealthUnavailableException; return errors.As(err, &e) }},
		{awstest.ServiceELB, "InvalidSecurityGroup", http.StatusBadRequest, func() error {
			_, err := classic.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{})
			return err
		}, func(err error) bool { var e *elbtypes.InvalidSecurityGroupException; return errors.As(err, &e) }},
		{awstest.ServiceELB, "LoadBalancerNotFound", http.StatusBadRequest, func() error {
			_, err := classic.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{})
			return err
		}, func(err error) bool { var e *elbtypes.AccessPointNotFoundException; return errors.As(err, &e) }},
		{awstest.ServiceACM, "RequestInProgressException", http.StatusBadRequest, func() error {
			_, err := certs.ListCertificates(ctx, &acm.ListCertificatesInput{})
			return err
		}, func(err error) bool { var e *acmtypes.RequestInProgressException; return errors.As(err, &e) }},
		{awstest.ServiceACM, "InternalServerException", http.StatusInternalServerError, func() error {
			_, err := certs.ListCertificates(ctx, &acm.ListCertificatesInput{})
			return err
		}, func(err error) bool { var e *acmtypes.InternalServerException; return errors.As(err, &e) }},
	} {
		t.Run(tc.code, func(t *testing.T) {
			cloud.FailNext(tc.service, "", 1, tc.code)
			err := tc.call()
			require.Error(t, err)
			assert.True(t, tc.typed(err), "typed exception for %s: %T", tc.code, errors.Unwrap(err))
			assert.Equal(t, tc.code, apiCode(err))
			assert.Equal(t, tc.status, httpStatus(err))
		})
	}
}
