package rds_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds"
)

// testPassword is the master password of the test instances; tests check that it never reaches a
// log line or an error message.
const testPassword = rds.Password("Tr0ub4dor&3-horse")

// fixture is a cloud with its default subnets (one per zone) and clients.
type fixture struct {
	env     *testenv.CloudEnv
	rds     *awsrds.Client
	ec2     *ec2.Client
	subnets []string
	zones   []string
	logs    *logBuffer
	run     string // unique per run, for names that may reach a real endpoint
}

func newFixture(t *testing.T, optFns ...func(*awstest.Options)) *fixture {
	t.Helper()
	env := testenv.Cloud(t, optFns...)
	f := &fixture{env: env, rds: awsrds.NewFromConfig(env.Config), ec2: ec2.NewFromConfig(env.Config), logs: &logBuffer{},
		run: fmt.Sprintf("%06d", time.Now().UnixNano()/1000%1000000)}
	subnets, err := f.ec2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}},
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(subnets.Subnets), 2)
	for _, s := range subnets.Subnets {
		f.subnets = append(f.subnets, aws.ToString(s.SubnetId))
		f.zones = append(f.zones, aws.ToString(s.AvailabilityZone))
	}
	return f
}

// scoped returns the fixture on a scope of its environment ([testenv.CloudEnv.Scope]) for t: names
// and tags of the scope, swept when t ends.
func (f *fixture) scoped(t testing.TB) *fixture {
	g := *f
	g.env = f.env.Scope(t)
	return &g
}

// options are what tests use: the environment's clock, the EC2 client for the zone check, a
// capturing debug logger, 10 s / 30 s polls.
func (f *fixture) options(o *rds.Options) {
	o.Clock = f.env.Clock
	o.Subnets = f.ec2
	o.Logger = f.logs.JSONLogger()
}

func (f *fixture) client(t testing.TB, optFns ...func(*rds.Options)) *rds.Client {
	t.Helper()
	c, err := rds.New(f.rds, append([]func(*rds.Options){f.options}, optFns...)...)
	require.NoError(t, err)
	return c
}

// spec is a Multi-AZ MySQL instance across every default subnet, with a given password.
func (f *fixture) spec(name string) rds.Spec {
	return rds.Spec{
		Identifier: name, InstanceClass: "db.t3.micro", MasterPassword: testPassword,
		SubnetGroup: rds.SubnetGroup{Name: name + "-subnets", SubnetIDs: f.subnets},
		Tags:        map[string]string{"portalkit-test-run": f.run},
	}
}

// ensure creates the instance and waits until it is available.
func (f *fixture) ensure(t *testing.T, spec rds.Spec, optFns ...func(*rds.Options)) *rds.Instance {
	t.Helper()
	inst, err := f.client(t, optFns...).Ensure(context.Background(), spec)
	require.NoError(t, err)
	return inst
}

// logBuffer collects slog output from any number of goroutines.
type logBuffer = testenv.LogBuffer

// ec2CreateSubnet makes a subnet in the first zone's VPC and zone.
func ec2CreateSubnet(f *fixture, cidr string) *ec2.CreateSubnetInput {
	out, err := f.ec2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: f.subnets[:1]})
	if err != nil || len(out.Subnets) == 0 {
		panic(fmt.Sprintf("describe subnet: %v", err))
	}
	return &ec2.CreateSubnetInput{VpcId: out.Subnets[0].VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(f.zones[0])}
}
