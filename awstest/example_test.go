package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/portalkit/portalkit/awstest"
)

// EC2API is what launchAndWait, the code under test in the examples, needs from EC2: the real
// *ec2.Client satisfies it.
type EC2API interface {
	RunInstances(ctx context.Context, in *ec2.RunInstancesInput, optFns ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

// Sleeper is the clock launchAndWait waits on; awstest's virtual clock is one.
type Sleeper interface {
	Sleep(ctx context.Context, d time.Duration) error
}

// launchAndWait is a function a user might want to test: it launches n instances from an image
// and polls every 10 seconds until they all run.
func launchAndWait(ctx context.Context, client EC2API, clock Sleeper, image string, n int32) ([]string, error) {
	out, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(image), MinCount: aws.Int32(n), MaxCount: aws.Int32(n)})
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	for {
		desc, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return nil, fmt.Errorf("describe: %w", err)
		}
		running := 0
		for _, r := range desc.Reservations {
			for _, i := range r.Instances {
				if i.State.Name == ec2types.InstanceStateNameRunning {
					running++
				}
			}
		}
		if running == len(ids) {
			return ids, nil
		}
		if err := clock.Sleep(ctx, 10*time.Second); err != nil {
			return nil, err
		}
	}
}

// Test code that launches instances and waits for them: the wait runs on the virtual clock, so it
// takes no real time, and the call log shows how the code used the API.
func Example() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	client := ec2.NewFromConfig(cloud.Config())
	image := cloud.RegisterImage(awstest.Image{Name: "portal-base-2026-01"})

	start := cloud.Clock().Now()
	ids, err := launchAndWait(ctx, client, cloud.Clock(), image, 2)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("running:", ids)
	fmt.Println("simulated wait:", cloud.Clock().Since(start))
	fmt.Println("calls:", cloud.Calls().Names())
	// Output:
	// running: [i-00000000000000001 i-00000000000000002]
	// simulated wait: 30s
	// calls: [EC2.RunInstances EC2.DescribeInstances EC2.DescribeInstances EC2.DescribeInstances EC2.DescribeInstances]
}

// Throttled calls are retried by the SDK's own retryer, whose backoff runs on the virtual clock;
// each attempt is in the call log.
func ExampleCloud_ThrottleNext() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	client := ec2.NewFromConfig(cloud.Config())

	cloud.ThrottleNext(awstest.ServiceEC2, "DescribeAvailabilityZones", 2)
	out, err := client.DescribeAvailabilityZones(context.Background(), &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("zones:", len(out.AvailabilityZones))
	for _, call := range cloud.Calls() {
		fmt.Printf("attempt %d: %q\n", call.Attempt, call.ErrorCode())
	}
	// Output:
	// zones: 3
	// attempt 1: "RequestLimitExceeded"
	// attempt 2: "RequestLimitExceeded"
	// attempt 3: ""
}

// Eventual consistency: right after RunInstances, the new instance is not found yet.
func ExampleCloud_DelayVisibility() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	client := ec2.NewFromConfig(cloud.Config())
	image := cloud.RegisterImage(awstest.Image{Name: "portal-base-2026-01"})

	cloud.DelayVisibility(awstest.ServiceEC2, 5*time.Second)
	run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(image), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	ids := []string{aws.ToString(run.Instances[0].InstanceId)}

	_, err = client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("at once:", apiErr.ErrorCode())
	}
	_ = cloud.Clock().Sleep(ctx, 5*time.Second)
	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("5s later:", out.Reservations[0].Instances[0].State.Name)
	// Output:
	// at once: InvalidInstanceID.NotFound
	// 5s later: pending
}

// A failed Availability Zone refuses launches, and its instances fail health checks.
func ExampleCloud_FailZone() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	client := ec2.NewFromConfig(cloud.Config())
	image := cloud.RegisterImage(awstest.Image{Name: "portal-base-2026-01"})

	cloud.FailZone("us-east-1a")
	_, err = client.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String(image), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")},
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// InsufficientInstanceCapacity
}

// S3 goes over the wire to the embedded S3 server.
func ExampleCloud_S3Client() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	client := cloud.S3Client()

	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("releases")}); err != nil {
		fmt.Println("error:", err)
		return
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("releases"), Key: aws.String("current"), Body: strings.NewReader("v42")}); err != nil {
		fmt.Println("error:", err)
		return
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("releases"), Key: aws.String("current")})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer got.Body.Close()
	body, _ := io.ReadAll(got.Body)
	fmt.Println(string(body))
	// Output:
	// v42
}

// An operation the cloud does not model fails loudly.
func ExampleErrUnmodeled() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	_, err = ec2.NewFromConfig(cloud.Config()).DescribeKeyPairs(context.Background(), &ec2.DescribeKeyPairsInput{})
	fmt.Println(errors.Is(err, awstest.ErrUnmodeled))
	var ue *awstest.UnmodeledError
	if errors.As(err, &ue) {
		fmt.Println(ue.Service, ue.Operation)
	}
	// Output:
	// true
	// EC2 DescribeKeyPairs
}
