package route53_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/route53"
)

func txt(name string, values ...string) r53types.ResourceRecordSet {
	rr := r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeTxt, TTL: aws.Int64(300)}
	for _, v := range values {
		rr.ResourceRecords = append(rr.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return rr
}

func TestEnsureRecordsComparesValuesInAnyOrder(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("Example.com", `"b"`, `"a"`)})
	require.NoError(t, err)
	f.cloud.ResetCalls()
	res, err := c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("example.com.", `"a"`, `"b"`)})
	require.NoError(t, err)
	assert.False(t, res.Changed())
	assert.Empty(t, f.changes())
	res, err = c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("example.com.", `"a"`)})
	require.NoError(t, err)
	assert.True(t, res.Changed())

	// Route 53 lists a wildcard's "*" as \052; it still compares equal.
	_, err = c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("*.example.com", `"w"`)})
	require.NoError(t, err)
	assert.Contains(t, f.records(t, f.zoneID), `\052.example.com. TXT`)
	res, err = c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("*.example.com", `"w"`)})
	require.NoError(t, err)
	assert.False(t, res.Changed())
}

// TestChangeBatchLimits: over 1,000 records (an UPSERT counting twice) the changes are refused
// before any call, or split into batches within the limits when asked.
func TestChangeBatchLimits(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	var many []r53types.ResourceRecordSet
	for i := range 300 {
		many = append(many, txt(fmt.Sprintf("r%03d.example.com", i), `"one"`, `"two"`))
	}
	f.cloud.ResetCalls()
	_, err := c.EnsureRecords(ctx, many)
	require.ErrorIs(t, err, route53.ErrBatchTooLarge)
	assert.Contains(t, err.Error(), "1200 records")
	assert.Contains(t, err.Error(), "SplitBatches")
	assert.Empty(t, f.changes(), "refused before any change is sent")

	res, err := c.EnsureRecords(ctx, many, func(o *route53.Options) { o.SplitBatches = true })
	require.NoError(t, err)
	require.Len(t, f.changes(), 2)
	assert.Len(t, res.ChangeIDs, 2)
	assert.Len(t, res.Changes, 300)
	for _, call := range f.changes() {
		assert.LessOrEqual(t, len(sent(call))*4, route53.MaxRecordsPerRequest)
	}

	// Values over 32,000 characters in one record set cannot be sent at all.
	long := make([]string, 80)
	for i := range long {
		long[i] = `"` + strings.Repeat("x", 250) + fmt.Sprint(i) + `"`
	}
	_, err = c.EnsureRecords(ctx, []r53types.ResourceRecordSet{txt("big.example.com", long...)}, func(o *route53.Options) { o.SplitBatches = true })
	require.ErrorIs(t, err, route53.ErrBatchTooLarge)
	assert.Contains(t, err.Error(), "alone")
}

func TestEnsureRecordsValidation(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	_, err := c.EnsureRecords(context.Background(), []r53types.ResourceRecordSet{
		txt("a.example.com", `"x"`),
		{Name: aws.String("b.example.com"), Type: r53types.RRTypeA},
		{Name: aws.String("c.example.org"), Type: r53types.RRTypeA, TTL: aws.Int64(1), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}}},
		{Name: aws.String("d.example.com"), Type: r53types.RRTypeA, TTL: aws.Int64(1), AliasTarget: &r53types.AliasTarget{DNSName: aws.String("x.example.net"), HostedZoneId: aws.String("Z1")}},
		{Name: aws.String("e.example.com"), Type: r53types.RRTypeA, Failover: r53types.ResourceRecordSetFailoverPrimary, AliasTarget: &r53types.AliasTarget{DNSName: aws.String("x.example.net"), HostedZoneId: aws.String("Z1")}},
		txt("a.example.com", `"y"`),
	})
	require.ErrorIs(t, err, route53.ErrInvalidSpec)
	for _, want := range []string{"record 1", "record 2", "not in hosted zone", "record 3", "record 4", "SetIdentifier", "record 5", "listed twice"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = c.EnsureRecords(context.Background(), nil)
	assert.ErrorIs(t, err, route53.ErrInvalidSpec)
}

func TestOptionsValidation(t *testing.T) {
	api := awsroute53.New(awsroute53.Options{Region: "us-east-1"}) // no call is made
	_, err := route53.New(api, func(o *route53.Options) {
		o.RequestsPerSecond = -1
		o.PollInterval = -1
		o.MaxPollInterval = -1
		o.WaitTimeout = -1
		o.RetryTimeout = -1
		o.HostedZoneID = "a/b"
	})
	require.ErrorIs(t, err, route53.ErrInvalidOptions)
	for _, field := range []string{"RequestsPerSecond", "PollInterval", "MaxPollInterval", "WaitTimeout", "RetryTimeout", "HostedZoneID"} {
		assert.Contains(t, err.Error(), field)
	}
	_, err = route53.New(nil)
	assert.ErrorIs(t, err, route53.ErrInvalidOptions)

	// Per-call overrides are validated the same way, before any call.
	c, err := route53.New(api)
	require.NoError(t, err)
	_, err = c.FindZone(context.Background(), "example.com", func(o *route53.Options) { o.WaitTimeout = -1 })
	assert.ErrorIs(t, err, route53.ErrInvalidOptions)
}
